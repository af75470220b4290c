import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IMAGES, imageParts } from "./catalogue";
import { helmRelease } from "./helm-release";
import { platformNamespace } from "./namespace";
import { STATEFUL_TOLERATIONS, SYSTEM_TOLERATIONS } from "./scheduling";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext, secretChecksum } from "./workload-defaults";

export interface LogShippingArgs {
    /** Namespace of Fluent Bit and the lifecycle Job. Default "logging". */
    namespace?: string;
    /**
     * Elasticsearch to ship to: host, port, the CA of its HTTP certificate, a user that may only add log documents
     * (Fluent Bit) and a user that may only manage the log indices' ILM policy and template (the lifecycle Job).
     */
    elasticsearch: {
        host: string;
        port: number;
        caCertPem: pulumi.Input<string>;
        username: string;
        password: pulumi.Input<string>;
        lifecycle: { username: string; password: pulumi.Input<string> };
    };
    /** Daily index prefix. Default "k8s-logs" (not "logs-*-*": that pattern is Elasticsearch's built-in data stream template). */
    indexPrefix?: string;
    /** Days an index lives before the lifecycle policy deletes it. Default 14. */
    retentionDays?: number;
    /** Replicas of each log index (0 on a single-node cluster). Default 1. */
    indexReplicas?: number;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const CREDENTIALS = "elasticsearch-log-writer";
const LIFECYCLE_CREDENTIALS = "elasticsearch-log-lifecycle";
/**
 * The taints the platform puts on nodes (system nodes' CriticalAddonsOnly, the stateful pool's), which Fluent Bit
 * tolerates so every node running platform workloads ships its logs. Not `operator: Exists` for every taint: a node
 * someone tainted for another purpose (GPU, quarantine, a tenant) does not receive a root pod reading its /var/log.
 */
export const LOG_SHIPPER_TOLERATIONS = [...SYSTEM_TOLERATIONS, ...STATEFUL_TOLERATIONS];
/** The only host path Fluent Bit writes: its tail position database, in a directory of its own. */
export const POSITION_DB_DIR = "/var/lib/fluent-bit";
const CA = "elasticsearch-ca";
export const ILM_POLICY = "k8s-logs-retention";

/**
 * Fluent Bit as a DaemonSet on every node shipping container logs (with Kubernetes metadata) to Elasticsearch over
 * verified TLS as a least-privilege user, into daily indices <prefix>-YYYY.MM.DD.
 *
 * Deleting old logs: Fluent Bit's es output cannot create lifecycle policies, so a Job puts an ILM policy (delete
 * phase at `retentionDays` after index creation) and an index template binding every <prefix>-* index to it. ILM
 * works without rollover here: a daily index's age counts from its creation, so each day's index is deleted on
 * schedule. The Job is idempotent (PUT) and retries until Elasticsearch answers.
 *
 * The namespace enforces "privileged": Fluent Bit must mount the node's /var/log (hostPath, which baseline forbids)
 * and read the container log files, which the runtime writes as root:root 0640. It runs as uid 0 because that is the
 * one way to read them with no capability at all: the owner's read bit suffices, while a non-root uid would need
 * CAP_DAC_READ_SEARCH, which Kubernetes cannot grant a non-root process (no ambient capabilities). Everything else is
 * taken away: every capability dropped (so no DAC_OVERRIDE: files of other owners stay closed), no privilege
 * escalation, a read-only root filesystem, /var/log mounted read-only (recursively where the kubelet can) and
 * required to exist, and the only writable host path its position database directory.
 */
export class LogShipping extends pulumi.ComponentResource {
    readonly namespace: string;
    readonly indexPrefix: string;
    /** The namespace object: what resources placed in it (its NetworkPolicies) wait for. */
    readonly namespaceResource: k8s.core.v1.Namespace;

