import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-cli-"));

function exportFile(name: string, resources: unknown[]): string {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify({ version: 3, deployment: { manifest: {}, resources } }));
    return file;
}

function run(...args: string[]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "policy.ts"), ...args], { cwd: root, encoding: "utf8", timeout: 30000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const stackRes = { urn: "urn:pulumi:dev::shop::pulumi:pulumi:Stack::shop-dev", custom: false, type: "pulumi:pulumi:Stack" };
const tags = { project: "shop", environment: "dev", region: "ap-south-1", "cost-centre": "cc-1" };
const insecure = exportFile("insecure.json", [
    stackRes,
    {
        urn: "urn:pulumi:dev::shop::aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule::ssh",
        custom: true,
        type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        inputs: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "::/0", securityGroupId: "sg-1", tags },
        outputs: {},
        parent: stackRes.urn,
    },
]);
const secure = exportFile("secure.json", [
    stackRes,
    {
        urn: "urn:pulumi:dev::shop::aws:sqs/queue:Queue::orders",
        custom: true,
        type: "aws:sqs/queue:Queue",
        inputs: { name: "orders", tags },
        outputs: { arn: "arn:aws:sqs:ap-south-1:1:orders" },
        parent: stackRes.urn,
    },
]);

describe("tools/policy (CONTRACT: npm run policy -- <export.json> [--json])", function () {
    this.timeout(60000);

    it("exits 1 on an export holding an insecure resource and prints the violation", () => {
        const r = run(insecure);
        expect(r.code, r.stderr).to.equal(1);
        expect(r.stdout).to.match(/MANDATORY\s+sg-no-public-admin-ports/);
        expect(r.stdout).to.include("securityGroupIngressRule:SecurityGroupIngressRule::ssh");
    });

    it("exits 0 on a secure export", () => {
        const r = run(secure);
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout).to.match(/No policy violations/);
    });

    it("--json prints the violations as a JSON array of {policy, enforcementLevel, urn, message}", () => {
        const r = run(insecure, "--json");
        expect(r.code).to.equal(1);
        const parsed = JSON.parse(r.stdout) as Record<string, unknown>[];
        expect(parsed).to.be.an("array").that.is.not.empty;
        expect(Object.keys(parsed[0]).sort()).to.deep.equal(["enforcementLevel", "message", "policy", "urn"]);
        expect(JSON.parse(run(secure, "--json").stdout)).to.deep.equal([]);
    });

    it("--config lowers a level (exit 0) with the --policy-config file shape", () => {
        const config = path.join(tmp, "config.json");
        fs.writeFileSync(config, JSON.stringify({ "sg-no-public-admin-ports": "advisory" }));
        const r = run(insecure, "--json", "--config", config);
        expect(r.code, r.stderr).to.equal(0);
        expect((JSON.parse(r.stdout) as { enforcementLevel: string }[]).every((v) => v.enforcementLevel === "advisory")).to.equal(true);
    });

    it("exits 2 when --config names no file (trailing --config, or --config=)", () => {
        for (const args of [[secure, "--config"], [secure, "--config="]]) {
            const r = run(...args);
            expect(r.code, args.join(" ")).to.equal(2);
            expect(r.stderr).to.match(/^policy: --config needs a file/);
        }
    });

    it("exits 2 with a one-line message on unreadable input", () => {
        const garbage = path.join(tmp, "garbage.json");
        fs.writeFileSync(garbage, "not json");
        for (const args of [[path.join(tmp, "missing.json")], [garbage], [exportFile("shape.json", [{ nope: 1 }])], []]) {
            const r = run(...args);
            expect(r.code, args.join(" ")).to.equal(2);
            expect(r.stderr.trim().split("\n")).to.have.length(1);
            expect(r.stderr).to.match(/^policy: /);
        }
    });
});

describe("tools/policy on the shipped prod export as the engine reports it (issue 8, item 7)", function () {
    this.timeout(180000);

    interface ExportDoc {
        deployment: { resources: { custom: boolean; type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] };
    }
    // The multi-language components (awsx:*, eks:*, kubernetes:helm.sh/v4:Chart): every component that is neither
    // the program's own (ecommerce:*) nor the stack. Their provider registers them inside Construct with no inputs.
    const opaque = (r: { custom: boolean; type: string }) => !r.custom && !/^(ecommerce:|pulumi:)/.test(r.type);

    it("exits 0 with the components' inputs emptied, and with their outputs emptied too", () => {
        const planned = path.join(tmp, "prod.json");
        const plan = spawnSync(process.execPath, ["--import", "tsx", path.join(root, "tools", "plan.ts"), "prod", "--out", planned], { cwd: root, encoding: "utf8", timeout: 150000 });
        expect(plan.status, plan.stderr).to.equal(0);
        const doc = JSON.parse(fs.readFileSync(planned, "utf8")) as ExportDoc;
        const components = doc.deployment.resources.filter(opaque);
        expect(components.map((r) => r.type)).to.include.members(["awsx:ec2:Vpc", "eks:index:Cluster"]);

        for (const r of components) r.inputs = {};
        const inputsEmptied = run(exportFile("prod-inputs-emptied.json", doc.deployment.resources));
        expect(inputsEmptied.code, inputsEmptied.stdout + inputsEmptied.stderr).to.equal(0);

        // The pinned providers register outputs of their own (kubeconfig, subnet ids), never the program's arguments:
        // no rule may need them either.
        for (const r of components) r.outputs = {};
        const bothEmptied = run(exportFile("prod-emptied.json", doc.deployment.resources));
        expect(bothEmptied.code, bothEmptied.stdout + bothEmptied.stderr).to.equal(0);
        expect(bothEmptied.stdout).not.to.match(/MANDATORY/);
    });
});
