import { join } from "node:path";
import type { CapturedResource } from "./capture";
import { readStackSettings } from "./stack-config";
import { projectStacks, SELF_MANAGED_ORGANIZATION } from "./stack-references";

/** The offline evaluation of one stack: every resource the program declared, and its stack outputs. */
export interface Evaluation {
    project: string;
    stack: string;
    resources: CapturedResource[];
    /** By URN: key names of secret maps in the resource's inputs (values stay hidden). */
    secretKeys: Record<string, Record<string, string[]>>;
    unmodelledInvokes: string[];
    seconds: number;
    /** Evaluated as a first `pulumi preview`: cloud-computed values are unknown. */
    preview: boolean;
}

export interface EvaluateOptions {
    /** Evaluate as a first `pulumi preview` on an empty account (see MockCloud). */
    preview?: boolean;
    /** Give up after this long (default 120 s, or PLAN_TIMEOUT_SECONDS): a hang is reported, never waited out. */
    timeoutSeconds?: number;
}

export class ProgramError extends Error {}

/**
 * The program did not finish: typically an apply, a promise or a StackReference output that waits on a value that
 * stays unknown in preview. Node exits quietly (code 0) when nothing is left that could settle the program's
 * promises, so without this a hang would look like success.
 */
export class EvaluationStalled extends ProgramError {}

const DEFAULT_TIMEOUT_SECONDS = 120;

interface PendingRegistration { name?: string; type?: string; label?: string; phase?: string; inputProperty?: string }

/**
 * The registrations the SDK has begun and not sent (its own bookkeeping for its promise-leak report; internal, so
 * best effort): "name [type] waiting for input property" is what names the culprit of a hang.
 */
function pendingRegistrations(): string[] {
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const state = require("@pulumi/pulumi/runtime/state") as { getPendingResourceRegistrations(): Map<unknown, PendingRegistration> };
        return [...state.getPendingResourceRegistrations().values()].map((reg) => {
            const what = reg.name && reg.type ? `${reg.name} [${reg.type}]` : reg.label ?? "a resource";
            return reg.inputProperty ? `${what} (input "${reg.inputProperty}")` : reg.phase ? `${what} (${reg.phase})` : what;
        });
    } catch {
        return [];
    }
}

/** Stack outputs (the program module's exports) that have not settled: a promise, or an Output's inner promise. */
function trackExports(exports: unknown): Set<string> {
    const waiting = new Set<string>();
    if (!exports || typeof exports !== "object") return waiting;
    for (const [name, value] of Object.entries(exports)) {
        // Output keeps its value in an internal promise(); a plain promise is its own.
        const inner = value as { promise?: () => Promise<unknown>; then?: unknown };
        const settles = typeof inner?.promise === "function" ? inner.promise() : typeof inner?.then === "function" ? (value as Promise<unknown>) : undefined;
        if (!settles) continue;
        waiting.add(name);
        settles.then(() => waiting.delete(name), () => waiting.delete(name));
    }
    return waiting;
}

export async function evaluateStack(stack: string, root = process.cwd(), options: EvaluateOptions = {}): Promise<Evaluation> {
    const preview = options.preview ?? false;
    const timeoutSeconds = options.timeoutSeconds ?? (Number(process.env.PLAN_TIMEOUT_SECONDS) || DEFAULT_TIMEOUT_SECONDS);
    // Pulumi captures a stack trace per resource; without this the plan spends most of its time in source maps.
    Error.stackTraceLimit = 0;
    const started = process.hrtime.bigint();
    const settings = readStackSettings(stack, root);
    const region = settings.config["aws:region"] ?? "us-east-1";

    const pulumi = await import("@pulumi/pulumi");
    const { Recorder } = await import("./capture");
    const recorder = await Recorder.install(settings.project, settings.stack, region, preview, projectStacks(root, settings.project, SELF_MANAGED_ORGANIZATION));
    pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);

    const failures: Error[] = [];
    const onFailure = (reason: unknown) => failures.push(reason instanceof Error ? reason : new Error(String(reason)));
    process.on("unhandledRejection", onFailure);
    let unsettledOutputs = new Set<string>();
    const run = async () => {
        await pulumi.runtime.runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const exports = require(join(root, "index.ts"));
            unsettledOutputs = trackExports(exports);
            return exports;
        });
        await pulumi.runtime.disconnect();
    };
    // Two ways a hang shows: the event loop empties with the program unfinished (beforeExit), or something keeps
    // the loop alive forever (the timer; unref'd so it never holds a finished process open).
    let timer: NodeJS.Timeout | undefined;
    let onBeforeExit: (() => void) | undefined;
    const stalled = new Promise<never>((_, reject) => {
        const stall = (why: string) => {
            const pending = [...recorder.pending, ...pendingRegistrations(), ...[...unsettledOutputs].map((name) => `stack output ${name}`)];
            const last = recorder.resources.at(-1)?.urn ?? "none";
            reject(new EvaluationStalled(`the program did not finish (${why}${preview ? " in preview: a value unknown in preview never resolves" : ""}); ` +
                `${pending.length > 0 ? `waiting on ${pending.slice(0, 5).join(", ")}${pending.length > 5 ? ` and ${pending.length - 5} more` : ""}; ` : ""}` +
                `last resource registered: ${last}`));
        };
        timer = setTimeout(() => stall(`still running after ${timeoutSeconds} s`), timeoutSeconds * 1000).unref();
        onBeforeExit = () => stall("nothing left that could settle its promises");
        process.once("beforeExit", onBeforeExit);
    });
    try {
        await Promise.race([run(), stalled]);
    } catch (error) {
        onFailure(error);
    } finally {
        clearTimeout(timer);
        if (onBeforeExit) process.off("beforeExit", onBeforeExit);
        process.off("unhandledRejection", onFailure);
    }
    if (failures.length > 0) throw failures[0] instanceof ProgramError ? failures[0] : asProgramError(failures[0]);

    return {
        project: settings.project,
        stack: settings.stack,
        resources: recorder.resources,
        secretKeys: recorder.secretKeys,
        unmodelledInvokes: [...recorder.cloud.unmodelledInvokes],
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        preview,
    };
}

function asProgramError(error: Error): Error {
    // Configuration errors pass through unchanged: their message already names the key.
    if (error.name === "ConfigError") return error;
    const wrapped = new ProgramError(error.message.split("\n")[0]);
    wrapped.stack = error.stack;
    return wrapped;
}
