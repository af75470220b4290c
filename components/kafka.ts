import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import { CHARTS, KAFKA_VERSION, kafkaVersionProblems } from "./catalogue";
import { helmRelease } from "./helm-release";
import { OperatorCrds } from "./operator-crds";
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
    /**
     * Namespaces whose pods may connect to the SCRAM listener (Strimzi writes them into the NetworkPolicy it generates
     * for the brokers). Default: none, i.e. only the cluster's own pods.
     */
    clientNamespaces?: string[];
    /**
     * Pods of the kafka namespace that are SCRAM clients too (a MirrorMaker 2 writing into this cluster), by labels:
     * added to the SCRAM listener's peers. Default none.
     */
    clientPods?: Record<string, string>[];
    /**
     * A listener other regions reach over VPC peering (MirrorMaker 2 of a secondary region): TLS + SCRAM-SHA-512 on
     * `KAFKA_REPLICATION_PORT`, `type: loadbalancer`, so Strimzi creates a LoadBalancer Service for the bootstrap and
     * one per broker, which the AWS Load Balancer Controller turns into internal NLBs (IP targets) behind the given
     * security group (the peering admits each peer's private ranges on it). The NLB connects to the brokers from its
     * own addresses in this VPC's private subnets (client IP preservation stays off, the default for IP targets over
     * TCP), so those ranges are the listener's NetworkPolicy peers. Default: none (no load balancer).
     */
    replicationListener?: { securityGroupId: pulumi.Input<string>; loadBalancerCidrs: string[] };
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * The Prometheus operator's release, when one runs: the Kafka Exporter then gets a PodMonitor (monitoring.coreos.com)
     * that waits for it, since the release installs the CRD. Default none: the exporter runs unscraped.
     */
    prometheusOperator?: pulumi.Resource;
    /**
     * The Karpenter NodePools its data pods land on: the resources that start those pods wait for them (the operator,
     * on the system nodes, does not). Default none.
     */
    nodePools?: pulumi.Input<pulumi.Resource>[];
    /**
     * Pulumi `protect` on the namespace, the Kafka and its KafkaNodePools: a replacement or deletion (which would take
     * the volumes' claims with it) fails until `pulumi state unprotect`. Default false (the composition sets it from
     * config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
    /**
     * Kafka version and KRaft metadata version. Default KAFKA_VERSION (components/catalogue.ts). Refused unless the
     * pinned Strimzi release supports the version and the metadata version is not newer than the version's own.
     */
    version?: { kafka: string; metadataVersion: string };
}

export const DEFAULT_TOPICS: KafkaTopicSpec[] = [
    { name: "orders", partitions: 6, retentionHours: 7 * 24 },
    // Product changes, for consumers that keep derived views (the search index) in step with the catalogue.
    { name: "products", partitions: 3, retentionHours: 7 * 24 },
    { name: "payments", partitions: 6, retentionHours: 7 * 24 },
    { name: "notifications", partitions: 6, retentionHours: 3 * 24 },
    // Messages the notification worker gave up on: kept longer so an operator can inspect and replay them.
    { name: "notifications-dlq", partitions: 3, retentionHours: 14 * 24 },
];

export const KAFKA_TLS_PORT = 9093;
/** Strimzi's metrics port on the Kafka Exporter pod (MetricsModel.METRICS_PORT, named "tcp-prometheus"). */
export const KAFKA_EXPORTER_PORT = 9404;
const KAFKA_EXPORTER_PORT_NAME = "tcp-prometheus";
/** Internal listener for clients outside the kafka namespace: TLS (cluster CA) and SASL SCRAM-SHA-512. */
export const KAFKA_SCRAM_PORT = 9094;
/** The replication listener other regions reach through internal NLBs (KafkaArgs.replicationListener). */
export const KAFKA_REPLICATION_PORT = 9095;
const REPLICATION_LISTENER = "replication";
const STRIMZI = "kafka.strimzi.io/v1";

