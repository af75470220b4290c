import { child, mergeTags, type ComponentExpansion, type ModelChild, type ModelContext } from "./model";

/**
 * Model of what awsx:ec2:Vpc creates inside its provider, written from the source of @pulumi/awsx 3.9 (pulumi-awsx
 * awsx/ec2/vpc.ts, subnetDistributorNew.ts, subnetNaming.ts; the ec2 folder is unchanged between tag v3.8.0 and the
 * 3.9 line). Covered: subnetStrategy "Auto" (and explicit cidrBlocks), NAT strategies None/Single/OnePerAz with
 * generated EIPs, gateway and interface VPC endpoints. Anything else is refused by name rather than guessed.
 *
 * Names and parents follow upstream: the aws:ec2/vpc:Vpc carries the component's name and is the parent of the
 * internet gateway, subnets and endpoints; a subnet is the parent of its route table, EIP and NAT gateway; a route
 * table is the parent of its association and route.
 */
const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    routeTable: "aws:ec2/routeTable:RouteTable",
    association: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    route: "aws:ec2/route:Route",
    igw: "aws:ec2/internetGateway:InternetGateway",
    eip: "aws:ec2/eip:Eip",
    nat: "aws:ec2/natGateway:NatGateway",
    endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
} as const;

type SubnetType = "Public" | "Private" | "Isolated" | "Unused";

export interface SubnetSpecInput { type: SubnetType; name?: string; cidrMask?: number; size?: number; cidrBlocks?: string[]; tags?: unknown }
export interface VpcEndpointSpecInput { serviceName: string; vpcEndpointType?: string; privateDnsEnabled?: boolean; subnetIds?: unknown; securityGroupIds?: unknown; routeTableIds?: unknown; policy?: unknown; tags?: unknown }

/** The awsx:ec2:Vpc arguments this model reads; values may be unknown in a preview where awsx allows an Input. */
export interface AwsxVpcInputs {
    cidrBlock?: string;
    numberOfAvailabilityZones?: number;
    availabilityZoneNames?: string[];
    availabilityZoneCidrMask?: number;
    subnetStrategy?: "Legacy" | "Auto" | "AutoMerge" | "Exact";
    subnetSpecs?: SubnetSpecInput[];
    natGateways?: { strategy?: "None" | "Single" | "OnePerAz"; elasticIpAllocationIds?: unknown[] };
    vpcEndpointStrategy?: "Legacy" | "Auto";
    vpcEndpointSpecs?: VpcEndpointSpecInput[];
    enableDnsHostnames?: unknown;
    enableDnsSupport?: unknown;
    instanceTenancy?: unknown;
    tags?: unknown;
}

/** One planned subnet, as awsx's allocator lays it out. */
export interface SubnetPlan { type: SubnetType; name: string; azName: string; azIndex: number; cidrBlock: string; tags?: unknown }

// --- IPv4 arithmetic (awsx uses the `netmask` package; these mirror the parts it relies on) ---------------------------

interface Block { base: number; bits: number }
const size = (bits: number) => 2 ** (32 - bits);
function parseCidr(cidr: string): Block {
    const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
    if (!match) throw new Error(`"${cidr}" is not an IPv4 CIDR block`);
    const address = match.slice(1, 5).reduce((acc, octet) => acc * 256 + Number(octet), 0);
    return block(address, Number(match[5]));
}
/** Like `new Netmask(address, bits)`: the block of that size containing the address. */
const block = (address: number, bits: number): Block => ({ base: address - (address % size(bits)), bits });
const next = (b: Block): Block => ({ base: b.base + size(b.bits), bits: b.bits });
/** netmask's `last` is the last usable host (broadcast - 1) for blocks up to /30; awsx's nextNetmask starts from it. */
const lastHost = (b: Block) => b.base + size(b.bits) - (b.bits <= 30 ? 2 : 1);
const format = (b: Block) => `${[24, 16, 8, 0].map((shift) => Math.floor(b.base / 2 ** shift) % 256).join(".")}/${b.bits}`;
const overlaps = (a: Block, b: Block) => a.base < b.base + size(b.bits) && b.base < a.base + size(a.bits);
const newBits = (count: number) => (count === 0 ? 0 : Math.ceil(Math.log2(count)));
/** Whether two IPv4 ranges share an address (EC2 refuses to peer VPCs whose ranges do). */
export const cidrsOverlap = (a: string, b: string) => overlaps(parseCidr(a), parseCidr(b));

/**
 * awsx 3.9's subnet layout for subnetStrategy "Auto" (subnetDistributorNew.ts allocateSubnetCidrBlocks): the VPC is
 * cut into one block per zone (/vpc + ceil(log2(zones))), each zone's subnets are packed in spec order, aligned to
 * their own size. Throws awsx's own errors when the layout does not fit.
 */
