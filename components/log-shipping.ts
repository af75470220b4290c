import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { IMAGES, imageParts } from "./catalogue";
import { helmRelease } from "./helm-release";
import { platformNamespace } from "./namespace";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./workload-defaults";

export interface LogShippingArgs {
    /** Namespace of Fluent Bit and the lifecycle Job. Default "logging". */
    namespace?: string;
    /** Elasticsearch to ship to: host, port, the CA of its HTTP certificate, and a user that may write log indices. */
    elasticsearch: {
        host: string;
        port: number;
        caCertPem: pulumi.Input<string>;
        username: string;
        password: pulumi.Input<string>;
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
 * and read root-owned container log files, so it runs as uid 0 - but without privilege escalation, with every
 * capability dropped, a read-only root filesystem and the host paths mounted read-only except its position database.
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
        const credentialEnv = [
            { name: "ES_USER", valueFrom: { secretKeyRef: { name: CREDENTIALS, key: "username" } } },
            { name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: CREDENTIALS, key: "password" } } },
        ];

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
                                ...credentialEnv,
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
        }, { ...child, dependsOn: [credentials, ca, ...(args.dependsOn ?? [])] });

        const image = imageParts(IMAGES.fluentBit);
        helmRelease(`${name}-fluent-bit`, {
            releaseName: "fluent-bit",
            chart: "fluentBit",
            namespace: this.namespace,
            values: {
                kind: "DaemonSet",
                image: { repository: image.repository, tag: image.tag },
                testFramework: { enabled: false },
                // Runs on every node, tainted ones included: a node without a shipper loses its logs.
                tolerations: [{ operator: "Exists" }],
                podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
                securityContext: {
                    runAsUser: 0, runAsNonRoot: false, privileged: false, allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] },
                },
                resources: resources("50m", "128Mi", { memory: "256Mi" }),
                livenessProbe: { httpGet: { path: "/", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                readinessProbe: { httpGet: { path: "/api/v2/health", port: "http" }, periodSeconds: 10, failureThreshold: 3 },
                env: credentialEnv,
                extraVolumes: [{ name: "elasticsearch-ca", configMap: { name: CA } }],
                extraVolumeMounts: [{ name: "elasticsearch-ca", mountPath: "/fluent-bit/elasticsearch-ca", readOnly: true }],
                daemonSetVolumes: [
                    { name: "varlog", hostPath: { path: "/var/log" } },
                    { name: "state", hostPath: { path: "/var/lib/fluent-bit", type: "DirectoryOrCreate" } },
                ],
                daemonSetVolumeMounts: [
                    { name: "varlog", mountPath: "/var/log", readOnly: true },
                    { name: "state", mountPath: "/var/lib/fluent-bit" },
                ],
                config: {
                    inputs: [
                        "[INPUT]",
                        "    Name tail",
                        "    Path /var/log/containers/*.log",
                        "    Exclude_Path /var/log/containers/fluent-bit-*.log",
                        "    multiline.parser cri, docker",
                        "    Tag kube.*",
                        "    DB /var/lib/fluent-bit/tail.db",
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
