import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IMAGES, imageParts } from "./catalogue";
import { helmRelease } from "./helm-release";
import { SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS } from "./scheduling";
import { resources, valueChecksum } from "./workload-defaults";

export interface ElasticsearchExporterArgs {
    /** Namespace of the exporter: Elasticsearch's own, so its policy admits the exporter as a local pod. */
    namespace: string;
    /** The HTTPS endpoint, the CA that signed its certificate, and a file-realm user with only the `monitor` privilege. */
    elasticsearch: { url: string; caCertPem: pulumi.Input<string>; username: string; password: pulumi.Input<string> };
    /** The Prometheus operator's release: the chart's ServiceMonitor needs its CRDs. */
    prometheusOperator: pulumi.Resource;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** prometheus-elasticsearch-exporter chart 7.4.0, _helpers.tpl "elasticsearch-exporter.selectorLabels" (release "elasticsearch-exporter"). */
export const ES_EXPORTER_LABELS = { "app.kubernetes.io/name": "prometheus-elasticsearch-exporter", "app.kubernetes.io/instance": "elasticsearch-exporter" } as const;
/** The chart's service.httpPort (container port "http"). */
export const ES_EXPORTER_PORT = 9108;
const SECRET = "elasticsearch-exporter";
const CA_DIR = "/ssl";

/**
 * ECK exports no metrics: the prometheus-community elasticsearch-exporter reads cluster health (and node statistics)
 * over HTTPS, verifying the cluster's CA, as a file-realm user limited to the `monitor` cluster privilege, and the
 * chart's ServiceMonitor has Prometheus scrape it. Index, shard and snapshot collectors stay off (they would need index
 * privileges and only add series).
 */
export class ElasticsearchExporter extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: ElasticsearchExporterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:monitoring:ElasticsearchExporter", name, {}, opts);
        const child = { parent: this };
        const credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: SECRET, namespace: args.namespace },
            type: "Opaque",
            stringData: { username: args.elasticsearch.username, password: pulumi.secret(args.elasticsearch.password), "ca.crt": args.elasticsearch.caCertPem },
        }, { ...child, dependsOn: args.dependsOn });
        const image = imageParts(IMAGES.elasticsearchExporter);
        this.release = helmRelease(name, {
            releaseName: ES_EXPORTER_LABELS["app.kubernetes.io/instance"],
            chart: "elasticsearchExporter",
            namespace: args.namespace,
            values: {
                image: { repository: image.repository, tag: image.tag },
                es: {
                    uri: args.elasticsearch.url,
                    all: false, indices: false, indices_settings: false, indices_mappings: false, shards: false, snapshots: false,
                    // The CA comes from our Secret (mounted below), not from the chart's own cert Secret; no client certificate.
                    ssl: { enabled: true, useExistingSecrets: true, ca: { path: `${CA_DIR}/ca.crt` }, client: { enabled: false } },
                },
                // elasticsearch_exporter v1.11.0 main.go reads ES_USERNAME and ES_PASSWORD when the URI carries none.
                extraEnvSecrets: { ES_USERNAME: { secret: SECRET, key: "username" }, ES_PASSWORD: { secret: SECRET, key: "password" } },
                // Only the CA file: the credentials stay out of the file system.
                secretMounts: [{ name: "elasticsearch-ca", secretName: SECRET, path: `${CA_DIR}/ca.crt`, subPath: "ca.crt" }],
                // Environment variables and subPath mounts never follow a Secret: a rotated password (or CA) rolls the pod.
                podAnnotations: { "checksum/elasticsearch-credentials": valueChecksum(credentials.stringData) },
                resources: resources("50m", "64Mi", { memory: "128Mi" }),
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                serviceMonitor: { enabled: true },
                // It calls Elasticsearch only: its own service account, without the Kubernetes API token the chart's
                // default (the namespace's "default" account) would mount.
                serviceAccount: { create: true, name: ES_EXPORTER_LABELS["app.kubernetes.io/instance"], automountServiceAccountToken: false },
            },
        }, { ...child, dependsOn: [credentials, args.prometheusOperator] });
        this.registerOutputs({});
    }
}
