import type { CapturedResource } from "../../tools/capture";
import { Recorder } from "../../tools/capture";

/**
 * In-process component tests: one mock runtime for the whole mocha process (Pulumi's runtime state is global), shared
 * by every test file. Each test declares its components under unique names and then reads what they registered.
 */
Error.stackTraceLimit = 0;
let recorder: Promise<Recorder> | undefined;

export const TEST_REGION = "ap-south-1";

export function mockRuntime(): Promise<Recorder> {
    recorder ??= Recorder.install("ecommerce-platform", "test", TEST_REGION);
    return recorder;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/** Waits until every pending registration has reached the mock cloud. */
export async function settle(): Promise<void> {
    await settings.waitForRPCs();
}

/**
 * Declares components through `declare` (after the runtime is installed), waits for them to register, and returns
 * the resources whose URN names one of `prefix`'s resources (the component and everything under it).
 */
export async function declared(prefix: string, declare: () => void): Promise<Registered> {
    const runtime = await mockRuntime();
    declare();
    await settle();
    return new Registered(runtime.resources.filter((r) => r.urn.split("::").pop()?.startsWith(prefix)));
}

export class Registered {
    constructor(readonly resources: CapturedResource[]) {}

    ofType(type: string): CapturedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The single resource of a type; fails the test when there is not exactly one. */
    one(type: string): CapturedResource {
        const found = this.ofType(type);
        if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.urn).join(", ")}`);
        return found[0];
    }

    named(suffix: string): CapturedResource {
        const found = this.resources.filter((r) => r.urn.endsWith(`::${suffix}`));
        if (found.length !== 1) throw new Error(`expected one resource named ${suffix}, found ${found.length}`);
        return found[0];
    }
}
