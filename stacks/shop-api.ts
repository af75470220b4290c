import * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "../components/cluster";
import type { BootstrapPlacement } from "../components/database";
import { KafkaClient, type KafkaTopicAcl, type KafkaTopicOperation } from "../components/kafka-client";
import { ShopApi } from "../components/shop-api";
import { SEARCH_INDEXER_REDIS_ACL, SHOP_API_REDIS_ACL } from "../components/shop-api-environment";
import type { TracingSettings } from "../components/observability/tracing";
import type { ClusterServices } from "./cluster-services";
import type { PlatformConfig } from "./config";
import type { DataTopology } from "./data-topology";
import { KONG, PROMETHEUS } from "./network-policies";
import { SERVICE_SIZES } from "./service-sizes";

export interface ShopApiInputs {
    config: PlatformConfig;
    cluster: Cluster;
    /** The writer (here or in the primary's region) and, outside the writer's region, the local replica. */
    data: DataTopology;
    services: ClusterServices;
    /** The Karpenter NodePools the API's pods land on; its workloads wait for them. */
    nodePools: pulumi.Resource[];
    /** Where the database bootstrap Jobs (which hold the master secret) run. */
    databaseBootstrap: BootstrapPlacement;
    /** The data-lake bucket the analyse job exports to (the edge-owning stack's Analytics); none: it writes only to PostgreSQL. */
    analyticsBucket?: pulumi.Input<string>;
    /** Where the API, its jobs and the indexer send traces (stacks/tracing.ts). Default: no tracing. */
    tracing?: TracingSettings;
    opts: pulumi.ComponentResourceOptions;
}

export const SHOP_NAMESPACE = "shop";
const NAMESPACE = SHOP_NAMESPACE;
const KAFKA_USER = "shop-api";
const INDEXER_KAFKA_USER = "shop-search-indexer";

/** The shop API in this region, wired to the database, Redis, Kafka, Elasticsearch and Keycloak of the same region. */
export function composeShopApi({ config, cluster, data, services, databaseBootstrap, nodePools, analyticsBucket, tracing, opts }: ShopApiInputs): ShopApi {
    const prefix = config.environment;
    const sizes = SERVICE_SIZES[config.environment];
    const { redis, kafka, search, identity, gateway, monitoring } = services;

    const kafkaSecret = `kafka-${KAFKA_USER}`;
    const indexerKafkaSecret = `kafka-${INDEXER_KAFKA_USER}`;
    const api = new ShopApi(`${prefix}-api`, {
        // Built: one multi-arch image for every architecture the pools launch. Prebuilt: what CI says it pushed.
        image: config.api.image
            ? { prebuilt: config.api.image, architectures: config.api.imageArchitectures }
            : { buildContext: "./app", architectures: config.autoscaling.architectures },
        nodeArchitectures: config.autoscaling.architectures,
        oidc: cluster.oidc,
        region: config.region,
        namespace: NAMESPACE,
        replicas: sizes.shopApi.replicas,
        maxReplicas: sizes.shopApi.maxReplicas,
        strictZoneSpread: sizes.strictZoneSpread,
        forceDeleteRepository: config.lifecycle.ecrForceDelete,
        protectRepository: config.lifecycle.protectStatefulResources,
        catalogueFeedUrl: config.api.catalogueFeedUrl || undefined,
        corsAllowedOrigins: config.api.corsAllowedOrigins,
        database: { ...data.writer, bootstrap: databaseBootstrap },
        databaseRegion: data.writerRegion,
        readerDatabase: data.reader ? { ...data.reader, region: config.region } : undefined,
        writerRegion: data.isWriterRegion,
        connections: {
            redis: { host: redis.host, port: redis.port, ...redis.users[SHOP_API_REDIS_ACL.username], caCertPem: redis.caCertPem, cluster: true },
            kafka: { secretName: kafkaSecret, bootstrapServers: kafka.scramBootstrapServers, caCertPem: kafka.caCertPem },
            elasticsearch: { url: search.url, username: search.searchClient.username, password: search.searchClient.password, caCertPem: search.caCertPem },
            oidcIssuer: identity.issuerUrl,
            oidcJwksUrl: identity.jwksUrl,
            analyticsBucket,
        },
        gateway: { ingressClassName: gateway.ingressClassName, jwtPlugin: gateway.jwtPluginName },
        // Kong's proxy pods, and Prometheus where it runs (elsewhere no such namespace exists): no other pod of theirs.
        callers: [
            { namespace: gateway.namespace, pods: KONG },
            ...(monitoring.prometheusStack ? [{ namespace: monitoring.namespace, pods: PROMETHEUS }] : []),
        ],
        // Where the region follows the primary's product events, the indexer also invalidates the cache (its own Redis user).
        searchIndexer: { kafkaSecretName: indexerKafkaSecret, consumerGroup: INDEXER_KAFKA_USER, redisUser: redis.users[SEARCH_INDEXER_REDIS_ACL.username] },
        prometheusOperator: monitoring.prometheusStack,
        tracing,
        dependsOn: nodePools,
    }, opts);

    // The credentials land in the API's namespace once it exists; until they do, new pods wait in
    // CreateContainerConfigError and start as soon as the Secret appears.
    new KafkaClient(`${prefix}-api-kafka`, {
        kafka,
        namespace: NAMESPACE,
        user: KAFKA_USER,
        secretName: kafkaSecret,
        acls: shopApiKafkaAcls(data.isWriterRegion),
        rotationEpoch: config.secretRotationEpoch,
        dependsOn: [api.namespace],
    }, opts);
    // The search indexer only reads the products topic, in its own consumer group.
    new KafkaClient(`${prefix}-search-indexer-kafka`, {
        kafka,
        namespace: NAMESPACE,
        user: INDEXER_KAFKA_USER,
        secretName: indexerKafkaSecret,
        acls: [{ topic: "products", operations: ["Read", "Describe"] }],
        consumerGroup: INDEXER_KAFKA_USER,
        rotationEpoch: config.secretRotationEpoch,
        dependsOn: [api.namespace],
    }, opts);
    return api;
}

/** The topics the API's outbox relay publishes to (payment events too, for the notifications worker). */
const SHOP_API_TOPICS = ["orders", "products", "payments"] as const;

/**
 * The `shop-api` KafkaUser's ACLs. Only the outbox relay talks to Kafka, and it runs only where the writer is
 * (OUTBOX_RELAY): there it publishes (Write, and Describe for the producer's metadata requests). Elsewhere the API opens
 * no Kafka connection at all (the publisher connects on its first batch, which never comes) and MirrorMaker 2 is the only
 * writer of `products`, so Write is withheld; Describe (metadata only, no record) stays because a KafkaUser must grant
 * something (KafkaClient refuses none). Follows `databasePrimaryStack`, so a promotion grants Write with the relay.
 */
export function shopApiKafkaAcls(isWriterRegion: boolean): KafkaTopicAcl[] {
    const operations: KafkaTopicOperation[] = isWriterRegion ? ["Write", "Describe"] : ["Describe"];
    return SHOP_API_TOPICS.map((topic) => ({ topic, operations: [...operations] }));
}
