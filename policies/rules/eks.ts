/**
 * The EKS control plane and its nodes: restricted API endpoint, envelope encryption of secrets, control-plane logs,
 * no SSH or public addresses on nodes, IMDSv2, encrypted volumes.
 *
 * Each rule judges the AWS resources (aws:eks/cluster:Cluster, aws:eks/nodeGroup:NodeGroup, launch templates) AND the
 * inputs of the opaque @pulumi/eks components, through componentCheck: a component is judged only when the stack
 * does not hold the child resource that carries the same setting (see lib/policy.ts).
 */
import { isInternetWide } from "../lib/cidr";
import { componentCheck, Rule, resourceRule } from "../lib/policy";
import { asArray, asBool, asRecord, asString, asStringList, isRecord, knownStrings, Props } from "../lib/values";

const EKS_CLUSTER = "aws:eks/cluster:Cluster";
const EKS_COMPONENT = "eks:index:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const MANAGED_NODE_GROUP_COMPONENT = "eks:index:ManagedNodeGroup";
const SELF_MANAGED_COMPONENTS = ["eks:index:NodeGroup", "eks:index:NodeGroupV2"];
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
/** Legacy, but still what @pulumi/eks's self-managed NodeGroup (v1) creates. */
const LAUNCH_CONFIGURATION = "aws:ec2/launchConfiguration:LaunchConfiguration";
/** What a self-managed node group component launches its nodes from: its child of either type is authoritative. */
const NODE_LAUNCH_TYPES = [LAUNCH_TEMPLATE, LAUNCH_CONFIGURATION];
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
    components: componentCheck(EKS_COMPONENT, EKS_CLUSTER, (props, _c, report) => {
        const problem = endpointProblem(asBool(props["endpointPublicAccess"]), () => props["publicAccessCidrs"]);
        if (problem) report(`eks.Cluster: ${problem}`);
    }),
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
    components: componentCheck(EKS_COMPONENT, EKS_CLUSTER, (props, _c, report) => {
        if ((asString(props["encryptionConfigKeyArn"]) ?? "") === "") report("eks.Cluster has no encryptionConfigKeyArn: secrets are not envelope-encrypted.");
    }),
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
    components: componentCheck(EKS_COMPONENT, EKS_CLUSTER, (props, _c, report, args) => {
        const required = args.getConfig<LogsConfig>().requiredLogTypes;
        const missing = required.filter((t) => !asStringList(props["enabledClusterLogTypes"]).includes(t));
        if (missing.length > 0) report(`eks.Cluster enabledClusterLogTypes lacks ${missing.join(", ")}.`);
    }),
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
    components: componentCheck(MANAGED_NODE_GROUP_COMPONENT, NODE_GROUP, (props, _c, report) => {
        const problem = sshProblem(props["remoteAccess"]);
        if (problem) report(`eks.ManagedNodeGroup ${problem}`);
    }),
});

function publicIpInTemplate(props: Props): boolean {
    return asArray(props["networkInterfaces"]).some((ni) => isRecord(ni) && asBool(ni["associatePublicIpAddress"]) === true);
}

export const ec2NoPublicIp = resourceRule({
    name: "ec2-nodes-no-public-ip",
    description: "Nodes get no public IP address: launch templates and configurations, instances, Karpenter node classes and @pulumi/eks self-managed node groups.",
    enforcementLevel: "mandatory",
    types: (t) => t === LAUNCH_TEMPLATE || INSTANCE_LIKE.includes(t) || EC2_NODE_CLASS(t),
    validate: (props, args, report) => {
        if (args.type === LAUNCH_TEMPLATE && publicIpInTemplate(props)) report("A network interface sets associatePublicIpAddress.");
        if (INSTANCE_LIKE.includes(args.type) && asBool(props["associatePublicIpAddress"]) === true) report("associatePublicIpAddress is true.");
        if (EC2_NODE_CLASS(args.type) && asBool(asRecord(props["spec"])?.["associatePublicIPAddress"]) === true) report("spec.associatePublicIPAddress is true.");
    },
    // @pulumi/eks defaults nodeAssociatePublicIpAddress to true for its self-managed (default) node group.
    components: componentCheck([EKS_COMPONENT, ...SELF_MANAGED_COMPONENTS], NODE_LAUNCH_TYPES, (props, component, report) => {
        if (component.type === EKS_COMPONENT && props["skipDefaultNodeGroup"] === true) return;
        const options = asRecord(props["nodeGroupOptions"]) ?? {};
        const value = asBool(options["nodeAssociatePublicIpAddress"]) ?? asBool(props["nodeAssociatePublicIpAddress"]);
        if (value !== false) report(`${component.type} node group: nodeAssociatePublicIpAddress is ${value ?? "unset (defaults to true)"}; set it to false (or skipDefaultNodeGroup: true).`);
    }),
});

export const ec2Imdsv2Required = resourceRule({
    name: "ec2-imdsv2-required",
    description: "Instance metadata requires IMDSv2 session tokens (httpTokens: required) on launch templates and configurations, instances and Karpenter node classes; eks.ManagedNodeGroup neither sets enableIMDSv2: false nor runs AL2 without it.",
    enforcementLevel: "mandatory",
    types: (t) => t === LAUNCH_TEMPLATE || INSTANCE_LIKE.includes(t) || EC2_NODE_CLASS(t),
    validate: (props, args, report) => {
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
    // eks.ManagedNodeGroup builds its own launch template from enableIMDSv2 (then judged as a launch template);
    // without one, EKS's default template keeps the AMI's setting, which allows IMDSv1 on Amazon Linux 2.
    components: componentCheck(MANAGED_NODE_GROUP_COMPONENT, LAUNCH_TEMPLATE, (props, _c, report) => {
        const imds = asBool(props["enableIMDSv2"]);
        if (imds === true || props["launchTemplate"] !== undefined) return;
        const os = asString(props["operatingSystem"]) ?? asString(props["amiType"]) ?? "";
        if (imds === false) report("eks.ManagedNodeGroup sets enableIMDSv2: false: nodes accept IMDSv1.");
        else if (/^AL2($|_)/.test(os)) report(`eks.ManagedNodeGroup runs ${os} without enableIMDSv2: true: nodes accept IMDSv1.`);
    }),
});

export const ebsEncrypted = resourceRule({
    name: "ebs-encrypted",
    description: "EBS volumes are encrypted: launch template, launch configuration, instance (root and EBS) and node-class block devices, standalone volumes, and @pulumi/eks node root volumes.",
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
    components: componentCheck([EKS_COMPONENT, ...SELF_MANAGED_COMPONENTS], NODE_LAUNCH_TYPES, (props, component, report) => {
        if (component.type === EKS_COMPONENT && props["skipDefaultNodeGroup"] === true) return;
        const options = asRecord(props["nodeGroupOptions"]) ?? {};
        const value = asBool(options["nodeRootVolumeEncrypted"]) ?? asBool(props["nodeRootVolumeEncrypted"]);
        if (value === false) report(`${component.type} node group: nodeRootVolumeEncrypted is false.`);
    }),
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
