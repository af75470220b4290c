import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as awsEks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as sqs from "@pulumi/aws/sqs";
import { EKS_AMI_ALIASES } from "./catalogue";
import { helmRelease } from "./helm-release";
import { nodeRole } from "./node-role";
import { OperatorCrds } from "./operator-crds";
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
    /**
     * Pinned AMI alias of each pool's EC2NodeClass ("family@vYYYYMMDD"; "@latest" is refused: it drifts every node on
     * each AMI release). Default EKS_AMI_ALIASES from the catalogue. Changing one replaces that pool's nodes through
     * drift: the general pool inside its maintenance window, the stateful pool one node at a time.
     */
    amiAliases?: { general?: string; stateful?: string };
    /**
     * When the general pool may replace drifted nodes (a new AMI, a changed node class): a weekly window in UTC.
     * Outside it a budget holds drift at zero nodes. Default Sunday (0) 02:00 UTC for 4 hours.
     */
    generalMaintenanceWindow?: MaintenanceWindow;
    /**
     * Create the EC2 Spot service-linked role (AWSServiceRoleForEC2Spot). EC2 creates it only for console requests;
     * Karpenter's CreateFleet calls fail without it in an account that never ran spot. It is one per account (all
     * regions), so only one stack per account may create it: set false in every other stack, or in an account that
     * already has it (creating it again fails). Default true (created only when the general pool may use spot), so a
     * fresh account works on the first `pulumi up`.
     */
    createSpotServiceLinkedRole?: boolean;
    /** Resolves once the cluster has nodes for the controller. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Pulumi `protect` on the chart's CRDs (deleting a CRD deletes every object of its kind). Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protectCrds?: boolean;
}

/** A weekly window: `day` 0-6 (Sunday 0), `startHourUtc` 0-23, `hours` 1-167. */
export interface MaintenanceWindow { day: number; startHourUtc: number; hours: number }

const NAMESPACE = "kube-system";
const SERVICE_ACCOUNT = "karpenter";

/**
 * Karpenter: the controller (IRSA role, pinned Helm release on the system nodes), its node role with an EKS access
 * entry, the SQS interruption queue fed by EventBridge so spot reclaims drain nodes gracefully, the account's spot
 * service-linked role, and two NodePools, each with its own EC2NodeClass on a pinned AMI: "general" (spot first, arm64
 * and amd64, consolidating, drift only in a maintenance window) and "stateful" (on-demand, tainted for data services,
 * never expiring, one node disrupted at a time).
 */
export class NodeAutoscaling extends pulumi.ComponentResource {
    readonly nodeRoleName: pulumi.Output<string>;
    readonly interruptionQueueName: pulumi.Output<string>;
    /**
     * The NodePools, by name. Workloads that land on Karpenter capacity depend on them: before they exist nothing can
     * launch a node for a pending pod, and a Helm release or custom resource waiting for ready pods times out.
     */
    readonly nodePools: { general: k8s.apiextensions.CustomResource; stateful: k8s.apiextensions.CustomResource };
    /** The spot service-linked role, when this stack creates it. */
    readonly spotServiceLinkedRole?: iam.ServiceLinkedRole;

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
        const interruptionEvents: Record<string, { source: string[]; "detail-type": string[] }> = {
            "health": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
            "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
            "rebalance": { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
            "state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
        };
        const rules = Object.entries(interruptionEvents).map(([event, pattern]) => {
            const rule = new cloudwatch.EventRule(`${name}-${event}`, { eventPattern: JSON.stringify(pattern) }, child);
            new cloudwatch.EventTarget(`${name}-${event}`, { rule: rule.name, arn: queue.arn }, child);
            return rule;
        });
        new sqs.QueuePolicy(`${name}-interruptions`, {
            queueUrl: queue.url,
            policy: interruptionQueuePolicy(queue.arn, rules.map((rule) => rule.arn)),
        }, child);

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

        const crds = new OperatorCrds(`${name}-crds`, { chart: "karpenter", protect: args.protectCrds }, child);
        const release = helmRelease(name, {
            releaseName: "karpenter",
            chart: "karpenter",
            namespace: NAMESPACE,
            skipCrds: true,
            values: {
                settings: { clusterName: args.clusterName, interruptionQueue: queue.name },
                serviceAccount: { name: SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": controllerRole.roleArn } },
                replicas: 2,
                // The controller must never run on capacity it manages itself.
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                controller: { resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } } },
            },
        }, { ...child, dependsOn: [accessEntry, ...crds.crds, ...(args.dependsOn ?? [])] });

