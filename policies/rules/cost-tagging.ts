/**
 * Cost allocation and cost hygiene: required tags on every taggable AWS resource, a stack budget, and the
 * settings that quietly grow a bill (gp2 volumes, NAT gateway count, unbounded Athena scans, logs kept forever).
 * All advisory by default; a team raises them to mandatory through policy config.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { AWS_TAGGABLE_TYPES } from "../lib/aws-taggable-types";
import { referencedBy, refersTo } from "../lib/companions";
import { ancestorOfType, descendsFrom, ProductionConfig, productionConfigSchema, Rule, resourceRule, stackRule } from "../lib/policy";
import { effectiveTags, readTags } from "../lib/tags";
import { asArray, asBool, asNumber, asRecord, asString, isRecord, readForMatching } from "../lib/values";

interface TagsConfig {
    requiredTags: string[];
}

export const awsRequiredTags = resourceRule<TagsConfig>({
    name: "aws-required-tags",
    description: "Every taggable AWS resource carries the cost-allocation tags (project, environment, region, cost-centre), from its tags or the provider's defaultTags.",
    enforcementLevel: "advisory",
    types: (t) => AWS_TAGGABLE_TYPES.has(t),
    configSchema: {
        properties: {
            requiredTags: { type: "array", items: { type: "string" }, default: ["project", "environment", "region", "cost-centre"] },
        },
    },
    validate: (props, args, report, config) => {
        // A key whose value is unknown (an output) is there; the keys known to be missing are reported regardless.
        const { tags, unknown } = readTags(props, args.provider);
        const missing = config.requiredTags.filter((k) => !unknown.has(k) && (tags[k] ?? "").trim() === "");
        if (missing.length > 0) report(`Missing tag(s): ${missing.join(", ")}.`);
        const pending = config.requiredTags.find((k) => unknown.has(k));
        if (missing.length === 0 && pending !== undefined) throw unknown.get(pending);
    },
});

interface BudgetConfig {
    maxMonthlyUsd?: number;
    estimatedMonthlyUsd?: number;
}

export const stackBudget = stackRule<BudgetConfig>({
    name: "stack-budget",
    description: "The stack's estimated monthly cost stays within maxMonthlyUsd (the estimate comes from the cost model via config).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            maxMonthlyUsd: { type: "number", minimum: 0, description: "Monthly budget for the stack in USD." },
            estimatedMonthlyUsd: { type: "number", minimum: 0, description: "Estimate for this stack (set by the plan/cost model)." },
        },
    },
    validate: (args: StackValidationArgs, report: ReportViolation, config) => {
        if (config.maxMonthlyUsd === undefined) args.notApplicable("no maxMonthlyUsd configured");
        if (config.estimatedMonthlyUsd === undefined) args.notApplicable("no cost estimate available");
        if (config.estimatedMonthlyUsd! > config.maxMonthlyUsd!) {
            report(`Estimated $${config.estimatedMonthlyUsd!.toFixed(2)}/month exceeds the budget of $${config.maxMonthlyUsd!.toFixed(2)}/month.`);
        }
    },
});

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const EBS_VOLUME = "aws:ebs/volume:Volume";
const STORAGE_CLASS = (t: string) => /^kubernetes:storage\.k8s\.io\/v\w+:StorageClass$/.test(t);
const EC2_NODE_CLASS = (t: string) => /^kubernetes:karpenter\.k8s\.aws\/v\w+:EC2NodeClass$/.test(t);

export const ebsGp3Volumes = resourceRule({
    name: "ebs-gp3-volumes",
    description: "Block storage uses gp3 rather than gp2 (about 20% cheaper per GB with baseline IOPS included).",
    enforcementLevel: "advisory",
    types: (t) => t === LAUNCH_TEMPLATE || t === EBS_VOLUME || STORAGE_CLASS(t) || EC2_NODE_CLASS(t),
    validate: (props, args, report) => {
        if (args.type === EBS_VOLUME) {
            if (asString(props["type"]) === "gp2") report("Volume type is gp2.");
            return;
        }
        if (STORAGE_CLASS(args.type)) {
            const type = asString(asRecord(props["parameters"])?.["type"]);
            const provisioner = asString(props["provisioner"]);
            // The in-tree aws-ebs provisioner defaults to gp2; the CSI driver defaults to gp3.
            if (type === "gp2" || (provisioner === "kubernetes.io/aws-ebs" && type === undefined)) report("StorageClass provisions gp2 volumes.");
            return;
        }
        const mappings = EC2_NODE_CLASS(args.type) ? asRecord(props["spec"])?.["blockDeviceMappings"] : props["blockDeviceMappings"];
        for (const m of asArray(mappings).filter(isRecord)) {
            if (asString(asRecord(asArray(m["ebs"])[0])?.["volumeType"]) === "gp2") report(`Block device ${asString(m["deviceName"]) ?? "?"} is gp2.`);
        }
    },
});

const VPC_COMPONENT = "awsx:ec2:Vpc";
const VPC = "aws:ec2/vpc:Vpc";
const SUBNET = "aws:ec2/subnet:Subnet";
const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";

/** A VPC's subnets and NAT gateways: below the awsx component that created it, or linked by vpcId / subnetId. */
function vpcParts(vpc: PolicyResource, all: readonly PolicyResource[]): { subnets: PolicyResource[]; nats: PolicyResource[] } {
    const owner = ancestorOfType(vpc, (t) => t === VPC_COMPONENT);
    const within = (r: PolicyResource) => owner !== undefined && descendsFrom(r, owner.urn);
    const subnets = all.filter((r) => r.type === SUBNET && (within(r) || refersTo(r, vpc, "vpcId", ["id"])));
    const nats = all.filter((r) => r.type === NAT_GATEWAY && (within(r) || referencedBy(r, "subnetId", subnets).length > 0));
    return { subnets, nats };
}

