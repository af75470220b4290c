import { expect } from "chai";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";
import { AllowRule, CHECKS, ChartCreated, CheckName, KubeObject, PlanIndex, Selector, selects } from "../support/kubernetes-wiring";
import { defaultKubernetesServiceIp } from "../../components/network-policies";
import { Endpoint, Flow, NetworkModel, Pod, PolicyObject, addressIn, describe as describeEndpoint, mentions, serviceAddresses } from "../support/network-flows";
import { plannedStack } from "../support/plans";
import { SELF_MANAGED_ORGANIZATION, projectStacks } from "../../tools/stack-references";
import { allStacks } from "../support/stacks";

/**
 * Wiring between the objects each stack declares, which schemas cannot see: Services, PDBs, NetworkPolicies, HPAs
 * and ServiceMonitors select what exists; no two workloads share pods; Secrets, ConfigMaps, their keys, service
 * accounts (with their IRSA roles), storage classes, in-cluster addresses and Ingress backends resolve; every
 * namespaced object is created after its namespace. The checks live in test/support/kubernetes-wiring.ts.
 */

type Json = Record<string, unknown>;

/**
 * Objects operators and charts create at run time, so no plan declares them. Each rule derives its objects from the
 * custom resource or release that makes them: renaming or removing that resource takes them along, and a reference
 * to them dangles again. Every rule must be needed by some stack (see the last test).
 */
const CREATED_AT_RUN_TIME: AllowRule[] = [
    {
        // Needed by KAFKA_BROKERS (<cluster>-kafka-bootstrap.kafka.svc:9094, the SCRAM listener) of the API, its
        // CronJobs and the search indexer.
        id: "strimzi-kafka-bootstrap",
        createdBy: "Strimzi cluster operator: for each Kafka, the Service <cluster>-kafka-bootstrap with a port per internal listener",
        objects: (index) => index.kind("Kafka").map((kafka) => ({
            kind: "Service", namespace: kafka.namespace!, name: `${kafka.name}-kafka-bootstrap`,
            ports: listenersOf(kafka).filter((l) => l.type === "internal").map((l) => l.port),
            labels: { ...strimziNode(String(kafka.name)), "strimzi.io/broker-role": "true" },
        })),
    },
    {
        // Needed by ES_URL of the API's pods and of the log lifecycle Job, and by Fluent Bit's es output Host.
        id: "eck-es-http",
        createdBy: "ECK operator: for each Elasticsearch, the HTTP Service <name>-es-http on port 9200",
        objects: (index) => index.kind("Elasticsearch").map((es) => ({
            kind: "Service", namespace: es.namespace!, name: `${es.name}-es-http`, ports: [9200], labels: { "elasticsearch.k8s.elastic.co/cluster-name": String(es.name) },
        })),
    },
    {
        // Needed by the Ingress that routes /auth to Keycloak, and by the in-cluster issuer URL (OIDC_ISSUER,
        // KC_HOSTNAME) where no public host name is configured.
        id: "keycloakx-http",
        createdBy: "keycloakx chart, templates/service-http.yaml: the Service <fullname>-http with the port named http on service.httpPort (80)",
        objects: (index) => index.releases.filter((r) => r.chart === "keycloakx").map((release) => ({
            kind: "Service", namespace: release.namespace, name: `${keycloakxFullname(release.name, release.values)}-http`,
            ports: ["http", Number((release.values.service as { httpPort?: number } | undefined)?.httpPort ?? 80)],
            labels: keycloakxSelector(release.name), targetPorts: { [Number((release.values.service as { httpPort?: number } | undefined)?.httpPort ?? 80)]: "http" },
        })),
    },
    /*
     * Pods charts and operators run: what the NetworkPolicies select and the flows connect. Labels and ports are those
     * of the templates and reconcilers at the pinned versions (components/catalogue.ts).
     */
    {
        id: "kong-pods",
        createdBy: "kong chart, templates/deployment.yaml: kong.selectorLabels, container ports proxy (proxy.http.containerPort), proxy-tls 8443 only while proxy.tls.enabled, status 8100, webhook 8080",
        objects: (index) => index.releases.filter((r) => r.chart === "kong").map((release) => {
            const proxy = release.values.proxy as { http?: { containerPort?: number }; tls?: { enabled?: boolean } } | undefined;
            return pod(release.namespace, `kong pod (${release.name})`, {
                "app.kubernetes.io/name": "kong", "app.kubernetes.io/instance": release.name, "app.kubernetes.io/component": "app",
            }, { proxy: proxy?.http?.containerPort ?? 8000, ...(proxy?.tls?.enabled === false ? {} : { "proxy-tls": 8443 }), status: 8100, webhook: 8080 }, release.name);
        }),
    },
    {
        id: "keycloakx-pods",
        createdBy: "keycloakx chart, templates/statefulset.yaml: keycloak.selectorLabels, ports http 8080, http-internal 9000; JGroups 7800 and 57800 (Keycloak's jdbc-ping stack)",
        objects: (index) => index.releases.filter((r) => r.chart === "keycloakx").map((release) => pod(release.namespace, `keycloak pod (${release.name})`,
            keycloakxSelector(release.name), { http: 8080, "http-internal": 9000, jgroups: 7800, "jgroups-fd": 57800 }, release.name)),
    },
    {
        id: "redis-pods",
        createdBy: "OT redis-operator (operator chart: label name=redis-operator) and the RedisCluster it renders: app=<cluster>-leader|follower, role; ports 6379, bus 16379, exporter 9121",
        objects: (index) => [
            ...index.releases.filter((r) => r.chart === "redis-operator").map((release) => pod(release.namespace, "redis operator", { name: "redis-operator" }, {}, release.name)),
            ...index.releases.filter((r) => r.chart === "redis-cluster").flatMap((release) => ["leader", "follower"].map((role) => pod(release.namespace, `redis ${role}`, {
                app: `${redisClusterName(release.values)}-${role}`, role, redis_setup_type: "cluster",
            }, { redis: 6379, bus: 16379, "redis-exporter": 9121 }, release.name))),
        ],
    },
    {
        id: "strimzi-pods",
        createdBy: "Strimzi: the cluster operator (strimzi.io/kind=cluster-operator), per KafkaNodePool its nodes (strimzi.io/name <cluster>-kafka; controllers 9090, brokers 9091 and the listeners, all 8443 for the Kafka agent), the entity operator, the Kafka Exporter when spec.kafkaExporter is set (strimzi.io/name <cluster>-kafka-exporter, tcp-prometheus 9404)",
        objects: (index) => [
            ...index.releases.filter((r) => r.chart === "strimzi-kafka-operator").map((release) => pod(release.namespace, "strimzi cluster operator", {
                name: "strimzi-cluster-operator", "strimzi.io/kind": "cluster-operator",
            }, { http: 8080 }, release.name)),
            ...index.kind("KafkaNodePool").map((pool) => {
                const cluster = String(asLabels((pool.inputs.metadata as Json).labels)["strimzi.io/cluster"]);
                const roles = ((pool.inputs.spec as Json).roles as string[]) ?? [];
                const kafka = index.named("Kafka", pool.namespace, cluster);
                const listeners = kafka ? Object.fromEntries(listenersOf(kafka).map((l) => [l.name, l.port])) : {};
                return pod(pool.namespace!, `kafka ${pool.name} node`, {
                    ...strimziNode(cluster), "strimzi.io/pool-name": String(pool.name),
                    ...(roles.includes("broker") ? { "strimzi.io/broker-role": "true" } : {}), ...(roles.includes("controller") ? { "strimzi.io/controller-role": "true" } : {}),
                }, { ...(roles.includes("controller") ? { controlplane: 9090 } : {}), ...(roles.includes("broker") ? { replication: 9091, ...listeners } : {}), agent: 8443 }, `KafkaNodePool ${pool.name}`);
            }),
            ...index.kind("Kafka").map((kafka) => pod(kafka.namespace!, "strimzi entity operator", {
                "strimzi.io/cluster": String(kafka.name), "strimzi.io/kind": "Kafka", "strimzi.io/name": `${kafka.name}-entity-operator`,
            }, {}, `Kafka ${kafka.name}`)),
            ...index.kind("Kafka").filter((kafka) => (kafka.inputs.spec as Json).kafkaExporter !== undefined).map((kafka) => pod(kafka.namespace!, "strimzi kafka exporter", {
                "strimzi.io/cluster": String(kafka.name), "strimzi.io/kind": "Kafka", "strimzi.io/name": `${kafka.name}-kafka-exporter`,
                "strimzi.io/component-type": "kafka-exporter",
            }, { "tcp-prometheus": 9404 }, `Kafka ${kafka.name}`)),
            // KafkaMirrorMaker2: Kafka Connect pods (KafkaMirrorMaker2Cluster, COMPONENT_TYPE mirrormaker2), REST API 8083.
            ...index.kind("KafkaMirrorMaker2").map((mm2) => pod(mm2.namespace!, `mirrormaker2 ${mm2.name}`, {
                "strimzi.io/cluster": String(mm2.name), "strimzi.io/kind": "KafkaMirrorMaker2", "strimzi.io/name": `${mm2.name}-mirrormaker2`,
                "strimzi.io/component-type": "kafka-mirror-maker-2",
            }, { rest: 8083 }, `KafkaMirrorMaker2 ${mm2.name}`)),
        ],
    },
    {
        id: "eck-pods",
        createdBy: "eck-operator chart (control-plane=elastic-operator, webhook 9443) and ECK's Elasticsearch (cluster-name label; 9200, 9300) and Kibana (5601) pods",
        objects: (index) => [
            ...index.releases.filter((r) => r.chart === "eck-operator").map((release) => pod(release.namespace, "eck operator", {
                "control-plane": "elastic-operator", "app.kubernetes.io/name": "elastic-operator",
            }, { "https-webhook": 9443 }, release.name)),
            ...index.kind("Elasticsearch").map((es) => pod(es.namespace!, `elasticsearch ${es.name}`, {
                "elasticsearch.k8s.elastic.co/cluster-name": String(es.name), "common.k8s.elastic.co/type": "elasticsearch",
            }, { https: 9200, transport: 9300 }, `Elasticsearch ${es.name}`)),
            ...index.kind("Kibana").map((kibana) => pod(kibana.namespace!, `kibana ${kibana.name}`, {
                "kibana.k8s.elastic.co/name": String(kibana.name), "common.k8s.elastic.co/type": "kibana",
            }, { https: 5601 }, `Kibana ${kibana.name}`)),
        ],
    },
    {
        id: "fluent-bit-pods",
        createdBy: "fluent-bit chart, templates/daemonset.yaml: fluent-bit.selectorLabels, port http 2020",
        objects: (index) => index.releases.filter((r) => r.chart === "fluent-bit").map((release) => pod(release.namespace, "fluent-bit", {
            "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": release.name,
        }, { http: 2020 }, release.name)),
    },
    {
        // Needed by OTEL_EXPORTER_OTLP_ENDPOINT of the API, its CronJobs, the search indexer and the notifications worker.
        id: "otel-collector",
        createdBy: "opentelemetry-collector chart (mode deployment), templates/service.yaml: the Service <fullname> with a port per enabled ports.* entry, selecting selectorLabels + component standalone-collector; templates/deployment.yaml: pods with those labels and a container port per enabled entry",
        objects: (index) => index.releases.filter((r) => r.chart === "opentelemetry-collector").flatMap((release) => {
            const defaults: Record<string, number> = { "otlp": 4317, "otlp-http": 4318, "jaeger-compact": 6831, "jaeger-thrift": 14268, "jaeger-grpc": 14250, "zipkin": 9411 };
            const values = asMap(release.values.ports);
            const enabled = Object.entries(defaults).filter(([name]) => asMap(values[name]).enabled !== false);
            const fullname = typeof release.values.fullnameOverride === "string" ? release.values.fullnameOverride : `${release.name}-opentelemetry-collector`;
            const labels = { "app.kubernetes.io/name": "opentelemetry-collector", "app.kubernetes.io/instance": release.name, component: "standalone-collector" };
            return [
                { kind: "Service" as const, namespace: release.namespace, name: fullname, ports: enabled.flatMap(([name, port]) => [name, port]), labels },
                pod(release.namespace, `otel collector (${release.name})`, labels, Object.fromEntries(enabled), release.name),
            ];
        }),
    },
    {
        id: "kube-prometheus-stack-pods",
        createdBy: "kube-prometheus-stack: Prometheus (9090) and Alertmanager (9093) from the operator, Grafana (3000), the operator (webhook 10250), kube-state-metrics (8080)",
        objects: (index) => index.releases.filter((r) => r.chart === "kube-prometheus-stack").flatMap((release) => [
            pod(release.namespace, "prometheus", { "app.kubernetes.io/name": "prometheus", prometheus: `${release.name}-prometheus` }, { web: 9090 }, release.name),
            pod(release.namespace, "alertmanager", { "app.kubernetes.io/name": "alertmanager" }, { "http-web": 9093 }, release.name),
            pod(release.namespace, "grafana", { "app.kubernetes.io/name": "grafana", "app.kubernetes.io/instance": release.name }, { grafana: 3000 }, release.name),
            pod(release.namespace, "prometheus operator", { app: `${release.name}-operator` }, { https: 10250 }, release.name),
            pod(release.namespace, "kube-state-metrics", { "app.kubernetes.io/name": "kube-state-metrics" }, { http: 8080 }, release.name),
        ]),
    },
    {
        id: "elasticsearch-exporter-pods",
        createdBy: "prometheus-elasticsearch-exporter chart 7.4.0, templates/deployment.yaml: elasticsearch-exporter.selectorLabels (name prometheus-elasticsearch-exporter, instance <release>), port http service.httpPort (9108)",
        objects: (index) => index.releases.filter((r) => r.chart === "prometheus-elasticsearch-exporter").map((release) => pod(release.namespace, "elasticsearch exporter", {
            "app.kubernetes.io/name": "prometheus-elasticsearch-exporter", "app.kubernetes.io/instance": release.name,
        }, { http: Number((release.values.service as { httpPort?: number } | undefined)?.httpPort ?? 9108) }, release.name)),
    },
    {
        id: "coredns-pods",
        createdBy: "the coredns EKS add-on: k8s-app=kube-dns in kube-system, DNS on 53 and metrics on 9153",
        objects: (index) => index.plan.resources.some((r) => r.type === "aws:eks/addon:Addon" && r.inputs.addonName === "coredns")
            ? [pod("kube-system", "coredns", { "k8s-app": "kube-dns" }, { dns: 53, metrics: 9153 }, "coredns add-on")]
            : [],
    },
];

