import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { policyDocument } from "../iam-documents";
import { RULE_SELECTOR_LABELS } from "../monitoring";
import { TracingSettings, tracingEnv } from "../observability/tracing";
import type { RedisAclUser } from "../redis-cluster";
import { Architecture, architectureAffinity, zoneSpread } from "../scheduling";
import { OidcIdentity, ServiceAccountRole } from "../service-account-role";
import { EnvVar, fromSecret, kafkaCredentialsEnv } from "../shop-api-environment";
import { needsDisruptionBudget, resources, restrictedContainerSecurityContext, restrictedPodSecurityContext, valueChecksum } from "../workload-defaults";
import { notificationAlertRules } from "./notifications-alert-rules";
import { notificationSendStatements } from "./notifications-messaging";

/** The worker's entry point in the API image (app/scripts builds it; the contract with app/). */
export const NOTIFICATIONS_WORKER_ENTRY = "dist/notifications-worker.js";
export const NOTIFICATIONS_WORKER_PORT = 8080;
export const NOTIFICATIONS_GROUP = "notifications-worker";
/** Topics the worker consumes (one consumer group), and the one it produces to. */
export const NOTIFICATIONS_SOURCE_TOPICS = ["orders", "payments", "notifications"] as const;
export const NOTIFICATIONS_DLQ_TOPIC = "notifications-dlq";
/** The worker's pods (what its Service, PDB, HPA and NetworkPolicies select). */
export const NOTIFICATIONS_WORKER_PODS = { "app.kubernetes.io/name": "notifications-worker", "app.kubernetes.io/part-of": "ecommerce-platform" };

/**
 * The worker's Redis ACL user: its dedupe keys only (`notifications:<event id>`), and the commands its claim uses
 * (SET with NX and PX, GET, DEL, PEXPIRE, EXISTS), PING, and what ioredis's cluster client sends to connect: CLUSTER
 * SLOTS (topology) and CLUSTER INFO (its ready check) — the same connection commands as SHOP_API_REDIS_ACL. No
 * scripts, no Pub/Sub.
 */
export const NOTIFICATIONS_REDIS_ACL: RedisAclUser = {
    username: "notifications-worker",
    keyPatterns: ["notifications:*"],
    commands: ["set", "get", "del", "pexpire", "exists", "ping", "cluster|slots", "cluster|info"],
};

export interface NotificationsWorkerArgs {
    /** The API's image (same image, another entry point) and the architectures it was built for. */
    image: pulumi.Input<string>;
    imageArchitectures: Architecture[];
    /** Architectures the node pools launch; pods are pinned to the image's when it covers fewer. Default: the image's. */
    nodeArchitectures?: Architecture[];
    oidc: OidcIdentity;
    region: string;
    /** Namespace (the API's). */
    namespace: string;
    /** Kafka over TLS + SCRAM-SHA-512 as the worker's own KafkaUser, whose credentials `secretName` holds. */
    kafka: { secretName: string; bootstrapServers: pulumi.Input<string>; caCertPem: pulumi.Input<string> };
    /** Redis (cluster mode) over TLS as NOTIFICATIONS_REDIS_ACL's user. */
    redis: { host: pulumi.Input<string>; port: number; password: pulumi.Input<string>; caCertPem: pulumi.Input<string>; cluster: boolean };
    /** Where mail and messages go (NotificationsMessaging). */
    messaging: {
        identityArn: pulumi.Input<string>;
        configurationSetArn: pulumi.Input<string>;
        configurationSetName: pulumi.Input<string>;
        topicArn: pulumi.Input<string>;
        fromAddress: string;
    };
    /** Consumer group. Default NOTIFICATIONS_GROUP. */
    consumerGroup?: string;
    /** HPA floor. Default 2. */
    replicas?: number;
    /** HPA ceiling; more consumers than a topic's partitions would idle. Default 6 (the source topics' partitions). */
    maxReplicas?: number;
    /** Require spreading replicas across zones (prod). Default true. */
    strictZoneSpread?: boolean;
    /** Traces to the collector. Default none. */
    tracing?: TracingSettings;
    /** The Prometheus operator's release: a ServiceMonitor and the worker's alert rules. Default none. */
    prometheusOperator?: pulumi.Resource;
    /** What the pods wait for (namespace, KafkaUser Secret, node pools). Default none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The image's user: distroless "nonroot" (as the API). */
const IMAGE_UID = 65532;
const SERVICE_ACCOUNT = "notifications-worker";
const ENV_SECRET = "notifications-worker-env";
const TRUST_CONFIG_MAP = "notifications-worker-trust";
const TRUST_MOUNT = "/etc/notifications-worker/trust";

/**
 * The notifications worker: the API image running its own entry point, one consumer group over the orders, payments
 * and notifications topics, mailing through SES and messaging through SNS with its own IRSA role (send actions on the
 * platform's identity, configuration set and topic only), deduplicating in Redis as its own ACL user. A Deployment
 * scaled by an HPA on CPU (consumer lag is not an HPA metric here: no external-metrics adapter runs), PDB, zone spread,
 * a ServiceMonitor and alert rules on its consumer lag and the dead-letter topic.
 */
export class NotificationsWorker extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: NotificationsWorkerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:shop:NotificationsWorker", name, {}, opts);
        const child = { parent: this };
        const namespace = args.namespace;
        const replicas = args.replicas ?? 2;
        const maxReplicas = Math.max(replicas, args.maxReplicas ?? 6);
        const group = args.consumerGroup ?? NOTIFICATIONS_GROUP;
        const labels = { ...NOTIFICATIONS_WORKER_PODS, "app.kubernetes.io/component": "worker" };
        const inNamespace = { ...child, dependsOn: args.dependsOn };