        const capacityTypes = args.capacityTypes ?? ["spot", "on-demand"];
        if ((args.createSpotServiceLinkedRole ?? true) && capacityTypes.includes("spot")) {
            // Kept on destroy: other stacks in the account (and running spot instances) rely on it, and IAM refuses to
            // delete it while spot instances exist.
            this.spotServiceLinkedRole = new iam.ServiceLinkedRole(`${name}-spot`, {
                awsServiceName: "spot.amazonaws.com",
                description: "Lets EC2 launch and manage spot instances (Karpenter's CreateFleet)",
            }, { ...child, retainOnDelete: true });
        }

        const aliases = { ...EKS_AMI_ALIASES, ...args.amiAliases };
        const crOpts = { ...child, dependsOn: [crds.of("EC2NodeClass"), release] };
        const nodeClasses = {
            general: new k8s.apiextensions.CustomResource(`${name}-general-class`, ec2NodeClass(args, "general", aliases.general, role.name), crOpts),
            stateful: new k8s.apiextensions.CustomResource(`${name}-stateful-class`, ec2NodeClass(args, "stateful", aliases.stateful, role.name), crOpts),
        };
        const cpu = args.cpuLimit ?? 64;
        const memory = args.memoryLimitGib ?? 256;
        const architectures = args.architectures ?? ["arm64", "amd64"];
        const poolOpts = (pool: keyof typeof nodeClasses) => ({
            ...child,
            dependsOn: [crds.of("NodePool"), release, nodeClasses[pool], ...(this.spotServiceLinkedRole ? [this.spotServiceLinkedRole] : [])],
        });
        this.nodePools = {
            general: new k8s.apiextensions.CustomResource(`${name}-general`, nodePool({
                name: "general",
                capacityTypes,
                architectures,
                cpu, memory,
                consolidationPolicy: "WhenEmptyOrUnderutilized",
                // Stateless pods move freely: nodes are recycled monthly so none runs an old kernel for long.
                expireAfter: "720h",
                budgets: [
                    { nodes: "10%" },
                    // Drift (a new AMI pin, a changed node class) replaces nodes only inside the maintenance window.
                    { nodes: "0", reasons: ["Drifted"], ...outsideWindow(args.generalMaintenanceWindow ?? { day: 0, startHourUtc: 2, hours: 4 }) },
                ],
            }), poolOpts("general")),
            stateful: new k8s.apiextensions.CustomResource(`${name}-stateful`, nodePool({
                name: "stateful",
                capacityTypes: ["on-demand"],
                architectures,
                cpu: Math.max(2, Math.floor(cpu / 2)),
                memory: Math.max(4, Math.floor(memory / 2)),
                // Moving a broker or a data node costs a replica rebuild: only reclaim nodes that are empty.
                consolidationPolicy: "WhenEmpty",
                // Never replaced by age: a broker or data node leaves only when an operator changes the pool or its AMI pin.
                expireAfter: "Never",
                // One node at a time, whatever the reason (empty, drifted): Kafka, Elasticsearch and Redis each keep a
                // replica elsewhere and resync it before the next node goes.
                budgets: [{ nodes: "1" }],
                labels: STATEFUL_NODE_LABEL,
                taints: [STATEFUL_TAINT],
            }), poolOpts("stateful")),
        };

        this.nodeRoleName = role.name;
        this.interruptionQueueName = queue.name;
        this.registerOutputs({ nodeRoleName: this.nodeRoleName, interruptionQueueName: this.interruptionQueueName });
    }
}