function pod(namespace: string, name: string, labels: Record<string, string>, portNames: Record<string, number>, owner: string): ChartCreated {
    return { kind: "Pod", namespace, name, labels, portNames, owner };
}

const asMap = (value: unknown): Json => (value !== null && typeof value === "object" && !Array.isArray(value) ? value as Json : {});
const asLabels = (value: unknown): Record<string, string> => (value && typeof value === "object" ? value as Record<string, string> : {});

/** Strimzi's selector labels of a cluster's nodes (KafkaResources.kafkaComponentName). */
function strimziNode(cluster: string): Record<string, string> {
    return { "strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka", "strimzi.io/name": `${cluster}-kafka` };
}

/** keycloakx _helpers.tpl "keycloak.selectorLabels". */
function keycloakxSelector(release: string): Record<string, string> {
    return { "app.kubernetes.io/name": "keycloakx", "app.kubernetes.io/instance": release };
}

function redisClusterName(values: Json): string {
    return String(((values.redisCluster as Json | undefined)?.name) ?? "redis-cluster");
}

/** keycloakx templates/_helpers.tpl "keycloak.fullname": fullnameOverride, else the release name with the chart's. */
function keycloakxFullname(release: string, values: Json): string {
    if (typeof values.fullnameOverride === "string" && values.fullnameOverride !== "") return values.fullnameOverride;
    const name = typeof values.nameOverride === "string" && values.nameOverride !== "" ? values.nameOverride : "keycloakx";
    return release.includes(name) ? release : `${release}-${name}`;
}

function listenersOf(kafka: KubeObject): { name: string; type: string; port: number; networkPolicyPeers?: Json[] }[] {
    return ((kafka.inputs.spec as { kafka?: { listeners?: { name: string; type: string; port: number; networkPolicyPeers?: Json[] }[] } }).kafka?.listeners) ?? [];
}

const ROOT = join(__dirname, "..", "..");

function planOf(stack: string) {
    const planned = plannedStack(stack);
    return { stack, resources: planned.resources, secretKeys: planned.report.secretKeys };
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* The synthetic plan: one namespace with a web Deployment, a database StatefulSet and a report CronJob, and      */
/* everything that refers to them, all consistent. Each breakage changes one thing and must yield one violation.  */

const NAMESPACE_URN = "urn:pulumi:synthetic::wiring::kubernetes:core/v1:Namespace::app";
const releaseUrn = (name: string) => `urn:pulumi:synthetic::wiring::kubernetes:helm.sh/v3:Release::${name}`;
const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "offline-plan:secret" };
const WEB_ROLE = "arn:aws:iam::000000000000:role/web";
const CNI_ROLE = "arn:aws:iam::000000000000:role/cni";

function trust(subject: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
            Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/oidc.example" },
            Condition: { StringEquals: { "oidc.example:sub": `system:serviceaccount:${subject}`, "oidc.example:aud": "sts.amazonaws.com" } },
        }],
    });
}

/** A run-time object for the synthetic plan: an operator's CA Secret and Service in the app namespace. */
const SYNTHETIC_RULES: AllowRule[] = [{
    id: "operator",
    createdBy: "the synthetic operator",
    objects: () => [
        { kind: "Secret", namespace: "app", name: "operator-ca", keys: ["ca.crt"] },
        { kind: "Service", namespace: "app", name: "operator-svc", ports: [8443] },
    ],
}];

class Synthetic {
    readonly resources: CapturedResource[] = [];
    readonly secretKeys: Record<string, Record<string, string[]>> = {};

