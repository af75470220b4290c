import * as pulumi from "@pulumi/pulumi";
import { ApiGateway } from "../components/api-gateway";
import type { Cluster } from "../components/cluster";
import type { BootstrapPlacement, DatabaseEndpoint } from "../components/database";
import { ElasticsearchExporter } from "../components/elasticsearch-exporter";
import type { LocalDatabase } from "./data-topology";
import { Identity, keycloakIssuerUrl, type RealmSigningKey } from "../components/identity";
import { Kafka } from "../components/kafka";
import { LogShipping } from "../components/log-shipping";
import { Monitoring } from "../components/monitoring";
import { RedisCluster } from "../components/redis-cluster";
import { Search } from "../components/search";
import { SEARCH_INDEXER_REDIS_ACL, SHOP_API_REDIS_ACL } from "../components/shop-api-environment";
import { NOTIFICATIONS_REDIS_ACL } from "../components/shop/notifications-worker";
import { MIRROR_MAKER_PODS } from "../components/kafka-mirror";
import type { PlatformConfig } from "./config";
import { realmSigningKey } from "./realm-signing-key";
import { SERVICE_SIZES } from "./service-sizes";

export interface ClusterServicesInputs {
    config: PlatformConfig;
    cluster: Cluster;
    /** This region's database: the writer, or the local replica (Keycloak's database, the alarms). */
    database: LocalDatabase;
    /**
     * Where Keycloak keeps its own database: on the writer, in every region (a replica is read-only). Default: `database`,
     * as "keycloak". Each region's Keycloak has a database of its own there.
     */
    keycloakDatabase?: { endpoint: DatabaseEndpoint; region: pulumi.Input<string>; name: string };
    accountId: pulumi.Input<string>;
    /** Where the database bootstrap Jobs (which hold the master secret) run. */
    databaseBootstrap: BootstrapPlacement;
    /** Namespaces of Kafka's SCRAM clients (the only pods its client listener admits). */
    kafkaClientNamespaces: string[];
    /** Resources the services wait for (nodes, the load balancer controller, storage classes). */
    dependsOn: pulumi.Resource[];
    /**
     * The Karpenter NodePools. Every service but the node-level log shipper runs its pods on them (data services on
     * the stateful pool, the rest on the general pool), so those workloads wait for the pools to exist.
     */
    nodePools: pulumi.Resource[];
    /** The regional certificate the gateway's NLB terminates TLS with (api.<region>.<domain>, origin.<domain>). */
    gatewayCertificateArn: pulumi.Input<string>;
    /** The edge owner's outputs (every stack but the owner): the realm signing key comes from there. */
    edgeOwner?: pulumi.StackReference;
    /** The Kafka listener peered regions mirror from (components/kafka.ts replicationListener), where this stack has peers. */
    kafkaReplication?: { securityGroupId: pulumi.Input<string>; loadBalancerCidrs: string[] };
    /**
     * Whether this region follows the primary's product events (a secondary): a MirrorMaker 2 then writes into the local
     * Kafka (its pods join the SCRAM listener's peers) and the search indexer gets a Redis user of its own to invalidate
     * the product cache with.
     */
    followsPrimary?: boolean;
    /** Providers for AWS and the cluster's Kubernetes API. */
    opts: pulumi.ComponentResourceOptions;
}

export interface ClusterServices {
    redis: RedisCluster;
    kafka: Kafka;
    search: Search;
    gateway: ApiGateway;
    identity: Identity;
    monitoring: Monitoring;
    logs: LogShipping;
    /** The realm's signing key: generated here in the edge owner, imported from it everywhere else. */
    realmSigningKey: RealmSigningKey;
}

/**
 * The services every regional cluster runs: Redis and Kafka (data), Elasticsearch with Kibana and Fluent Bit
 * (search and logs), Keycloak behind Kong (identity and gateway), and monitoring. Sizes come from the environment
 * (stacks/service-sizes.ts); the few user-facing knobs from config.
 */
