/**
 * Subnet sizing for the regional VPC, and the layout awsx 3.9 derives from it.
 *
 * Pure arithmetic with no Pulumi imports, so stacks/config.ts can refuse an impossible network before any resource
 * is declared, and components/network.ts sizes the subnets it hands to awsx with the same function.
 *
 * How awsx lays out subnets (pulumi-awsx awsx/ec2/subnetDistributorNew.ts, `allocateSubnetCidrBlocks`, subnetStrategy
 * "Auto" with cidrMask specs, unchanged in v3.9.0):
 *   - the VPC is cut into equal zone blocks of prefix `vpcPrefix + ceil(log2(zones))` (3 zones use 4 blocks);
 *   - it throws "Subnets are too large for VPC" when the specs' sizes added up exceed one zone block;
 *   - inside a zone block the first spec starts at the block's base; each next spec starts at the first boundary of
 *     its own size after the previous one ends (`nextNetmask`), so a large subnet after a small one is aligned up;
 *   - it then throws when subnets overlap (awsx/ec2/vpc.ts `validateSubnets`); a subnet pushed past the end of the
 *     VPC is not checked by awsx and fails at AWS (InvalidSubnet.Range) during `pulumi up`.
 */

/** Smallest private subnet per zone: /22 = 1,019 usable addresses (AWS reserves 5 per subnet). */
export const PRIVATE_MIN_PREFIX = 22;
/** Smallest public subnet per zone: /26 = 59 usable addresses, above the /27 AWS asks of load balancer subnets. */
export const PUBLIC_MIN_PREFIX = 26;
/** Largest public subnet: /22 = 1,019 usable addresses, far more than NAT gateways and load balancer nodes ever take. */
export const PUBLIC_MAX_PREFIX = 22;

export interface SubnetMasks {
    /** Prefix length of each zone block awsx cuts the VPC into. */
    zonePrefix: number;
    publicPrefix: number;
    privatePrefix: number;
}

export interface LaidOutSubnet {
    type: "Public" | "Private";
    /** 1-based, as awsx numbers zones in subnet names. */
    zone: number;
    cidrBlock: string;
}

/** ceil(log2(count)) as awsx computes it (`newBits`). */
function newBits(count: number): number {
    return count === 0 ? 0 : Math.ceil(Math.log2(count));
}

function parseCidr(cidr: string): { base: number; prefix: number } {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match) throw new Error(`"${cidr}" is not an IPv4 CIDR`);
    const address = match.slice(1, 5).map(Number).reduce((acc, octet) => acc * 256 + octet, 0);
    const prefix = Number(match[5]);
    const size = 2 ** (32 - prefix);
    // Netmask (the library awsx uses) drops host bits the same way.
    return { base: address - (address % size), prefix };
}

function formatCidr(base: number, prefix: number): string {
    return `${[24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join(".")}/${prefix}`;
}

/**
 * The subnet sizes for a VPC prefix and zone count:
 *   zonePrefix    = vpcPrefix + ceil(log2(zones))            (awsx's zone block)
 *   privatePrefix = zonePrefix + 1                           (half the zone block: the largest subnet that leaves
 *                                                             room for a public one, because with the VPC CNI every
 *                                                             pod takes a private address)
 *   publicPrefix  = max(zonePrefix + 4, PUBLIC_MAX_PREFIX)   (1/16 of the zone block, never more than a /22: only NAT
 *                                                             gateways and load balancer nodes live there)
 * The public subnet comes first in the zone block and the private one is aligned up to the block's second half, so
 * the other 7/16 of the first half stay free for subnets added later (an isolated database tier, say).
 */
export function subnetMasks(vpcPrefix: number, zones: number): SubnetMasks {
    const zonePrefix = vpcPrefix + newBits(zones);
    return { zonePrefix, privatePrefix: zonePrefix + 1, publicPrefix: Math.max(zonePrefix + 4, PUBLIC_MAX_PREFIX) };
}

/**
 * Lays subnets out exactly as awsx 3.9 does for subnetStrategy "Auto" (see the file comment), in spec order per zone.
 * Returns the subnets, or the problem awsx (or AWS, for a subnet outside the VPC) would stop on.
 */