    constructor() {
        const container = (name: string, extra: Json = {}) => ({ name, image: "registry.example/app:1", ...extra });
        this.add("kubernetes:core/v1:Namespace", { metadata: { name: "app" } }, []);
        this.add("kubernetes:storage.k8s.io/v1:StorageClass", { metadata: { name: "fast" }, provisioner: "ebs.csi.aws.com" }, []);
        const secret = this.add("kubernetes:core/v1:Secret", { metadata: { name: "web-env", namespace: "app" }, stringData: SECRET_SIG });
        this.secretKeys[secret.urn] = { stringData: ["API_KEY"] };
        this.add("kubernetes:core/v1:ConfigMap", { metadata: { name: "web-config", namespace: "app" }, data: { "config.json": "{}" } });
        this.add("kubernetes:core/v1:ConfigMap", { metadata: { name: "db-ca", namespace: "app" }, data: { "ca.pem": "-----BEGIN CERTIFICATE-----" } });
        this.add("kubernetes:core/v1:ServiceAccount", { metadata: { name: "web", namespace: "app", annotations: { "eks.amazonaws.com/role-arn": WEB_ROLE } } });
        this.add("aws:iam/role:Role", { assumeRolePolicy: trust("app:web") }, [], { arn: WEB_ROLE }, "web-role");
        this.add("aws:iam/role:Role", { assumeRolePolicy: trust("kube-system:aws-node") }, [], { arn: CNI_ROLE }, "cni-role");
        this.add("aws:eks/addon:Addon", { addonName: "vpc-cni", serviceAccountRoleArn: CNI_ROLE }, [], {}, "vpc-cni");
        this.add("kubernetes:apps/v1:Deployment", {
            metadata: { name: "web", namespace: "app" },
            spec: {
                selector: { matchLabels: { app: "web" } },
                template: {
                    metadata: { labels: { app: "web", tier: "front" } },
                    spec: {
                        serviceAccountName: "web",
                        containers: [container("web", {
                            ports: [{ name: "http", containerPort: 8080 }],
                            env: [
                                { name: "API_KEY", valueFrom: { secretKeyRef: { name: "web-env", key: "API_KEY" } } },
                                { name: "DB_URL", value: "postgres://db.app.svc.cluster.local:5432/app" },
                                { name: "OPERATOR_URL", value: "https://operator-svc.app.svc:8443" },
                            ],
                            envFrom: [{ configMapRef: { name: "web-config" } }],
                        })],
                        volumes: [
                            { name: "config", configMap: { name: "web-config", items: [{ key: "config.json", path: "config.json" }] } },
                            { name: "creds", projected: { sources: [{ secret: { name: "web-env", items: [{ key: "API_KEY", path: "key" }] } }] } },
                        ],
                    },
                },
            },
        });
        this.add("kubernetes:apps/v1:StatefulSet", {
            metadata: { name: "db", namespace: "app" },
            spec: {
                selector: { matchLabels: { app: "db" } },
                serviceName: "db",
                template: { metadata: { labels: { app: "db" } }, spec: { containers: [container("db", { ports: [{ containerPort: 5432 }] })] } },
                volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { storageClassName: "fast", accessModes: ["ReadWriteOnce"] } }],
            },
        });
        this.add("kubernetes:batch/v1:CronJob", {
            metadata: { name: "report", namespace: "app" },
            spec: {
                schedule: "0 * * * *",
                jobTemplate: {
                    spec: {
                        template: {
                            metadata: { labels: { app: "report" } },
                            spec: {
                                serviceAccountName: "web",
                                initContainers: [container("wait", { env: [{ name: "API_KEY", valueFrom: { secretKeyRef: { name: "web-env", key: "API_KEY" } } }] })],
                                containers: [container("report", {
                                    command: ["sh", "-c", "curl --fail http://web.app.svc/report"],
                                    env: [{ name: "CA", valueFrom: { secretKeyRef: { name: "operator-ca", key: "ca.crt" } } }, { name: "PGSSLROOTCERT", value: "/etc/db-ca/ca.pem" }],
                                    volumeMounts: [{ name: "db-ca", mountPath: "/etc/db-ca", readOnly: true }],
                                })],
                                volumes: [{ name: "db-ca", configMap: { name: "db-ca", items: [{ key: "ca.pem", path: "ca.pem" }] } }],
                            },
                        },
                    },
                },
            },
        });
        this.add("kubernetes:core/v1:Service", {
            metadata: { name: "web", namespace: "app", labels: { app: "web" } },
            spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
        });
        this.add("kubernetes:core/v1:Service", { metadata: { name: "db", namespace: "app" }, spec: { selector: { app: "db" }, ports: [{ name: "postgres", port: 5432 }] } });
        this.add("kubernetes:policy/v1:PodDisruptionBudget", { metadata: { name: "web", namespace: "app" }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: "web" } } } });
        this.add("kubernetes:networking.k8s.io/v1:NetworkPolicy", {
            metadata: { name: "web", namespace: "app" },
            spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "app" } } }] }] },
        });
        this.add("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", {
            metadata: { name: "web", namespace: "app" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, maxReplicas: 3 },
        });
        this.add("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", {
            metadata: { name: "web", namespace: "app" }, spec: { selector: { matchLabels: { app: "web" } }, endpoints: [{ port: "http" }] },
        }, [NAMESPACE_URN, releaseUrn("prometheus")]);
        this.add("kubernetes:configuration.konghq.com/v1:KongPlugin", { metadata: { name: "auth", namespace: "app" }, plugin: "jwt" }, [NAMESPACE_URN, releaseUrn("kong")]);
        this.add("kubernetes:networking.k8s.io/v1:Ingress", {
            metadata: { name: "web", namespace: "app", annotations: { "konghq.com/plugins": "auth" } },
            spec: { ingressClassName: "kong", rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }] },
        });
        this.add("kubernetes:kafka.strimzi.io/v1:KafkaNodePool", {
            metadata: { name: "broker", namespace: "app" },
            spec: { replicas: 1, roles: ["broker"], storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: "1Gi", class: "fast" }] } },
        }, [NAMESPACE_URN, releaseUrn("strimzi")]);
        this.add("kubernetes:helm.sh/v3:Release", { name: "kong", chart: "kong", namespace: "app", values: { ingressController: { enabled: true } } }, [NAMESPACE_URN], {}, "kong");
        this.add("kubernetes:helm.sh/v3:Release", { name: "strimzi", chart: "oci://quay.io/strimzi-helm/strimzi-kafka-operator", namespace: "app", values: {} }, [NAMESPACE_URN], {}, "strimzi");
        this.add("kubernetes:helm.sh/v3:Release", { name: "prometheus", chart: "kube-prometheus-stack", namespace: "app", values: {} }, [NAMESPACE_URN], {}, "prometheus");
    }

    add(type: string, inputs: Json, dependencies = [NAMESPACE_URN], outputs: Json = {}, urnName?: string): CapturedResource {
        const metadata = (inputs.metadata ?? {}) as { name?: string; namespace?: string };
        const name = urnName ?? [metadata.namespace, metadata.name].filter(Boolean).join("-");
        const resource: CapturedResource = { urn: `urn:pulumi:synthetic::wiring::${type}::${name}`, custom: true, type, inputs, outputs, dependencies };
        this.resources.push(resource);
        return resource;
    }

    /** The inputs of the one resource of that type and name, to change in place. */
    get(kind: string, name: string): Json {
        const found = this.resources.filter((r) => r.type.endsWith(`:${kind}`) && ((r.inputs.metadata as { name?: string } | undefined)?.name ?? r.inputs.name ?? r.inputs.addonName) === name);
        if (found.length !== 1) throw new Error(`synthetic plan: ${found.length} ${kind} ${name}`);
        return found[0].inputs;
    }

    /** The one resource of that type and name. */
    resource(kind: string, name: string): CapturedResource {
        const inputs = this.get(kind, name);
        return this.resources.find((r) => r.inputs === inputs)!;
    }

    /** The pod spec of a workload. */
    pod(kind: string, name: string): Json & { containers: Json[] } {
        const spec = this.get(kind, name).spec as Json;
        const template = (kind === "CronJob" ? ((spec.jobTemplate as Json).spec as Json).template : spec.template) as Json;
        return template.spec as Json & { containers: Json[] };
    }

    index(): PlanIndex {
        return new PlanIndex({ stack: "synthetic", resources: this.resources, secretKeys: this.secretKeys }, SYNTHETIC_RULES);
    }
}

const envOf = (plan: Synthetic, kind: string, name: string) => plan.pod(kind, name).containers[0].env as Json[];
const specOf = (plan: Synthetic, kind: string, name: string) => plan.get(kind, name).spec as Json;

