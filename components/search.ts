import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { ELASTIC_STACK_VERSION } from "./catalogue";
import { helmRelease } from "./helm-release";
import { OperatorCrds } from "./operator-crds";
import { platformNamespace } from "./namespace";
import { STATEFUL_NODE_LABEL, STATEFUL_TOLERATIONS, SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS, zoneSpread } from "./scheduling";
import { STORAGE_CLASSES } from "./shared-storage";
import { ResourceSpec, resources, restrictedContainerSecurityContext } from "./workload-defaults";

export interface SearchArgs {
    /** Namespace of Elasticsearch and Kibana. Default "search". */
    namespace?: string;
    /** Namespace of the ECK operator. Default "elastic-system". */
    operatorNamespace?: string;
    /** Elasticsearch nodes (all roles). 3 keeps a quorum and a replica through one loss. Default 3. */
    nodes?: number;
    /** gp3 data volume per node. Default "100Gi". */
    volumeSize?: string;
    /** Default 1 CPU / 4Gi (the JVM heap is sized from the limit). */
    resources?: ResourceSpec;
    /** Kibana replicas. Default 1. */
    kibanaReplicas?: number;
    /** Spread nodes over zones with DoNotSchedule (prod). Default false. */
    strictZoneSpread?: boolean;
    /** Changing this value generates every file-realm password anew (RandomPassword keeper; config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * The Karpenter NodePools its data pods land on: the resources that start those pods wait for them (the operator,
     * on the system nodes, does not). Default none.
     */
    nodePools?: pulumi.Input<pulumi.Resource>[];
    /**
     * Pulumi `protect` on the data namespace and the Elasticsearch (the operator's namespace holds no data): a replacement or deletion (which would take
     * the volumes' claims with it) fails until `pulumi state unprotect`. Default false (the composition sets it from
     * config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const ECK = { es: "elasticsearch.k8s.elastic.co/v1", kibana: "kibana.k8s.elastic.co/v1" };
const CLUSTER = "search";
/** Role of the log shipper: append documents to the daily log indices (and create each day's index), nothing else. */
export const LOG_WRITER_ROLE = "log_writer";
/** Role of the one-shot lifecycle Job: the log indices' ILM policy and index template, no documents. */
export const LOG_LIFECYCLE_ROLE = "log_lifecycle";
const SEARCH_CLIENT_ROLE = "shop_product_search";
/** Role of the OpenTelemetry Collector: append spans to the traces data streams, nothing else. */
export const TRACE_WRITER_ROLE = "trace_writer";
/**
 * The data streams the collector's elasticsearch exporter writes in its `otel` mapping mode: traces-<dataset>.otel-
 * <namespace> (traces-generic.otel-default unless a span routes itself). Elasticsearch 9 ships their index template
 * (traces-otel@template, the otel-data plugin), so the first write creates the stream (auto_configure).
 */
export const TRACE_DATA_STREAMS = "traces-*.otel-*";
/** Role of the metrics exporter: cluster health and node statistics (the `monitor` cluster privilege), no index. */
export const METRICS_READER_ROLE = "metrics_reader";
/** The API's search index, and any versioned copy of it (products-v2) for reindexing. */
export const PRODUCT_INDEX_PREFIX = "products";
export const LOG_INDEX_PREFIX = "k8s-logs";

/**
 * Elasticsearch and Kibana through ECK: the operator (pinned release), an Elasticsearch cluster with security on
 * (authentication, TLS on HTTP and transport), gp3 volumes on the stateful pool and zone spread, Kibana connected
 * to it, and a file-realm user for the log shipper with a least-privilege role.
 * The HTTP certificate's CA is generated here (not by ECK), so clients in other namespaces (Fluent Bit) can verify
 * it from a copy of the public CA certificate instead of disabling verification.
 */
export class Search extends pulumi.ComponentResource {
    readonly namespace: string;
    /** HTTPS endpoint of Elasticsearch inside the cluster. */
    readonly url: string;
    readonly host: string;
    readonly port = 9200;
    /** notAfter of the HTTP certificate (RFC 3339): it lasts a year and renews only on a `pulumi up` in its last 30 days. */
    readonly httpCertificateNotAfter: pulumi.Output<string>;
    /** PEM of the CA that signed the HTTP certificate (public). */
    readonly caCertPem: pulumi.Output<string>;
    /** The log shipper's credentials (password is a Pulumi secret): writes log documents only. */
    readonly logWriter: { username: string; password: pulumi.Output<string> };
    /** The lifecycle Job's credentials: manages the log indices' ILM policy and template, reads no logs. */
    readonly logLifecycle: { username: string; password: pulumi.Output<string> };
    /** File-realm user of the shop API: reads and maintains only the product indices. */
    readonly searchClient: { username: string; password: pulumi.Output<string> };
    /** File-realm user of the OpenTelemetry Collector: creates span documents in the traces data streams only. */
    readonly traceWriter: { username: string; password: pulumi.Output<string> };
    /** File-realm user of the metrics exporter: cluster health and node statistics only (`monitor`), no index data. */
    readonly metricsReader: { username: string; password: pulumi.Output<string> };
    readonly elasticsearch: k8s.apiextensions.CustomResource;
    /** The ECK operator's namespace. */
    readonly operatorNamespace: string;
    /** The namespace objects (Elasticsearch and Kibana; the operator): what their NetworkPolicies wait for. */
    readonly namespaceResource: k8s.core.v1.Namespace;
    readonly operatorNamespaceResource: k8s.core.v1.Namespace;

