import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as awsEks from "@pulumi/aws/eks";
import * as sqs from "@pulumi/aws/sqs";
import { helmRelease } from "./helm-release";
import { nodeRole } from "./node-role";
import { karpenterControllerPolicy } from "./karpenter-policy";
import { STATEFUL_NODE_LABEL, STATEFUL_TAINT, SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS } from "./scheduling";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";

export interface NodeAutoscalingArgs {
    clusterName: string;
    region: string;
    accountId: pulumi.Input<string>;
    oidc: OidcIdentity;
    nodeSecurityGroupId: pulumi.Input<string>;
    /** Capacity types of the general pool. Default ["spot", "on-demand"]: Karpenter prefers spot and falls back. */
    capacityTypes?: ("spot" | "on-demand")[];
    /** CPU architectures both pools may launch. Default ["arm64", "amd64"]. */
    architectures?: ("arm64" | "amd64")[];
    /** vCPU ceiling of the general pool; the stateful pool gets half. Default 64. */
    cpuLimit?: number;
    /** Memory ceiling (GiB) of the general pool; the stateful pool gets half. Default 256. */
    memoryLimitGib?: number;
    /** EC2NodeClass AMI alias. Default "al2023@latest": new AMIs roll out through Karpenter drift, one node at a time. */
    amiAlias?: string;
    /** Resolves once the cluster has nodes for the controller. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const NAMESPACE = "kube-system";
const SERVICE_ACCOUNT = "karpenter";

/**
 * Karpenter: the controller (IRSA role, pinned Helm release on the system nodes), its node role with an EKS access
 * entry, the SQS interruption queue fed by EventBridge so spot reclaims drain nodes gracefully, and two NodePools:
 * "general" (spot first, arm64 and amd64, consolidating) and "stateful" (on-demand, tainted for data services).
 */
export class NodeAutoscaling extends pulumi.ComponentResource {
    readonly nodeRoleName: pulumi.Output<string>;
    readonly interruptionQueueName: pulumi.Output<string>;