/** One change each, and the one violation it must cause. */
const BREAKAGES: { check: CheckName; breaks: string; mutate: (plan: Synthetic) => void; expected: RegExp }[] = [
    {
        check: "custom resources wait for the release or CRD that installs their CRDs", breaks: "a KongPlugin waits only for its namespace, not the kong release (Keycloak's plugins did)",
        mutate: (p) => { p.resource("KongPlugin", "auth").dependencies = [NAMESPACE_URN]; },
        expected: /KongPlugin app\/auth: a KongPlugin of group configuration.konghq.com, but does not depend on \[synthetic\] Helm release app\/kong \(kong\), which installs its CRDs/,
    },
    {
        check: "custom resources wait for the release or CRD that installs their CRDs", breaks: "no release of the plan installs a custom resource's CRDs",
        mutate: (p) => { p.resources.splice(p.resources.findIndex((r) => r.urn === releaseUrn("strimzi")), 1); },
        expected: /KafkaNodePool app\/broker: a KafkaNodePool of group kafka.strimzi.io, whose CRDs no Helm release or CustomResourceDefinition of the plan installs \(charts that do: strimzi-kafka-operator\)/,
    },
    {
        check: "custom resources wait for the release or CRD that installs their CRDs", breaks: "the release installing the CRDs is told to skip them",
        mutate: (p) => { p.get("Release", "kong").skipCrds = true; },
        expected: /KongPlugin app\/auth: a KongPlugin of group configuration.konghq.com, whose CRDs no Helm release/,
    },
    {
        check: "custom resources wait for the release or CRD that installs their CRDs", breaks: "a custom resource of a group no known chart serves",
        mutate: (p) => { p.add("kubernetes:example.com/v1:Widget", { metadata: { name: "w", namespace: "app" } }); },
        expected: /Widget app\/w: a Widget of group example.com, .*no known chart installs them: add it to CRD_CHARTS/,
    },
    {
        check: "custom resources wait for the release or CRD that installs their CRDs", breaks: "a chart that renders a RedisCluster is installed without waiting for the redis-operator release",
        mutate: (p) => {
            p.add("kubernetes:helm.sh/v3:Release", { name: "redis-operator", chart: "redis-operator", namespace: "app", values: {} }, [NAMESPACE_URN], {}, "redis-operator");
            p.add("kubernetes:helm.sh/v3:Release", { name: "cache", chart: "redis-cluster", namespace: "app", values: {} }, [NAMESPACE_URN], {}, "cache");
        },
        expected: /Helm release app\/cache \(cache\): its chart renders custom resources of group redis.redis.opstreelabs.in, but does not depend on .*Helm release app\/redis-operator/,
    },
    {
        check: "custom resources wait for the release or CRD that installs their CRDs", breaks: "chart values enable a ServiceMonitor before the Prometheus operator's CRDs",
        mutate: (p) => { p.get("Release", "strimzi").values = { serviceMonitor: { enabled: true } }; },
        expected: /Helm release app\/strimzi \(strimzi\): its chart renders custom resources of group monitoring.coreos.com, but does not depend on .*Helm release app\/prometheus/,
    },
    {
        check: "Services select serving pods on existing ports", breaks: "a Service selects no pods",
        mutate: (p) => { specOf(p, "Service", "web").selector = { app: "wbe" }; }, expected: /Service app\/web: selector .* matches no Deployment/,
    },
    {
        check: "Services select serving pods on existing ports", breaks: "a Service's selector matches a CronJob's pods as well",
        mutate: (p) => { ((specOf(p, "CronJob", "report").jobTemplate as Json).spec as { template: { metadata: { labels: Json } } }).template.metadata.labels.app = "web"; },
        expected: /Service app\/web: selector .* also matches the pods of CronJob report, which do not serve/,
    },
    {
        check: "Services select serving pods on existing ports", breaks: "a named targetPort is no container port name",
        mutate: (p) => { specOf(p, "Service", "web").ports = [{ name: "http", port: 80, targetPort: "metrics" }]; }, expected: /targetPort "metrics" is not a container port name of Deployment web/,
    },
    {
        check: "Services select serving pods on existing ports", breaks: "a numeric targetPort is no containerPort",
        mutate: (p) => { specOf(p, "Service", "db").ports = [{ name: "postgres", port: 5432, targetPort: 5433 }]; }, expected: /targetPort 5433 is not a container port number of StatefulSet db/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "a PDB selects no pods",
        mutate: (p) => { specOf(p, "PodDisruptionBudget", "web").selector = { matchLabels: { app: "web", tier: "back" } }; }, expected: /PodDisruptionBudget app\/web: selector .* matches no pods/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "a PDB selects the pods of two workloads",
        mutate: (p) => { specOf(p, "PodDisruptionBudget", "web").selector = { matchExpressions: [{ key: "app", operator: "In", values: ["web", "db"] }] }; },
        expected: /PodDisruptionBudget app\/web: .* matches the pods of 2 workloads \(Deployment web, StatefulSet db\)/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "a NetworkPolicy's podSelector matches no pods",
        mutate: (p) => { specOf(p, "NetworkPolicy", "web").podSelector = { matchLabels: { app: "api" } }; }, expected: /NetworkPolicy app\/web: podSelector .* matches no pods/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "a NetworkPolicy admits a namespace that does not exist",
        mutate: (p) => { specOf(p, "NetworkPolicy", "web").ingress = [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }] }]; },
        expected: /NetworkPolicy app\/web: namespaceSelector names namespace monitoring/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "an HPA scales a Deployment that does not exist",
        mutate: (p) => { specOf(p, "HorizontalPodAutoscaler", "web").scaleTargetRef = { apiVersion: "apps/v1", kind: "Deployment", name: "api" }; },
        expected: /HorizontalPodAutoscaler app\/web: scaleTargetRef Deployment api is not/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "a ServiceMonitor selects by pod labels no Service carries",
        mutate: (p) => { specOf(p, "ServiceMonitor", "web").selector = { matchLabels: { app: "web", tier: "front" } }; }, expected: /ServiceMonitor app\/web: selector .* matches the labels of no Service/,
    },
    {
        check: "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something", breaks: "a ServiceMonitor scrapes a port the Service does not name",
        mutate: (p) => { specOf(p, "ServiceMonitor", "web").endpoints = [{ port: "metrics" }]; }, expected: /ServiceMonitor app\/web: endpoint port "metrics" is not a port name of .*Service app\/web/,
    },
    {
        check: "no workload's selector matches another workload's pods", breaks: "a Deployment's selector matches another workload's pods",
        mutate: (p) => { ((specOf(p, "StatefulSet", "db").template as Json).metadata as { labels: Json }).labels = { app: "db", tier: "front" }; specOf(p, "Deployment", "web").selector = { matchLabels: { tier: "front" } }; },
        expected: /Deployment app\/web: selector .* also matches the pods of StatefulSet db/,
    },
    {
        check: "no workload's selector matches another workload's pods", breaks: "a selector does not select its own pod template",
        mutate: (p) => { specOf(p, "StatefulSet", "db").selector = { matchLabels: { app: "database" } }; }, expected: /StatefulSet app\/db: selector .* does not select its own pod template labels/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "a secretKeyRef names a Secret not declared",
        mutate: (p) => { envOf(p, "Deployment", "web")[0].valueFrom = { secretKeyRef: { name: "web-secrets", key: "API_KEY" } }; },
        expected: /Deployment app\/web: secretKeyRef names Secret app\/web-secrets, which the plan does not declare/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "a secretKeyRef names a key the (secret) data does not hold",
        mutate: (p) => { envOf(p, "Deployment", "web")[0].valueFrom = { secretKeyRef: { name: "web-env", key: "API_TOKEN" } }; },
        expected: /secretKeyRef names key "API_TOKEN" of Secret app\/web-env, which holds only API_KEY/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "an init container of a CronJob names a missing Secret",
        mutate: (p) => { (p.pod("CronJob", "report").initContainers as Json[])[0].env = [{ name: "X", valueFrom: { secretKeyRef: { name: "gone", key: "x" } } }]; },
        expected: /CronJob app\/report: secretKeyRef names Secret app\/gone/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "a configMap volume mounts a key the ConfigMap does not hold",
        mutate: (p) => { (p.pod("Deployment", "web").volumes as Json[])[0] = { name: "config", configMap: { name: "web-config", items: [{ key: "config.yaml", path: "c" }] } }; },
        expected: /configMap volume names key "config.yaml" of ConfigMap app\/web-config, which holds only config.json/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "envFrom names a ConfigMap not declared",
        mutate: (p) => { p.pod("Deployment", "web").containers[0].envFrom = [{ configMapRef: { name: "web-cfg" } }]; }, expected: /envFrom.configMapRef names ConfigMap app\/web-cfg/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "a projected volume names a Secret not declared",
        mutate: (p) => { (p.pod("Deployment", "web").volumes as Json[])[1] = { name: "creds", projected: { sources: [{ secret: { name: "web-creds" } }] } }; },
        expected: /projected secret names Secret app\/web-creds/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "a reference reads a key the operator does not write",
        mutate: (p) => { p.pod("CronJob", "report").containers[0].env = [{ name: "CA", valueFrom: { secretKeyRef: { name: "operator-ca", key: "ca.key" } } }]; },
        expected: /names key "ca.key" of Secret app\/operator-ca, which holds only ca.crt/,
    },
    {
        check: "Secret and ConfigMap references name declared objects and keys", breaks: "chart values name a Secret not declared (keycloakx database.existingSecret)",
        mutate: (p) => { p.add("kubernetes:helm.sh/v3:Release", { name: "keycloak", chart: "keycloakx", namespace: "app", values: { database: { existingSecret: "keycloak-db", existingSecretKey: "password" } } }, [NAMESPACE_URN], {}, "keycloak"); },
        expected: /Helm release app\/keycloak .*database.existingSecret .* names Secret app\/keycloak-db/,
    },
    {
        check: "trusted CA files are in the image or mounted from a declared ConfigMap or Secret key", breaks: "the CA file is written at start into an emptyDir",
        mutate: (p) => { (p.pod("CronJob", "report").volumes as Json[])[0] = { name: "db-ca", emptyDir: {} }; },
        expected: /CronJob app\/report container report: PGSSLROOTCERT trusts \/etc\/db-ca\/ca.pem, whose volume db-ca is not a ConfigMap or Secret/,
    },
    {
        check: "trusted CA files are in the image or mounted from a declared ConfigMap or Secret key", breaks: "a connection string trusts a file no mount provides",
        mutate: (p) => { envOf(p, "Deployment", "web")[1].value = "postgres://db.app.svc.cluster.local:5432/app?sslmode=verify-full&sslrootcert=/certs/ca.pem"; },
        expected: /Deployment app\/web container web: DB_URL trusts \/certs\/ca.pem, which no volume mount of that container provides/,
    },
    {
        check: "trusted CA files are in the image or mounted from a declared ConfigMap or Secret key", breaks: "the mounted ConfigMap projects its key under another file name",
        mutate: (p) => { (p.pod("CronJob", "report").volumes as Json[])[0] = { name: "db-ca", configMap: { name: "db-ca", items: [{ key: "ca.pem", path: "bundle.pem" }] } }; },
        expected: /PGSSLROOTCERT trusts \/etc\/db-ca\/ca.pem: ConfigMap app\/db-ca mounted at \/etc\/db-ca provides no file ca.pem/,
    },
    {
        check: "no container downloads from outside the cluster at start", breaks: "an init container curls a CA bundle from the internet",
        mutate: (p) => { (p.pod("CronJob", "report").initContainers as Json[])[0].command = ["sh", "-c", "curl --fail -o /w/ca.pem https://truststore.pki.rds.amazonaws.com/ap-south-1/ap-south-1-bundle.pem"]; },
        expected: /CronJob app\/report container wait: downloads from truststore.pki.rds.amazonaws.com at start/,
    },
    {
        check: "no container downloads from outside the cluster at start", breaks: "chart values add an init container that downloads (keycloakx extraInitContainers)",
        mutate: (p) => {
            p.add("kubernetes:helm.sh/v3:Release", {
                name: "keycloak", chart: "keycloakx", namespace: "app",
                values: { extraInitContainers: JSON.stringify([{ name: "fetch", image: "curl", command: ["sh", "-c", "wget -O /x https://example.com/x"] }]) },
            }, [NAMESPACE_URN], {}, "keycloak");
        },
        expected: /Helm release app\/keycloak .*container fetch: downloads from example.com at start/,
    },
    {
        check: "service accounts exist and IRSA roles trust exactly them", breaks: "a pod runs as a ServiceAccount not declared",
        mutate: (p) => { p.pod("CronJob", "report").serviceAccountName = "reporter"; }, expected: /CronJob app\/report: serviceAccountName reporter is not a ServiceAccount declared in app/,
    },
    {
        check: "service accounts exist and IRSA roles trust exactly them", breaks: "an IRSA annotation names a role the plan does not have",
        mutate: (p) => { ((p.get("ServiceAccount", "web").metadata as Json).annotations as Json)["eks.amazonaws.com/role-arn"] = CNI_ROLE.replace("cni", "cnl"); },
        expected: /ServiceAccount app\/web: IRSA role .*role\/cnl is not an aws:iam\/role:Role/,
    },
    {
        check: "service accounts exist and IRSA roles trust exactly them", breaks: "an IRSA role trusts another service account",
        mutate: (p) => { ((p.get("ServiceAccount", "web").metadata as Json).annotations as Json)["eks.amazonaws.com/role-arn"] = CNI_ROLE; },
        expected: /ServiceAccount app\/web: IRSA role cni-role trusts \["system:serviceaccount:kube-system:aws-node"\], not exactly system:serviceaccount:app:web/,
    },
    {
        check: "service accounts exist and IRSA roles trust exactly them", breaks: "an EKS add-on gets a role for another service account",
        mutate: (p) => { p.get("Addon", "vpc-cni").serviceAccountRoleArn = WEB_ROLE; }, expected: /EKS add-on vpc-cni: IRSA role web-role trusts .*app:web.*not exactly system:serviceaccount:kube-system:aws-node/,
    },
    {
        check: "storage classes are declared", breaks: "a volumeClaimTemplate names a storage class not declared",
        mutate: (p) => { (specOf(p, "StatefulSet", "db").volumeClaimTemplates as { spec: Json }[])[0].spec.storageClassName = "gp2"; },
        expected: /StatefulSet app\/db: storage class gp2 is not a StorageClass declared/,
    },
    {
        check: "storage classes are declared", breaks: "a Strimzi node pool's storage names a class not declared",
        mutate: (p) => { ((specOf(p, "KafkaNodePool", "broker").storage as Json).volumes as Json[])[0].class = "gp2"; }, expected: /KafkaNodePool app\/broker: storage class gp2/,
    },
    {
        check: "in-cluster addresses name existing Services and ports", breaks: "an env value names a Service not declared",
        mutate: (p) => { envOf(p, "Deployment", "web")[1].value = "postgres://postgres.app.svc.cluster.local:5432/app"; },
        expected: /Deployment app\/web: address postgres.app.svc.cluster.local:5432 names Service app\/postgres/,
    },
    {
        check: "in-cluster addresses name existing Services and ports", breaks: "an address names a port the Service does not expose",
        mutate: (p) => { envOf(p, "Deployment", "web")[1].value = "postgres://db.app.svc:5433/app"; }, expected: /address db.app.svc:5433: Service app\/db has no port 5433/,
    },
    {
        check: "in-cluster addresses name existing Services and ports", breaks: "an https URL without a port goes to 443, which the operator's Service does not expose",
        mutate: (p) => { envOf(p, "Deployment", "web")[2].value = "https://operator-svc.app.svc/ready"; }, expected: /address https:\/\/operator-svc.app.svc: Service app\/operator-svc has no port 443/,
    },
    {
        check: "Ingresses have a controller, backends and plugins", breaks: "the ingress class has no controller",
        mutate: (p) => { specOf(p, "Ingress", "web").ingressClassName = "nginx"; }, expected: /Ingress app\/web: ingress class nginx is provided by no declared controller \(provided: kong\)/,
    },
    {
        check: "Ingresses have a controller, backends and plugins", breaks: "a backend names a Service not declared",
        mutate: (p) => { specOf(p, "Ingress", "web").defaultBackend = { service: { name: "api", port: { number: 80 } } }; }, expected: /backend Service app\/api is not declared/,
    },
    {
        check: "Ingresses have a controller, backends and plugins", breaks: "a backend names a port the Service does not have",
        mutate: (p) => { specOf(p, "Ingress", "web").defaultBackend = { service: { name: "web", port: { name: "https" } } }; }, expected: /backend Service app\/web has no port "https"/,
    },
    {
        check: "Ingresses have a controller, backends and plugins", breaks: "a konghq.com/plugins annotation names no plugin",
        mutate: (p) => { ((p.get("Ingress", "web").metadata as Json).annotations as Json)["konghq.com/plugins"] = "auth,jwt-keycloak"; }, expected: /konghq.com\/plugins names jwt-keycloak/,
    },
    {
        check: "namespaced objects live in a declared namespace they depend on", breaks: "an object lives in a namespace not declared",
        mutate: (p) => { (p.get("ConfigMap", "web-config").metadata as Json).namespace = "apps"; }, expected: /ConfigMap apps\/web-config: namespace apps is not declared/,
    },
    {
        check: "namespaced objects live in a declared namespace they depend on", breaks: "an object does not depend on its namespace",
        mutate: (p) => { p.resources.find((r) => r.type.endsWith(":Secret"))!.dependencies = []; }, expected: /Secret app\/web-env: does not depend on Namespace app/,
    },
];