    constructor(name: string, args: SearchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:search:Search", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "search";
        const operatorNamespace = args.operatorNamespace ?? "elastic-system";
        const nodes = args.nodes ?? 3;
        this.host = `${CLUSTER}-es-http.${this.namespace}.svc`;
        this.url = `https://${this.host}:${this.port}`;

        const operatorNs = platformNamespace(operatorNamespace, "restricted", child, `${name}-operator-namespace`);
        // Baseline: ECK renders the Elasticsearch pods (its init containers are not restricted-clean everywhere).
        const namespace = platformNamespace(this.namespace, "baseline", { ...child, protect: args.protect }, `${name}-namespace`);
        this.operatorNamespace = operatorNamespace;
        this.namespaceResource = namespace;
        this.operatorNamespaceResource = operatorNs;
        // ECK's chart renders its CRDs as templates of the eck-operator-crds subchart (switched by installCRDs, kept by
        // helm.sh/resource-policy: keep when switched off), not from crds/: the values turn them off, not skipCrds.
        const crds = new OperatorCrds(`${name}-crds`, { chart: "eckOperator", protect: args.protect }, child);
        const operator = helmRelease(`${name}-eck-operator`, {
            releaseName: "elastic-operator",
            chart: "eckOperator",
            namespace: operatorNamespace,
            skipCrds: true,
            values: {
                installCRDs: false,
                replicaCount: 1,
                managedNamespaces: [this.namespace],
                resources: resources("100m", "256Mi", { cpu: "1", memory: "1Gi" }),
                podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
                securityContext: restrictedContainerSecurityContext(),
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
            },
        }, { ...child, dependsOn: [operatorNs, namespace, ...crds.crds, ...(args.dependsOn ?? [])] });

        // HTTP TLS: our own CA and a server certificate for the service names.
        const caKey = new tls.PrivateKey(`${name}-ca`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const ca = new tls.SelfSignedCert(`${name}-ca`, {
            privateKeyPem: caKey.privateKeyPem,
            isCaCertificate: true,
            subject: { commonName: `${CLUSTER} Elasticsearch CA`, organization: "ecommerce-platform" },
            validityPeriodHours: 5 * 365 * 24,
            earlyRenewalHours: 90 * 24,
            allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        }, child);
        const serverKey = new tls.PrivateKey(`${name}-http`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, child);
        const request = new tls.CertRequest(`${name}-http`, {
            privateKeyPem: serverKey.privateKeyPem,
            subject: { commonName: this.host },
            dnsNames: [`${CLUSTER}-es-http`, `${CLUSTER}-es-http.${this.namespace}`, this.host, `${this.host}.cluster.local`],
        }, child);
        const server = new tls.LocallySignedCert(`${name}-http`, {
            certRequestPem: request.certRequestPem,
            caPrivateKeyPem: caKey.privateKeyPem,
            caCertPem: ca.certPem,
            validityPeriodHours: 365 * 24,
            earlyRenewalHours: 30 * 24,
            allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
        }, child);
        const inNamespace = { ...child, dependsOn: [namespace] };
        const httpCert = new k8s.core.v1.Secret(`${name}-http-cert`, {
            metadata: { name: `${CLUSTER}-es-http-cert`, namespace: this.namespace },
            type: "kubernetes.io/tls",
            stringData: { "tls.crt": server.certPem, "tls.key": pulumi.secret(serverKey.privateKeyPem), "ca.crt": ca.certPem },
        }, inNamespace);

        // File-realm users: the log shipper may only append log documents; the lifecycle Job only manages their policy.
        const keepers = { rotationEpoch: args.rotationEpoch ?? "1" };
        const fileRealmUser = (suffix: string, username: string, role: string) => {
            const password = new random.RandomPassword(`${name}-${suffix}`, { length: 32, special: false, keepers }, child);
            const credentials = { username, password: pulumi.secret(password.result) };
            const secret = new k8s.core.v1.Secret(`${name}-${suffix}`, {
                metadata: { name: `${CLUSTER}-${suffix}`, namespace: this.namespace },
                type: "kubernetes.io/basic-auth",
                stringData: { username, password: credentials.password, roles: role },
            }, inNamespace);
            return { credentials, secret };
        };
        const writer = fileRealmUser("log-writer", "fluent-bit", LOG_WRITER_ROLE);
        this.logWriter = writer.credentials;
        const lifecycle = fileRealmUser("log-lifecycle", "log-lifecycle", LOG_LIFECYCLE_ROLE);
        this.logLifecycle = lifecycle.credentials;
        const searchClient = fileRealmUser("search-client", "shop-api", SEARCH_CLIENT_ROLE);
        this.searchClient = searchClient.credentials;
        const metricsReader = fileRealmUser("metrics-reader", "metrics", METRICS_READER_ROLE);
        this.metricsReader = metricsReader.credentials;
        const traceWriter = fileRealmUser("trace-writer", "otel-collector", TRACE_WRITER_ROLE);
        this.traceWriter = traceWriter.credentials;
        const users = [writer.secret, lifecycle.secret, searchClient.secret, metricsReader.secret, traceWriter.secret];
        const roles = new k8s.core.v1.Secret(`${name}-roles`, {
            metadata: { name: `${CLUSTER}-roles`, namespace: this.namespace },
            type: "Opaque",
            stringData: { "roles.yml": JSON.stringify(fileRealmRoles()) },
        }, inNamespace);

        const limits = args.resources ?? resources("1", "4Gi");
        const podLabels = { "elasticsearch.k8s.elastic.co/cluster-name": CLUSTER };
        this.elasticsearch = new k8s.apiextensions.CustomResource(`${name}-elasticsearch`, {
            apiVersion: ECK.es,
            kind: "Elasticsearch",
            metadata: { name: CLUSTER, namespace: this.namespace },
            spec: {
                version: ELASTIC_STACK_VERSION,
                http: { tls: { certificate: { secretName: httpCert.metadata.name } } },
                auth: { fileRealm: users.map((user) => ({ secretName: user.metadata.name })), roles: [{ secretName: roles.metadata.name }] },
                // ECK's default PDB allows one node down while the cluster is green.
                nodeSets: [{
                    name: "default",
                    count: nodes,
                    // No mmap: no privileged sysctl init container needed (vm.max_map_count).
                    config: { "node.store.allow_mmap": false },
                    podTemplate: {
                        metadata: { labels: podLabels },
                        spec: {
                            nodeSelector: STATEFUL_NODE_LABEL,
                            tolerations: STATEFUL_TOLERATIONS,
                            topologySpreadConstraints: zoneSpread(podLabels, args.strictZoneSpread ?? false),
                            containers: [{ name: "elasticsearch", resources: limits, securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false, uid: 1000 }) }],
                        },
                    },
                    volumeClaimTemplates: [{
                        metadata: { name: "elasticsearch-data" },
                        spec: { accessModes: ["ReadWriteOnce"], storageClassName: STORAGE_CLASSES.block, resources: { requests: { storage: args.volumeSize ?? "100Gi" } } },
                    }],
                }],
            },
        }, { ...child, dependsOn: [crds.of("Elasticsearch"), operator, httpCert, ...users, roles, ...(args.nodePools ?? [])], protect: args.protect });

