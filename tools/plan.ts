// npm run plan -- <stack> [--preview] [--out FILE] [--report FILE] | npm run plan -- --help
// The offline plan: evaluates the program against the mock cloud, runs the policy pack, prints a summary.
// Exit 0: no mandatory violation. 1: a mandatory violation. 2: bad usage, bad config, a program error or a hang.
import { readdirSync, writeFileSync } from "node:fs";
import type { CapturedResource } from "./capture";
import { evaluateStack } from "./evaluate";
import { formatViolations, runPolicies, type Violation } from "./policy-runner";

interface PlanArgs { stack: string; preview: boolean; out?: string; report?: string }

export interface PlanReport {
    stack: string;
    /** Planned as a first `pulumi preview` (--preview): cloud-computed values are unknown. */
    preview: boolean;
    resources: number;
    byType: Record<string, number>;
    violations: Violation[];
    /** By URN: key names of secret maps (a Secret's stringData) the export hides; names only, never values. */
    secretKeys: Record<string, Record<string, string[]>>;
}

export const USAGE = "usage: npm run plan -- <stack> [--preview] [--out FILE] [--report FILE] | --help";

/** Stacks are the Pulumi.<stack>.yaml files beside Pulumi.yaml, as the Pulumi CLI finds them. */
function stacksIn(root: string): string[] {
    return readdirSync(root).map((file) => /^Pulumi\.(.+)\.ya?ml$/.exec(file)?.[1]).filter((stack): stack is string => stack !== undefined).sort();
}

function help(root: string): string {
    const stacks = stacksIn(root);
    return [
        USAGE,
        "",
        "Evaluates the Pulumi program (index.ts) of one stack against an offline mock cloud, runs the policy pack and",
        "prints resources by component and the policy verdict. No cloud account and no Pulumi CLI needed.",
        "",
        "Options:",
        "  --preview      evaluate as a first `pulumi preview` on an empty account: every value the cloud computes",
        "                 (ids, ARNs, endpoints, kubeconfig) is unknown; policies that cannot judge one say so",
        "  --out FILE     write the captured stack in `pulumi stack export` shape (unknowns as the engine writes them)",
        "  --report FILE  write a JSON report: resources, counts by type, policy violations",
        "  -h, --help     print this help",
        "",
        `Stacks found (Pulumi.<stack>.yaml): ${stacks.length > 0 ? stacks.join(", ") : "none"}`,
        "",
        "Exit 0: no mandatory violation. 1: a mandatory violation. 2: bad config, a program error or a hang.",
    ].join("\n");
}

function parseArgs(argv: string[]): PlanArgs | "help" {
    const args: Partial<PlanArgs> = { preview: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") return "help";
        if (arg === "--preview") {
            args.preview = true;
        } else if (arg === "--out" || arg === "--report") {
            const value = argv[++i];
            if (!value) throw new UsageError(`${arg} needs a file name`);
            args[arg === "--out" ? "out" : "report"] = value;
        } else if (arg.startsWith("-")) {
            throw new UsageError(`unknown option ${arg}`);
        } else if (args.stack) {
            throw new UsageError(`one stack at a time (got ${args.stack} and ${arg})`);
        } else {
            args.stack = arg;
        }
    }
    if (!args.stack) throw new UsageError("which stack? e.g. npm run plan -- dev");
    return args as PlanArgs;
}

/** Bad command line: reported with the usage line, exit 2. */
class UsageError extends Error {}

/** The stack export shape (`pulumi stack export`), so the real CLI and our policy runner read the same file. */
export function stackExport(resources: CapturedResource[]) {
    return {
        version: 3,
        deployment: {
            manifest: { time: new Date().toISOString(), magic: "", version: "offline-plan" },
            resources,
        },
    };
}

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Resources grouped under the top-level component that declared them (children of the stack). */
function byComponent(resources: CapturedResource[]): [string, number][] {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const topOf = (resource: CapturedResource): CapturedResource => {
        let current = resource;
        for (let parent = byUrn.get(current.parent ?? ""); parent && parent.type !== "pulumi:pulumi:Stack"; parent = byUrn.get(current.parent ?? "")) {
            current = parent;
        }
        return current;
    };
    const counts = countBy(resources.filter((r) => r.custom || r.parent), (r) => {
        const top = topOf(r);
        return `${top.urn.split("::").pop()} (${top.type})`;
    });
    return Object.entries(counts).sort(([, a], [, b]) => b - a);
}

/**
 * What a real `pulumi up` of this plan needs beyond credentials, read from the plan itself. A private API endpoint
 * is the default: the program's Kubernetes provider talks to it, so `pulumi up` must run where it is reachable.
 */
function deployNotes(resources: CapturedResource[]): string[] {
    const clusters = resources.filter((r) => r.type === "aws:eks/cluster:Cluster");
    const privateOnly = clusters.some((c) => (c.inputs.vpcConfig as { endpointPublicAccess?: unknown } | undefined)?.endpointPublicAccess === false);
    const kubernetesObjects = resources.some((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"));
    return privateOnly && kubernetesObjects
        ? ["the EKS API endpoint is private and this stack declares Kubernetes objects: run `pulumi up` and `pulumi preview` from inside the VPC (SSM port forwarding, a VPN, or a CI runner in the VPC), or list your deploy host's /32 in clusterPublicAccessCidrs (README, \"Reaching a private endpoint\")"]
        : [];
}

async function main(): Promise<number> {
    let args: PlanArgs | "help";
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (error) {
        console.error(`plan: ${(error as Error).message}\n${USAGE}`);
        return 2;
    }
    if (args === "help") {
        console.log(help(process.cwd()));
        return 0;
    }
    let evaluation;
    try {
        evaluation = await evaluateStack(args.stack, process.cwd(), { preview: args.preview });
    } catch (error) {
        const err = error as Error;
        console.error(`plan: ${err.name === "ConfigError" ? "" : "program error: "}${err.message}`);
        if (process.env.PLAN_DEBUG) console.error(err.stack);
        return 2;
    }
    const { resources } = evaluation;
    const violations = runPolicies(resources);
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");

    const report: PlanReport = { stack: args.stack, preview: args.preview, resources: resources.length, byType: countBy(resources, (r) => r.type), violations, secretKeys: evaluation.secretKeys };
    if (args.out) writeFileSync(args.out, JSON.stringify(stackExport(resources), null, 2));
    if (args.report) writeFileSync(args.report, JSON.stringify(report, null, 2));

    const mode = args.preview ? "Offline preview (first `pulumi preview`, cloud-computed values unknown)" : "Offline plan";
    console.log(`${mode} of stack "${args.stack}" (${evaluation.project}): ${resources.length} resources in ${evaluation.seconds.toFixed(2)} s`);
    console.log("\nResources by component:");
    for (const [component, count] of byComponent(resources)) console.log(`  ${String(count).padStart(4)}  ${component}`);
    if (evaluation.unmodelledInvokes.length > 0) {
        console.log(`\nInvokes answered by echo (not modelled by the mock cloud): ${evaluation.unmodelledInvokes.join(", ")}`);
    }
    const notes = deployNotes(resources);
    if (notes.length > 0) console.log(`\nBefore a real deploy:\n${notes.map((note) => `  - ${note}`).join("\n")}`);
    console.log(`\nPolicy pack:\n${formatViolations(violations)}`);
    if (args.out) console.log(`\nStack export written to ${args.out}`);
    if (args.report) console.log(`Report written to ${args.report}`);
    return mandatory.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (error: Error) => {
    console.error(`plan: ${error.message}`);
    process.exit(2);
});