/* ---------------------------------------------------------------------------------------------------------------- */
/* Network flows: every connection the plan needs, derived from what the objects say (addresses in env and chart    */
/* values, the RDS endpoint, IRSA, Ingress backends, ServiceMonitors) and from what operators are known to do, then */
/* judged against the plan's NetworkPolicies (and the one Strimzi generates).                                      */

/**
 * Strimzi's NetworkPolicies per Kafka (Strimzi 1.2): ingress to the cluster's nodes (KafkaCluster.generateNetworkPolicy)
 * and, with spec.kafkaExporter, to the exporter: 9404 from anywhere (KafkaExporter.generateNetworkPolicy).
 */
function strimziPolicies(index: PlanIndex): PolicyObject[] {
    const operatorNamespace = index.releases.find((r) => r.chart === "strimzi-kafka-operator")?.namespace;
    return index.kind("Kafka").map((kafka) => {
        const cluster = String(kafka.name);
        const operator = { podSelector: { matchLabels: { "strimzi.io/kind": "cluster-operator" } }, ...(operatorNamespace === kafka.namespace ? {} : { namespaceSelector: {} }) };
        const nodes = { podSelector: { matchLabels: strimziNode(cluster) } };
        const named = (name: string) => ({ podSelector: { matchLabels: { "strimzi.io/name": `${cluster}-${name}` } } });
        const rule = (port: number, from: Json[] | undefined) => ({ ports: [{ port, protocol: "TCP" }], ...(from && from.length > 0 ? { from } : {}) });
        return {
            namespace: kafka.namespace!, name: `${cluster}-network-policy-kafka`, declared: false,
            spec: {
                podSelector: { matchLabels: strimziNode(cluster) },
                policyTypes: ["Ingress"],
                ingress: [
                    rule(9090, [nodes, operator]),
                    rule(9091, [operator, nodes, named("entity-operator"), named("kafka-exporter"), named("cruise-control")]),
                    rule(8443, [operator]),
                    // A listener without networkPolicyPeers is open to every pod of the cluster.
                    ...listenersOf(kafka).map((l) => rule(l.port, l.networkPolicyPeers)),
                ],
            },
        };
    }).concat(index.kind("Kafka").filter((kafka) => (kafka.inputs.spec as Json).kafkaExporter !== undefined).map((kafka) => ({
        namespace: kafka.namespace!, name: `${kafka.name}-kafka-exporter`, declared: false,
        spec: {
            podSelector: { matchLabels: { "strimzi.io/name": `${kafka.name}-kafka-exporter` } },
            policyTypes: ["Ingress"],
            ingress: [{ ports: [{ port: 9404, protocol: "TCP" }] }],
        },
    })));
}

