import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";

/**
 * Whole-stack tests run the offline plan as a black box, once per stack per mocha process, and read its export.
 */
export interface PlannedStack {
    exitCode: number;
    stdout: string;
    resources: CapturedResource[];
    report: {
        resources: number; byType: Record<string, number>; violations: { policy: string; enforcementLevel: string; urn: string; message: string }[];
        /** By URN: key names of secret maps (a Secret's stringData), which the export hides. */
        secretKeys: Record<string, Record<string, string[]>>;
        /** Planned with --preview (a first `pulumi preview`: cloud-computed values unknown). */
        preview: boolean;
    };
}

const ROOT = join(__dirname, "..", "..");
const cache = new Map<string, PlannedStack>();

/** cwd: the project the plan reads (Pulumi.yaml, index.ts); env: added to this process's environment. */
export interface RunOptions { cwd?: string; env?: Record<string, string> }

export function runPlan(stack: string, extraArgs: string[] = [], options: RunOptions = {}): { exitCode: number; stdout: string; stderr: string } {
    try {
        const args = [join(ROOT, "tools", "plan.ts"), ...(stack ? [stack] : []), ...extraArgs];
        const stdout = execFileSync(process.execPath, ["--import", "tsx", ...args], {
            cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000,
        });
        return { exitCode: 0, stdout, stderr: "" };
    } catch (error) {
        const failed = error as { status?: number; stdout?: string; stderr?: string };
        return { exitCode: failed.status ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
    }
}

/** mode "preview": planned with --preview, as a first `pulumi preview` on an empty account. */
export function plannedStack(stack: string, mode: "plan" | "preview" = "plan"): PlannedStack {
    const key = `${stack} ${mode}`;
    const cached = cache.get(key);
    if (cached) return cached;
    const dir = mkdtempSync(join(tmpdir(), `plan-${stack}-`));
    const out = join(dir, "export.json");
    const reportFile = join(dir, "report.json");
    const run = runPlan(stack, ["--out", out, "--report", reportFile, ...(mode === "preview" ? ["--preview"] : [])]);
    if (run.exitCode === 2) throw new Error(`plan of ${stack} failed: ${run.stderr}`);
    const planned: PlannedStack = {
        exitCode: run.exitCode,
        stdout: run.stdout,
        resources: JSON.parse(readFileSync(out, "utf8")).deployment.resources,
        report: JSON.parse(readFileSync(reportFile, "utf8")),
    };
    cache.set(key, planned);
    return planned;
}

export function ofType(stack: PlannedStack, type: string): CapturedResource[] {
    return stack.resources.filter((r) => r.type === type);
}

/** The one resource of a type; fails the test when there is not exactly one. */
export function single(stack: PlannedStack, type: string): CapturedResource {
    const found = ofType(stack, type);
    expect(found, type).to.have.length(1);
    return found[0];
}

/** URNs a resource waits for, directly or through what those wait for (the export's `dependencies`, followed). */
export function dependencyClosure(stack: PlannedStack, resource: CapturedResource): Set<string> {
    const byUrn = new Map(stack.resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const pending = [...resource.dependencies];
    while (pending.length > 0) {
        const urn = pending.pop() as string;
        if (seen.has(urn)) continue;
        seen.add(urn);
        pending.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return seen;
}

/** A throwaway stack file in the project root (the plan reads stacks from there, as the Pulumi CLI does). */
export function withStackFile<T>(body: string, check: (stack: string) => T): T {
    const stack = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const file = join(ROOT, `Pulumi.${stack}.yaml`);
    writeFileSync(file, body);
    try {
        return check(stack);
    } finally {
        rmSync(file, { force: true });
    }
}