export function composeClusterServices({ config, cluster, database, keycloakDatabase, accountId, databaseBootstrap, kafkaClientNamespaces, dependsOn, nodePools, gatewayCertificateArn, edgeOwner, kafkaReplication, followsPrimary, opts }: ClusterServicesInputs): ClusterServices {
    const prefix = config.environment;
    const sizes = SERVICE_SIZES[config.environment];
    const strictZoneSpread = sizes.strictZoneSpread;
    const onPools = [...dependsOn, ...nodePools];
    // Keeper of every generated password: bumping config secretRotationEpoch rotates them all in one `pulumi up`.
    const rotationEpoch = config.secretRotationEpoch;
    const protect = config.lifecycle.protectStatefulResources;

    const search = new Search(`${prefix}-search`, {
        nodes: sizes.elasticsearch.nodes,
        volumeSize: sizes.elasticsearch.volumeSize,
        resources: sizes.elasticsearch.resources,
        kibanaReplicas: sizes.elasticsearch.kibanaReplicas,
        rotationEpoch,
        strictZoneSpread,
        dependsOn,
        nodePools,
        protect,
    }, opts);
    const logs = new LogShipping(`${prefix}-logs`, {
        elasticsearch: { host: search.host, port: search.port, caCertPem: search.caCertPem, ...search.logWriter, lifecycle: search.logLifecycle },
        retentionDays: config.services.logRetentionDays,
        indexReplicas: sizes.elasticsearch.nodes > 1 ? 1 : 0,
        dependsOn: [...dependsOn, search.elasticsearch],
    }, opts);

    // Keycloak's KongPlugins and Kong routes need Kong's CRDs (the gateway's release), and the gateway verifies tokens
    // with the realm's key: the key is generated here and handed to both, so the gateway comes first.
    const identityName = `${prefix}-identity`;
    // One key per environment: the owner's, so a token verifies in every region (stacks/realm-signing-key.ts).
    const signingKey = realmSigningKey(config, edgeOwner, { parent: opts.parent });
    const issuer = keycloakIssuerUrl({ hostname: config.services.authHostname });
    const gateway = new ApiGateway(`${prefix}-gateway`, {
        minReplicas: sizes.kong.minReplicas,
        maxReplicas: sizes.kong.maxReplicas,
        jwtIssuer: { issuer, publicKeyPem: signingKey.publicKeyPem },
        tls: { certificateArn: gatewayCertificateArn },
        vpcCidr: config.network.cidrBlock,
        strictZoneSpread,
        dependsOn: onPools,
        protectCrds: protect,
    }, opts);
    const identity = new Identity(identityName, {
        replicas: sizes.keycloak.replicas,
        adminPassword: config.secrets.keycloakAdminPassword,
        hostname: config.services.authHostname,
        // CloudFront reaches the realm with its origin's name as Host; the regional name serves direct checks.
        publicHosts: [config.services.authHostname, config.edge.originHostname, config.edge.regionalHostname],
        selfRegistration: config.services.keycloakSelfRegistration,
        database: { ...(keycloakDatabase?.endpoint ?? database.endpoint), bootstrap: databaseBootstrap },
        databaseRegion: keycloakDatabase?.region,
        databaseName: keycloakDatabase?.name,
        region: config.region,
        oidc: cluster.oidc,
        vpcCidr: config.network.cidrBlock,
        strictZoneSpread,
        rotationEpoch,
        signingKey,
        gatewayReady: gateway.release,
        dependsOn: onPools,
    }, opts);
    if (identity.issuerUrl !== issuer) throw new Error(`the gateway trusts issuer ${issuer}, but Keycloak issues ${identity.issuerUrl}`);

    const monitoring = new Monitoring(`${prefix}-monitoring`, {
        clusterName: cluster.clusterName,
        accountId,
        oidc: cluster.oidc,
        database: { instanceIdentifier: database.instanceIdentifier, allocatedStorageGib: database.allocatedStorageGib, replicaLag: database.replicaLag },
        alertEmail: config.monitoring.alertEmail,
        logRetentionDays: config.cluster.logRetentionDays,
        containerLogsToCloudWatch: config.monitoring.containerLogsToCloudWatch,
        minimumNodes: config.cluster.systemNodes.minSize,
        grafanaEnabled: config.monitoring.grafanaEnabled,
        grafanaAdminPassword: config.secrets.grafanaAdminPassword,
        region: config.region,
        certificates: [{ name: "Elasticsearch HTTP (search/search-es-http-cert)", notAfter: search.httpCertificateNotAfter }],
        replicas: sizes.monitoring.replicas,
        prometheusVolumeSize: sizes.monitoring.prometheusVolumeSize,
        dependsOn: onPools,
        protect,
    }, opts);
    // After monitoring: where Prometheus runs, the exporters' monitors wait for its operator's CRDs.
    // The API, the notifications worker and (in a secondary region) the search indexer connect as their own ACL users,
    // each limited to its keys and commands.
    const redis = new RedisCluster(`${prefix}-redis`, { ...sizes.redis, aclUsers: [SHOP_API_REDIS_ACL, NOTIFICATIONS_REDIS_ACL, ...(followsPrimary ? [SEARCH_INDEXER_REDIS_ACL] : [])], rotationEpoch, strictZoneSpread, prometheusOperator: monitoring.prometheusStack, dependsOn, nodePools, protect }, opts);
    const kafka = new Kafka(`${prefix}-kafka`, { ...sizes.kafka, strictZoneSpread, clientNamespaces: kafkaClientNamespaces, clientPods: followsPrimary ? [MIRROR_MAKER_PODS] : [], replicationListener: kafkaReplication, prometheusOperator: monitoring.prometheusStack, dependsOn, nodePools, protect }, opts);
    // ECK exports no metrics: where Prometheus runs, an exporter turns cluster health into the yellow/red alerts.
    if (monitoring.prometheusStack) {
        new ElasticsearchExporter(`${prefix}-search-exporter`, {
            namespace: search.namespace,
            elasticsearch: { url: search.url, caCertPem: search.caCertPem, ...search.metricsReader },
            prometheusOperator: monitoring.prometheusStack,
            dependsOn: [...onPools, search.namespaceResource, search.elasticsearch],
        }, opts);
    }


    return { redis, kafka, search, gateway, identity, monitoring, logs, realmSigningKey: signingKey };
}
