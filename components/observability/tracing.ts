import type { EnvVar } from "../shop-api-environment";

/** Where a workload sends its traces and how many it keeps. */
export interface TracingSettings {
    /** OTLP/HTTP base URL of the collector (the SDK appends /v1/traces), e.g. OtelCollector.otlpHttpEndpoint. */
    endpoint: string;
    /** Share (0..1) of new traces kept; a span whose parent was sampled is always kept (parentbased sampler). */
    sampleRatio: number;
    /** Resource attributes every span carries (OTEL_RESOURCE_ATTRIBUTES), e.g. deployment.environment.name. Default none. */
    resourceAttributes?: Record<string, string>;
}

export const OTEL_SERVICE_NAME = "OTEL_SERVICE_NAME";

/**
 * The OpenTelemetry SDK's standard variables (opentelemetry-specification, "Environment Variable Specification"):
 * the exporter endpoint, the service name, and the parentbased_traceidratio sampler with the ratio as its argument,
 * so a trace started upstream (the API) stays whole downstream (the worker) whatever the ratio. No protocol variable:
 * the app's exporter chooses its encoding, and the collector's OTLP/HTTP receiver takes JSON and protobuf alike.
 */
export function tracingEnv(settings: TracingSettings, serviceName: string): EnvVar[] {
    if (!(settings.sampleRatio >= 0 && settings.sampleRatio <= 1)) throw new Error(`tracing: sampleRatio must lie between 0 and 1, got ${settings.sampleRatio}`);
    if (!/^https?:\/\/[^\s/]+(:\d+)?$/.test(settings.endpoint)) throw new Error(`tracing: endpoint "${settings.endpoint}" is not an http(s) base URL such as http://otel-collector.observability.svc.cluster.local:4318`);
    const attributes = Object.entries(settings.resourceAttributes ?? {});
    return [
        { name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: settings.endpoint },
        { name: OTEL_SERVICE_NAME, value: serviceName },
        { name: "OTEL_TRACES_SAMPLER", value: "parentbased_traceidratio" },
        { name: "OTEL_TRACES_SAMPLER_ARG", value: String(settings.sampleRatio) },
        ...(attributes.length > 0 ? [{ name: "OTEL_RESOURCE_ATTRIBUTES", value: attributes.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join(",") }] : []),
    ];
}

/**
 * The environment of a workload that shares another's (the jobs and the indexer run the API's container): the same
 * tracing settings under its own service name, so its spans are told apart in Kibana. Without tracing, unchanged.
 */
export function withServiceName<T extends { name: string }>(env: T[], serviceName: string): T[] {
    return env.map((variable) => (variable.name === OTEL_SERVICE_NAME ? { ...variable, value: serviceName } : variable));
}
