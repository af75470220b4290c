import * as pulumi from "@pulumi/pulumi";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as awsEks from "@pulumi/aws/eks";
import * as kms from "@pulumi/aws/kms";
import { explicitAwsProvider } from "./remote-providers";
import { nodeRole } from "./node-role";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";

export interface SystemNodeGroupArgs {
    /** Instance types of the managed system node group. Default ["m7g.large"] (Graviton). */
    instanceTypes?: string[];
    /** Default 2. */
    minSize?: number;
    /** Default 4. */
    maxSize?: number;
    /** Initial size only: later changes by an autoscaler or an operator are not reverted. Default minSize. */
    desiredSize?: number;
}

export interface ClusterArgs {
    /** EKS cluster name; also used in discovery tags. */
    clusterName: string;
    /**
     * Kubernetes minor version, e.g. "1.35": the control plane, the system node group and every add-on (resolved for it)
     * follow it, so an upgrade is this one value moved one minor.
     */
    kubernetesVersion: string;
    /**
     * EKS upgradePolicy.supportType. Default "STANDARD": at the end of standard support EKS upgrades the cluster itself
     * rather than billing extended support. Unset, the EKS API defaults to EXTENDED (API_UpgradePolicyRequest), a cost
     * nobody chose.
     */
    supportType?: "STANDARD" | "EXTENDED";
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    publicSubnetIds: pulumi.Input<string[]>;
    /**
     * CIDRs allowed to reach a public API endpoint. Default []: the endpoint is private only, reached from inside the
     * VPC (SSM port forwarding through a node, a VPN, a runner in the VPC). A non-empty list makes it public to exactly
     * those ranges: an explicit choice, never the default.
     */
    publicAccessCidrs?: string[];
    /**
     * IAM role ARNs granted cluster-admin through EKS access entries (AmazonEKSClusterAdminPolicy, cluster scope), e.g.
     * the CI deploy role and the operators' SSO role. Default []: only the identity that created the cluster is admin
     * (bootstrapClusterCreatorAdminPermissions), so whoever runs `pulumi up` must keep using that identity.
     */
    adminRoleArns?: string[];
    /** Retention of the control-plane logs. Default 30 days. */
    logRetentionDays?: number;
    systemNodes?: SystemNodeGroupArgs;
    /** The architecture of the system node instance types; must match them. Default "arm64". */
    systemNodeArchitecture?: "arm64" | "amd64";
    /**
     * Pulumi `protect` on the secrets KMS key and the `eks:index:Cluster` component: a replacement or deletion fails until `pulumi state unprotect`. The engine hands it to
     * the eks provider's Construct and every child inherits it (the `aws:eks/cluster:Cluster` included); retainOnDelete
     * would reach the component only, never its children. Default false
     * (the composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * An EKS cluster with secrets envelope-encrypted by its own KMS key, every control-plane log type, a restricted
 * endpoint, an OIDC provider for IRSA, the EKS managed add-ons and a small Graviton system node group. Application
 * capacity comes from Karpenter (see NodeAutoscaling), so this node group only hosts controllers.
 */
export class Cluster extends pulumi.ComponentResource {
    readonly clusterName: string;
    readonly kubeconfig: pulumi.Output<string>;
    readonly provider: k8s.Provider;
    readonly oidc: OidcIdentity;
    /** Security group every node (system and Karpenter) carries; databases and file systems admit only it. */
    readonly nodeSecurityGroupId: pulumi.Output<string>;
    /** The cluster security group the eks component creates for the control plane (nodes reach the API through it). */
    readonly clusterSecurityGroupId: pulumi.Output<string>;
    readonly secretsKeyArn: pulumi.Output<string>;
    /** Resolves once nodes can run pods: depend on it before installing workloads. */
    readonly systemNodeGroup: awsEks.NodeGroup;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:kubernetes:Cluster", name, {}, opts);
        this.clusterName = args.clusterName;
        const child = { parent: this };

