import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IMAGES, imageParts } from "../catalogue";
import { helmRelease } from "../helm-release";
import { platformNamespace } from "../namespace";
import { zoneSpread } from "../scheduling";
import { needsDisruptionBudget, resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../workload-defaults";

export interface OtelCollectorArgs {
    /** Namespace of the collector. Default "observability". */
    namespace?: string;
    /** Collector replicas (a Deployment: OTLP over HTTP balances per connection). Default 1; prod runs 2. */
    replicas?: number;
    /** Spread replicas over zones with DoNotSchedule (prod) instead of ScheduleAnyway. Default false. */
    strictZoneSpread?: boolean;
    /**
     * Where spans go: the ECK Elasticsearch over HTTPS, verified against its HTTP CA, as the collector's own file-realm
     * user (its role may only append to the traces data streams: components/search.ts TRACE_WRITER_ROLE).
     */
    elasticsearch: { url: pulumi.Input<string>; username: string; password: pulumi.Input<string>; caCertPem: pulumi.Input<string> };
    /** What the release waits for (node pools, the Elasticsearch resource). Default none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The release name; fullnameOverride makes it the Deployment's and the Service's name too. */
export const OTEL_COLLECTOR_NAME = "otel-collector";
/** OTLP over HTTP: what the workloads' SDKs send to (OTEL_EXPORTER_OTLP_ENDPOINT). gRPC stays off. */
export const OTLP_HTTP_PORT = 4318;
/** The chart's selector labels (templates/_helpers.tpl "opentelemetry-collector.selectorLabels", chart 0.170.0). */
export const OTEL_COLLECTOR_PODS = { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": OTEL_COLLECTOR_NAME };
/** The image's user (otelcol-contrib Dockerfile: USER 10001:10001). */
const COLLECTOR_UID = 10001;
const CA_MOUNT = "/etc/otel/elasticsearch-ca";
const CREDENTIALS_SECRET = "otel-collector-elasticsearch";

/**
 * The OpenTelemetry Collector that receives the workloads' traces (OTLP over HTTP) and writes them to Elasticsearch,
 * where Kibana shows them beside the logs. One pipeline: otlp -> memory_limiter -> batch -> elasticsearch. The chart's
 * other default receivers (jaeger, zipkin, its own prometheus scrape), the OTLP gRPC protocol and the debug exporter
 * are removed (a null value deletes a default key when Helm coalesces values), so nothing listens on a port no
 * NetworkPolicy opens. The provider passes a TypeScript program's nulls through to Helm since pulumi-kubernetes 4.30.0
 * (CHANGELOG: #2997, "Stop stripping null values when unmarshaling"); the pinned SDK is 4.34.
 */
export class OtelCollector extends pulumi.ComponentResource {
    readonly namespace: string;
    /** What the workloads' OTEL_EXPORTER_OTLP_ENDPOINT names (the SDKs append /v1/traces). */
    readonly otlpHttpEndpoint: string;
    readonly namespaceResource: k8s.core.v1.Namespace;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: OtelCollectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:observability:OtelCollector", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "observability";
        this.otlpHttpEndpoint = `http://${OTEL_COLLECTOR_NAME}.${this.namespace}.svc.cluster.local:${OTLP_HTTP_PORT}`;
        const replicas = args.replicas ?? 1;
        if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`OtelCollector ${name}: replicas must be a positive integer, got ${replicas}`);

        this.namespaceResource = platformNamespace(this.namespace, "restricted", { ...child, dependsOn: args.dependsOn }, `${name}-namespace`);
        const inNamespace = { ...child, dependsOn: [this.namespaceResource] };
        // Pods cannot read the search namespace's Secret: the password and the public CA are copied here.
        const credentials = new k8s.core.v1.Secret(`${name}-elasticsearch`, {
            metadata: { name: CREDENTIALS_SECRET, namespace: this.namespace },
            type: "Opaque",
            stringData: { password: pulumi.secret(args.elasticsearch.password), "ca.crt": args.elasticsearch.caCertPem },
        }, inNamespace);

        this.release = helmRelease(`${name}-release`, {
            chart: "otelCollector",
            releaseName: OTEL_COLLECTOR_NAME,
            namespace: this.namespace,
            values: otelCollectorValues({ ...args, replicas }),
        }, { ...child, dependsOn: [this.namespaceResource, credentials, ...(args.dependsOn ?? [])] });
        this.registerOutputs({ otlpHttpEndpoint: this.otlpHttpEndpoint });
    }
}

/** The chart values (exported for the tests, which check them against the vendored chart defaults too). */
export function otelCollectorValues(args: OtelCollectorArgs & { replicas: number }): pulumi.Inputs {
    const image = imageParts(IMAGES.otelCollector);
    const podLabels = { ...OTEL_COLLECTOR_PODS, "component": "standalone-collector" };
    return {
        mode: "deployment",
        fullnameOverride: OTEL_COLLECTOR_NAME,
        replicaCount: args.replicas,
        image: { repository: image.repository, tag: image.tag },
        // The collector reads nothing from the Kubernetes API (no k8sattributes preset).
        serviceAccount: { create: true, automountServiceAccountToken: false },
        podSecurityContext: restrictedPodSecurityContext(COLLECTOR_UID),
        securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: true, uid: COLLECTOR_UID }),
        // GOMEMLIMIT (useGOMEMLIMIT) and memory_limiter's percentages both derive from the memory limit.
        resources: resources("100m", "256Mi", { cpu: "500m", memory: "512Mi" }),
        topologySpreadConstraints: zoneSpread(podLabels, args.strictZoneSpread ?? false),
        podDisruptionBudget: needsDisruptionBudget(args.replicas) ? { enabled: true, minAvailable: 1 } : { enabled: false },
        ports: {
            "otlp": { enabled: false },
            "otlp-http": { enabled: true },
            "jaeger-compact": { enabled: false },
            "jaeger-thrift": { enabled: false },
            "jaeger-grpc": { enabled: false },
            "zipkin": { enabled: false },
        },
        extraEnvs: [{ name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: CREDENTIALS_SECRET, key: "password" } } }],
        extraVolumes: [{ name: "elasticsearch-ca", secret: { secretName: CREDENTIALS_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } }],
        extraVolumeMounts: [{ name: "elasticsearch-ca", mountPath: CA_MOUNT, readOnly: true }],
        config: {
            receivers: {
                otlp: { protocols: { grpc: null, http: { endpoint: `\${env:MY_POD_IP}:${OTLP_HTTP_PORT}` } } },
                jaeger: null,
                zipkin: null,
                prometheus: null,
            },
            processors: {
                // memory_limiter first: it refuses data (the SDKs retry) before the pod reaches its limit.
                memory_limiter: { check_interval: "5s", limit_percentage: 80, spike_limit_percentage: 25 },
                batch: { send_batch_size: 1024, timeout: "5s" },
            },
            exporters: {
                debug: null,
                elasticsearch: {
                    endpoint: args.elasticsearch.url,
                    user: args.elasticsearch.username,
                    password: "${env:ES_PASSWORD}",
                    tls: { ca_file: `${CA_MOUNT}/ca.crt` },
                    // OTel-native documents into traces-generic.otel-default (the template Elasticsearch 9 ships).
                    mapping: { mode: "otel" },
                    // The cluster's nodes answer on their pod addresses, which the HTTP certificate does not name.
                    discover: { on_start: false, interval: "0s" },
                },
            },
            service: {
                pipelines: {
                    traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["elasticsearch"] },
                    logs: null,
                    metrics: null,
                },
            },
        },
    };
}
