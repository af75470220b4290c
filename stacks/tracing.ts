import * as pulumi from "@pulumi/pulumi";
import { OtelCollector } from "../components/observability/otel-collector";
import type { TracingSettings } from "../components/observability/tracing";
import type { ClusterServices } from "./cluster-services";
import type { PlatformConfig } from "./config";
import { SERVICE_SIZES } from "./service-sizes";

export interface TracingInputs {
    config: PlatformConfig;
    services: ClusterServices;
    /** The Karpenter NodePools the collector's pods land on. */
    nodePools: pulumi.Resource[];
    opts: pulumi.ComponentResourceOptions;
}

export interface Tracing {
    collector: OtelCollector;
    /** What every workload's OTEL_* variables say: the collector, the environment's sampling ratio. */
    settings: TracingSettings;
}

/** The region's OpenTelemetry Collector, writing into the region's Elasticsearch as its own user. */
export function composeTracing({ config, services, nodePools, opts }: TracingInputs): Tracing {
    const sizes = SERVICE_SIZES[config.environment];
    const { search } = services;
    const collector = new OtelCollector(`${config.environment}-otel-collector`, {
        replicas: sizes.otelCollector.replicas,
        strictZoneSpread: sizes.strictZoneSpread,
        elasticsearch: { url: search.url, ...search.traceWriter, caCertPem: search.caCertPem },
        dependsOn: [...nodePools, search.elasticsearch],
    }, opts);
    return {
        collector,
        settings: {
            endpoint: collector.otlpHttpEndpoint,
            sampleRatio: config.tracing.sampleRatio,
            resourceAttributes: { "deployment.environment.name": config.environment, "cloud.region": config.region },
        },
    };
}