        const secretsKey = new kms.Key(`${name}-secrets`, {
            description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        }, { ...child, protect: args.protect });
        new kms.Alias(`${name}-secrets`, { name: `alias/${args.clusterName}-secrets`, targetKeyId: secretsKey.keyId }, child);

        // EKS would create this group itself with no expiry; owning it sets the retention and cost.
        const controlPlaneLogs = new cloudwatch.LogGroup(`${name}-control-plane`, {
            name: `/aws/eks/${args.clusterName}/cluster`,
            retentionInDays: args.logRetentionDays ?? 30,
        }, child);

        const publicAccessCidrs = args.publicAccessCidrs ?? [];
        const publicEndpoint = publicAccessCidrs.length > 0;
        const cluster = new eks.Cluster(name, {
            name: args.clusterName,
            version: args.kubernetesVersion,
            vpcId: args.vpcId,
            privateSubnetIds: args.privateSubnetIds,
            publicSubnetIds: args.publicSubnetIds,
            nodeAssociatePublicIpAddress: false,
            endpointPrivateAccess: true,
            endpointPublicAccess: publicEndpoint,
            // Unset, not [], when private: eks refuses publicAccessCidrs with endpointPublicAccess false.
            publicAccessCidrs: publicEndpoint ? publicAccessCidrs : undefined,
            encryptionConfigKeyArn: secretsKey.arn,
            enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
            authenticationMode: "API",
            createOidcProvider: true,
            skipDefaultNodeGroup: true,
            // The add-ons below are EKS managed add-ons declared here, so none is bootstrapped unmanaged.
            bootstrapSelfManagedAddons: false,
            useDefaultVpcCni: true,
            corednsAddonOptions: { enabled: false },
            kubeProxyAddonOptions: { enabled: false },
            upgradePolicy: { supportType: args.supportType ?? "STANDARD" },
        }, { ...child, providers: explicitAwsProvider(this), dependsOn: [controlPlaneLogs], protect: args.protect });

