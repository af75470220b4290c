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

const SIG_KEY = "4dabf18193072939515e22adb298388d";

/** Unwraps Pulumi secret envelopes: what the (mock) cloud would actually store. */
export const reveal = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reveal);
    if (!value || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (SIG_KEY in record && "value" in record) return reveal(record.value);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, reveal(v)]));
};

/**
 * Like `declared`, but also returns the plaintext inputs the mock cloud receives (by Pulumi resource name), so a test
 * can check the contents of Secrets, which the captured (export-shaped) inputs only show as ciphertext markers.
 */
export async function declaredWithCloudView(prefix: string, declare: () => void): Promise<{ registered: Registered; cloud: Map<string, Record<string, unknown>> }> {
    const runtime = await mockRuntime();
    const cloud = new Map<string, Record<string, unknown>>();
    const newResource = runtime.cloud.newResource;
    runtime.cloud.newResource = function (args) {
        if (args.name.startsWith(prefix)) cloud.set(args.name, reveal(args.inputs) as Record<string, unknown>);
        return newResource.call(this, args);
    };
    try {
        return { registered: await declared(prefix, declare), cloud };
    } finally {
        runtime.cloud.newResource = newResource;
    }
}
