import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";

const ROOT = join(__dirname, "..", "..");
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

/**
 * Every shipped stack of the project: one Pulumi.<stack>.yaml each (dev, prod and every further prod region), without
 * the throwaway test-* stacks tests write for a moment.
 */
export function allStacks(): string[] {
    return readdirSync(ROOT).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => s !== undefined && !s.startsWith("test-")).sort();
}

/** A captured Kubernetes object with secret placeholders removed (their contents cannot be checked offline). */
export function kubernetesObject(resource: CapturedResource): Record<string, unknown> {
    const strip = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(strip);
        if (value && typeof value === "object") {
            if (SECRET_SIG_KEY in value) return undefined;
            return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, strip(v)]).filter(([, v]) => v !== undefined));
        }
        return value;
    };
    return strip(resource.inputs) as Record<string, unknown>;
}

/** A short name for messages: the URN's last segment with its type. */
export function describe(resource: CapturedResource): string {
    return `${resource.type} ${resource.urn.split("::").pop()}`;
}