        const role = new ServiceAccountRole(`${name}-irsa`, {
            oidc: args.oidc,
            namespace,
            serviceAccount: SERVICE_ACCOUNT,
            policy: pulumi.all([args.messaging.identityArn, args.messaging.configurationSetArn, args.messaging.topicArn])
                .apply(([identityArn, configurationSetArn, topicArn]) => policyDocument(notificationSendStatements({ identityArn, configurationSetArn, topicArn }))),
        }, child);
        this.roleArn = role.roleArn;
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: SERVICE_ACCOUNT, namespace, labels, annotations: { "eks.amazonaws.com/role-arn": role.roleArn } },
            // The worker never calls the Kubernetes API. IRSA's web identity token is projected by the EKS pod identity
            // webhook as its own volume whatever automount says (as for the API: components/shop-api.ts).
            automountServiceAccountToken: false,
        }, inNamespace);

        const redis = args.redis;
        const secretData = {
            REDIS_URL: pulumi.secret(pulumi.interpolate`rediss://${encodeURIComponent(NOTIFICATIONS_REDIS_ACL.username)}:${redis.password}@${redis.host}:${redis.port}`),
        };
        const secret = new k8s.core.v1.Secret(`${name}-env`, { metadata: { name: ENV_SECRET, namespace, labels }, type: "Opaque", stringData: secretData }, inNamespace);
        const trust = new k8s.core.v1.ConfigMap(`${name}-trust`, {
            metadata: { name: TRUST_CONFIG_MAP, namespace, labels },
            data: { "ca.pem": pulumi.all([args.kafka.caCertPem, redis.caCertPem]).apply((pems) => pems.map((pem) => pem.trim()).join("\n") + "\n") },
        }, inNamespace);

        const env: EnvVar[] = [
            { name: "NODE_ENV", value: "production" },
            { name: "LOG_LEVEL", value: "info" },
            { name: "PORT", value: String(NOTIFICATIONS_WORKER_PORT) },
            { name: "KAFKA_BROKERS", value: args.kafka.bootstrapServers },
            { name: "KAFKA_SSL", value: "true" },
            { name: "KAFKA_SASL_MECHANISM", value: "scram-sha-512" },
            ...kafkaCredentialsEnv(args.kafka.secretName),
            { name: "KAFKA_CLIENT_ID", value: "notifications-worker" },
            { name: "NOTIFICATIONS_GROUP", value: group },
            fromSecret("REDIS_URL", ENV_SECRET, "REDIS_URL"),
            { name: "REDIS_CLUSTER", value: String(redis.cluster) },
            { name: "NOTIFY_FROM_ADDRESS", value: args.messaging.fromAddress },
            { name: "SES_CONFIGURATION_SET", value: args.messaging.configurationSetName },
            { name: "SNS_TOPIC_ARN", value: args.messaging.topicArn },
            { name: "AWS_REGION", value: args.region },
            { name: "NODE_EXTRA_CA_CERTS", value: `${TRUST_MOUNT}/ca.pem` },
            // /readyz turns 503 on SIGTERM; the worker then finishes and commits what it handled (terminationGracePeriod).
            { name: "SHUTDOWN_DELAY_MS", value: "2000" },
            ...(args.tracing ? tracingEnv(args.tracing, "notifications-worker") : []),
        ];
        const archAffinity = architectureAffinity(args.imageArchitectures, args.nodeArchitectures ?? args.imageArchitectures);
        const http = (path: string) => ({ httpGet: { path, port: "http" }, timeoutSeconds: 2 });

        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: "notifications-worker", namespace, labels },
            // No spec.replicas: the HPA owns the count (as the API's: an update must not reset what it scaled to).
            spec: {
                selector: { matchLabels: labels },
                // A second consumer during a rollout only triggers a rebalance; none is ever missing.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: {
                        labels,
                        annotations: {
                            "prometheus.io/scrape": "true", "prometheus.io/port": String(NOTIFICATIONS_WORKER_PORT), "prometheus.io/path": "/metrics",
                            "checksum/env-secret": valueChecksum(secretData),
                        },
                    },
                    spec: {
                        serviceAccountName: SERVICE_ACCOUNT,
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(IMAGE_UID),
                        // Time to finish the in-flight batch and commit its offsets after SIGTERM.
                        terminationGracePeriodSeconds: 60,
                        topologySpreadConstraints: zoneSpread(labels, args.strictZoneSpread ?? true),
                        ...(archAffinity ? { affinity: archAffinity } : {}),
                        volumes: [
                            { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                            { name: "trust", configMap: { name: TRUST_CONFIG_MAP } },
                        ],
                        containers: [{
                            name: "worker",
                            image: args.image,
                            imagePullPolicy: "IfNotPresent",
                            args: [NOTIFICATIONS_WORKER_ENTRY],
                            env,
                            ports: [{ name: "http", containerPort: NOTIFICATIONS_WORKER_PORT, protocol: "TCP" }],
                            securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: true, uid: IMAGE_UID }),
                            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, { name: "trust", mountPath: TRUST_MOUNT, readOnly: true }],
                            resources: resources("100m", "256Mi", { cpu: "500m", memory: "384Mi" }),
                            startupProbe: { ...http("/healthz"), periodSeconds: 2, failureThreshold: 30 },
                            livenessProbe: { ...http("/healthz"), periodSeconds: 10, failureThreshold: 3 },
                            readinessProbe: { ...http("/readyz"), periodSeconds: 5, failureThreshold: 2 },
                        }],
                    },
                },
            },
        }, { ...child, dependsOn: [...(args.dependsOn ?? []), serviceAccount, secret, trust] as pulumi.Input<pulumi.Resource>[] });

        // Only for the ServiceMonitor: nothing calls the worker.
        new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: "notifications-worker", namespace, labels },
            spec: { type: "ClusterIP", selector: labels, ports: [{ name: "http", port: NOTIFICATIONS_WORKER_PORT, targetPort: "http", protocol: "TCP" }] },
        }, inNamespace);
        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
            metadata: { name: "notifications-worker", namespace, labels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "notifications-worker" },
                minReplicas: replicas,
                maxReplicas,
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                // Every scale event rebalances the group: scale in slowly.
                behavior: { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] } },
            },
        }, { ...child, dependsOn: [this.deployment] });
        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: "notifications-worker", namespace, labels },
            spec: needsDisruptionBudget(replicas) ? { minAvailable: 1, selector: { matchLabels: labels } } : { maxUnavailable: 1, selector: { matchLabels: labels } },
        }, inNamespace);

        if (args.prometheusOperator) {
            const monitored = { ...child, dependsOn: [...(args.dependsOn ?? []), args.prometheusOperator] as pulumi.Input<pulumi.Resource>[] };
            new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "notifications-worker", namespace, labels },
                spec: {
                    selector: { matchLabels: labels },
                    namespaceSelector: { matchNames: [namespace] },
                    endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
                },
            }, monitored);
            new k8s.apiextensions.CustomResource(`${name}-rules`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                // The chart's Prometheus selects rules by its release label, in every namespace (ruleNamespaceSelector {}).
                metadata: { name: "notifications-worker", namespace, labels: { ...labels, ...RULE_SELECTOR_LABELS } },
                spec: { groups: [{ name: "notifications-worker", rules: notificationAlertRules({ consumerGroup: group }) }] },
            }, monitored);
        }
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
