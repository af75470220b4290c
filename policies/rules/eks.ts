/**
 * The EKS control plane and its nodes: restricted API endpoint, envelope encryption of secrets, control-plane logs,
 * no SSH or public addresses on nodes, IMDSv2, encrypted volumes.
 *
 * Each rule judges the AWS resources a real preview shows: aws:eks/cluster:Cluster, aws:eks/nodeGroup:NodeGroup,
 * launch templates and configurations, instances, Karpenter node classes, and the subnets nodes launch into. The
 * @pulumi/eks components (eks:index:Cluster, ManagedNodeGroup, NodeGroup, NodeGroupV2) are multi-language
 * components: the analyzer gets them with no inputs, so no rule reads them (see lib/policy.ts OPAQUE_COMPONENT);
 * what they configure is judged on the children they create.
 */
import type { PolicyResource, StackValidationArgs } from "@pulumi/policy";
import { isInternetWide } from "../lib/cidr";
import { referencedBy, refersTo } from "../lib/companions";
import { Rule, resourceRule } from "../lib/policy";
import { asArray, asBool, asRecord, asString, asStringList, forEachKnown, isRecord, knownStrings, Props, readForMatching } from "../lib/values";

const EKS_CLUSTER = "aws:eks/cluster:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** Legacy, but still what @pulumi/eks's self-managed NodeGroup (v1) creates. */
const LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration";
const AUTOSCALING_GROUP = "aws:autoscaling/group:Group";
const SUBNET = "aws:ec2/subnet:Subnet";
const INSTANCE = "aws:ec2/instance:Instance";
/** Instances and launch configurations share their flat shape (associatePublicIpAddress, root and EBS block devices). */
const INSTANCE_LIKE = [INSTANCE, LAUNCH_CONFIGURATION];
const EBS_VOLUME = "aws:ebs/volume:Volume";
/** Karpenter's node class (a custom resource): its spec carries the same launch settings as a launch template. */
const EC2_NODE_CLASS = (type: string) => /^kubernetes:karpenter\.k8s\.aws\/v\w+:EC2NodeClass$/.test(type);

/** First element of a list-or-object (the AWS provider has used both shapes for nested blocks). */
function block(value: unknown): Record<string, unknown> | undefined {
    return asRecord(asArray(value)[0]);
}

function endpointProblem(publicAccess: boolean | undefined, readCidrs: () => unknown): string | undefined {
    // AWS enables the public endpoint unless told otherwise, open to 0.0.0.0/0 unless CIDRs are given.
    if (publicAccess === false) return undefined;
    // A known 0.0.0.0/0 is a defect whatever the other (unknown) CIDRs are; otherwise an unknown one surfaces.
    const { items: cidrs, pending } = knownStrings(readCidrs);
    const open = cidrs.filter((c) => isInternetWide(c));
    if (open.length > 0) return `the public API endpoint admits ${open.join(", ")}.`;
    if (pending !== undefined) throw pending;
    if (cidrs.length === 0) return "the public API endpoint is enabled for 0.0.0.0/0 (endpointPublicAccess unset or true, no publicAccessCidrs).";
    return undefined;
}

export const eksEndpointRestricted = resourceRule({
    name: "eks-endpoint-restricted",
    description: "The EKS API endpoint is private, or public only to specific CIDRs (never 0.0.0.0/0 or ::/0).",
    enforcementLevel: "mandatory",
    types: [EKS_CLUSTER],
    validate: (props, _args, report) => {
        const vpc = block(props["vpcConfig"]) ?? {};
        const problem = endpointProblem(asBool(vpc["endpointPublicAccess"]), () => vpc["publicAccessCidrs"]);
        if (problem) report(`Cluster: ${problem}`);
    },
});

