/**
 * Fidelity of the engine-free runner against the REAL policy SDK path: the pack's own gRPC analyzer (policies/index.ts
 * -> @pulumi/policy's server), driven with Configure / Analyze / AnalyzeStack requests built as the engine builds
 * them (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go; inputs to Analyze, outputs to AnalyzeStack, the
 * provider's inputs to both, as pkg/resource/deploy/step_generator.go and analyze_snapshot.go fill them), over an
 * export shaped like a real one. Both must report the same violations.
 */
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import { createRequire } from "module";
import * as path from "path";
import type * as grpcTypes from "@grpc/grpc-js";
import type * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import type * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as structPb from "google-protobuf/google/protobuf/struct_pb";
import { allPolicies } from "../../policies/rules/all";
import { ExportedResource, runPolicies } from "../../tools/policy-runner";
import { shapedExport, stack, STACK_URN } from "./helpers";

// The stubs and the Struct class must come from the copies @pulumi/pulumi loads (the server checks instanceof).
const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/proto/analyzer_pb.js"));
const pb = fromPulumi("./analyzer_pb.js") as typeof analyzerPb;
const stubs = fromPulumi("./analyzer_grpc_pb.js") as typeof analyzerGrpc;
const grpc = fromPulumi("@grpc/grpc-js") as typeof grpcTypes;
const { Struct } = fromPulumi("google-protobuf/google/protobuf/struct_pb.js") as typeof structPb;

const LEVEL = { advisory: 0, mandatory: 1, disabled: 2, remediate: 3 } as const;
const LEVEL_NAME = ["advisory", "mandatory", "disabled", "remediate"];

type Finding = string;
const finding = (policy: string, level: string, urn: string, message: string): Finding => `${level} ${policy} ${urn} ${message}`;

function call<Req, Res>(fn: (req: Req, cb: (err: grpcTypes.ServiceError | null, res: Res) => void) => unknown, req: Req): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

describe("policies: the pack's real gRPC analyzer agrees with the engine-free runner", function () {
    this.timeout(90000);
    let child: ChildProcess | undefined;
    let client: analyzerGrpc.AnalyzerClient;

    before(async () => {
        const started = spawn(process.execPath, ["--import", "tsx", "index.ts"], { cwd: path.resolve(__dirname, "..", "..", "policies"), stdio: ["ignore", "pipe", "pipe"] });
        child = started;
        const port = await new Promise<number>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("the policy pack printed no port within 60 s")), 60000);
            let out = "";
            started.stdout!.on("data", (d: Buffer) => {
                out += d.toString();
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) {
                    clearTimeout(timer);
                    resolve(Number(m[1]));
                }
            });
            started.on("exit", (code) => reject(new Error(`the policy pack exited (${code})`)));
        });
        client = new stubs.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
        // The CLI sends every policy's level and its configSchema defaults (the analyzer applies none itself).
        const configure = new pb.ConfigureAnalyzerRequest();
        for (const p of allPolicies) {
            const c = new pb.PolicyConfig();
            c.setEnforcementlevel(LEVEL[p.enforcementLevel ?? "advisory"]);
            const defaults: Record<string, unknown> = {};
            for (const [k, schema] of Object.entries(p.configSchema?.properties ?? {})) if (schema.default !== undefined) defaults[k] = schema.default;
            c.setProperties(Struct.fromJavaScript(defaults as Record<string, structPb.JavaScriptValue>));
            configure.getPolicyconfigMap().set(p.name, c);
        }
        await call(client.configure.bind(client), configure);
    });

    after(() => {
        client?.close();
        if (child && child.exitCode === null) child.kill();
    });

    const struct = (o: Record<string, unknown> | undefined) => Struct.fromJavaScript(JSON.parse(JSON.stringify(o ?? {})) as Record<string, structPb.JavaScriptValue>);
    const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

    async function analyzeWithGrpc(resources: ExportedResource[]): Promise<Finding[]> {
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const provider = (r: ExportedResource) => {
            const p = r.provider ? byUrn.get(r.provider.replace(/::[^:]*$/, "")) : undefined;
            if (!p) return undefined;
            const msg = new pb.AnalyzerProviderResource();
            msg.setType(p.type).setUrn(p.urn).setName(nameOf(p.urn)).setProperties(struct(p.inputs));
            return msg;
        };
        const options = (r: ExportedResource) => new pb.AnalyzerResourceOptions().setParent(r.parent ?? "");
        const found: Finding[] = [];
        const collect = (res: analyzerPb.AnalyzeResponse, fallbackUrn: string) => {
            for (const d of res.getDiagnosticsList()) {
                // The SDK prefixes the policy's description to each message ("<description>\n<message>"); the runner does not.
                const prefix = `${d.getDescription()}\n`;
                const message = d.getMessage().startsWith(prefix) ? d.getMessage().slice(prefix.length) : d.getMessage();
                found.push(finding(d.getPolicyname(), LEVEL_NAME[d.getEnforcementlevel()], d.getUrn() || fallbackUrn, message));
            }
        };
        for (const r of resources) {
            const req = new pb.AnalyzeRequest().setType(r.type).setUrn(r.urn).setName(nameOf(r.urn)).setProperties(struct(r.inputs)).setOptions(options(r));
            const p = provider(r);
            if (p) req.setProvider(p);
            collect(await call(client.analyze.bind(client), req), r.urn);
        }
        const stackReq = new pb.AnalyzeStackRequest();
        stackReq.setResourcesList(
            resources.map((r) => {
                const msg = new pb.AnalyzerResource().setType(r.type).setUrn(r.urn).setName(nameOf(r.urn)).setProperties(struct(r.outputs)).setOptions(options(r));
                msg.setParent(r.parent ?? "").setDependenciesList(r.dependencies ?? []);
                const p = provider(r);
                if (p) msg.setProvider(p);
                return msg;
            }),
        );
        collect(await call(client.analyzeStack.bind(client), stackReq), STACK_URN);
        return found.sort();
    }

    const cases: [string, ExportedResource[]][] = [
        ["compliant", shapedExport()],
        ["public node subnets, open endpoint, one NAT in prod", shapedExport({ nodesInPublicSubnets: true, endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"], natGateways: 1 })],
        ["dev with a NAT per AZ and no flow log", shapedExport({ environment: "dev" }).filter((r) => r.type !== "aws:ec2/flowLog:FlowLog")],
    ];
    for (const [label, resources] of cases) {
        it(`${label}: same violations through the SDK's server as through the runner`, async () => {
            const all = [stack(), ...resources];
            const viaRunner = runPolicies(all).map((v) => finding(v.policy, v.enforcementLevel, v.urn, v.message)).sort();
            expect(await analyzeWithGrpc(all)).to.deep.equal(viaRunner);
        });
    }

    it("the violating case is not vacuous", async () => {
        const found = await analyzeWithGrpc([stack(), ...cases[1][1]]);
        expect(found.filter((f) => f.startsWith("mandatory")).map((f) => f.split(" ")[1])).to.include.members(["ec2-nodes-no-public-ip", "eks-endpoint-restricted"]);
        expect(found.map((f) => f.split(" ")[1])).to.include("vpc-nat-strategy");
    });
});