export function layoutSubnets(vpcName: string, vpcCidr: string, zones: string[], specs: SubnetSpecInput[] | undefined, azCidrMask?: number): SubnetPlan[] {
    const vpc = parseCidr(vpcCidr);
    const azBits = azCidrMask ?? vpc.bits + newBits(zones.length);
    const effective = specs ?? defaultSpecs(azBits);
    if (effective.length === 0) throw new Error("No subnets specified");
    const defaultBits = azBits + newBits(effective.length);
    const maskOf = (spec: SubnetSpecInput) => spec.cidrMask ?? (spec.size ? 32 - Math.log2(spec.size) : defaultBits);
    const azSize = size(azBits);
    const total = effective.reduce((sum, spec) => sum + size(maskOf(spec)), 0);
    if (total > azSize) throw new Error(`Subnets are too large for VPC. VPC has ${azSize} addresses, but subnets require ${total} addresses.`);

    const plans: SubnetPlan[] = [];
    let zoneBlock = block(vpc.base, azBits);
    zones.forEach((azName, azIndex) => {
        let current: Block | undefined;
        for (const spec of effective) {
            current = current === undefined ? block(zoneBlock.base, maskOf(spec)) : next(block(lastHost(current), maskOf(spec)));
            plans.push({ type: spec.type, name: subnetName(vpcName, spec, azIndex), azName, azIndex, cidrBlock: format(current), tags: spec.tags });
        }
        zoneBlock = next(zoneBlock);
    });
    rejectOverlaps(plans.filter((p) => p.type !== "Unused"));
    return plans;
}

/** subnetDistributorNew.ts defaultSubnetInputs: a private subnet and a public one half its size, within the first /16. */
function defaultSpecs(azBits: number): SubnetSpecInput[] {
    if (azBits > 26) {
        throw new Error(`Automatic subnet creation requires a VPC with at least /26 available per AZ, but only /${azBits} is available.` +
            "If you do need very small subnets, please specify them explicitly.");
    }
    const widest = Math.max(azBits, 16);
    return [{ type: "Private", cidrMask: widest + 1 }, { type: "Public", cidrMask: widest + 2 }];
}

/** subnetNaming.ts: `<vpc>-<spec name or type>-<zone number>`, the resource name whatever the Name-tag strategy. */
const subnetName = (vpcName: string, spec: SubnetSpecInput, azIndex: number) => `${vpcName}-${spec.name ?? spec.type.toLowerCase()}-${azIndex + 1}`;

/** vpc.ts validateSubnets: the allocator can align a subnet past its zone's block; awsx then reports the overlap. */
function rejectOverlaps(plans: SubnetPlan[]): void {
    const blocks = plans.map((p) => parseCidr(p.cidrBlock));
    const overlapping = plans.filter((_, i) => blocks.some((other, j) => i !== j && overlaps(blocks[i], other)));
    if (overlapping.length === 0) return;
    throw new Error("The following subnets overlap with at least one other subnet. Make the CIDR for the VPC larger, reduce the size of the subnets per AZ, or use less Availability Zones:\n\n" +
        overlapping.map((p, i) => `${i + 1}. ${p.name}: ${p.cidrBlock}\n`).join(""));
}

function explicitLayout(vpcName: string, zones: string[], specs: SubnetSpecInput[]): SubnetPlan[] {
    return zones.flatMap((azName, azIndex) => specs.map((spec) => {
        if (!spec.cidrBlocks || spec.cidrBlocks.length !== zones.length) {
            throw new Error(`Invalid subnet specifications:\n - The number of CIDR blocks in subnetSpecs[${specs.indexOf(spec)}] must match the number of availability zones (${zones.length}).`);
        }
        return { type: spec.type, name: subnetName(vpcName, spec, azIndex), azName, azIndex, cidrBlock: spec.cidrBlocks[azIndex], tags: spec.tags };
    }));
}

/** vpc.ts getDefaultAzs: the first N zones of the region, or awsx's error when the region has fewer. */
function zonesFor(args: AwsxVpcInputs, regionZones: string[]): string[] {
    if (args.availabilityZoneNames && args.numberOfAvailabilityZones) {
        throw new Error("Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified");
    }
    if (args.availabilityZoneNames) return args.availabilityZoneNames;
    const wanted = args.numberOfAvailabilityZones ?? 3;
    if (regionZones.length < wanted) {
        throw new Error(`The configured region for this provider does not have at least ${wanted} Availability Zones. Either specify an explicit list of zones in availabilityZoneNames or choose a region with at least ${wanted} AZs.`);
    }
    return regionZones.slice(0, wanted);
}

