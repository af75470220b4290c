import { createHash } from "node:crypto";
import { eksZoneRefusal } from "../aws-zones";
import { child, isUnknown, known, mergeTags, ref, UNKNOWN, type ComponentExpansion, type ModelChild, type ModelContext } from "./model";

/**
 * Model of what eks:index:Cluster creates inside its provider, written from the source of @pulumi/eks 4.3 (pulumi-eks
 * tag v4.3.0: nodejs/eks/cluster/cluster.ts createCore and createCluster, servicerole.ts, nodes/securitygroup.ts
 * createNodeGroupSecurityGroup, cluster/authenticationMode.ts, cmd/provider/cluster.ts). Covered: the cluster IAM
 * service role, the cluster and node security groups with their rules, the aws:eks/cluster:Cluster, the Kubernetes
 * provider it builds, the kube-proxy/coredns add-ons when enabled, the OIDC provider. Options that would create what
 * is not modelled (default node group, Fargate, Auto Mode, aws-auth ConfigMap, access entries, the VPC CNI component)
 * are refused by name rather than guessed.
 */
const T = {
    serviceRole: "eks:index:ServiceRole",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    rule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    cluster: "aws:eks/cluster:Cluster",
    addon: "aws:eks/addon:Addon",
    oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    k8sProvider: "pulumi:providers:kubernetes",
} as const;

/** The eks:index:Cluster arguments this model reads (ClusterOptions in cluster.ts). */
export interface EksClusterInputs {
    name?: string;
    version?: unknown;
    vpcId?: unknown;
    subnetIds?: unknown;
    publicSubnetIds?: unknown;
    privateSubnetIds?: unknown;
    endpointPrivateAccess?: unknown;
    endpointPublicAccess?: unknown;
    publicAccessCidrs?: unknown;
    encryptionConfigKeyArn?: unknown;
    enabledClusterLogTypes?: unknown;
    authenticationMode?: "CONFIG_MAP" | "API_AND_CONFIG_MAP" | "API";
    createOidcProvider?: boolean;
    skipDefaultNodeGroup?: boolean;
    bootstrapSelfManagedAddons?: unknown;
    useDefaultVpcCni?: boolean;
    corednsAddonOptions?: { enabled?: boolean; version?: unknown; configurationValues?: unknown };
    kubeProxyAddonOptions?: { enabled?: boolean; version?: unknown; configurationValues?: unknown };
    deletionProtection?: unknown;
    upgradePolicy?: unknown;
    tags?: unknown;
    clusterTags?: unknown;
    clusterSecurityGroupTags?: unknown;
    nodeSecurityGroupTags?: unknown;
    // Options whose resources are not modelled: their presence is refused.
    fargate?: unknown; autoMode?: { enabled?: boolean }; instanceRole?: unknown; instanceRoles?: unknown; createInstanceRole?: boolean;
    accessEntries?: Record<string, unknown>; storageClasses?: unknown; serviceRole?: unknown; clusterSecurityGroup?: unknown;
    skipDefaultSecurityGroups?: boolean; kubernetesServiceIpAddressRange?: unknown; ipFamily?: unknown;
}

const hash = (text: string, length: number) => createHash("sha1").update(text).digest("hex").slice(0, length);
/** Pulumi auto-naming: the resource name plus a random 7-character suffix (here derived, so plans are stable). */
const autoName = (name: string) => `${name}-${hash(name, 7)}`;

function refuseUnmodelled(args: EksClusterInputs): void {
    const unmodelled: [boolean, string][] = [
        [!args.skipDefaultNodeGroup, "the default node group (set skipDefaultNodeGroup: true)"],
        [Boolean(args.fargate), "fargate"],
        [Boolean(args.autoMode?.enabled), "autoMode"],
        [args.instanceRole !== undefined || args.instanceRoles !== undefined || Boolean(args.createInstanceRole), "instance roles"],
        [Object.keys(args.accessEntries ?? {}).length > 0, "accessEntries"],
        [args.storageClasses !== undefined, "storageClasses"],
        [args.serviceRole !== undefined || args.clusterSecurityGroup !== undefined || Boolean(args.skipDefaultSecurityGroups), "a caller-supplied service role or security group"],
        [args.authenticationMode !== "API", `authenticationMode ${args.authenticationMode ?? "CONFIG_MAP (default)"} (its aws-auth ConfigMap)`],
        [args.useDefaultVpcCni !== true, "the VPC CNI component (set useDefaultVpcCni: true)"],
        [args.kubernetesServiceIpAddressRange !== undefined || args.ipFamily !== undefined, "kubernetesNetworkConfig"],
    ];
    const found = unmodelled.filter(([present]) => present).map(([, what]) => what);
    if (found.length > 0) throw new Error(`offline mock: eks:index:Cluster with ${found.join(", ")} is not modelled`);
}

