/**
 * Network exposure: security groups (inline rules, legacy rule resources and the VPC rule resources alike,
 * IPv4 and IPv6), each VPC's default security group, gateway endpoint policies and VPC flow logs.
 */
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import { DEFAULT_LIMITS, isInternetWide } from "../lib/cidr";
import { refersTo } from "../lib/companions";
import { forEachStatement } from "../lib/iam";
import { ancestorOfType, descendsFrom, Rule, resourceRule, stackRule } from "../lib/policy";
import { asNumber, asRecord, asString, forEachKnown, itemReaders, knownItems, knownStrings, Props } from "../lib/values";

export const SECURITY_GROUP_TYPES = [
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    "aws:ec2/securityGroupRule:SecurityGroupRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
] as const;

/** Ports never to be reachable from the internet; excluded from sg-no-public-ingress so SSH is reported once. */
export const DEFAULT_ADMIN_PORTS = [22, 3389];

/** One ingress permission in a normalised shape, whichever resource shape declared it. */
export interface Ingress {
    /** "all", "tcp", "udp", "icmp", "icmpv6" or a protocol number as text. */
    protocol: string;
    fromPort: number;
    toPort: number;
    /** The internet-wide sources of this permission (never empty: private-only permissions are not listed). */
    publicSources: string[];
}

function normaliseProtocol(raw: unknown): string {
    const p = (asString(raw) ?? "-1").trim().toLowerCase();
    switch (p) {
        case "-1":
        case "all":
            return "all";
        case "6":
            return "tcp";
        case "17":
            return "udp";
        case "1":
            return "icmp";
        case "58":
            return "icmpv6";
        default:
            return p;
    }
}

/**
 * One ingress permission of `rec`, normalised. Sources are read first and element by element: a permission whose
 * known sources include an internet-wide one is judged on its ports whatever the other (unknown) sources are; one
 * with only private sources is dropped without reading its protocol or ports; only when that depends on an unknown
 * source does the unknown surface (reported advisory).
 */
function ingress(rec: Record<string, unknown>, protocolKey: string, sourceKeys: string[]): Ingress | undefined {
    const lists = sourceKeys.map((k) => knownStrings(() => rec[k]));
    const pending = lists.find((l) => l.pending !== undefined)?.pending;
    const publicSources = lists.flatMap((l) => l.items).filter((s) => isInternetWide(s, DEFAULT_LIMITS));
    if (publicSources.length === 0) {
        if (pending !== undefined) throw pending;
        return undefined;
    }
    const protocol = normaliseProtocol(rec[protocolKey]);
    // Unset or -1 ports mean "all ports" for tcp/udp; AWS also expands all-protocol rules to every port.
    let fromPort = asNumber(rec["fromPort"]) ?? 0;
    let toPort = asNumber(rec["toPort"]) ?? 65535;
    if (protocol === "all" || fromPort < 0) fromPort = 0;
    if (protocol === "all" || toPort < 0) toPort = 65535;
    return { protocol, fromPort, toPort, publicSources };
}

const INLINE_SOURCES = ["cidrBlocks", "ipv6CidrBlocks"];

/** The ingress permissions of a security-group-shaped resource, each read lazily (see forEachKnown). */
function rawIngress(type: string, props: Props): (() => Ingress | undefined)[] {
    switch (type) {
        case "aws:ec2/securityGroup:SecurityGroup":
        case "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
            return itemReaders(props["ingress"]).map((entry) => () => {
                const rec = asRecord(entry());
                return rec ? ingress(rec, "protocol", INLINE_SOURCES) : undefined;
            });
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            return [() => (asString(props["type"]) === "ingress" ? ingress(props, "protocol", INLINE_SOURCES) : undefined)];
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            return [() => ingress(props, "ipProtocol", ["cidrIpv4", "cidrIpv6"])];
        default:
            return [];
    }
}