export const eksSecretsEncryption = resourceRule({
    name: "eks-secrets-encryption",
    description: "EKS encrypts Kubernetes secrets with a KMS key (envelope encryption).",
    enforcementLevel: "mandatory",
    types: [EKS_CLUSTER],
    validate: (props, _args, report) => {
        const configs = asArray(props["encryptionConfig"]).filter(isRecord);
        const ok = configs.some((c) => asStringList(c["resources"]).includes("secrets") && (asString(block(c["provider"])?.["keyArn"]) ?? "") !== "");
        if (!ok) report("No encryptionConfig with resources [\"secrets\"] and a provider keyArn.");
    },
});

interface LogsConfig {
    requiredLogTypes: string[];
}

export const eksControlPlaneLogs = resourceRule<LogsConfig>({
    name: "eks-control-plane-logs",
    description: "EKS control-plane logs (api, audit, authenticator by default) are sent to CloudWatch.",
    enforcementLevel: "advisory",
    types: [EKS_CLUSTER],
    configSchema: {
        properties: {
            requiredLogTypes: {
                type: "array",
                items: { type: "string", enum: ["api", "audit", "authenticator", "controllerManager", "scheduler"] },
                default: ["api", "audit", "authenticator"],
            },
        },
    },
    validate: (props, _args, report, config) => {
        const missing = config.requiredLogTypes.filter((t) => !asStringList(props["enabledClusterLogTypes"]).includes(t));
        if (missing.length > 0) report(`enabledClusterLogTypes lacks ${missing.join(", ")}.`);
    },
});

function sshProblem(remoteAccess: unknown): string | undefined {
    const ra = block(remoteAccess);
    if (!ra || (asString(ra["ec2SshKey"]) ?? "") === "") return undefined;
    // AWS opens port 22 to 0.0.0.0/0 when a key is given without source security groups.
    if (asStringList(ra["sourceSecurityGroupIds"]).length === 0) return "remoteAccess sets ec2SshKey without sourceSecurityGroupIds: AWS opens SSH (22) to 0.0.0.0/0.";
    return undefined;
}

export const eksNodeGroupNoPublicSsh = resourceRule({
    name: "eks-node-group-no-public-ssh",
    description: "Managed node groups do not open SSH to the internet (an ec2SshKey always comes with sourceSecurityGroupIds).",
    enforcementLevel: "mandatory",
    types: [NODE_GROUP],
    validate: (props, _args, report) => {
        const problem = sshProblem(props["remoteAccess"]);
        if (problem) report(problem);
    },
});

function publicIpInTemplate(props: Props): boolean {
    return asArray(props["networkInterfaces"]).some((ni) => isRecord(ni) && asBool(ni["associatePublicIpAddress"]) === true);
}

/** Whether a launch template or configuration decides the public address itself (undefined: the subnet decides). */
function declaredPublicIp(launch: PolicyResource): boolean | undefined {
    if (launch.type === LAUNCH_CONFIGURATION) return asBool(launch.props["associatePublicIpAddress"]);
    const values = asArray(launch.props["networkInterfaces"]).filter(isRecord).map((ni) => asBool(ni["associatePublicIpAddress"]));
    return values.find((v) => v !== undefined);
}

/** The subnets a Karpenter node class selects: by id, or by tags (every key must match; "*" matches any value). */
function selectedSubnets(nodeClass: PolicyResource, subnets: readonly PolicyResource[]): PolicyResource[] {
    const terms = asArray(asRecord(nodeClass.props["spec"])?.["subnetSelectorTerms"]).filter(isRecord);
    return subnets.filter((subnet) => {
        const tags = { ...asRecord(readForMatching(() => subnet.props["tagsAll"])), ...asRecord(readForMatching(() => subnet.props["tags"])) };
        return terms.some((term) => {
            const id = asString(term["id"]);
            if (id !== undefined) return readForMatching(() => asString(subnet.props["id"])) === id;
            const wanted = asRecord(term["tags"]);
            if (!wanted || Object.keys(wanted).length === 0) return false;
            return Object.entries(wanted).every(([k, v]) => tags[k] !== undefined && (asString(v) === "*" || asString(tags[k]) === asString(v)));
        });
    });
}

