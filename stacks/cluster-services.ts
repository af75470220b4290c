import * as pulumi from "@pulumi/pulumi";
import type { Cluster } from "../components/cluster";
import type { Database } from "../components/database";
import { Kafka } from "../components/kafka";
import { Monitoring } from "../components/monitoring";
import { RedisCluster } from "../components/redis-cluster";
import type { PlatformConfig } from "./config";
import { SERVICE_SIZES } from "./service-sizes";

export interface ClusterServicesInputs {
    config: PlatformConfig;
    cluster: Cluster;
    database: Database;
    accountId: pulumi.Input<string>;
    /** Resources the services wait for (nodes, the load balancer controller, storage classes). */
    dependsOn: pulumi.Resource[];
    /** Providers for AWS and the cluster's Kubernetes API. */
    opts: pulumi.ComponentResourceOptions;
}

export interface ClusterServices {
    redis: RedisCluster;
    kafka: Kafka;
    monitoring: Monitoring;
}

/** The services every regional cluster runs: data services, logging, gateway, identity and monitoring. */
export function composeClusterServices({ config, cluster, database, accountId, dependsOn, opts }: ClusterServicesInputs): ClusterServices {
    const prefix = config.environment;
    const sizes = SERVICE_SIZES[config.environment];
    const strict = sizes.strictZoneSpread;

    const redis = new RedisCluster(`${prefix}-redis`, { ...sizes.redis, strictZoneSpread: strict, dependsOn }, opts);
    const kafka = new Kafka(`${prefix}-kafka`, { ...sizes.kafka, strictZoneSpread: strict, dependsOn }, opts);

    const monitoring = new Monitoring(`${prefix}-monitoring`, {
        clusterName: cluster.clusterName,
        accountId,
        oidc: cluster.oidc,
        database: { instanceIdentifier: database.instanceIdentifier, allocatedStorageGib: config.database.allocatedStorageGib },
        alertEmail: config.monitoring.alertEmail,
        minimumNodes: config.cluster.systemNodes.minSize,
        grafanaEnabled: config.monitoring.grafanaEnabled,
        grafanaAdminPassword: config.secrets.grafanaAdminPassword,
        replicas: sizes.monitoring.replicas,
        prometheusVolumeSize: sizes.monitoring.prometheusVolumeSize,
        dependsOn,
    }, opts);

    return { redis, kafka, monitoring };
}