/**
 * Kafka for queuing (orders, payments, notifications): the Strimzi operator, a KRaft Kafka cluster with separate
 * controller and broker KafkaNodePools on gp3 on the on-demand stateful pool, spread over zones, reachable only on
 * internal TLS listeners (mutual TLS on 9093, SCRAM-SHA-512 on 9094), and the topics as KafkaTopic resources with
 * retention and replication. Strimzi creates the PodDisruptionBudgets and NetworkPolicies of the cluster itself.
 * The cluster CA is generated here (not by Strimzi) and installed as Strimzi's custom cluster CA, so its public
 * certificate is known at plan time and can be copied into client namespaces (see KafkaClient).
 */
export class Kafka extends pulumi.ComponentResource {
    readonly namespace: string;
    readonly clusterName: string;
    /** Bootstrap address of the mutual-TLS listener. */
    readonly bootstrapServers: string;
    /** Bootstrap address of the TLS + SCRAM-SHA-512 listener (for clients in other namespaces). */
    readonly scramBootstrapServers: string;
    readonly topics: string[];
    /** PEM of the cluster CA that signs the broker certificates (public). */
    readonly caCertPem: pulumi.Output<string>;
    /** The Kafka custom resource (what a KafkaUser must wait for). */
    readonly cluster: k8s.apiextensions.CustomResource;
    /** The namespace object: what resources placed in it (its NetworkPolicies) wait for. */
    readonly namespaceResource: k8s.core.v1.Namespace;
    /** host:port of the replication listener's bootstrap NLB (KafkaArgs.replicationListener), read once Strimzi is Ready. */
    readonly replicationBootstrapServers?: pulumi.Output<string>;

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
        const version = args.version ?? KAFKA_VERSION;
        const versionProblems = kafkaVersionProblems(CHARTS.strimzi.version, version);
        if (versionProblems.length > 0) throw new Error(`Kafka ${name}: ${versionProblems.join("; ")}`);

