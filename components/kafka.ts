import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KAFKA_VERSION } from "./catalogue";
import { helmRelease } from "./helm-release";
import { platformNamespace } from "./namespace";
import { STATEFUL_NODE_LABEL, STATEFUL_TOLERATIONS, SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS, ZONE_TOPOLOGY_KEY } from "./scheduling";
import { STORAGE_CLASSES } from "./shared-storage";
import { ResourceSpec, resources } from "./workload-defaults";

export interface KafkaTopicSpec {
    name: string;
    /** Default 6. */
    partitions?: number;
    /** How long records are kept, in hours. */
    retentionHours: number;
}

export interface KafkaArgs {
    /** Namespace of the operator, the cluster and its topics. Default "kafka". */
    namespace?: string;
    /** Kafka cluster name (also the `strimzi.io/cluster` label of pools and topics). Default "events". */
    clusterName?: string;
    /** Broker nodes. Default 3. */
    brokers?: number;
    /** KRaft controller nodes (an odd number: 1 in dev, 3 for a quorum that survives one loss). Default 3. */
    controllers?: number;
    /** Replication factor of every topic; min.insync.replicas is one less (at least 1). Default min(3, brokers). */
    replicationFactor?: number;
    /** gp3 volume per broker. Default "50Gi". */
    brokerVolumeSize?: string;
    /** Default 1 CPU / 4Gi. */
    brokerResources?: ResourceSpec;
    /** Topics the platform publishes to. Default: orders, payments, notifications, notifications-dlq. */
    topics?: KafkaTopicSpec[];
    /** Spread brokers and controllers over zones with DoNotSchedule (prod) instead of ScheduleAnyway. Default false. */
    strictZoneSpread?: boolean;
    /** Operator replicas (leader election). Default 1. */
    operatorReplicas?: number;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export const DEFAULT_TOPICS: KafkaTopicSpec[] = [
    { name: "orders", partitions: 6, retentionHours: 7 * 24 },
    { name: "payments", partitions: 6, retentionHours: 7 * 24 },
    { name: "notifications", partitions: 6, retentionHours: 3 * 24 },
    // Messages the notification worker gave up on: kept longer so an operator can inspect and replay them.
    { name: "notifications-dlq", partitions: 3, retentionHours: 14 * 24 },
];

export const KAFKA_TLS_PORT = 9093;
const STRIMZI = "kafka.strimzi.io/v1";

/**
 * Kafka for queuing (orders, payments, notifications): the Strimzi operator, a KRaft Kafka cluster with separate
 * controller and broker KafkaNodePools on gp3 on the on-demand stateful pool, spread over zones, reachable only on
 * an internal TLS listener (mutual TLS), and the topics as KafkaTopic resources with retention and replication.
 * Strimzi creates the PodDisruptionBudgets and NetworkPolicies of the cluster itself.
 */
export class Kafka extends pulumi.ComponentResource {
    readonly namespace: string;
    readonly clusterName: string;
    /** Bootstrap address of the TLS listener. */
    readonly bootstrapServers: string;
    readonly topics: string[];

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:Kafka", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "kafka";
        this.clusterName = args.clusterName ?? "events";
        const brokers = args.brokers ?? 3;
        const controllers = args.controllers ?? 3;
        const replication = args.replicationFactor ?? Math.min(3, brokers);
        if (replication > brokers) throw new Error(`Kafka ${name}: replication factor ${replication} exceeds ${brokers} brokers`);
        const minInSync = Math.max(1, replication - 1);

        // Restricted: the operator runs with the "restricted" pod security provider, so every pod it creates passes.
        const namespace = platformNamespace(this.namespace, "restricted", child, `${name}-namespace`);
        const operator = helmRelease(`${name}-strimzi`, {
            releaseName: "strimzi",
            chart: "strimzi",
            namespace: this.namespace,
            values: {
                replicas: args.operatorReplicas ?? 1,
                watchNamespaces: [],
                extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
                resources: resources("200m", "384Mi", { cpu: "1", memory: "512Mi" }),
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                podDisruptionBudget: { enabled: (args.operatorReplicas ?? 1) > 1 },
            },
        }, { ...child, dependsOn: [namespace, ...(args.dependsOn ?? [])] });
        const crOpts = { ...child, dependsOn: [operator] };
        const clusterLabel = { "strimzi.io/cluster": this.clusterName };

