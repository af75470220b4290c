/**
 * `npm run check:replacements -- <preview.json> [--deletes]`
 *
 * Reads what `pulumi preview --json` prints (pulumi/pulumi pkg/display/json.go, PreviewDigest: `steps[]` with `op`,
 * `urn`, `oldState`/`newState` carrying `type`, and `replaceReasons`) and fails when a step would replace a stateful
 * resource (tools/stateful-types.ts): CI runs it after a real preview, before any `pulumi up`. `--deletes` fails on
 * their deletion too. Exit 0: none; 1: at least one (each listed with its reasons); 2: unreadable input or bad usage.
 */
import { readFileSync } from "node:fs";
import { statefulSelectorOf, typeOfUrn } from "./stateful-types";

const USAGE = "usage: npm run check:replacements -- <preview.json> [--deletes]   (pulumi preview --json > preview.json)";
/** Step ops of a replacement (pkg/resource/deploy/step.go: OpReplace and the steps a replacement is made of). */
const REPLACEMENT_OPS = ["replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement"];

interface PreviewStep {
    op: string;
    urn: string;
    oldState?: { type?: string };
    newState?: { type?: string };
    replaceReasons?: string[];
}

export interface StatefulChange { op: string; urn: string; type: string; why: string; reasons: string[] }

/** The steps of a preview that replace (or, with deletes, delete) a stateful resource; one entry per URN. */
export function statefulChanges(preview: unknown, options: { deletes?: boolean } = {}): StatefulChange[] {
    const steps = (preview as { steps?: unknown })?.steps;
    if (!Array.isArray(steps)) throw new Error("no `steps` array: is this the output of `pulumi preview --json`?");
    const ops = options.deletes ? [...REPLACEMENT_OPS, "delete"] : REPLACEMENT_OPS;
    const found = new Map<string, StatefulChange>();
    for (const step of steps as PreviewStep[]) {
        if (!ops.includes(step.op) || typeof step.urn !== "string") continue;
        const type = step.newState?.type ?? step.oldState?.type ?? typeOfUrn(step.urn);
        const selector = statefulSelectorOf(step.urn, type);
        if (selector && !found.has(step.urn)) found.set(step.urn, { op: step.op, urn: step.urn, type, why: selector.why, reasons: step.replaceReasons ?? [] });
    }
    return [...found.values()];
}

function main(argv: string[]): number {
    const files = argv.filter((a) => !a.startsWith("-"));
    const flags = argv.filter((a) => a.startsWith("-"));
    if (flags.includes("-h") || flags.includes("--help")) {
        console.log(USAGE);
        return 0;
    }
    const unknown = flags.find((f) => f !== "--deletes");
    if (unknown || files.length !== 1) {
        console.error(`check-replacements: ${unknown ? `unexpected argument ${unknown}` : "one preview file"}. ${USAGE}`);
        return 2;
    }
    let changes: StatefulChange[];
    try {
        changes = statefulChanges(JSON.parse(readFileSync(files[0], "utf8")), { deletes: flags.includes("--deletes") });
    } catch (error) {
        console.error(`check-replacements: ${files[0]}: ${(error as Error).message}`);
        return 2;
    }
    if (changes.length === 0) {
        console.log("No stateful resource is replaced.");
        return 0;
    }
    console.error(`${changes.length} stateful resource(s) would be ${flags.includes("--deletes") ? "replaced or deleted" : "replaced"}:`);
    for (const c of changes) {
        console.error(`  ${c.op} ${c.type} ${c.urn.split("::").pop()} (${c.why})${c.reasons.length > 0 ? `: changed ${c.reasons.join(", ")}` : ""}`);
    }
    console.error("If this is intended, apply it by hand after a backup (README, \"Protection\"); otherwise change the program back.");
    return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