        this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
        this.oidc = { providerArn: cluster.oidcProviderArn, providerUrl: cluster.oidcProviderUrl };
        this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
        this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
        this.secretsKeyArn = secretsKey.arn;
        // deleteUnreachable: when the cluster is already gone (a destroy interrupted after EKS deleted it, or deleted by
        // hand), its Kubernetes objects leave the state instead of failing the destroy on an unreachable API server.
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true, deleteUnreachable: true }, child);

        const cni = new ServiceAccountRole(`${name}-vpc-cni`, {
            oidc: this.oidc, namespace: "kube-system", serviceAccount: "aws-node",
            managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"],
        }, child);
        const networkingAddons = [
            // The VPC CNI enforces NetworkPolicies itself once asked to; without this they would be silently ignored.
            this.addon(name, "vpc-cni", args.kubernetesVersion, cluster, cni.roleArn, [], { enableNetworkPolicy: "true" }),
            this.addon(name, "kube-proxy", args.kubernetesVersion, cluster),
        ];

        this.systemNodeGroup = this.createSystemNodeGroup(name, args, cluster, networkingAddons);

        const ebs = new ServiceAccountRole(`${name}-ebs-csi`, {
            oidc: this.oidc, namespace: "kube-system", serviceAccount: "ebs-csi-controller-sa",
            managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"],
        }, child);
        const efs = new ServiceAccountRole(`${name}-efs-csi`, {
            oidc: this.oidc, namespace: "kube-system", serviceAccount: "efs-csi-controller-sa",
            managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"],
        }, child);
        // These run pods, so they wait for nodes; creating them earlier leaves them DEGRADED until nodes join.
        const afterNodes = [this.systemNodeGroup];
        this.addon(name, "coredns", args.kubernetesVersion, cluster, undefined, afterNodes);
        this.addon(name, "aws-ebs-csi-driver", args.kubernetesVersion, cluster, ebs.roleArn, afterNodes);
        this.addon(name, "aws-efs-csi-driver", args.kubernetesVersion, cluster, efs.roleArn, afterNodes);

        (args.adminRoleArns ?? []).forEach((principalArn, index) => {
            // Access entries, not the aws-auth ConfigMap (authenticationMode API): revocable in IAM's own terms, audited.
            const entry = new awsEks.AccessEntry(`${name}-admin-${index}`, {
                clusterName: this.clusterName, principalArn, type: "STANDARD",
            }, { parent: this, dependsOn: [cluster] });
            new awsEks.AccessPolicyAssociation(`${name}-admin-${index}`, {
                clusterName: this.clusterName,
                principalArn,
                policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                accessScope: { type: "cluster" },
            }, { parent: this, dependsOn: [entry] });
        });

        this.registerOutputs({ clusterName: this.clusterName, nodeSecurityGroupId: this.nodeSecurityGroupId });
    }

    private addon(name: string, addonName: string, kubernetesVersion: string, cluster: eks.Cluster, serviceAccountRoleArn?: pulumi.Input<string>,
        after: pulumi.Resource[] = [], configuration?: Record<string, unknown>): awsEks.Addon {
        // Unset, EKS keeps an add-on at the version it was created with through every cluster upgrade; resolved here, it
        // moves with kubernetesVersion. EKS's default version for that Kubernetes version, not the most recent: the most
        // recent would move every add-on whenever AWS publishes a build, an upgrade nobody chose (as al2023@latest would).
        // An invoke of known inputs: answered in a first preview too.
        const version = awsEks.getAddonVersionOutput({ addonName, kubernetesVersion, mostRecent: false }, { parent: this });
        return new awsEks.Addon(`${name}-${addonName}`, {
            clusterName: this.clusterName,
            addonName,
            addonVersion: version.version,
            serviceAccountRoleArn,
            configurationValues: configuration ? JSON.stringify(configuration) : undefined,
            // On create, take over whatever a bootstrap left; on update, keep changes an operator made on purpose.
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
        }, { parent: this, dependsOn: [cluster, ...after] });
    }

    private createSystemNodeGroup(name: string, args: ClusterArgs, cluster: eks.Cluster, after: pulumi.Resource[]): awsEks.NodeGroup {
        const child = { parent: this };
        const nodes = args.systemNodes ?? {};
        const minSize = nodes.minSize ?? 2;
        const role = nodeRole(`${name}-system-nodes`, `System node group of ${args.clusterName}`, child);

        const launchTemplate = new ec2.LaunchTemplate(`${name}-system-nodes`, {
            description: "System nodes: IMDSv2 only, encrypted gp3 root volume, no SSH key",
            vpcSecurityGroupIds: [cluster.nodeSecurityGroupId],
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // One hop: pods cannot reach the node's instance credentials; they use IRSA instead.
                httpPutResponseHopLimit: 1,
            },
            blockDeviceMappings: [{
                deviceName: "/dev/xvda",
                ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
            }],
            tagSpecifications: [{ resourceType: "instance", tags: { Name: `${args.clusterName}-system` } }],
        }, child);

        return new awsEks.NodeGroup(`${name}-system`, {
            clusterName: this.clusterName,
            nodeRoleArn: role.arn,
            subnetIds: args.privateSubnetIds,
            instanceTypes: nodes.instanceTypes ?? ["m7g.large"],
            amiType: args.systemNodeArchitecture === "amd64" ? "AL2023_x86_64_STANDARD" : "AL2023_ARM_64_STANDARD",
            capacityType: "ON_DEMAND",
            // The group's AMI release follows the control plane: without it, a cluster upgrade leaves the nodes behind.
            version: args.kubernetesVersion,
            launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
            scalingConfig: { minSize, maxSize: nodes.maxSize ?? 4, desiredSize: nodes.desiredSize ?? minSize },
            updateConfig: { maxUnavailable: 1 },
            labels: { "node-role.ecommerce.io/system": "true" },
            // Controllers only: application pods go to Karpenter capacity.
            taints: [{ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" }],
        }, {
            ...child,
            dependsOn: [cluster, ...after],
            // The desired size is only the starting point; whoever scales the group later must not be fought.
            ignoreChanges: ["scalingConfig.desiredSize"],
        });
    }
}