interface FlowTable { needed: Flow[]; forbidden: Flow[]; model: NetworkModel }

function flowTable(index: PlanIndex): FlowTable {
    // The VPC awsx creates (an engine shows the awsx component itself without inputs, and so does the offline plan).
    const vpcs = index.plan.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc");
    if (vpcs.length !== 1 || typeof vpcs[0].inputs.cidrBlock !== "string") throw new Error(`[${index.plan.stack}] expected one aws:ec2/vpc:Vpc with a cidrBlock, found ${vpcs.length}`);
    const vpc = vpcs[0].inputs.cidrBlock;
    const model = new NetworkModel(index, strimziPolicies(index), addressIn(vpc, 256 + 10));
    const at = (ip: string, label: string): Endpoint => ({ address: { ip, label } });
    // RDS sits in the database subnet group, the private subnets: after a Multi-AZ failover at an address in another
    // zone's, so a client must reach every one of them. The public subnets hold no database.
    const subnets = (kind: "Public" | "Private") => index.plan.resources.filter((r) => r.type === "aws:ec2/subnet:Subnet" && (r.inputs.tags as Json | undefined)?.SubnetType === kind)
        .map((r) => ({ cidr: String(r.inputs.cidrBlock), name: String(r.urn.split("::").pop()) }));
    if (subnets("Private").length === 0 || subnets("Public").length === 0) throw new Error(`[${index.plan.stack}] expected public and private subnets in the plan`);
    const rds = subnets("Private").map((subnet) => at(addressIn(subnet.cidr, 2 * 256 + 20), `RDS (private subnet ${subnet.name})`));
    const publicSubnetHost = subnets("Public").map((subnet) => at(addressIn(subnet.cidr, 20), `PostgreSQL in public subnet ${subnet.name}`));
    const apiServers = [at(defaultKubernetesServiceIp(vpc), "kubernetes Service ClusterIP"), at(addressIn(vpc, 3 * 256 + 30), "API server endpoint ENI")];
    const node = at(addressIn(vpc, 4 * 256 + 40), "a node (kubelet)");
    const controlPlane = at(addressIn(vpc, 3 * 256 + 31), "control-plane ENI (webhook caller)");
    const nlb = at(addressIn(vpc, 5 * 256 + 50), "the NLB's address in the VPC");
    const aws = at("52.94.0.10", "AWS APIs (STS, Secrets Manager, S3)");
    const client = at("203.0.113.9", "an internet client");
    const needed: Flow[] = [];
    const forbidden: Flow[] = [];
    const ep = (pod: Pod): Endpoint => ({ pod });
    const podsOf = (namespace: string, labels: Record<string, string>) => model.podsMatching(namespace, { matchLabels: labels });
    const need = (from: Pod[] | Endpoint[], to: Pod[] | Endpoint[], ports: number[], why: string, protocol?: "TCP" | "UDP") => {
        const ends = (list: Pod[] | Endpoint[]): Endpoint[] => list.map((e) => ("namespace" in e ? ep(e) : e));
        for (const f of ends(from)) for (const t of ends(to)) for (const port of ports) if (f !== t) needed.push({ from: f, to: t, port, protocol, why });
    };
    const podsOfRelease = (release: { name: string; namespace: string }) => model.pods.filter((p) => p.namespace === release.namespace && p.owner === release.name);
    const releasePods = (chart: string) => index.releases.filter((r) => r.chart === chart).flatMap(podsOfRelease);
    const planNamespaces = index.kind("Namespace").map((n) => String(n.name));

    // DNS: every pod of the platform's namespaces.
    const dns = podsOf("kube-system", { "k8s-app": "kube-dns" });
    for (const pod of model.pods.filter((p) => planNamespaces.includes(p.namespace))) {
        need([pod], dns, [53], "name resolution", "UDP");
        need([pod], dns, [53], "name resolution (large answers)", "TCP");
    }

    // Service addresses in pod specs and chart values: the source connects to the Service's pods on its target port.
    const rdsAddress = index.plan.resources.find((r) => r.type === "aws:rds/instance:Instance")?.outputs.address;
    const databaseClients: Pod[] = [];
    // A region without the writer reaches it in the primary's VPC over the peering (stacks/data-topology.ts): whoever
    // names the primary's writer address (the API, Keycloak, the bootstrap Jobs) needs its private subnets on 5432.
    const project = projectStacks(ROOT, "ecommerce-platform", SELF_MANAGED_ORGANIZATION);
    const remoteWriters = ["prod", "prod-us-east-1", "prod-eu-west-1"].filter((stack) => stack !== index.plan.stack).flatMap((stack) => {
        const outputs = project.outputsOf(`organization/ecommerce-platform/${stack}`);
        const writer = outputs.databaseWriter as { address?: string } | undefined;
        return writer?.address ? [{ stack, address: writer.address, hosts: (outputs.privateSubnetCidrs as string[]).map((cidr) => at(addressIn(cidr, 2 * 256 + 20), `${stack}'s writer database`)) }] : [];
    });
    const sources: { pods: Pod[]; body: unknown; label: string }[] = [
        ...index.allPodTemplates().map((t) => ({ pods: model.pods.filter((p) => p.source === t.owner.resource.urn), body: t.spec, label: t.owner.label })),
        ...index.releases.map((r) => ({ pods: podsOfRelease(r), body: r.values, label: r.label })),
    ];
    for (const source of sources) {
        for (const address of serviceAddresses(source.body)) {
            for (const { pods, port } of resolveService(index, model, address.namespace, address.name, address.port)) {
                // A workload's own Service in its settings is its public identity (KC_HOSTNAME), not a connection.
                const targets = pods.filter((p) => !source.pods.includes(p));
                need(source.pods, targets, [port], `${address.name}.${address.namespace}.svc in ${source.label}`);
            }
        }
        if (typeof rdsAddress === "string" && mentions(source.body, rdsAddress)) {
            need(source.pods, rds, [5432], `PostgreSQL (RDS) in ${source.label}`);
            databaseClients.push(...source.pods);
        }
        for (const writer of remoteWriters.filter((w) => mentions(source.body, w.address))) {
            need(source.pods, writer.hosts, [5432], `${writer.stack}'s writer (PostgreSQL over the peering) in ${source.label}`);
        }
        // Redis credentials and address travel in a Secret; the client is configured by REDIS_URL. Cluster mode: any node.
        if (mentions(source.body, "REDIS_URL")) need(source.pods, [...podsOf("redis", { role: "leader" }), ...podsOf("redis", { role: "follower" })], [6379], `Redis Cluster (REDIS_URL) in ${source.label}`);
    }
    // IRSA: a pod whose service account carries a role exchanges its token at STS, then calls the AWS API it is for.
    for (const template of index.allPodTemplates()) {
        const account = template.spec.serviceAccountName;
        const sa = typeof account === "string" ? index.named("ServiceAccount", template.owner.namespace, account) : undefined;
        if (sa && ((sa.inputs.metadata as Json).annotations as Json | undefined)?.["eks.amazonaws.com/role-arn"] !== undefined) {
            need(model.pods.filter((p) => p.source === template.owner.resource.urn), [aws], [443], `IRSA (STS) and AWS APIs for ${template.owner.label}`);
        }
    }
    // Kong routes each Ingress of its class to the backend Service's pods.
    const kong = releasePods("kong");
    for (const ingress of index.kind("Ingress")) {
        for (const path of ((((ingress.inputs.spec as Json).rules as Json[]) ?? []).flatMap((r) => ((r.http as Json | undefined)?.paths as Json[]) ?? []))) {
            const service = (path.backend as Json).service as { name: string; port: { name?: string; number?: number } };
            for (const { pods, port } of resolveService(index, model, ingress.namespace!, service.name, service.port.number, service.port.name)) need(kong, pods, [port], `route ${ingress.label}`);
        }
    }
    // Prometheus scrapes what its ServiceMonitors select.
    const prometheus = releasePods("kube-prometheus-stack").filter((p) => p.labels["app.kubernetes.io/name"] === "prometheus");
    for (const monitor of index.kind("ServiceMonitor")) {
        const spec = monitor.inputs.spec as { selector: Selector; namespaceSelector?: { matchNames?: string[] }; endpoints: { port: string }[] };
        for (const namespace of spec.namespaceSelector?.matchNames ?? [monitor.namespace!]) {
            for (const service of index.kind("Service", namespace).filter((s) => selects(spec.selector, asLabels((s.inputs.metadata as Json).labels)))) {
                for (const endpoint of spec.endpoints) for (const { pods, port } of resolveService(index, model, namespace, String(service.name), undefined, endpoint.port)) need(prometheus, pods, [port], `scrape by ${monitor.label}`);
            }
        }
    }

    // ... and what its PodMonitors select, on the named container port.
    for (const monitor of index.kind("PodMonitor")) {
        const spec = monitor.inputs.spec as { selector: Selector; namespaceSelector?: { matchNames?: string[] }; podMetricsEndpoints: { port: string }[] };
        for (const namespace of spec.namespaceSelector?.matchNames ?? [monitor.namespace!]) {
            const pods = model.podsMatching(namespace, spec.selector);
            if (pods.length === 0) throw new Error(`[${index.plan.stack}] ${monitor.label} selects no pods in ${namespace}`);
            for (const endpoint of spec.podMetricsEndpoints) {
                for (const target of pods) {
                    const port = target.portNames[endpoint.port];
                    if (port === undefined) throw new Error(`[${index.plan.stack}] ${monitor.label}: ${target.label} has no port named "${endpoint.port}"`);
                    need(prometheus, [target], [port], `scrape by ${monitor.label}`);
                }
            }
        }
    }
    // The redis-cluster chart's ServiceMonitors (leader-sm.yaml, follower-sm.yaml, serviceMonitor.enabled): each node's
    // Service port "redis-exporter", the exporter sidecar.
    for (const release of index.releases.filter((r) => r.chart === "redis-cluster" && (r.values.serviceMonitor as Json | undefined)?.enabled === true)) {
        const nodes = podsOfRelease(release).filter((p) => p.portNames["redis-exporter"] !== undefined);
        if (nodes.length === 0) throw new Error(`[${index.plan.stack}] ${release.label} renders ServiceMonitors but runs no redis-exporter`);
        need(prometheus, nodes, [9121], `scrape by the ServiceMonitors of ${release.label}`);
    }

    // The elasticsearch-exporter chart's ServiceMonitor (templates/servicemonitor.yaml, serviceMonitor.enabled): port "http".
    for (const release of index.releases.filter((r) => r.chart === "prometheus-elasticsearch-exporter" && (r.values.serviceMonitor as Json | undefined)?.enabled === true)) {
        const exporters = podsOfRelease(release);
        if (exporters.length === 0) throw new Error(`[${index.plan.stack}] ${release.label} renders a ServiceMonitor but runs no exporter`);
        need(prometheus, exporters, [exporters[0].portNames.http], `scrape by the ServiceMonitor of ${release.label}`);
    }

    // What the operators and charts do, which no object of the plan spells out.
    const byLabel = (pods: Pod[], key: string, value: string) => pods.filter((p) => p.labels[key] === value);
    const strimzi = releasePods("strimzi-kafka-operator");
    const shopApi = model.pods.filter((p) => p.namespace === "shop" && p.labels["app.kubernetes.io/component"] === "api");
    const deny = (from: Pod[] | Endpoint[], to: Pod[] | Endpoint[], ports: number[], why: string) => {
        const before = needed.length;
        need(from, to, ports, why);
        forbidden.push(...needed.splice(before));
    };
    const kafkaNodes = model.pods.filter((p) => p.labels["strimzi.io/kind"] === "Kafka" && p.labels["strimzi.io/name"]?.endsWith("-kafka"));
    const brokers = byLabel(kafkaNodes, "strimzi.io/broker-role", "true");
    const controllers = byLabel(kafkaNodes, "strimzi.io/controller-role", "true");
    const entityOperators = model.pods.filter((p) => p.labels["strimzi.io/name"]?.endsWith("-entity-operator"));
    const redisOperator = releasePods("redis-operator");
    const leaders = model.pods.filter((p) => p.labels.role === "leader" && p.labels.redis_setup_type === "cluster");
    const followers = model.pods.filter((p) => p.labels.role === "follower" && p.labels.redis_setup_type === "cluster");
    const eck = releasePods("eck-operator");
    const es = model.pods.filter((p) => p.labels["common.k8s.elastic.co/type"] === "elasticsearch");
    const kibana = model.pods.filter((p) => p.labels["common.k8s.elastic.co/type"] === "kibana");
    const fluentBit = releasePods("fluent-bit");
    const keycloak = releasePods("keycloakx");
    const monitoringPods = releasePods("kube-prometheus-stack");
    const byName = (name: string) => byLabel(monitoringPods, "app.kubernetes.io/name", name);
    const promOperator = monitoringPods.filter((p) => p.labels.app?.endsWith("-operator"));
    const watchers = [...kong, ...strimzi, ...entityOperators, ...redisOperator, ...eck, ...fluentBit, ...prometheus, ...byName("grafana"), ...byName("kube-state-metrics"), ...promOperator];
    need(watchers, apiServers, [443], "controllers, operators and Fluent Bit's kubernetes filter use the API server");
    need([client], kong, [8000], "shoppers reach the proxy through the NLB's TLS listener, decrypted to Kong's HTTP port (client IPs preserved)");
    need([nlb], kong, [8100], "NLB health checks on the status port");
    need([controlPlane], kong, [8080], "the ingress controller's admission webhook");
    need([controlPlane], eck, [9443], "ECK's validating webhook");
    need([controlPlane], promOperator, [10250], "the Prometheus operator's admission webhook");
    need(strimzi, controllers, [9090], "the cluster operator checks the KRaft quorum while rolling");
    need(strimzi, brokers, [9091], "the cluster operator administers the brokers");
    need(strimzi, kafkaNodes, [8443], "the cluster operator reads each node's state from the Kafka agent");
    need(entityOperators, brokers, [9091], "topic and user operators manage topics, users and ACLs");
    need(model.pods.filter((p) => p.labels["strimzi.io/name"]?.endsWith("-kafka-exporter")), brokers, [9091], "the Kafka Exporter reads topics and consumer groups on the replication listener");
    need([...brokers, ...controllers], controllers, [9090], "KRaft: brokers and controllers reach the controller quorum");
    // Across regions (stacks/region-mesh.ts): a listener of type loadbalancer is reached through internal NLBs whose
    // addresses are in this VPC's private subnets; a MirrorMaker 2 reads the primary's through its VPC over the peering,
    // writes into the local brokers' SCRAM listener and is driven by the cluster operator's REST calls; a secondary's
    // API writes to the primary's database over the peering.
    for (const kafka of index.kind("Kafka")) {
        for (const listener of listenersOf(kafka).filter((l) => l.type === "loadbalancer")) {
            const nlbs = subnets("Private").map((subnet) => at(addressIn(subnet.cidr, 7 * 256 + 70), `${listener.name} NLB (private subnet ${subnet.name})`));
            need(nlbs, brokers, [listener.port], `the ${listener.name} listener behind internal NLBs (IP targets, source the NLB's own address)`);
            deny([client], brokers, [listener.port], `the ${listener.name} listener is not for the internet`);
        }
    }
    for (const mm2 of index.kind("KafkaMirrorMaker2")) {
        const pods = model.pods.filter((p) => p.owner === `KafkaMirrorMaker2 ${mm2.name}`);
        const spec = mm2.inputs.spec as { mirrors: { source: { alias: string; bootstrapServers: string } }[] };
        need(strimzi, pods, [8083], "the cluster operator configures the connectors through Kafka Connect's REST API");
        need(pods, brokers, [9094], "MirrorMaker 2 writes into the local cluster (SCRAM listener)");
        for (const { source } of spec.mirrors) {
            const primary = projectStacks(ROOT, "ecommerce-platform", SELF_MANAGED_ORGANIZATION).outputsOf(`organization/ecommerce-platform/${source.alias}`);
            const primaryHosts = (primary.privateSubnetCidrs as string[]).map((cidr) => at(addressIn(cidr, 7 * 256 + 70), `${source.alias}'s replication NLB`));
            need(pods, primaryHosts, [Number(source.bootstrapServers.split(":").pop())], `MirrorMaker 2 reads ${source.alias}'s products over the peering`);
            need(shopApi, (primary.privateSubnetCidrs as string[]).map((cidr) => at(addressIn(cidr, 2 * 256 + 20), `${source.alias}'s writer database`)), [5432], "writes go to the primary's database over the peering");
            deny(shopApi, primaryHosts, [Number(source.bootstrapServers.split(":").pop())], "only MirrorMaker 2 reads the primary's Kafka");
        }
    }
    need(brokers, brokers, [9091], "replication between brokers");
    need(redisOperator, [...leaders, ...followers], [6379], "the operator forms the cluster with redis-cli");
    need(followers, leaders, [6379], "followers replicate from their leaders");
    need([...leaders, ...followers], [...leaders, ...followers], [16379], "the Redis Cluster bus (gossip, failover)");
    need(eck, es, [9200], "ECK manages Elasticsearch through its API");
    need(kibana, es, [9200], "Kibana's elasticsearchRef");
    need(es, es, [9300], "Elasticsearch transport between nodes");
    need(keycloak, keycloak, [7800, 57800], "Infinispan (JGroups) between Keycloak replicas");
    need(prometheus, [node], [10250], "kubelet and cAdvisor metrics");
    need(prometheus, dns, [9153], "CoreDNS metrics");
    need(prometheus, byName("alertmanager"), [9093], "alerts to Alertmanager");
    need(byName("alertmanager"), [aws], [443], "Alertmanager publishes to the SNS alert topic (STS for IRSA first)");
    need(prometheus, byName("kube-state-metrics"), [8080], "the chart's kube-state-metrics ServiceMonitor");
    need(prometheus, byName("grafana"), [3000], "the chart's Grafana ServiceMonitor");
    need(prometheus, promOperator, [10250], "the chart's operator ServiceMonitor");
    need(byName("grafana"), prometheus, [9090], "Grafana's Prometheus datasource");

    // What must stay closed.
    const grafana = byName("grafana");
    deny(shopApi, controllers, [9090], "the API must not reach the KRaft controllers");
    deny(shopApi, brokers, [9091, 9093], "the API uses only the SCRAM listener");
    deny(shopApi, keycloak, [9000], "Keycloak's management port (health, metrics) is not for other pods");
    deny(shopApi, [at("169.254.169.254", "instance metadata")], [80], "pods must not read the node's credentials");
    deny(shopApi, [at(addressIn(vpc, 6 * 256 + 60), "EFS mount target")], [2049], "no pod mounts EFS itself (the CSI node driver does)");
    deny(shopApi, [aws], [80], "plain HTTP to the internet");
    deny(keycloak, [...leaders, ...followers], [6379], "identity has no business with Redis");
    deny(keycloak, [aws], [443], "Keycloak needs no internet");
    deny(kong, rds, [5432], "the gateway never talks to the database");
    if (databaseClients.length === 0) throw new Error(`[${index.plan.stack}] no pod mentions the RDS address`);
    deny([...new Set(databaseClients)], publicSubnetHost, [5432], "PostgreSQL only where RDS is: the private subnets");
    deny(byName("grafana"), shopApi, [8080], "only Prometheus scrapes the API in the monitoring namespace");
    deny(byName("kube-state-metrics"), shopApi, [8080], "only Prometheus scrapes the API in the monitoring namespace");
    deny(kong, brokers, [9094], "only the shop's namespace may use the SCRAM listener");
    deny(fluentBit, shopApi, [8080], "the log shipper calls nothing but Elasticsearch and the API server");
    deny([client], grafana, [3000], "Grafana is not on the internet");
    deny(kong, grafana, [3000], "no route to Grafana through the gateway");
    deny([client], kibana, [5601], "Kibana is not on the internet");
    deny([client], shopApi, [8080], "the API is reached through Kong only");
    deny(model.pods.filter((p) => p.namespace === "db-bootstrap"), [...leaders, ...kafkaNodes], [6379, 9094], "bootstrap Jobs reach PostgreSQL and AWS only");
    const worker = model.pods.filter((p) => p.namespace === "shop" && p.labels["app.kubernetes.io/name"] === "notifications-worker");
    const collector = releasePods("opentelemetry-collector");
    if (worker.length === 0 || collector.length === 0) throw new Error(`[${index.plan.stack}] expected the notifications worker and the OpenTelemetry Collector in the plan`);
    deny(worker, rds, [5432], "the notifications worker has no database");
    deny(worker, es, [9200], "the notifications worker writes no index; its spans go through the collector");
    deny(worker, keycloak, [8080], "the notifications worker verifies no tokens");
    deny(collector, [aws], [443], "spans stay in the cluster: the collector writes to Elasticsearch only");
    deny(collector, [...leaders, ...brokers], [6379, 9094], "the collector reaches nothing but Elasticsearch");
    deny(shopApi, collector, [4317], "OTLP over gRPC is off: HTTP (4318) only");
    return { needed, forbidden, model };
}