export const vpcNatStrategy = stackRule<ProductionConfig>({
    name: "vpc-nat-strategy",
    description: "Production VPCs have a NAT gateway per AZ (no single point of failure); other environments share one to save about $33/month per gateway.",
    enforcementLevel: "advisory",
    configSchema: { properties: { ...productionConfigSchema } },
    validate: (args, report, config) => {
        // The NAT gateways a real preview shows (children of awsx:ec2:Vpc, or of a plain VPC's subnets) are counted;
        // the component's natGateways input never reaches the analyzer. The environment comes from where this
        // program puts it: each gateway's tagsAll and the AWS provider's defaultTags (see lib/tags.ts).
        const vpcs = args.resources.filter((r) => r.type === VPC);
        if (vpcs.length === 0) args.notApplicable("no aws:ec2/vpc:Vpc in the stack");
        const prodNames = config.productionEnvironments.map((e) => e.toLowerCase());
        for (const vpc of vpcs) {
            const { subnets, nats } = vpcParts(vpc, args.resources);
            if (nats.length === 0) continue; // no NAT: no egress to make redundant, no gateway to pay for
            const tagged = [...nats, vpc].map((r) => effectiveTags(r.props, r.provider)[config.environmentTagKey]).find((e) => e !== undefined);
            if (tagged === undefined && !config.assumeProductionWhenUntagged) continue;
            const prod = tagged === undefined ? true : prodNames.includes(tagged.toLowerCase());
            const zones = new Set(subnets.map((s) => readForMatching(() => asString(s.props["availabilityZone"]) ?? asString(s.props["availabilityZoneId"]))).filter((z) => z !== undefined));
            const name = (ancestorOfType(vpc, (t) => t === VPC_COMPONENT) ?? vpc).name;
            const perAz = zones.size > 0 ? nats.length >= zones.size : nats.length > 1;
            const layout = `${nats.length} NAT gateway(s)${zones.size > 0 ? ` for ${zones.size} AZs` : ""}`;
            if (prod && !perAz) report(`Production VPC ${name} has ${layout}: one AZ failure cuts egress for all.`, vpc.urn);
            if (!prod && nats.length > 1) report(`Non-production VPC ${name} has ${layout} (the awsx default is one per AZ); "Single" is enough.`, vpc.urn);
        }
    },
});

interface AthenaConfig {
    maxBytesScannedPerQuery: number;
}

export const athenaBytesScannedLimit = resourceRule<AthenaConfig>({
    name: "athena-bytes-scanned-limit",
    description: "Athena workgroups cap the bytes a query may scan (and enforce the workgroup settings), so one query cannot run up the bill.",
    enforcementLevel: "advisory",
    types: ["aws:athena/workgroup:Workgroup"],
    configSchema: { properties: { maxBytesScannedPerQuery: { type: "number", minimum: 10485760, default: 1099511627776 } } },
    validate: (props, _args, report, config) => {
        const c = asRecord(asArray(props["configuration"])[0]) ?? {};
        const cutoff = asNumber(c["bytesScannedCutoffPerQuery"]);
        if (cutoff === undefined) report("configuration.bytesScannedCutoffPerQuery is not set.");
        else if (cutoff > config.maxBytesScannedPerQuery) report(`bytesScannedCutoffPerQuery ${cutoff} exceeds ${config.maxBytesScannedPerQuery}.`);
        if (asBool(c["enforceWorkgroupConfiguration"]) === false) report("enforceWorkgroupConfiguration is false: clients can override the limit.");
    },
});

export const cloudwatchLogRetention = resourceRule({
    name: "cloudwatch-log-retention",
    description: "CloudWatch log groups set a retention period (unset or 0 keeps logs, and their cost, forever).",
    enforcementLevel: "advisory",
    types: ["aws:cloudwatch/logGroup:LogGroup"],
    validate: (props, _args, report) => {
        const days = asNumber(props["retentionInDays"]);
        if (days === undefined || days === 0) report("retentionInDays is not set: logs never expire.");
    },
});

export const costTaggingRules: Rule[] = [awsRequiredTags, stackBudget, ebsGp3Volumes, vpcNatStrategy, athenaBytesScannedLimit, cloudwatchLogRetention];
