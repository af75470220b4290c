/**
 * "Open to the internet" for security-group sources.
 *
 * The defect class is not the literal string "0.0.0.0/0": "::/0", "0::/0", "0.0.0.0/1" + "128.0.0.0/1" and other
 * very short prefixes expose a port to the whole internet too. A source counts as internet-wide when its prefix is
 * shorter than the configured limits (IPv4 /8, IPv6 /16 by default: no organisation owns a larger public block)
 * and it is not inside private space (10/8 is a private /8, fc00::/7 is IPv6 unique-local).
 */

export interface InternetWideLimits {
    /** IPv4 prefixes at or below this length (and not private) count as internet-wide. */
    ipv4MinPrefix: number;
    /** IPv6 prefixes at or below this length (and not unique-local) count as internet-wide. */
    ipv6MinPrefix: number;
}

export const DEFAULT_LIMITS: InternetWideLimits = { ipv4MinPrefix: 8, ipv6MinPrefix: 16 };

function parseIpv4(addr: string): number[] | undefined {
    const parts = addr.split(".");
    if (parts.length !== 4) return undefined;
    const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
    return octets.every((o) => o >= 0 && o <= 255) ? octets : undefined;
}

export function isInternetWide(cidr: string, limits: InternetWideLimits = DEFAULT_LIMITS): boolean {
    const trimmed = cidr.trim().toLowerCase();
    const [addr, prefixText] = trimmed.split("/");
    // A bare address (no prefix) is a single host: not internet-wide.
    if (prefixText === undefined) return false;
    const prefix = Number(prefixText);
    if (!Number.isInteger(prefix)) return false;
    if (addr.includes(":")) {
        if (prefix > limits.ipv6MinPrefix) return false;
        // fc00::/7 (unique local) and fe80::/10 (link local) are not internet sources.
        const first = parseInt(addr.split(":")[0] || "0", 16);
        const uniqueLocal = prefix >= 7 && (first & 0xfe00) === 0xfc00;
        const linkLocal = prefix >= 10 && (first & 0xffc0) === 0xfe80;
        return !uniqueLocal && !linkLocal;
    }
    const octets = parseIpv4(addr);
    if (!octets) return false;
    if (prefix > limits.ipv4MinPrefix) return false;
    const privateBlock = prefix >= 8 && octets[0] === 10;
    return !privateBlock;
}