        const podTemplate = (matchLabels: Record<string, string>) => ({
            pod: {
                tolerations: STATEFUL_TOLERATIONS,
                affinity: {
                    nodeAffinity: {
                        requiredDuringSchedulingIgnoredDuringExecution: {
                            nodeSelectorTerms: [{ matchExpressions: Object.entries(STATEFUL_NODE_LABEL).map(([key, value]) => ({ key, operator: "In", values: [value] })) }],
                        },
                    },
                },
                topologySpreadConstraints: [{
                    maxSkew: 1, topologyKey: ZONE_TOPOLOGY_KEY, whenUnsatisfiable: args.strictZoneSpread ? "DoNotSchedule" : "ScheduleAnyway",
                    labelSelector: { matchLabels },
                }],
            },
        });
        const pool = (pool: string, roles: string[], replicas: number, size: string, limits: ResourceSpec) =>
            new k8s.apiextensions.CustomResource(`${name}-${pool}`, {
                apiVersion: STRIMZI,
                kind: "KafkaNodePool",
                metadata: { name: pool, namespace: this.namespace, labels: clusterLabel },
                spec: {
                    replicas,
                    roles,
                    storage: {
                        type: "jbod",
                        volumes: [{ id: 0, type: "persistent-claim", size, class: STORAGE_CLASSES.block, deleteClaim: false, kraftMetadata: "shared" }],
                    },
                    resources: limits,
                    template: podTemplate({ ...clusterLabel, "strimzi.io/pool-name": pool }),
                },
            }, crOpts);
        const pools = [
            pool("controller", ["controller"], controllers, "10Gi", resources("250m", "1Gi", { memory: "1Gi" })),
            pool("broker", ["broker"], brokers, args.brokerVolumeSize ?? "50Gi", args.brokerResources ?? resources("1", "4Gi")),
        ];

        const kafka = new k8s.apiextensions.CustomResource(`${name}-cluster`, {
            apiVersion: STRIMZI,
            kind: "Kafka",
            metadata: { name: this.clusterName, namespace: this.namespace },
            spec: {
                kafka: {
                    version: KAFKA_VERSION.kafka,
                    metadataVersion: KAFKA_VERSION.metadataVersion,
                    // One listener only: TLS inside the cluster, clients authenticate with certificates (KafkaUser).
                    listeners: [{ name: "tls", port: KAFKA_TLS_PORT, type: "internal", tls: true, authentication: { type: "tls" } }],
                    authorization: { type: "simple" },
                    config: {
                        "default.replication.factor": replication,
                        "min.insync.replicas": minInSync,
                        "offsets.topic.replication.factor": replication,
                        "transaction.state.log.replication.factor": replication,
                        "transaction.state.log.min.isr": minInSync,
                        "auto.create.topics.enable": false,
                    },
                    template: podTemplate(clusterLabel),
                },
                entityOperator: {
                    topicOperator: { resources: resources("100m", "256Mi", { memory: "512Mi" }) },
                    userOperator: { resources: resources("100m", "256Mi", { memory: "512Mi" }) },
                    template: { pod: { tolerations: STATEFUL_TOLERATIONS } },
                },
            },
        }, { ...child, dependsOn: [operator, ...pools] });

        const topics = args.topics ?? DEFAULT_TOPICS;
        for (const topic of topics) {
            new k8s.apiextensions.CustomResource(`${name}-topic-${topic.name}`, {
                apiVersion: STRIMZI,
                kind: "KafkaTopic",
                metadata: { name: topic.name, namespace: this.namespace, labels: clusterLabel },
                spec: {
                    partitions: topic.partitions ?? 6,
                    replicas: replication,
                    config: {
                        "retention.ms": topic.retentionHours * 3_600_000,
                        "min.insync.replicas": minInSync,
                        "cleanup.policy": "delete",
                    },
                },
            }, { ...child, dependsOn: [kafka] });
        }

        this.bootstrapServers = `${this.clusterName}-kafka-bootstrap.${this.namespace}.svc:${KAFKA_TLS_PORT}`;
        this.topics = topics.map((t) => t.name);
        this.registerOutputs({ bootstrapServers: this.bootstrapServers, topics: this.topics });
    }
}
