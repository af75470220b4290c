import * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "../components/cluster";
import { KafkaClient } from "../components/kafka-client";
import type { TracingSettings } from "../components/observability/tracing";
import type { ShopApi } from "../components/shop-api";
import { NotificationsMessaging } from "../components/shop/notifications-messaging";
import {
    NOTIFICATIONS_DLQ_TOPIC, NOTIFICATIONS_GROUP, NOTIFICATIONS_REDIS_ACL, NOTIFICATIONS_SOURCE_TOPICS, NotificationsWorker,
} from "../components/shop/notifications-worker";
import type { ClusterServices } from "./cluster-services";
import type { PlatformConfig } from "./config";
import { SERVICE_SIZES } from "./service-sizes";
import { SHOP_NAMESPACE } from "./shop-api";

export interface NotificationsInputs {
    config: PlatformConfig;
    cluster: Cluster;
    services: ClusterServices;
    /** The API: its image, namespace and architectures (the worker runs the same image). */
    api: ShopApi;
    /** The environment's hosted zone (DKIM and MAIL FROM records). */
    zoneId: pulumi.Input<string>;
    tracing?: TracingSettings;
    /** The Karpenter NodePools the worker's pods land on. */
    nodePools: pulumi.Resource[];
    /** Providers for AWS and the cluster's Kubernetes API. */
    opts: pulumi.ComponentResourceOptions;
}

export interface Notifications {
    messaging: NotificationsMessaging;
    worker: NotificationsWorker;
    /** The worker's KafkaUser (exactly its topics and group). */
    kafkaClient: KafkaClient;
}

const KAFKA_USER = "notifications-worker";

/**
 * The notifications path of a region: SES identity, configuration set and SNS topic in the region, the worker's own
 * KafkaUser (reads its three topics in its group, writes the dead-letter topic, nothing else) and the worker.
 */
export function composeNotifications({ config, cluster, services, api, zoneId, tracing, nodePools, opts }: NotificationsInputs): Notifications {
    const prefix = config.environment;
    const sizes = SERVICE_SIZES[config.environment].notificationsWorker;
    const { kafka, redis, monitoring } = services;

    const messaging = new NotificationsMessaging(`${prefix}-notifications`, {
        domain: config.edge.domain,
        zoneId,
        region: config.region,
        namePrefix: prefix,
    }, opts);

    const secretName = `kafka-${KAFKA_USER}`;
    const kafkaClient = new KafkaClient(`${prefix}-notifications-kafka`, {
        kafka,
        namespace: SHOP_NAMESPACE,
        user: KAFKA_USER,
        secretName,
        acls: [
            ...NOTIFICATIONS_SOURCE_TOPICS.map((topic) => ({ topic, operations: ["Read" as const, "Describe" as const] })),
            { topic: NOTIFICATIONS_DLQ_TOPIC, operations: ["Write", "Describe"] },
        ],
        consumerGroup: NOTIFICATIONS_GROUP,
        rotationEpoch: config.secretRotationEpoch,
        dependsOn: [api.namespace],
    }, opts);

    const worker = new NotificationsWorker(`${prefix}-notifications-worker`, {
        image: api.imageUri,
        imageArchitectures: api.imageArchitectures,
        nodeArchitectures: config.autoscaling.architectures,
        oidc: cluster.oidc,
        region: config.region,
        namespace: SHOP_NAMESPACE,
        kafka: { secretName, bootstrapServers: kafka.scramBootstrapServers, caCertPem: kafka.caCertPem },
        redis: { host: redis.host, port: redis.port, password: redis.users[NOTIFICATIONS_REDIS_ACL.username].password, caCertPem: redis.caCertPem, cluster: true },
        messaging: {
            identityArn: messaging.identityArn,
            configurationSetArn: messaging.configurationSetArn,
            configurationSetName: messaging.configurationSetName,
            topicArn: messaging.topicArn,
            fromAddress: messaging.fromAddress,
        },
        consumerGroup: NOTIFICATIONS_GROUP,
        replicas: sizes.replicas,
        maxReplicas: sizes.maxReplicas,
        strictZoneSpread: SERVICE_SIZES[config.environment].strictZoneSpread,
        tracing,
        prometheusOperator: monitoring.prometheusStack,
        dependsOn: [api.namespace, ...nodePools],
    }, opts);
    return { messaging, worker, kafkaClient };
}
