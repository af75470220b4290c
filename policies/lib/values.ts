/**
 * Readers for untyped resource properties.
 *
 * Policies receive plain JSON (inputs from the engine, or a stack export), wrapped by the analyzer's
 * unknown-checking proxy. The SDK's TypeScript types do not help here: exports carry numbers as strings
 * (launch template `encrypted: "true"`), single values where a list is expected, and JSON documents either as
 * strings or as objects. These helpers normalise those shapes so each rule reads one shape.
 */

/** A resource's property bag as policies see it. */
export type Props = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
    return isRecord(value) ? value : undefined;
}

/** A list from a list, a single value, or nothing. */
export function asArray(value: unknown): unknown[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
}

export function asString(value: unknown): string | undefined {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return undefined;
}

/** Booleans arrive as booleans, or as "true"/"false" strings in some AWS schemas (launch templates). */
export function asBool(value: unknown): boolean | undefined {
    if (typeof value === "boolean") return value;
    if (typeof value === "string") {
        const v = value.trim().toLowerCase();
        if (v === "true" || v === "1" || v === "on" || v === "yes") return true;
        if (v === "false" || v === "0" || v === "off" || v === "no") return false;
    }
    if (typeof value === "number") return value !== 0;
    return undefined;
}

export function asNumber(value: unknown): number | undefined {
    if (typeof value === "number" && Number.isFinite(value)) return value;
    if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
    return undefined;
}

export function asStringList(value: unknown): string[] {
    return asArray(value)
        .map(asString)
        .filter((s): s is string => s !== undefined);
}

/** A JSON document given either as a string (aws.iam.Policy.policy) or as an already-parsed object. */
export function parseJsonDocument(value: unknown): unknown {
    if (typeof value === "string") {
        try {
            return JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    return value;
}

/** True for the analyzer's UnknownValueError, recognised by name so this module stays free of runtime imports. */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof Error && e.constructor.name === "UnknownValueError";
}

/**
 * Reads a value that is only used to MATCH resources (e.g. a public access block's `bucket` against a bucket's id).
 * An unknown value cannot match anything, so it reads as undefined instead of aborting the whole stack policy.
 * Never use this for the property a rule judges: an unknown judged value must surface (reported advisory).
 */
export function readForMatching<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) return undefined;
        throw e;
    }
}

/**
 * Runs `fn` on every item, judging the known items even when one of them holds an unknown value, then rethrows the
 * first unknown so the analyzer still reports it (advisory). Without this, one unknown CIDR in a security group
 * would hide a known 0.0.0.0/0 rule beside it.
 */
export function forEachKnown<T>(items: readonly T[], fn: (item: T, index: number) => void): void {
    let pending: unknown;
    for (let i = 0; i < items.length; i++) {
        try {
            fn(items[i], i);
        } catch (e) {
            if (!isUnknownValueError(e)) throw e;
            pending ??= e;
        }
    }
    if (pending !== undefined) throw pending;
}

/** One reader per element of a list: an element's unknown surfaces only when that element is read (see forEachKnown). */
export function itemReaders(value: unknown): (() => unknown)[] {
    const list = asArray(value);
    return Array.from({ length: list.length }, (_, i) => () => list[i]);
}

/**
 * Reads a list element by element: the known items, and the first unknown met (the list itself, or one element;
 * undefined when all are known). The caller decides: a known item may settle the verdict alone (one 0.0.0.0/0
 * among the CIDRs), otherwise it rethrows `pending` so the analyzer reports the rule advisory.
 */
export function knownItems(read: () => unknown): { items: unknown[]; pending: unknown } {
    const items: unknown[] = [];
    let pending: unknown;
    try {
        forEachKnown(itemReaders(read()), (item) => items.push(item()));
    } catch (e) {
        if (!isUnknownValueError(e)) throw e;
        pending = e;
    }
    return { items, pending };
}

/** The known strings of a list (see knownItems). */
export function knownStrings(read: () => unknown): { items: string[]; pending: unknown } {
    const { items, pending } = knownItems(read);
    return { items: items.map(asString).filter((s): s is string => s !== undefined), pending };
}

/**
 * Reads `read()` now; returns a getter that yields the value, or rethrows the unknown met while reading it. Lets a
 * normalised record (an IAM statement) hold an unknown field that only the rules which look at it stumble on.
 */
export function deferUnknown<T>(read: () => T): () => T {
    try {
        const value = read();
        return () => value;
    } catch (e) {
        if (!isUnknownValueError(e)) throw e;
        return () => {
            throw e;
        };
    }
}