    constructor(name: string, args: LogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:logging:LogShipping", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "logging";
        this.indexPrefix = args.indexPrefix ?? "k8s-logs";
        const retentionDays = args.retentionDays ?? 14;
        const es = args.elasticsearch;

        const namespace = platformNamespace(this.namespace, "privileged", child, `${name}-namespace`);
        this.namespaceResource = namespace;
        const inNamespace = { ...child, dependsOn: [namespace] };
        const credentials = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: CREDENTIALS, namespace: this.namespace },
            type: "kubernetes.io/basic-auth",
            stringData: { username: es.username, password: pulumi.secret(es.password) },
        }, inNamespace);
        const ca = new k8s.core.v1.ConfigMap(`${name}-ca`, {
            metadata: { name: CA, namespace: this.namespace },
            data: { "ca.crt": es.caCertPem },
        }, inNamespace);
        const lifecycleCredentials = new k8s.core.v1.Secret(`${name}-lifecycle-credentials`, {
            metadata: { name: LIFECYCLE_CREDENTIALS, namespace: this.namespace },
            type: "kubernetes.io/basic-auth",
            stringData: { username: es.lifecycle.username, password: pulumi.secret(es.lifecycle.password) },
        }, inNamespace);
        const credentialEnv = (secret: string) => [
            { name: "ES_USER", valueFrom: { secretKeyRef: { name: secret, key: "username" } } },
            { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: secret, key: "password" } } },
        ];
        // Pods read the password at start: a rotated one must roll the DaemonSet, so its hash is a pod annotation.
        // A SHA-256 of a 32-character random password reveals nothing, so it need not stay a secret.
        const credentialsChecksum = secretChecksum(es.password);

        const lifecycle = new k8s.batch.v1.Job(`${name}-ilm`, {
            metadata: { namespace: this.namespace, labels: { "app.kubernetes.io/name": "log-lifecycle" } },
            spec: {
                backoffLimit: 10,
                activeDeadlineSeconds: 3600,
                template: {
                    metadata: { labels: { "app.kubernetes.io/name": "log-lifecycle" } },
                    spec: {
                        restartPolicy: "OnFailure",
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(100),
                        volumes: [{ name: "ca", configMap: { name: CA } }],
                        containers: [{
                            name: "put-lifecycle",
                            image: IMAGES.curl,
                            command: ["sh", "-c", lifecycleScript()],
                            env: [
                                ...credentialEnv(LIFECYCLE_CREDENTIALS),
                                { name: "ES_URL", value: `https://${es.host}:${es.port}` },
                                { name: "ILM_POLICY", value: JSON.stringify(ilmPolicy(retentionDays)) },
                                { name: "INDEX_TEMPLATE", value: JSON.stringify(indexTemplate(this.indexPrefix, args.indexReplicas ?? 1)) },
                            ],
                            volumeMounts: [{ name: "ca", mountPath: "/etc/elasticsearch-ca", readOnly: true }],
                            resources: resources("10m", "32Mi", { memory: "64Mi" }),
                            securityContext: restrictedContainerSecurityContext({ uid: 100 }),
                        }],
                    },
                },
            },
        }, { ...child, dependsOn: [lifecycleCredentials, ca, ...(args.dependsOn ?? [])] });

        const image = imageParts(IMAGES.fluentBit);
        helmRelease(`${name}-fluent-bit`, {
            releaseName: "fluent-bit",
            chart: "fluentBit",
            namespace: this.namespace,
            values: {
                kind: "DaemonSet",
                image: { repository: image.repository, tag: image.tag },
                testFramework: { enabled: false },
                // Every node the platform runs workloads on (untainted general nodes, system and stateful nodes).
                tolerations: LOG_SHIPPER_TOLERATIONS,
                podAnnotations: { "checksum/elasticsearch-credentials": credentialsChecksum },
                podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
                securityContext: {
                    runAsUser: 0, runAsNonRoot: false, privileged: false, allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] },
                },
                resources: resources("50m", "128Mi", { memory: "256Mi" }),
                livenessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                readinessProbe: { httpGet: { path: "/api/v2/health", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                env: credentialEnv(CREDENTIALS),
                extraVolumes: [{ name: "elasticsearch-ca", configMap: { name: CA } }],
                extraVolumeMounts: [{ name: "elasticsearch-ca", mountPath: "/fluent-bit/elasticsearch-ca", readOnly: true }],
                daemonSetVolumes: [
                    { name: "varlog", hostPath: { path: "/var/log", type: "Directory" } },
                    { name: "state", hostPath: { path: POSITION_DB_DIR, type: "DirectoryOrCreate" } },
                ],
                daemonSetVolumeMounts: [
                    { name: "varlog", mountPath: "/var/log", readOnly: true, recursiveReadOnly: "IfPossible" },
                    { name: "state", mountPath: POSITION_DB_DIR },
                ],
                config: {
                    inputs: [
                        "[INPUT]",
                        "    Name tail",
                        "    Path /var/log/containers/*.log",
                        "    Exclude_Path /var/log/containers/fluent-bit-*.log",
                        "    multiline.parser cri, docker",
                        "    Tag kube.*",
                        `    DB ${POSITION_DB_DIR}/tail.db`,
                        "    Mem_Buf_Limit 10MB",
                        "    Skip_Long_Lines On",
                    ].join("\n"),
                    filters: [
                        "[FILTER]",
                        "    Name kubernetes",
                        "    Match kube.*",
                        "    Merge_Log On",
                        "    Keep_Log Off",
                        "    K8S-Logging.Parser On",
                        "    K8S-Logging.Exclude On",
                    ].join("\n"),
                    outputs: [
                        "[OUTPUT]",
                        "    Name es",
                        "    Match kube.*",
                        `    Host ${es.host}`,
                        `    Port ${es.port}`,
                        "    HTTP_User ${ES_USER}",
                        "    HTTP_Passwd ${ES_PASSWORD}",
                        "    tls On",
                        "    tls.verify On",
                        "    tls.ca_file /fluent-bit/elasticsearch-ca/ca.crt",
                        // create_doc is all its role allows: append, never overwrite.
                        "    Write_Operation create",
                        "    Logstash_Format On",
                        `    Logstash_Prefix ${this.indexPrefix}`,
                        "    Suppress_Type_Name On",
                        "    Replace_Dots On",
                        "    Trace_Error On",
                        "    Retry_Limit 10",
                    ].join("\n"),
                },
            },
        }, { ...child, dependsOn: [credentials, ca, lifecycle] });

        this.registerOutputs({ indexPrefix: this.indexPrefix });
    }
}

/** Delete each daily index `retentionDays` after it was created. */
export function ilmPolicy(retentionDays: number) {
    return { policy: { phases: { hot: { min_age: "0ms", actions: {} }, delete: { min_age: `${retentionDays}d`, actions: { delete: {} } } } } };
}

/** Binds every <prefix>-* index to the policy (priority above the built-in templates). */
export function indexTemplate(prefix: string, replicas: number) {
    return {
        index_patterns: [`${prefix}-*`],
        priority: 200,
        template: { settings: { "index.lifecycle.name": ILM_POLICY, "index.number_of_replicas": replicas } },
    };
}

function lifecycleScript(): string {
    const put = (path: string, body: string) =>
        `curl --silent --show-error --fail --retry 60 --retry-delay 10 --retry-all-errors --cacert /etc/elasticsearch-ca/ca.crt ` +
        `-u "$ES_USER:$ES_PASSWORD" -H 'Content-Type: application/json' -X PUT "$ES_URL/${path}" -d "$${body}"`;
    return ["set -eu", put(`_ilm/policy/${ILM_POLICY}`, "ILM_POLICY"), put("_index_template/k8s-logs", "INDEX_TEMPLATE"), "echo lifecycle in place"].join("\n");
}