const lower = (type: string) => type.toLowerCase();
/** vpc.ts compareSubnetSpecs: within a zone, public subnets first (they host the NAT gateways), isolated last. */
const ORDER: Record<string, number> = { public: 0, private: 1, isolated: 2 };

export function awsxVpcModel(ctx: ModelContext): ComponentExpansion {
    const args = ctx.inputs as AwsxVpcInputs;
    const strategy = args.subnetStrategy ?? "Legacy";
    if (strategy !== "Auto" && !(args.subnetSpecs ?? []).some((s) => s.cidrBlocks)) {
        throw new Error(`offline mock: awsx:ec2:Vpc subnetStrategy "${strategy}" is not modelled (only "Auto" or explicit cidrBlocks)`);
    }
    const zones = zonesFor(args, ctx.zones);
    const natStrategy = args.natGateways?.strategy ?? "OnePerAz";
    const allocationIds = args.natGateways?.elasticIpAllocationIds ?? [];
    if (lower(natStrategy) === "oneperaz" && allocationIds.length > 0 && allocationIds.length !== zones.length) {
        throw new Error(`The number of Elastic IPs, if specified, must match the number of availability zones for the VPC (${zones.length}) when NAT Gateway strategy is '${natStrategy}'`);
    }
    const cidrBlock = args.cidrBlock ?? "10.0.0.0/16";
    const specs = args.subnetSpecs;
    const plans = (specs?.some((s) => s.cidrBlocks) ? explicitLayout(ctx.name, zones, specs) : layoutSubnets(ctx.name, cidrBlock, zones, specs, args.availabilityZoneCidrMask))
        .filter((p) => p.type !== "Unused");
    if (lower(natStrategy) !== "none" && !(plans.some((p) => p.type === "Public") && plans.some((p) => p.type !== "Public"))) {
        throw new Error("If NAT Gateway strategy is 'OnePerAz' or 'Single', public subnets must be declared to host the NAT Gateway resource, along with private or isolated subnets to route through it.");
    }

    const sharedTags = mergeTags({ Name: ctx.name }, args.tags);
    const vpc = child(T.vpc, ctx.name, {
        cidrBlock, enableDnsHostnames: args.enableDnsHostnames, enableDnsSupport: args.enableDnsSupport, instanceTenancy: args.instanceTenancy, tags: sharedTags,
    });
    const vpcId = ctx.id(T.vpc, ctx.name);
    const igw = child(T.igw, ctx.name, { vpcId, tags: sharedTags }, { parent: vpc.key, dependsOn: [vpc.key] });
    const children: ModelChild[] = [vpc, igw];
    const byType: Record<"Public" | "Private" | "Isolated", ModelChild[]> = { Public: [], Private: [], Isolated: [] };
    const routeTables: ModelChild[] = [];
    const nats: ModelChild[] = [];

    zones.forEach((azName, i) => {
        const inZone = plans.filter((p) => p.azName === azName).sort((a, b) => ORDER[lower(a.type)] - ORDER[lower(b.type)]);
        for (const plan of inZone) {
            const subnetId = ctx.id(T.subnet, plan.name);
            const subnet = child(T.subnet, plan.name, {
                vpcId, availabilityZone: plan.azName, mapPublicIpOnLaunch: plan.type === "Public", cidrBlock: plan.cidrBlock,
                assignIpv6AddressOnCreation: false, tags: mergeTags(sharedTags, plan.tags, { Name: plan.name, SubnetType: plan.type }),
            }, { parent: vpc.key, dependsOn: [vpc.key] });
            children.push(subnet);
            byType[plan.type as "Public" | "Private" | "Isolated"].push(subnet);
            const routeTableId = ctx.id(T.routeTable, plan.name);
            const routeTable = child(T.routeTable, plan.name, { vpcId, tags: mergeTags(sharedTags, { Name: plan.name, SubnetType: plan.type }) }, { parent: subnet.key, dependsOn: [subnet.key, vpc.key] });
            routeTables.push(routeTable);
            children.push(routeTable, child(T.association, plan.name, { routeTableId, subnetId }, { parent: routeTable.key, dependsOn: [routeTable.key, subnet.key] }));

            const wantsNat = lower(natStrategy) === "single" ? nats.length < 1 : lower(natStrategy) === "oneperaz" && nats.length < i + 1;
            if (plan.type === "Public" && wantsNat) {
                const natName = `${ctx.name}-${i + 1}`;
                const natTags = mergeTags(args.tags, { Name: natName });
                let allocationId = allocationIds[i];
                const natDeps = [subnet.key];
                if (allocationIds.length === 0) {
                    allocationId = ctx.id(T.eip, natName);
                    const eip = child(T.eip, natName, { tags: natTags }, {
                        parent: subnet.key, dependsOn: [subnet.key],
                        computed: { allocationId, domain: "vpc", publicIp: ctx.cloud(`198.51.100.${10 + i}`) },
                    });
                    children.push(eip);
                    natDeps.push(eip.key);
                }
                const nat = child(T.nat, natName, { subnetId, allocationId, tags: natTags }, { parent: subnet.key, dependsOn: natDeps, computed: { connectivityType: "public" } });
                nats.push(nat);
                children.push(nat);
            }
            if (plan.type === "Public") {
                children.push(child(T.route, plan.name, { routeTableId, gatewayId: ctx.id(T.igw, ctx.name), destinationCidrBlock: "0.0.0.0/0" }, { parent: routeTable.key, dependsOn: [routeTable.key, igw.key] }));
            } else if (plan.type === "Private" && lower(natStrategy) !== "none") {
                const nat = lower(natStrategy) === "single" ? nats[0] : nats[i];
                children.push(child(T.route, plan.name, { routeTableId, natGatewayId: ctx.id(T.nat, nat.name), destinationCidrBlock: "0.0.0.0/0" }, { parent: routeTable.key, dependsOn: [routeTable.key, nat.key] }));
            }
        }
    });
    children.push(...endpoints(ctx, args, vpc, sharedTags, routeTables, byType, zones));

    const ids = (list: ModelChild[]) => list.map((s) => ctx.id(s.type, s.name));
    return {
        children,
        // vpc.ts returns every field of the component (resourceToConstructResult); the program reads the ids.
        programOutputs: {
            vpcId, publicSubnetIds: ids(byType.Public), privateSubnetIds: ids(byType.Private), isolatedSubnetIds: ids(byType.Isolated),
        },
        // awsx's Vpc builds itself in ComponentResource.initialize, after which the SDK calls registerOutputs() with
        // nothing: the component's own state has no outputs; the ids above travel only in the construct response.
        registeredOutputs: {},
    };
}

