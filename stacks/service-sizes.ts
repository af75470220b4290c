import type { ResourceSpec } from "../components/workload-defaults";
import { resources } from "../components/workload-defaults";
import type { Environment } from "./profiles";

/**
 * Sizes of the cluster services per environment. These are derived from the environment rather than exposed as
 * config keys: a stack that needs different sizes is a new environment profile, not twenty overrides.
 */
export interface ServiceSizes {
    /** Zone spread is required (DoNotSchedule) rather than best-effort. */
    strictZoneSpread: boolean;
    redis: { leaders: number; followers: number; volumeSize: string; resources: ResourceSpec };
    kafka: { brokers: number; controllers: number; replicationFactor: number; brokerVolumeSize: string; brokerResources: ResourceSpec };
    elasticsearch: { nodes: number; volumeSize: string; resources: ResourceSpec; kibanaReplicas: number };
    kong: { minReplicas: number; maxReplicas: number };
    keycloak: { replicas: number };
    /** The shop API: replica floor (HPA minimum) and ceiling. */
    shopApi: { replicas: number; maxReplicas: number };
    /** Prometheus/Alertmanager/Grafana replicas when Grafana is enabled. */
    monitoring: { replicas: number; prometheusVolumeSize: string };
    /** The notifications worker's HPA floor and ceiling (no more consumers than the source topics' 6 partitions). */
    notificationsWorker: { replicas: number; maxReplicas: number };
    /** OpenTelemetry Collector replicas. */
    otelCollector: { replicas: number };
}

export const SERVICE_SIZES: Readonly<Record<Environment, ServiceSizes>> = {
    dev: {
        strictZoneSpread: false,
        redis: { leaders: 3, followers: 0, volumeSize: "5Gi", resources: resources("100m", "256Mi") },
        kafka: { brokers: 1, controllers: 1, replicationFactor: 1, brokerVolumeSize: "20Gi", brokerResources: resources("250m", "2Gi") },
        elasticsearch: { nodes: 1, volumeSize: "30Gi", resources: resources("500m", "2Gi"), kibanaReplicas: 1 },
        kong: { minReplicas: 1, maxReplicas: 3 },
        keycloak: { replicas: 1 },
        shopApi: { replicas: 1, maxReplicas: 3 },
        monitoring: { replicas: 1, prometheusVolumeSize: "20Gi" },
        notificationsWorker: { replicas: 1, maxReplicas: 2 },
        otelCollector: { replicas: 1 },
    },
    prod: {
        strictZoneSpread: true,
        redis: { leaders: 3, followers: 3, volumeSize: "20Gi", resources: resources("500m", "2Gi") },
        kafka: { brokers: 3, controllers: 3, replicationFactor: 3, brokerVolumeSize: "200Gi", brokerResources: resources("1", "4Gi") },
        elasticsearch: { nodes: 3, volumeSize: "200Gi", resources: resources("1", "4Gi"), kibanaReplicas: 2 },
        kong: { minReplicas: 3, maxReplicas: 10 },
        keycloak: { replicas: 2 },
        shopApi: { replicas: 3, maxReplicas: 12 },
        monitoring: { replicas: 2, prometheusVolumeSize: "100Gi" },
        notificationsWorker: { replicas: 2, maxReplicas: 6 },
        otelCollector: { replicas: 2 },
    },
};