/**
 * The interruption queue's policy: EventBridge may send only on behalf of this stack's own rules (ArnEquals
 * aws:SourceArn), so no other rule, in this account or any other, can feed Karpenter forged interruption events that
 * drain and terminate nodes (the confused-deputy pattern in the EventBridge docs, "Amazon SQS permissions").
 * Upstream (karpenter-provider-aws v1.14.1 cloudformation.yaml, KarpenterInterruptionQueuePolicy) grants
 * events.amazonaws.com and sqs.amazonaws.com with no condition; sqs.amazonaws.com is left out: no SQS feature sends to
 * a queue as that principal (dead-letter redrive needs no queue policy), so it only widened the grant.
 */
export function interruptionQueuePolicy(queueArn: pulumi.Input<string>, ruleArns: pulumi.Input<string>[]): pulumi.Output<string> {
    return pulumi.all([queueArn, pulumi.all(ruleArns)]).apply(([arn, sources]) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EventBridgeDeliversThisStacksRules", Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: arn,
                Condition: { ArnEquals: { "aws:SourceArn": sources } },
            },
            { Sid: "DenyPlainHttp", Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
        ],
    }));
}

/** A Karpenter AMI alias pinned to one release ("al2023@v20260714", "bottlerocket@v1.10.0"), never "@latest". */
const PINNED_ALIAS = /^(al2|al2023|bottlerocket)@v\d[\w.]*$/;

function ec2NodeClass(args: NodeAutoscalingArgs, name: string, amiAlias: string, roleName: pulumi.Input<string>): k8s.apiextensions.CustomResourceArgs {
    if (!PINNED_ALIAS.test(amiAlias)) {
        throw new Error(`NodeAutoscaling: AMI alias "${amiAlias}" of the ${name} node class is not pinned; use family@vYYYYMMDD, e.g. ${EKS_AMI_ALIASES.general}`);
    }
    return {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name },
        spec: {
            role: roleName,
            amiSelectorTerms: [{ alias: amiAlias }],
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

/** A Karpenter disruption budget; `schedule` and `duration` come together. */
interface DisruptionBudget { nodes: string; reasons?: ("Empty" | "Drifted" | "Underutilized")[]; schedule?: string; duration?: string }

/**
 * The budget window that covers the whole week except `window`: it starts when the window ends and lasts until the
 * window starts again (Karpenter budgets are active from a cron hit for a duration, in UTC).
 */
export function outsideWindow(window: MaintenanceWindow): { schedule: string; duration: string } {
    const { day, startHourUtc, hours } = window;
    if (![day, startHourUtc, hours].every(Number.isInteger) || day < 0 || day > 6 || startHourUtc < 0 || startHourUtc > 23 || hours < 1 || hours > 167) {
        throw new Error(`NodeAutoscaling: maintenance window ${JSON.stringify(window)} needs day 0-6, startHourUtc 0-23 and hours 1-167`);
    }
    const end = startHourUtc + hours;
    return { schedule: `0 ${end % 24} * * ${(day + Math.floor(end / 24)) % 7}`, duration: `${168 - hours}h` };
}

interface NodePoolShape {
    name: string;
    capacityTypes: string[];
    architectures: string[];
    cpu: number;
    memory: number;
    consolidationPolicy: "WhenEmpty" | "WhenEmptyOrUnderutilized";
    expireAfter: string;
    budgets: DisruptionBudget[];
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
                    nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: pool.name },
                    requirements: [
                        { key: "karpenter.sh/capacity-type", operator: "In", values: pool.capacityTypes },
                        { key: "kubernetes.io/arch", operator: "In", values: pool.architectures },
                        { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
                        // Current generations only: better price-performance, and Nitro everywhere.
                        { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
                    ],
                    taints: pool.taints,
                    expireAfter: pool.expireAfter,
                },
            },
            limits: { cpu: String(pool.cpu), memory: `${pool.memory}Gi` },
            disruption: { consolidationPolicy: pool.consolidationPolicy, consolidateAfter: "1m", budgets: pool.budgets },
        },
    };
}