function covers(rule: Ingress, port: number): boolean {
    return (rule.protocol === "all" || rule.protocol === "tcp" || rule.protocol === "udp") && rule.fromPort <= port && port <= rule.toPort;
}

function describe(rule: Ingress): string {
    const ports = rule.protocol === "all" ? "all traffic" : rule.fromPort === rule.toPort ? `${rule.protocol}/${rule.fromPort}` : `${rule.protocol}/${rule.fromPort}-${rule.toPort}`;
    return `${ports} from ${rule.publicSources.join(", ")}`;
}

function eachPublic(type: string, props: Props, fn: (rule: Ingress) => void): void {
    forEachKnown(rawIngress(type, props), (read) => {
        const rule = read();
        if (rule) fn(rule);
    });
}

export const sgNoPublicAllTraffic = resourceRule({
    name: "sg-no-public-all-traffic",
    description: "Security groups must not admit all protocols (-1/all) from the internet (0.0.0.0/0, ::/0 or any internet-wide range).",
    enforcementLevel: "mandatory",
    types: SECURITY_GROUP_TYPES,
    validate: (props, args, report) =>
        eachPublic(args.type, props, (rule) => {
            if (rule.protocol === "all") report(`Ingress admits ${describe(rule)}.`);
        }),
});

interface AdminPortsConfig {
    adminPorts: number[];
}

export const sgNoPublicAdminPorts = resourceRule<AdminPortsConfig>({
    name: "sg-no-public-admin-ports",
    description: "Administrative ports (SSH 22, RDP 3389) must not be reachable from the internet, whatever the port range that includes them.",
    enforcementLevel: "mandatory",
    types: SECURITY_GROUP_TYPES,
    configSchema: { properties: { adminPorts: { type: "array", items: { type: "integer" }, default: DEFAULT_ADMIN_PORTS } } },
    validate: (props, args, report, config) =>
        eachPublic(args.type, props, (rule) => {
            if (rule.protocol === "all") return; // reported by sg-no-public-all-traffic
            const hit = config.adminPorts.filter((p) => covers(rule, p));
            if (hit.length > 0) report(`Ingress ${describe(rule)} exposes administrative port(s) ${hit.join(", ")} to the internet.`);
        }),
});

interface PublicIngressConfig {
    allowedPublicPorts: number[];
}

export const sgNoPublicIngress = resourceRule<PublicIngressConfig>({
    name: "sg-no-public-ingress",
    description: "Internet-wide ingress is allowed only on the load-balancer web ports (80/443 by default); every other port must be private.",
    enforcementLevel: "mandatory",
    types: SECURITY_GROUP_TYPES,
    configSchema: {
        properties: { allowedPublicPorts: { type: "array", items: { type: "integer" }, default: [80, 443] } },
    },
    validate: (props, args, report, config) =>
        eachPublic(args.type, props, (rule) => {
            // All-protocol and admin-port exposure have their own rules: report each defect once.
            if (rule.protocol === "all" || DEFAULT_ADMIN_PORTS.some((p) => covers(rule, p))) return;
            const onlyAllowed =
                (rule.protocol === "tcp" || rule.protocol === "udp") &&
                rule.toPort - rule.fromPort < 65535 &&
                rangeWithin(rule.fromPort, rule.toPort, config.allowedPublicPorts);
            if (!onlyAllowed) report(`Ingress ${describe(rule)} is open to the internet; only ports ${config.allowedPublicPorts.join(", ")} may be.`);
        }),
});

function rangeWithin(from: number, to: number, allowed: number[]): boolean {
    for (let p = from; p <= to; p++) if (!allowed.includes(p)) return false;
    return true;
}

const VPC_COMPONENT = "awsx:ec2:Vpc";
const VPC = "aws:ec2/vpc:Vpc";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