/**
 * Nodes that take the subnet's default address: an EKS managed node group always does (its nodes get a public IP in
 * a subnet with mapPublicIpOnLaunch), an Auto Scaling group unless its launch template or configuration decides,
 * a Karpenter node class unless spec.associatePublicIPAddress is false. Reports each launcher whose subnets map a
 * public IP. Stack level, on outputs: the subnets are other resources.
 */
function publicSubnetLaunches(args: StackValidationArgs, report: (message: string, urn: string) => void): void {
    const subnets = args.resources.filter((r) => r.type === SUBNET);
    const launchers = args.resources.filter((r) => r.type === NODE_GROUP || r.type === AUTOSCALING_GROUP || EC2_NODE_CLASS(r.type));
    if (subnets.length === 0 || launchers.length === 0) args.notApplicable("no node launcher and subnet in the stack");
    const launches = args.resources.filter((r) => r.type === LAUNCH_TEMPLATE || r.type === LAUNCH_CONFIGURATION);
    forEachKnown(launchers, (launcher) => {
        let used: PolicyResource[];
        if (launcher.type === NODE_GROUP) used = referencedBy(launcher, "subnetIds", subnets);
        else if (launcher.type === AUTOSCALING_GROUP) {
            const template = launches.find((l) => refersTo(launcher, l, "launchConfiguration", ["id", "name"]) || refersTo(launcher, l, "launchTemplate", ["id"]));
            if (template && declaredPublicIp(template) !== undefined) return; // the resource rule judges the template
            used = referencedBy(launcher, "vpcZoneIdentifiers", subnets);
        } else {
            if (asBool(asRecord(launcher.props["spec"])?.["associatePublicIPAddress"]) === false) return;
            used = selectedSubnets(launcher, subnets);
        }
        const publicOnes = used.filter((s) => asBool(s.props["mapPublicIpOnLaunch"]) === true);
        if (publicOnes.length > 0) {
            report(`Nodes launch into subnet(s) ${publicOnes.map((s) => s.name).join(", ")} with mapPublicIpOnLaunch: they get public IP addresses.`, launcher.urn);
        }
    });
}

export const ec2NoPublicIp = resourceRule({
    name: "ec2-nodes-no-public-ip",
    description: "Nodes get no public IP address: launch templates and configurations, instances and Karpenter node classes do not ask for one, and EKS node groups, Auto Scaling groups and node classes do not launch into subnets that map one on launch.",
    enforcementLevel: "mandatory",
    types: (t) => t === LAUNCH_TEMPLATE || INSTANCE_LIKE.includes(t) || EC2_NODE_CLASS(t),
    validate: (props, args, report) => {
        if (args.type === LAUNCH_TEMPLATE && publicIpInTemplate(props)) report("A network interface sets associatePublicIpAddress.");
        if (INSTANCE_LIKE.includes(args.type) && asBool(props["associatePublicIpAddress"]) === true) report("associatePublicIpAddress is true.");
        if (EC2_NODE_CLASS(args.type) && asBool(asRecord(props["spec"])?.["associatePublicIPAddress"]) === true) report("spec.associatePublicIPAddress is true.");
    },
    // @pulumi/eks's default node group (skipDefaultNodeGroup unset) sets nodeAssociatePublicIpAddress on the launch
    // template or configuration it creates: that child is judged above, the component is not.
    stack: publicSubnetLaunches,
});