        const kibanaReplicas = args.kibanaReplicas ?? 1;
        const kibanaLabels = { "kibana.k8s.elastic.co/name": CLUSTER };
        new k8s.apiextensions.CustomResource(`${name}-kibana`, {
            apiVersion: ECK.kibana,
            kind: "Kibana",
            metadata: { name: CLUSTER, namespace: this.namespace },
            spec: {
                version: ELASTIC_STACK_VERSION,
                count: kibanaReplicas,
                elasticsearchRef: { name: CLUSTER },
                podTemplate: {
                    spec: {
                        topologySpreadConstraints: zoneSpread(kibanaLabels, args.strictZoneSpread ?? false),
                        containers: [{ name: "kibana", resources: resources("250m", "1Gi"), securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false, uid: 1000 }) }],
                    },
                },
            },
        }, { ...child, dependsOn: [crds.of("Kibana"), this.elasticsearch] });

        this.caCertPem = ca.certPem;
        this.httpCertificateNotAfter = server.validityEndTime;
        this.registerOutputs({ url: this.url });
    }
}

/**
 * roles.yml (JSON is YAML): the log shipper may only add documents to the log indices (create_doc: no overwrite, no
 * delete, no read) and create each day's index; the lifecycle user manages only their ILM policy and template; the
 * shop API uses only the product indices.
 */
export function fileRealmRoles() {
    return {
        [SEARCH_CLIENT_ROLE]: {
            cluster: ["monitor"],
            indices: [{ names: [`${PRODUCT_INDEX_PREFIX}*`], privileges: ["read", "write", "create_index", "view_index_metadata"] }],
        },
        [LOG_WRITER_ROLE]: {
            cluster: [],
            indices: [{ names: [`${LOG_INDEX_PREFIX}-*`], privileges: ["create_doc", "create_index"] }],
        },
        // create_doc: append only (no overwrite, no read); auto_configure: create the data stream from its template.
        [TRACE_WRITER_ROLE]: {
            cluster: [],
            indices: [{ names: [TRACE_DATA_STREAMS], privileges: ["create_doc", "auto_configure"] }],
        },
        // What the elasticsearch-exporter's default collectors read (its README, v1.11.0: cluster `monitor`).
        [METRICS_READER_ROLE]: { cluster: ["monitor"], indices: [] },
        [LOG_LIFECYCLE_ROLE]: {
            cluster: ["manage_ilm", "manage_index_templates"],
            indices: [{ names: [`${LOG_INDEX_PREFIX}-*`], privileges: ["manage_ilm", "view_index_metadata"] }],
        },
    };
}