    constructor(name: string, args: NodeAutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:kubernetes:NodeAutoscaling", name, {}, opts);
        const child = { parent: this };

        const role = nodeRole(`${name}-node`, `Nodes launched by Karpenter in ${args.clusterName}`, child);
        const accessEntry = new awsEks.AccessEntry(`${name}-node`, {
            clusterName: args.clusterName,
            principalArn: role.arn,
            type: "EC2_LINUX",
        }, child);

        const queue = new sqs.Queue(`${name}-interruptions`, {
            messageRetentionSeconds: 300,
            sqsManagedSseEnabled: true,
        }, child);
        new sqs.QueuePolicy(`${name}-interruptions`, {
            queueUrl: queue.url,
            policy: queue.arn.apply((arn) => JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Sid: "EventBridgeDelivers", Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: arn },
                    { Sid: "DenyPlainHttp", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
                ],
            })),
        }, child);
        const interruptionEvents: Record<string, { source: string[]; "detail-type": string[] }> = {
            "health": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
            "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
            "rebalance": { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
            "state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
        };
        for (const [event, pattern] of Object.entries(interruptionEvents)) {
            const rule = new cloudwatch.EventRule(`${name}-${event}`, { eventPattern: JSON.stringify(pattern) }, child);
            new cloudwatch.EventTarget(`${name}-${event}`, { rule: rule.name, arn: queue.arn }, child);
        }

        const controllerRole = new ServiceAccountRole(`${name}-controller`, {
            oidc: args.oidc,
            namespace: NAMESPACE,
            serviceAccount: SERVICE_ACCOUNT,
            policy: karpenterControllerPolicy({
                clusterName: args.clusterName,
                region: args.region,
                accountId: args.accountId,
                nodeRoleArn: role.arn,
                interruptionQueueArn: queue.arn,
            }),
        }, child);

        const release = helmRelease(name, {
            releaseName: "karpenter",
            chart: "karpenter",
            namespace: NAMESPACE,
            values: {
                settings: { clusterName: args.clusterName, interruptionQueue: queue.name },
                serviceAccount: { name: SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": controllerRole.roleArn } },
                replicas: 2,
                // The controller must never run on capacity it manages itself.
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                controller: { resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
            },
        }, { ...child, dependsOn: [accessEntry, ...(args.dependsOn ?? [])] });

        const crOpts = { ...child, dependsOn: [release] };
        const nodeClass = new k8s.apiextensions.CustomResource(`${name}-default`, ec2NodeClass(args, role.name), crOpts);
        const cpu = args.cpuLimit ?? 64;
        const memory = args.memoryLimitGib ?? 256;
        const architectures = args.architectures ?? ["arm64", "amd64"];
        new k8s.apiextensions.CustomResource(`${name}-general`, nodePool({
            name: "general",
            capacityTypes: args.capacityTypes ?? ["spot", "on-demand"],
            architectures,
            cpu, memory,
            consolidationPolicy: "WhenEmptyOrUnderutilized",
        }), { ...crOpts, dependsOn: [release, nodeClass] });
        new k8s.apiextensions.CustomResource(`${name}-stateful`, nodePool({
            name: "stateful",
            capacityTypes: ["on-demand"],
            architectures,
            cpu: Math.max(2, Math.floor(cpu / 2)),
            memory: Math.max(4, Math.floor(memory / 2)),
            // Moving a broker or a data node costs a replica rebuild: only reclaim nodes that are empty.
            consolidationPolicy: "WhenEmpty",
            labels: STATEFUL_NODE_LABEL,
            taints: [STATEFUL_TAINT],
        }), { ...crOpts, dependsOn: [release, nodeClass] });

        this.nodeRoleName = role.name;
        this.interruptionQueueName = queue.name;
        this.registerOutputs({ nodeRoleName: this.nodeRoleName, interruptionQueueName: this.interruptionQueueName });
    }
}

function ec2NodeClass(args: NodeAutoscalingArgs, roleName: pulumi.Input<string>): k8s.apiextensions.CustomResourceArgs {
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: "default" },
        spec: {
            role: roleName,
            amiSelectorTerms: [{ alias: args.amiAlias ?? "al2023@latest" }],
            subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": args.clusterName } }],
            securityGroupSelectorTerms: [{ id: args.nodeSecurityGroupId }],
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, httpProtocolIPv6: "disabled" },
            blockDeviceMappings: [{
                deviceName: "/dev/xvda",
                ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true },
            }],
            tags: { "karpenter.sh/discovery": args.clusterName },
        },
    };
}

interface NodePoolShape {
    name: string;
    capacityTypes: string[];
    architectures: string[];
    cpu: number;
    memory: number;
    consolidationPolicy: "WhenEmpty" | "WhenEmptyOrUnderutilized";
    labels?: Record<string, string>;
    taints?: { key: string; value: string; effect: string }[];
}

function nodePool(pool: NodePoolShape): k8s.apiextensions.CustomResourceArgs {
    return {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: pool.name },
        spec: {
            template: {
                metadata: { labels: { "ecommerce.io/node-pool": pool.name, ...pool.labels } },
                spec: {
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
                    requirements: [
                        { key: "karpenter.sh/capacity-type", operator: "In", values: pool.capacityTypes },
                        { key: "kubernetes.io/arch", operator: "In", values: pool.architectures },
                        { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
                        // Current generations only: better price-performance, and Nitro everywhere.
                        { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                    ],
                    taints: pool.taints,
                    expireAfter: "720h",
                },
            },
            limits: { cpu: String(pool.cpu), memory: `${pool.memory}Gi` },
            disruption: { consolidationPolicy: pool.consolidationPolicy, consolidateAfter: "1m", budgets: [{ nodes: "10%" }] },
        },
    };
}