/** cluster.ts generateKubeconfig: exec-based auth through `aws eks get-token`, contexts named "aws"/"kubernetes". */
export function kubeconfig(clusterName: unknown, endpoint: unknown, region: string, certificateData: unknown) {
    return {
        apiVersion: "v1",
        clusters: [{ cluster: { server: endpoint, "certificate-authority-data": certificateData }, name: "kubernetes" }],
        contexts: [{ context: { cluster: "kubernetes", user: "aws" }, name: "aws" }],
        "current-context": "aws",
        kind: "Config",
        users: [{
            name: "aws",
            user: {
                exec: {
                    apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws",
                    args: ["--region", region, "eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
                    env: [{ name: "KUBERNETES_EXEC_INFO", value: "{\"apiVersion\": \"client.authentication.k8s.io/v1beta1\"}" }],
                },
            },
        }],
    };
}

export function eksClusterModel(ctx: ModelContext): ComponentExpansion {
    const args = ctx.inputs as EksClusterInputs;
    refuseUnmodelled(args);
    const { name } = ctx;
    const id = (c: ModelChild) => ctx.id(c.type, c.name);
    if (args.subnetIds !== undefined && (args.publicSubnetIds !== undefined || args.privateSubnetIds !== undefined)) {
        throw new Error("subnetIds, and the use of publicSubnetIds and/or privateSubnetIds are mutually exclusive. Choose a single approach.");
    }
    // The check upstream runs in an apply on the cluster's inputs; a known false with CIDRs fails the deployment.
    if (args.publicAccessCidrs !== undefined && args.endpointPublicAccess === false) {
        throw new Error("`publicAccessCidrs` can only be set when `endpointPublicAccess` is true");
    }
    const subnetIds = args.subnetIds ?? known(args.publicSubnetIds, (pub) => known(args.privateSubnetIds, (priv) => [...asList(pub), ...asList(priv)]));

    // servicerole.ts: a ServiceRole component owning the role and one attachment per managed policy, named by hash.
    const serviceRole = child(T.serviceRole, `${name}-eksRole`, {}, { custom: false });
    const roleName = `${name}-eksRole-role`;
    const role = child(T.role, roleName, {
        description: "Allows EKS to manage clusters on your behalf.",
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Action: ["sts:AssumeRole", "sts:TagSession"], Effect: "Allow", Principal: { Service: ["eks.amazonaws.com"] } }] }),
        tags: args.tags,
    }, { parent: serviceRole.key, computed: { name: autoName(roleName), arn: ctx.cloud(`arn:aws:iam::000000000000:role/${autoName(roleName)}`) } });
    const policyId = "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy";
    const attachment = child(T.attachment, `${name}-eksRole-${hash(policyId, 8)}`, { policyArn: policyId, role: id(role) }, { parent: serviceRole.key, dependsOn: [role.key] });
    serviceRole.computed = { resolvedRole: ref(role.key), directRole: ref(role.key) };

    const clusterGroup = child(T.securityGroup, `${name}-eksClusterSecurityGroup`, {
        vpcId: args.vpcId, revokeRulesOnDelete: true, tags: mergeTags({ Name: `${name}-eksClusterSecurityGroup` }, args.clusterSecurityGroupTags, args.tags),
    });
    const egress = { description: "Allow internet access.", type: "egress", fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"] };
    const clusterEgress = child(T.rule, `${name}-eksClusterInternetEgressRule`, { ...egress, securityGroupId: id(clusterGroup) }, { dependsOn: [clusterGroup.key] });

    const clusterName = args.name ?? autoName(`${name}-eksCluster`);
    // CreateCluster: EKS places its network interfaces in these subnets and refuses some zones (a first preview
    // cannot know the subnets' ids, and neither can a real one).
    const subnetZones = (Array.isArray(subnetIds) ? subnetIds : []).filter((s): s is string => typeof s === "string" && !isUnknown(s))
        .map((s) => ctx.zoneOfSubnet?.(s)).filter((z): z is { name: string; zoneId: string } => z !== undefined);
    const refusal = eksZoneRefusal(clusterName, ctx.region, subnetZones);
    if (refusal) throw new Error(refusal);
    const oidcId = hash(`${ctx.region}/${clusterName}`, 32).toUpperCase();
    const issuer = ctx.cloud(`https://oidc.eks.${ctx.region}.amazonaws.com/id/${oidcId}`);
    const endpoint = ctx.cloud(`https://MOCK${oidcId.slice(0, 16)}.gr7.${ctx.region}.eks.amazonaws.com`);
    const certificateData = ctx.cloud("TU9DSw==");
    const vpcConfig = {
        securityGroupIds: [id(clusterGroup)], subnetIds, endpointPrivateAccess: args.endpointPrivateAccess,
        endpointPublicAccess: args.endpointPublicAccess, publicAccessCidrs: args.publicAccessCidrs,
    };
    const cluster = child(T.cluster, `${name}-eksCluster`, {
        name: args.name,
        roleArn: role.computed.arn,
        bootstrapSelfManagedAddons: args.bootstrapSelfManagedAddons ?? true,
        vpcConfig: Object.fromEntries(Object.entries(vpcConfig).filter(([, v]) => v !== undefined)),
        version: args.version,
        enabledClusterLogTypes: args.enabledClusterLogTypes,
        tags: mergeTags({ Name: `${name}-eksCluster` }, args.clusterTags, args.tags),
        encryptionConfig: args.encryptionConfigKeyArn === undefined ? undefined : { provider: { keyArn: args.encryptionConfigKeyArn }, resources: ["secrets"] },
        // cluster.ts grants the creator admin explicitly: the component deploys to the cluster itself.
        accessConfig: { authenticationMode: args.authenticationMode, bootstrapClusterCreatorAdminPermissions: true },
        upgradePolicy: args.upgradePolicy,
        deletionProtection: args.deletionProtection,
    }, {
        dependsOn: [clusterGroup.key, role.key, attachment.key],
        computed: {
            name: clusterName,
            arn: ctx.cloud(`arn:aws:eks:${ctx.region}:000000000000:cluster/${clusterName}`),
            endpoint, status: ctx.cloud("ACTIVE"), platformVersion: ctx.cloud("eks.mock"),
            certificateAuthority: { data: certificateData },
            identities: [{ oidcs: [{ issuer }] }],
            vpcConfig: { ...vpcConfig, vpcId: args.vpcId, clusterSecurityGroupId: ctx.cloud(`sg-mockeks${oidcId.slice(0, 8).toLowerCase()}`) },
        },
    });

    const config = known(endpoint, () => kubeconfig(clusterName, endpoint, ctx.region, certificateData));
    const k8sProvider = child(T.k8sProvider, `${name}-eks-k8s`, { kubeconfig: known(config, (c) => JSON.stringify(c)) }, { dependsOn: [cluster.key] });
    const children: ModelChild[] = [serviceRole, role, attachment, clusterGroup, clusterEgress, cluster, k8sProvider];

    // createCore: kube-proxy unless disabled; coredns only when explicitly enabled, as there is no default node group.
    for (const [addonName, options, wanted] of [
        ["kube-proxy", args.kubeProxyAddonOptions, args.kubeProxyAddonOptions?.enabled ?? true],
        ["coredns", args.corednsAddonOptions, args.corednsAddonOptions?.enabled === true || args.corednsAddonOptions?.configurationValues !== undefined],
    ] as const) {
        if (!wanted) continue;
        children.push(child(T.addon, `${name}-${addonName}`, {
            clusterName, addonName, preserve: true, tags: args.tags, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE",
            addonVersion: options?.version ?? ctx.cloud(`v0.0.0-eksbuild.mock`),
            configurationValues: options?.configurationValues === undefined ? undefined : JSON.stringify(options.configurationValues),
        }, { dependsOn: [cluster.key] }));
    }

    // nodes/securitygroup.ts createNodeGroupSecurityGroup: created whenever default security groups are not skipped.
    const nodeGroup = child(T.securityGroup, `${name}-nodeSecurityGroup`, {
        vpcId: args.vpcId, revokeRulesOnDelete: true,
        tags: mergeTags({ Name: `${name}-nodeSecurityGroup`, [`kubernetes.io/cluster/${clusterName}`]: "owned" }, args.nodeSecurityGroupTags, args.tags),
    }, { dependsOn: [cluster.key] });
    const nodeRule = (suffix: string, props: Record<string, unknown>, on = nodeGroup) =>
        child(T.rule, `${name}-${suffix}`, { ...props, securityGroupId: id(on) }, { dependsOn: [nodeGroup.key, clusterGroup.key] });
    const fromCluster = { protocol: "tcp", sourceSecurityGroupId: id(clusterGroup) };
    const clusterIngress = nodeRule("eksClusterIngressRule", {
        description: "Allow pods to communicate with the cluster API Server", type: "ingress", fromPort: 443, toPort: 443, protocol: "tcp", sourceSecurityGroupId: id(nodeGroup),
    }, clusterGroup);
    children.push(nodeGroup,
        nodeRule("eksNodeIngressRule", { description: "Allow nodes to communicate with each other", type: "ingress", fromPort: 0, toPort: 0, protocol: "-1", self: true }),
        nodeRule("eksNodeClusterIngressRule", { description: "Allow worker Kubelets and pods to receive communication from the cluster control plane", type: "ingress", fromPort: 1025, toPort: 65535, ...fromCluster }),
        nodeRule("eksExtApiServerClusterIngressRule", { description: "Allow pods running extension API servers on port 443 to receive communication from cluster control plane", type: "ingress", fromPort: 443, toPort: 443, ...fromCluster }),
        nodeRule("eksNodeInternetEgressRule", egress),
        clusterIngress);
    clusterIngress.computed = { securityGroupRuleId: ctx.cloud(`sgr-mock${hash(clusterIngress.name, 12)}`) };

    let oidcProviderArn: unknown = "";
    if (args.createOidcProvider) {
        // The thumbprint is fetched over HTTPS from the issuer at deploy time: a visible placeholder here.
        const oidc = child(T.oidc, `${name}-oidcProvider`, { clientIdLists: ["sts.amazonaws.com"], url: issuer, thumbprintLists: [ctx.cloud("0".repeat(32) + "m0ckm0ck")] }, { dependsOn: [cluster.key] });
        oidcProviderArn = known(issuer, (url) => `arn:aws:iam::000000000000:oidc-provider/${url.replace("https://", "")}`);
        oidc.computed = { arn: oidcProviderArn };
        children.push(oidc);
    }

    // cmd/provider/cluster.ts returns these as the construct state; Cluster registers the same set as its outputs.
    // Note the naming upstream: oidcProviderUrl is the issuer URL with https://, oidcIssuer the same without it.
    const scalars = {
        kubeconfig: config,
        kubeconfigJson: known(config, (c) => JSON.stringify(c)),
        clusterSecurityGroupId: id(clusterGroup),
        nodeSecurityGroupId: id(nodeGroup),
        clusterIngressRuleId: clusterIngress.computed.securityGroupRuleId,
        defaultNodeGroupAsgName: "",
        fargateProfileId: "",
        fargateProfileStatus: "",
        oidcProviderArn,
        oidcProviderUrl: issuer,
        oidcIssuer: known(issuer, (url) => url.replace("https://", "")),
        autoModeNodeRoleName: "",
        instanceRoles: [],
    };
    return {
        children,
        programOutputs: scalars,
        registeredOutputs: {
            ...scalars,
            clusterSecurityGroup: ref(clusterGroup.key),
            eksCluster: ref(cluster.key),
            nodeSecurityGroup: ref(nodeGroup.key),
            eksClusterIngressRule: ref(clusterIngress.key),
            // CoreData, reduced to what identifies the cluster's parts; the real one also carries closures' results.
            core: {
                cluster: ref(cluster.key), clusterSecurityGroup: ref(clusterGroup.key), provider: ref(k8sProvider.key), clusterIamRole: ref(role.key),
                vpcId: args.vpcId, subnetIds, publicSubnetIds: args.publicSubnetIds, privateSubnetIds: args.privateSubnetIds, endpoint,
                encryptionConfig: cluster.inputs.encryptionConfig, instanceRoles: [], tags: args.tags,
                nodeGroupOptions: { nodeSecurityGroup: ref(nodeGroup.key), clusterIngressRule: ref(clusterIngress.key), version: args.version },
                ...(args.createOidcProvider ? { oidcProvider: ref(`${T.oidc}::${name}-oidcProvider`) } : {}),
            },
        },
    };
}

function asList(value: unknown): unknown[] {
    return Array.isArray(value) ? value : isUnknown(value) ? [UNKNOWN] : [];
}