export const vpcFlowLogs = stackRule({
    name: "vpc-flow-logs",
    description: "Every VPC (aws:ec2/vpc:Vpc, including the one an awsx:ec2:Vpc creates) has a flow log, for incident investigation.",
    enforcementLevel: "advisory",
    validate: (args, report: ReportViolation) => {
        const vpcs = vpcsOf(args.resources);
        if (vpcs.length === 0) args.notApplicable("no VPC in the stack");
        const flowLogs = args.resources.filter((r) => r.type === FLOW_LOG);
        for (const vpc of vpcs) {
            if (!flowLogs.some((f) => refersToVpc(f, vpc))) report(`VPC ${nameOfVpc(vpc)} has no aws.ec2.FlowLog referring to it.`, vpc.urn);
        }
    },
});

/**
 * The VPCs of a stack: every aws:ec2/vpc:Vpc, including those an awsx component creates. An awsx component whose VPC
 * child the export lacks (an older offline export) stands for that VPC; it is matched through dependency edges and
 * its registered vpcId output only, never through its inputs.
 */
function vpcsOf(resources: PolicyResource[]): PolicyResource[] {
    const plain = resources.filter((r) => r.type === VPC);
    return [...plain, ...resources.filter((r) => r.type === VPC_COMPONENT && !plain.some((v) => descendsFrom(v, r.urn)))];
}

/** Whether a resource's vpcId names this VPC: directly, or (as a program passes `awsxVpc.vpcId`) through its awsx owner. */
function refersToVpc(resource: PolicyResource, vpc: PolicyResource): boolean {
    const owner = vpc.type === VPC_COMPONENT ? vpc : ancestorOfType(vpc, (t) => t === VPC_COMPONENT);
    return refersTo(resource, vpc, "vpcId", ["id", "vpcId"]) || (owner !== undefined && refersTo(resource, owner, "vpcId", ["vpcId"]));
}

function nameOfVpc(vpc: PolicyResource): string {
    return (ancestorOfType(vpc, (t) => t === VPC_COMPONENT) ?? vpc).name;
}

const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

export const vpcDefaultSecurityGroupClosed = stackRule({
    name: "vpc-default-sg-closed",
    description: "Every VPC's default security group is adopted (aws.ec2.DefaultSecurityGroup) with no ingress and no egress rules: AWS creates it admitting all traffic among its members and all egress, and anything launched without a group lands in it (CIS AWS Foundations 5.4, AWS FSBP EC2.2).",
    enforcementLevel: "mandatory",
    validate: (args, report: ReportViolation) => {
        const vpcs = vpcsOf(args.resources);
        const groups = args.resources.filter((r) => r.type === DEFAULT_SG);
        if (vpcs.length === 0 && groups.length === 0) args.notApplicable("no VPC in the stack");
        // A managed default group with rules is open by declaration, whichever VPC it belongs to.
        forEachKnown(groups, (group) => {
            const rules = ["ingress", "egress"].filter((key) => {
                const { items, pending } = knownItems(() => group.props[key]);
                if (items.length > 0) return true;
                if (pending !== undefined) throw pending;
                return false;
            });
            if (rules.length > 0) report(`The default security group keeps ${rules.join(" and ")} rules; declare it with ingress: [] and egress: [].`, group.urn);
        });
        for (const vpc of vpcs) {
            if (!groups.some((g) => refersToVpc(g, vpc))) {
                report(`VPC ${nameOfVpc(vpc)} leaves its default security group as AWS creates it (all traffic among members, all egress); adopt it with an aws.ec2.DefaultSecurityGroup with no rules.`, vpc.urn);
            }
        }
    },
});

const VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

/** Why an endpoint policy document admits everything (none given, or a bare Allow of every action on every resource). */
function fullAccessProblem(readPolicy: () => unknown): string | undefined {
    const policy = readPolicy();
    if (policy === undefined || policy === null || policy === "") return "has no policy: it admits every action on every bucket of every account";
    let open = false;
    forEachStatement(policy, (s) => {
        const everyAction = s.actions.some((a) => a === "*" || a.toLowerCase() === "s3:*");
        if (s.effect === "Allow" && everyAction && s.resources.includes("*") && Object.keys(s.condition).length === 0) open = true;
    });
    return open ? "has a policy that allows every action on every resource without a condition (the default full access)" : undefined;
}

