/**
 * Small typed readers over raw Pulumi config strings. Each reader records a problem that names the key and what is
 * allowed instead of throwing at the first one, so a user fixes a bad stack file in one pass.
 */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid stack config: ${problems.join("; ")}`);
        this.name = "ConfigError";
    }
}

export type RawValues = Readonly<Record<string, string | undefined>>;

export class ConfigReader {
    readonly problems: string[] = [];

    constructor(private readonly namespace: string, private readonly values: RawValues) {}

    /** The full key as a user writes it in `pulumi config set`. */
    key(name: string): string {
        return `${this.namespace}:${name}`;
    }

    fail(name: string, message: string): void {
        this.problems.push(`${this.key(name)}: ${message}`);
    }

    raw(name: string): string | undefined {
        const value = this.values[name];
        return value === undefined || value === "" ? undefined : value;
    }

    string(name: string, fallback: string | undefined, check?: (value: string) => string | undefined): string {
        const value = this.raw(name) ?? fallback;
        if (value === undefined) {
            this.fail(name, "is required");
            return "";
        }
        const problem = check?.(value);
        if (problem) this.fail(name, problem);
        return value;
    }

    oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T | undefined): T {
        const value = this.string(name, fallback, (v) =>
            (allowed as readonly string[]).includes(v) ? undefined : `"${v}" is not allowed; use one of ${allowed.join(", ")}`);
        return value as T;
    }

    integer(name: string, fallback: number, min: number, max: number): number {
        const raw = this.raw(name);
        if (raw === undefined) return fallback;
        const value = Number(raw);
        if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
            this.fail(name, `expected an integer, got "${raw}"`);
            return fallback;
        }
        if (value < min || value > max) {
            this.fail(name, `${value} is out of range; allowed ${min}..${max}`);
        }
        return value;
    }

    boolean(name: string, fallback: boolean): boolean {
        const raw = this.raw(name);
        if (raw === undefined) return fallback;
        if (raw === "true" || raw === "false") return raw === "true";
        this.fail(name, `expected true or false, got "${raw}"`);
        return fallback;
    }

    /** Arrays arrive as JSON strings (that is how Pulumi passes structured config to a program). */
    list(name: string, fallback: string[] | undefined, checkItem?: (item: string) => string | undefined): string[] {
        const raw = this.raw(name);
        if (raw === undefined) {
            if (fallback === undefined) this.fail(name, "is required (a list; use [] for none)");
            return fallback ?? [];
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            this.fail(name, `expected a list such as ["a", "b"], got "${raw}"`);
            return fallback ?? [];
        }
        if (!Array.isArray(parsed) || parsed.some((item) => typeof item !== "string")) {
            this.fail(name, "expected a list of strings");
            return fallback ?? [];
        }
        for (const item of parsed as string[]) {
            const problem = checkItem?.(item);
            if (problem) this.fail(name, problem);
        }
        return parsed as string[];
    }

    oneOfList<T extends string>(name: string, allowed: readonly T[], fallback: T[]): T[] {
        const items = this.list(name, fallback, (item) =>
            (allowed as readonly string[]).includes(item) ? undefined : `"${item}" is not allowed; use any of ${allowed.join(", ")}`);
        if (items.length === 0) this.fail(name, `must name at least one of ${allowed.join(", ")}`);
        return items as T[];
    }
}

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * The known key a misspelt one most likely meant: a case-insensitive match first (config keys are case-sensitive, so
 * dbMultiAZ is not dbMultiAz), else the smallest edit distance on lower-cased names, as the Pulumi CLI suggests
 * attribute names in Pulumi.yaml (sdk/go/common/workspace/project.go, findClosestKey). The CLI stops at distance 2;
 * config keys are longer than its attribute names, so a third of the key's length (at least 2) is tolerated.
 * Ties go to the alphabetically first key, so the suggestion is stable.
 */
export function closestKey(needle: string, known: readonly string[]): string | undefined {
    const lower = needle.toLowerCase();
    const sorted = [...known].sort();
    const sameCase = sorted.find((key) => key.toLowerCase() === lower);
    if (sameCase) return sameCase;
    const limit = Math.max(2, Math.floor(needle.length / 3));
    let best: { key: string; distance: number } | undefined;
    for (const key of sorted) {
        const distance = editDistance(lower, key.toLowerCase());
        if (distance <= limit && (!best || distance < best.distance)) best = { key, distance };
    }
    return best?.key;
}

/** An IPv4 CIDR with its host bits zero, e.g. 10.0.0.0/16. Returns a problem, or undefined when valid. */
export function cidrProblem(value: string, minPrefix = 0, maxPrefix = 32): string | undefined {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
    if (!match) return `"${value}" is not an IPv4 CIDR such as 10.0.0.0/16`;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return `"${value}" is not a valid IPv4 CIDR`;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const hostBits = 2 ** (32 - prefix);
    if (address % hostBits !== 0) return `"${value}" has host bits set; did you mean ${networkOf(address, prefix)}?`;
    if (prefix < minPrefix || prefix > maxPrefix) return `"${value}" must have a prefix between /${minPrefix} and /${maxPrefix}`;
    return undefined;
}

function networkOf(address: number, prefix: number): string {
    const hostBits = 2 ** (32 - prefix);
    const network = address - (address % hostBits);
    return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".")}/${prefix}`;
}