export function awsxSubnetLayout(
    vpcCidr: string,
    zones: number,
    specs: readonly { type: "Public" | "Private"; cidrMask: number }[],
): { subnets: LaidOutSubnet[]; problem?: string } {
    const vpc = parseCidr(vpcCidr);
    const zonePrefix = vpc.prefix + newBits(zones);
    const zoneSize = 2 ** (32 - zonePrefix);
    const needed = specs.reduce((sum, spec) => sum + 2 ** (32 - spec.cidrMask), 0);
    if (needed > zoneSize) {
        return { subnets: [], problem: `awsx: subnets are too large for VPC; a zone has ${zoneSize} addresses, but subnets require ${needed}` };
    }
    const subnets: (LaidOutSubnet & { base: number; size: number })[] = [];
    for (let zone = 0; zone < zones; zone++) {
        const zoneBase = vpc.base + zone * zoneSize;
        let previousEnd: number | undefined;
        for (const spec of specs) {
            const size = 2 ** (32 - spec.cidrMask);
            // First spec: the zone block's base masked to the spec's size. Next: the block of the spec's size holding
            // the previous subnet's last address, then the one after it (awsx's nextNetmask).
            const base = previousEnd === undefined ? zoneBase - (zoneBase % size) : previousEnd - (previousEnd % size) + size;
            subnets.push({ type: spec.type, zone: zone + 1, cidrBlock: formatCidr(base, spec.cidrMask), base, size });
            previousEnd = base + size - 1;
        }
    }
    const overlapping = subnets.filter((a) => subnets.some((b) => a !== b && a.base < b.base + b.size && b.base < a.base + a.size));
    if (overlapping.length > 0) {
        return { subnets, problem: `awsx: subnets overlap (${overlapping.map((s) => `${s.type.toLowerCase()}-${s.zone} ${s.cidrBlock}`).join(", ")})` };
    }
    const vpcEnd = vpc.base + 2 ** (32 - vpc.prefix);
    const outside = subnets.filter((s) => s.base + s.size > vpcEnd);
    if (outside.length > 0) {
        return { subnets, problem: `AWS: subnets outside the VPC ${vpcCidr} (${outside.map((s) => s.cidrBlock).join(", ")})` };
    }
    return { subnets: subnets.map(({ type, zone, cidrBlock }) => ({ type, zone, cidrBlock })) };
}

/**
 * The CIDRs of the platform's private subnets (nodes, pods and the database subnet group), one per zone in zone order,
 * as awsx lays them out for this VPC and zone count. Throws on a layout awsx or AWS would refuse (networkSizeProblem).
 */
export function privateSubnetCidrs(vpcCidr: string, zones: number): string[] {
    const problem = networkSizeProblem(vpcCidr, zones);
    if (problem) throw new Error(`${vpcCidr}: ${problem}`);
    const { subnets } = awsxSubnetLayout(vpcCidr, zones, platformSubnetSpecs(subnetMasks(parseCidr(vpcCidr).prefix, zones)));
    return subnets.filter((s) => s.type === "Private").map((s) => s.cidrBlock);
}

/** The subnet specs this platform hands awsx, in awsx's order: public first, then private. */
export function platformSubnetSpecs(masks: SubnetMasks): { type: "Public" | "Private"; cidrMask: number }[] {
    return [{ type: "Public", cidrMask: masks.publicPrefix }, { type: "Private", cidrMask: masks.privatePrefix }];
}

/**
 * Why a VPC prefix and zone count cannot hold the platform's subnets, or undefined when they can: the sizes from
 * subnetMasks must meet the minimums and awsx must lay them out inside the VPC.
 */
export function networkSizeProblem(vpcCidr: string, zones: number): string | undefined {
    const { prefix } = parseCidr(vpcCidr);
    const masks = subnetMasks(prefix, zones);
    const tooSmall: string[] = [];
    if (masks.privatePrefix > PRIVATE_MIN_PREFIX) tooSmall.push(`private /${masks.privatePrefix} is below the /${PRIVATE_MIN_PREFIX} minimum (pod addresses)`);
    if (masks.publicPrefix > PUBLIC_MIN_PREFIX) tooSmall.push(`public /${masks.publicPrefix} is below the /${PUBLIC_MIN_PREFIX} minimum`);
    const problem = tooSmall.length > 0 ? tooSmall.join(", ") : awsxSubnetLayout(vpcCidr, zones, platformSubnetSpecs(masks)).problem;
    if (!problem) return undefined;
    return `a /${prefix} VPC over ${zones} zones leaves a /${masks.zonePrefix} per zone: ${problem}; ${whatFits(prefix, zones)}`;
}

/** The nearest layouts that do fit: fewer zones with this VPC, or a larger VPC with these zones. */
function whatFits(prefix: number, zones: number): string {
    const fits = (p: number, z: number) => {
        const m = subnetMasks(p, z);
        return m.privatePrefix <= PRIVATE_MIN_PREFIX && m.publicPrefix <= PUBLIC_MIN_PREFIX;
    };
    const options: string[] = [];
    let maxZones = 0;
    for (let z = 1; z < zones; z++) if (fits(prefix, z)) maxZones = z;
    if (maxZones >= 2) options.push(`at most ${maxZones} zones with a /${prefix}`);
    for (let p = prefix - 1; p >= 16; p--) {
        if (fits(p, zones)) {
            options.push(`a /${p} or larger VPC for ${zones} zones`);
            break;
        }
    }
    return options.length > 0 ? `use ${options.join(", or ")}` : "use a larger VPC or fewer zones";
}

/** Whether two IPv4 ranges share an address (AWS refuses to peer VPCs whose ranges do). */
export function cidrsOverlap(a: string, b: string): boolean {
    const [x, y] = [parseCidr(a), parseCidr(b)];
    const end = (c: { base: number; prefix: number }) => c.base + 2 ** (32 - c.prefix);
    return x.base < end(y) && y.base < end(x);
}