/** The pods and target port behind `<name>.<namespace>.svc:<port>` (every port of the Service when none is given). */
function resolveService(index: PlanIndex, model: NetworkModel, namespace: string, name: string, port?: number, portName?: string): { pods: Pod[]; port: number }[] {
    const declared = index.named("Service", namespace, name);
    const created = declared ? undefined : index.allowlist.find((a) => a.kind === "Service" && a.namespace === namespace && a.name === name);
    const selector = declared ? asLabels((declared.inputs.spec as Json).selector) : created?.labels;
    if (!selector) return [];
    const pods = model.podsMatching(namespace, { matchLabels: selector });
    const ports: { name?: string; port: number; targetPort: number | string }[] = declared
        ? (((declared.inputs.spec as Json).ports as Json[]) ?? []).map((p) => ({ name: p.name as string | undefined, port: Number(p.port), targetPort: (p.targetPort ?? p.port) as number | string }))
        : (created?.ports ?? []).filter((p): p is number => typeof p === "number").map((p) => ({ port: p, targetPort: created?.targetPorts?.[p] ?? p }));
    return ports.filter((p) => (port === undefined || p.port === port) && (portName === undefined || p.name === portName || (created !== undefined && portName === String(p.targetPort))))
        .flatMap((p) => pods.map((pod) => ({ pods: [pod], port: typeof p.targetPort === "number" ? p.targetPort : pod.portNames[p.targetPort] })))
        .filter((r) => r.port !== undefined);
}