        // Restricted: the operator runs with the "restricted" pod security provider, so every pod it creates passes.
        const namespace = platformNamespace(this.namespace, "restricted", { ...child, protect: args.protect }, `${name}-namespace`);
        this.namespaceResource = namespace;
        const crds = new OperatorCrds(`${name}-crds`, { chart: "strimzi", protect: args.protect }, child);
        const operator = helmRelease(`${name}-strimzi`, {
            releaseName: "strimzi",
            chart: "strimzi",
            namespace: this.namespace,
            skipCrds: true,
            values: {
                replicas: args.operatorReplicas ?? 1,
                watchNamespaces: [],
                extraEnvs: [{ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" }],
                resources: resources("200m", "384Mi", { cpu: "1", memory: "512Mi" }),
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                podDisruptionBudget: { enabled: (args.operatorReplicas ?? 1) > 1 },
            },
        }, { ...child, dependsOn: [namespace, ...crds.crds, ...(args.dependsOn ?? [])] });
        const crOpts = { ...child, dependsOn: [crds.of("KafkaNodePool"), operator, ...(args.nodePools ?? [])], protect: args.protect };
        const clusterLabel = { "strimzi.io/cluster": this.clusterName };
        const ownPods = { podSelector: { matchLabels: clusterLabel } };
        const clusterCa = this.clusterCa(name, namespace);
        this.caCertPem = clusterCa.certPem;

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

        const scramPeers = [
            ...(args.clientNamespaces ?? []).map((client) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": client } } })),
            ...(args.clientPods ?? []).map((matchLabels) => ({ podSelector: { matchLabels } })),
        ];
        const replicationAccess = args.replicationListener;
        const kafka = new k8s.apiextensions.CustomResource(`${name}-cluster`, {
            apiVersion: STRIMZI,
            kind: "Kafka",
            // With load balancers, dependents (the bootstrap address read below) wait until Strimzi reports Ready, which
            // it does only once every listener Service has its load balancer address (pulumi-kubernetes `waitFor`).
            metadata: { name: this.clusterName, namespace: this.namespace, ...(replicationAccess ? { annotations: { "pulumi.com/waitFor": "condition=Ready" } } : {}) },
            spec: {
                // Our CA (Secrets above). The Secrets belong to Pulumi: no owner reference, so deleting the Kafka
                // resource does not garbage-collect them behind Pulumi's back.
                clusterCa: { generateCertificateAuthority: false, generateSecretOwnerReference: false },
                kafka: {
                    version: version.kafka,
                    metadataVersion: version.metadataVersion,
                    // Internal listeners only, both TLS. Platform components authenticate with certificates
                    // (KafkaUser, type tls); applications in other namespaces with SCRAM-SHA-512 (KafkaClient).
                    // networkPolicyPeers: Strimzi opens a listener without peers to every pod of the cluster, so each
                    // names who may connect: the cluster's own pods (entity operator) on mTLS, the clients' namespaces on SCRAM.
                    listeners: [
                        { name: "tls", port: KAFKA_TLS_PORT, type: "internal", tls: true, authentication: { type: "tls" }, networkPolicyPeers: [ownPods] },
                        {
                            name: "scram", port: KAFKA_SCRAM_PORT, type: "internal", tls: true, authentication: { type: "scram-sha-512" },
                            networkPolicyPeers: scramPeers.length > 0 ? scramPeers : [ownPods],
                        },
                        ...(replicationAccess ? [replicationListener(replicationAccess)] : []),
                    ],
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
                // Topic and consumer-group metrics (under-replicated partitions, lag) for Prometheus: Strimzi runs it
                // as <cluster>-kafka-exporter, connecting to the replication listener (9091) with its own certificate.
                // Strimzi's own internal topics (__consumer_offsets, __strimzi*) are left out.
                kafkaExporter: {
                    topicRegex: "^[^_].*",
                    groupRegex: ".*",
                    resources: resources("50m", "64Mi", { memory: "128Mi" }),
                },
                entityOperator: {
                    topicOperator: { resources: resources("100m", "256Mi", { memory: "512Mi" }) },
                    userOperator: { resources: resources("100m", "256Mi", { memory: "512Mi" }) },
                    template: { pod: { tolerations: STATEFUL_TOLERATIONS } },
                },
            },
        }, { ...child, dependsOn: [crds.of("Kafka"), operator, ...pools, ...clusterCa.secrets], protect: args.protect });

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

        if (args.prometheusOperator) {
            // Strimzi's example (examples/metrics/prometheus-install/pod-monitors/kafka-resources-metrics.yaml) scrapes
            // the same port name; this one selects only the exporter, the brokers expose no JMX metrics here.
            new k8s.apiextensions.CustomResource(`${name}-exporter-monitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PodMonitor",
                metadata: { name: `${this.clusterName}-kafka-exporter`, namespace: this.namespace },
                spec: {
                    selector: { matchLabels: kafkaExporterLabels(this.clusterName) },
                    podMetricsEndpoints: [{ port: KAFKA_EXPORTER_PORT_NAME, path: "/metrics" }],
                },
            }, { ...child, dependsOn: [kafka, args.prometheusOperator] });
        }

        this.cluster = kafka;
        const bootstrapHost = `${this.clusterName}-kafka-bootstrap.${this.namespace}.svc`;
        this.bootstrapServers = `${bootstrapHost}:${KAFKA_TLS_PORT}`;
        this.scramBootstrapServers = `${bootstrapHost}:${KAFKA_SCRAM_PORT}`;
        this.topics = topics.map((t) => t.name);
        if (replicationAccess) {
            // Strimzi names an external listener's bootstrap Service <cluster>-kafka-<listener>-bootstrap.
            const service = k8s.core.v1.Service.get(`${name}-replication-bootstrap`, `${this.namespace}/${this.clusterName}-kafka-${REPLICATION_LISTENER}-bootstrap`, { ...child, dependsOn: [kafka] });
            this.replicationBootstrapServers = service.status.apply((status) => `${status?.loadBalancer?.ingress?.[0]?.hostname ?? ""}:${KAFKA_REPLICATION_PORT}`);
        }
        this.registerOutputs({ bootstrapServers: this.bootstrapServers, scramBootstrapServers: this.scramBootstrapServers, topics: this.topics, caCertPem: this.caCertPem });
    }

    /**
     * Strimzi's custom cluster CA ("Installing your own CA certificates"): `<cluster>-cluster-ca-cert` (ca.crt) and
     * `<cluster>-cluster-ca` (ca.key), labelled for the cluster, at generation 0. They must exist before the Kafka
     * resource. Strimzi does not renew a custom CA: replacing it needs the generation annotations raised (see docs).
     */
    private clusterCa(name: string, namespace: k8s.core.v1.Namespace): { certPem: pulumi.Output<string>; secrets: k8s.core.v1.Secret[] } {
        const opts = { parent: this, dependsOn: [namespace] };
        const key = new tls.PrivateKey(`${name}-cluster-ca`, { algorithm: "RSA", rsaBits: 4096 }, { parent: this });
        // No earlyRenewalHours: a silent replacement would keep generation 0 and Strimzi would not roll the brokers.
        const ca = new tls.SelfSignedCert(`${name}-cluster-ca`, {
            privateKeyPem: key.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: `${this.clusterName} Kafka cluster CA`, organization: "ecommerce-platform" },
            validityPeriodHours: 10 * 365 * 24,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        }, { parent: this });
        const labels = { "strimzi.io/kind": "Kafka", "strimzi.io/cluster": this.clusterName };
        const cert = new k8s.core.v1.Secret(`${name}-cluster-ca-cert`, {
            metadata: { name: `${this.clusterName}-cluster-ca-cert`, namespace: this.namespace, labels, annotations: { "strimzi.io/ca-cert-generation": "0" } },
            type: "Opaque",
            stringData: { "ca.crt": ca.certPem },
        }, opts);
        const caKey = new k8s.core.v1.Secret(`${name}-cluster-ca`, {
            metadata: { name: `${this.clusterName}-cluster-ca`, namespace: this.namespace, labels, annotations: { "strimzi.io/ca-key-generation": "0" } },
            type: "Opaque",
            stringData: { "ca.key": pulumi.secret(key.privateKeyPemPkcs8) },
        }, opts);
        return { certPem: ca.certPem, secrets: [cert, caKey] };
    }
}

/**
 * The replication listener: Strimzi `type: loadbalancer` (one Service for the bootstrap and one per broker, the brokers
 * advertising their own NLB names, which Strimzi also puts in the broker certificates), annotated for the AWS Load
 * Balancer Controller v2.14 (pkg/annotations/constants.go): `type: external` hands the Services to it, internal scheme in
 * the subnets tagged `kubernetes.io/role/internal-elb` (the private ones), IP targets, the given security group as the
 * NLB's own (no rules of the controller's making in front), and backend rules on the nodes managed by the controller.
 */
function replicationListener(replication: NonNullable<KafkaArgs["replicationListener"]>) {
    const annotations = {
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-security-groups": replication.securityGroupId,
        "service.beta.kubernetes.io/aws-load-balancer-manage-backend-security-group-rules": "true",
    };
    return {
        name: REPLICATION_LISTENER, port: KAFKA_REPLICATION_PORT, type: "loadbalancer", tls: true, authentication: { type: "scram-sha-512" },
        configuration: { bootstrap: { annotations }, perBrokerAnnotationsTemplate: annotations },
        networkPolicyPeers: replication.loadBalancerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
    };
}

/** Labels Strimzi puts on the Kafka Exporter's pods (KafkaExporter.COMPONENT_TYPE, KafkaExporterResources.componentName). */
export function kafkaExporterLabels(cluster: string): Record<string, string> {
    return { "strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka", "strimzi.io/name": `${cluster}-kafka-exporter` };
}