const isGateway = (type: unknown) => (asString(type) ?? "Gateway").toLowerCase() === "gateway";

export const vpcGatewayEndpointPolicy = resourceRule({
    name: "vpc-gateway-endpoint-policy",
    description: "Gateway VPC endpoints (S3, DynamoDB) carry a policy narrower than the default full access, e.g. the account's own resources (aws:ResourceAccount) plus named AWS service buckets: otherwise the endpoint is a path to any account's bucket in the region.",
    enforcementLevel: "advisory",
    types: [VPC_ENDPOINT],
    validate: (props, _args, report) => {
        if (!isGateway(props["vpcEndpointType"])) return;
        const problem = fullAccessProblem(() => props["policy"]);
        if (problem) report(`Gateway endpoint ${asString(props["serviceName"]) ?? ""} ${problem}.`);
    },
});

const ROUTE = "aws:ec2/route:Route";
/** RFC 1918: the only ranges a VPC (and so a peered VPC's subnet) can have here. */
const PRIVATE_IPV4 = [{ base: 10 << 24 >>> 0, prefix: 8 }, { base: ((172 << 24) | (16 << 16)) >>> 0, prefix: 12 }, { base: ((192 << 24) | (168 << 16)) >>> 0, prefix: 16 }];

/** An IPv4 CIDR's base and prefix, or undefined when it is not one. */
function ipv4Block(cidr: string): { base: number; prefix: number } | undefined {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match || match.slice(1, 5).some((o) => Number(o) > 255) || Number(match[5]) > 32) return undefined;
    return { base: match.slice(1, 5).reduce((acc, o) => acc * 256 + Number(o), 0), prefix: Number(match[5]) };
}

interface PeeringRouteConfig {
    /** The widest destination a peering route may name (a peer's subnets, not its whole supernet). */
    minPrefix: number;
}

export const vpcPeeringRoutesPrivate = resourceRule<PeeringRouteConfig>({
    name: "vpc-peering-routes-private",
    description: "A route through a VPC peering names a private IPv4 range (RFC 1918) no wider than /16 (configurable): a peer's subnets, never a default route or public space sent to another VPC.",
    enforcementLevel: "mandatory",
    types: [ROUTE],
    configSchema: { properties: { minPrefix: { type: "integer", minimum: 8, maximum: 32, default: 16 } } },
    validate: (props, _args, report, config) => {
        // Only routes through a peering connection (its id may still be unknown in a first preview).
        if (!("vpcPeeringConnectionId" in props)) return;
        if (props["destinationIpv6CidrBlock"] !== undefined || props["destinationPrefixListId"] !== undefined) {
            report("A peering route names an IPv6 range or a prefix list; peer only the private IPv4 subnets of the other VPC.");
            return;
        }
        const destination = asString(props["destinationCidrBlock"]) ?? "";
        const block = ipv4Block(destination);
        const isPrivate = block !== undefined && PRIVATE_IPV4.some((range) => block.prefix >= range.prefix && Math.floor(block.base / 2 ** (32 - range.prefix)) === Math.floor(range.base / 2 ** (32 - range.prefix)));
        if (!isPrivate) report(`Peering route to "${destination}": only private IPv4 ranges (RFC 1918) may be routed to a peered VPC.`);
        else if (block.prefix < config.minPrefix) report(`Peering route to ${destination} is wider than /${config.minPrefix}; route the peer's subnets, not a supernet.`);
    },
});

export const networkRules: Rule[] = [sgNoPublicAllTraffic, sgNoPublicAdminPorts, sgNoPublicIngress, vpcFlowLogs, vpcDefaultSecurityGroupClosed, vpcGatewayEndpointPolicy, vpcPeeringRoutesPrivate];
