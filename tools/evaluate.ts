import { join } from "node:path";
import type { CapturedResource } from "./capture";
import { readStackSettings } from "./stack-config";

/** The offline evaluation of one stack: every resource the program declared, and its stack outputs. */
export interface Evaluation {
    project: string;
    stack: string;
    resources: CapturedResource[];
    /** By URN: key names of secret maps in the resource's inputs (values stay hidden). */
    secretKeys: Record<string, Record<string, string[]>>;
    unmodelledInvokes: string[];
    seconds: number;
}

export class ProgramError extends Error {}

/**
 * Runs the Pulumi program (index.ts, the same one `pulumi up` runs) against the mock cloud. One evaluation per
 * process: Node caches the program module, and Pulumi's runtime state is global.
 */
export async function evaluateStack(stack: string, root = process.cwd()): Promise<Evaluation> {
    // Pulumi captures a stack trace per resource; without this the plan spends most of its time in source maps.
    Error.stackTraceLimit = 0;
    const started = process.hrtime.bigint();
    const settings = readStackSettings(stack, root);
    const region = settings.config["aws:region"] ?? "us-east-1";

    const pulumi = await import("@pulumi/pulumi");
    const { Recorder } = await import("./capture");
    const recorder = await Recorder.install(settings.project, settings.stack, region);
    pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);

    const failures: Error[] = [];
    const onFailure = (reason: unknown) => failures.push(reason instanceof Error ? reason : new Error(String(reason)));
    process.on("unhandledRejection", onFailure);
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            return require(join(root, "index.ts"));
        });
        await pulumi.runtime.disconnect();
    } catch (error) {
        onFailure(error);
    } finally {
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
    };
}

function asProgramError(error: Error): Error {
    // Configuration errors pass through unchanged: their message already names the key.
    if (error.name === "ConfigError") return error;
    const wrapped = new ProgramError(error.message.split("\n")[0]);
    wrapped.stack = error.stack;
    return wrapped;
}