export const ec2Imdsv2Required = resourceRule({
    name: "ec2-imdsv2-required",
    description: "Instance metadata requires IMDSv2 session tokens (httpTokens: required) on launch templates and configurations, instances and Karpenter node classes; an EKS managed node group without a launch template does not run Amazon Linux 2 (whose AMI allows IMDSv1).",
    enforcementLevel: "mandatory",
    types: (t) => t === LAUNCH_TEMPLATE || t === NODE_GROUP || INSTANCE_LIKE.includes(t) || EC2_NODE_CLASS(t),
    validate: (props, args, report) => {
        if (args.type === NODE_GROUP) {
            // eks.ManagedNodeGroup gives its aws:eks/nodeGroup:NodeGroup a launch template of its own (judged as one)
            // when enableIMDSv2 is set; without any, EKS's default template keeps the AMI's setting: AL2 allows
            // IMDSv1, AL2023 and Bottlerocket require tokens. Only a known AL2 AMI type is a defect.
            if (props["launchTemplate"] !== undefined) return;
            const ami = asString(props["amiType"]);
            if (ami !== undefined && /^AL2_/.test(ami)) report(`Node group runs ${ami} without a launch template: nodes accept IMDSv1.`);
            return;
        }
        if (EC2_NODE_CLASS(args.type)) {
            // Karpenter defaults to httpTokens: required; only an explicit downgrade is a defect.
            const tokens = asString(asRecord(asRecord(props["spec"])?.["metadataOptions"])?.["httpTokens"]);
            if (tokens !== undefined && tokens !== "required") report(`spec.metadataOptions.httpTokens is "${tokens}".`);
            return;
        }
        const options = block(props["metadataOptions"]) ?? {};
        if (asString(options["httpEndpoint"]) === "disabled") return;
        const tokens = asString(options["httpTokens"]);
        if (tokens !== "required") report(`metadataOptions.httpTokens is ${tokens ? `"${tokens}"` : "unset (IMDSv1 allowed)"}; set it to "required".`);
    },
});

export const ebsEncrypted = resourceRule({
    name: "ebs-encrypted",
    description: "EBS volumes are encrypted: launch template, launch configuration, instance (root and EBS) and node-class block devices, and standalone volumes (@pulumi/eks node root volumes are judged on the launch templates it creates).",
    enforcementLevel: "mandatory",
    types: (t) => t === LAUNCH_TEMPLATE || t === EBS_VOLUME || INSTANCE_LIKE.includes(t) || EC2_NODE_CLASS(t),
    validate: (props, args, report) => {
        if (args.type === EBS_VOLUME) {
            if (asBool(props["encrypted"]) !== true) report("encrypted is not true.");
            return;
        }
        if (INSTANCE_LIKE.includes(args.type)) {
            // A declared root or EBS device without encrypted: true inherits the (usually unencrypted) snapshot.
            const devices = [
                ...asArray(props["rootBlockDevice"]).map((d) => ({ name: "root", d })),
                ...asArray(props["ebsBlockDevices"]).map((d) => ({ name: asString(asRecord(d)?.["deviceName"]) ?? "(unnamed)", d })),
            ];
            for (const { name, d } of devices) {
                const device = asRecord(d);
                if (device && asBool(device["noDevice"]) !== true && asBool(device["encrypted"]) !== true) report(`Block device ${name} is not encrypted.`);
            }
            return;
        }
        const mappings = EC2_NODE_CLASS(args.type) ? asRecord(props["spec"])?.["blockDeviceMappings"] : props["blockDeviceMappings"];
        for (const m of asArray(mappings).filter(isRecord)) {
            const ebs = block(m["ebs"]);
            if (!ebs) continue;
            // Node classes default to encrypted; launch-template mappings inherit the snapshot's state unless set.
            const encrypted = asBool(ebs["encrypted"]);
            const bad = EC2_NODE_CLASS(args.type) ? encrypted === false : encrypted !== true;
            if (bad) report(`Block device ${asString(m["deviceName"]) ?? "(unnamed)"} is not encrypted.`);
        }
    },
});

export const eksRules: Rule[] = [
    eksEndpointRestricted,
    eksSecretsEncryption,
    eksControlPlaneLogs,
    eksNodeGroupNoPublicSsh,
    ec2NoPublicIp,
    ec2Imdsv2Required,
    ebsEncrypted,
];