const show = (flow: Flow) => `${describeEndpoint(flow.from)} -> ${describeEndpoint(flow.to)}:${flow.port}/${flow.protocol ?? "TCP"} (${flow.why})`;

/** Every needed flow allowed, every forbidden one denied, and every rule of the plan's policies needed by some flow. */
function checkNetworkFlows(index: PlanIndex): string[] {
    const { needed, forbidden, model } = flowTable(index);
    // DEBUG_FLOWS=1 prints each stack's flow table: the reference when a policy change is reviewed.
    if (process.env.DEBUG_FLOWS) console.log(index.plan.stack, needed.length, forbidden.length, [...new Set(needed.map(show))].join("\n"));
    const problems: string[] = [];
    const used = new Set<string>();
    for (const flow of needed) {
        const verdict = model.verdict(flow);
        if (!verdict.allowed) problems.push(`[${index.plan.stack}] needed flow ${show(flow)} is denied: ${verdict.reason}`);
        verdict.rules.forEach((rule) => used.add(rule));
        for (const end of [flow.from, flow.to]) if ("pod" in end) index.usedRules.add(end.pod.source);
    }
    for (const flow of forbidden) {
        const verdict = model.verdict(flow);
        if (verdict.allowed) problems.push(`[${index.plan.stack}] flow ${show(flow)} must be denied, but is allowed by ${verdict.rules.join(", ") || "no isolation"}`);
    }
    for (const policy of model.policies.filter((p) => p.declared)) {
        for (const direction of ["ingress", "egress"] as const) {
            ((policy.spec[direction] as unknown[] | undefined) ?? []).forEach((_, i) => {
                const ref = `${policy.namespace}/${policy.name} ${direction}[${i}]`;
                if (!used.has(ref)) problems.push(`[${index.plan.stack}] NetworkPolicy ${ref} admits no flow the platform needs`);
            });
        }
    }
    return problems;
}

const ALL_CHECKS: Record<string, (index: PlanIndex) => string[]> = { ...CHECKS, "NetworkPolicies allow exactly the flows the platform needs": checkNetworkFlows };

describe("stacks: Kubernetes objects are wired to each other", function () {
    this.timeout(180_000);

    describe("the checks catch what they must (a small synthetic plan)", () => {
        it("a consistent plan passes every check", () => {
            const index = new Synthetic().index();
            for (const [name, check] of Object.entries(CHECKS)) expect(check(index), name).to.deep.equal([]);
        });

        for (const { check, breaks, mutate, expected } of BREAKAGES) {
            it(`${check}: fails when ${breaks}`, () => {
                const plan = new Synthetic();
                mutate(plan);
                const problems = CHECKS[check](plan.index());
                expect(problems, problems.join("\n")).to.have.length(1);
                expect(problems[0]).to.match(/^\[synthetic\] /).and.match(expected);
            });
        }
    });

    for (const stack of allStacks()) {
        describe(`stack ${stack}`, () => {
            for (const [name, check] of Object.entries(ALL_CHECKS)) {
                it(name, () => {
                    const problems = check(new PlanIndex(planOf(stack), CREATED_AT_RUN_TIME));
                    expect(problems, problems.join("\n")).to.deep.equal([]);
                });
            }
        });
    }

    it("every run-time allowlist rule is still needed by some stack", () => {
        const used = new Set<string>();
        for (const stack of allStacks()) {
            const index = new PlanIndex(planOf(stack), CREATED_AT_RUN_TIME);
            Object.values(ALL_CHECKS).forEach((check) => check(index));
            index.usedRules.forEach((rule) => used.add(rule));
        }
        expect(CREATED_AT_RUN_TIME.map((r) => r.id).filter((id) => !used.has(id)), "rules no reference needs").to.deep.equal([]);
    });
});