/** vpc.ts's endpoint loop under vpcEndpointStrategy "Auto": gateways get every generated route table, interfaces a subnet per zone. */
function endpoints(ctx: ModelContext, args: AwsxVpcInputs, vpc: ModelChild, sharedTags: unknown, routeTables: ModelChild[],
    byType: Record<"Public" | "Private" | "Isolated", ModelChild[]>, zones: string[]): ModelChild[] {
    const auto = (args.vpcEndpointStrategy ?? "Legacy") === "Auto";
    const vpcId = ctx.id(vpc.type, vpc.name);
    return (args.vpcEndpointSpecs ?? []).flatMap((spec) => {
        const type = lower(spec.vpcEndpointType ?? "gateway");
        const made: ModelChild[] = [];
        let { securityGroupIds, subnetIds, routeTableIds } = spec;
        if (auto && type === "gateway" && routeTableIds === undefined) routeTableIds = routeTables.map((t) => ctx.id(t.type, t.name));
        if (auto && type === "interface" && subnetIds === undefined) {
            subnetIds = zones.map((_, i) => byType.Private[i] ?? byType.Isolated[i] ?? byType.Public[i]).filter(Boolean).map((s) => ctx.id(s.type, s.name));
        }
        if (auto && type === "interface" && securityGroupIds === undefined) {
            const group = child(T.securityGroup, `${spec.serviceName}-sg`, { vpcId, tags: mergeTags(sharedTags, spec.tags) }, { parent: vpc.key, dependsOn: [vpc.key] });
            const vpcCidr = vpc.inputs.cidrBlock;
            made.push(group, child(T.securityGroupRule, `${spec.serviceName}-ingress`, {
                type: "ingress", securityGroupId: ctx.id(group.type, group.name), protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [vpcCidr],
            }, { parent: vpc.key, dependsOn: [group.key] }));
            securityGroupIds = [ctx.id(group.type, group.name)];
        }
        const privateDnsEnabled = auto && type === "interface" && spec.privateDnsEnabled === undefined ? true : spec.privateDnsEnabled;
        made.push(child(T.endpoint, spec.serviceName, {
            serviceName: spec.serviceName, vpcEndpointType: spec.vpcEndpointType, vpcId, routeTableIds, subnetIds, securityGroupIds,
            privateDnsEnabled, policy: spec.policy, tags: mergeTags(sharedTags, spec.tags),
        }, { parent: vpc.key, dependsOn: [vpc.key], computed: { prefixListId: ctx.cloud(type === "gateway" ? "pl-mock0000s3" : undefined) } }));
        return made;
    });
}

