import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { AllowRule, CHECKS, CheckName, KubeObject, PlanIndex } from "../support/kubernetes-wiring";
import { plannedStack } from "../support/plans";
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
        })),
    },
    {
        // Needed by ES_URL of the API's pods and of the log lifecycle Job, and by Fluent Bit's es output Host.
        id: "eck-es-http",
        createdBy: "ECK operator: for each Elasticsearch, the HTTP Service <name>-es-http on port 9200",
        objects: (index) => index.kind("Elasticsearch").map((es) => ({ kind: "Service", namespace: es.namespace!, name: `${es.name}-es-http`, ports: [9200] })),
    },
    {
        // Needed by the Ingress that routes /auth to Keycloak, and by the in-cluster issuer URL (OIDC_ISSUER,
        // KC_HOSTNAME) where no public host name is configured.
        id: "keycloakx-http",
        createdBy: "keycloakx chart, templates/service-http.yaml: the Service <fullname>-http with the port named http on service.httpPort (80)",
        objects: (index) => index.releases.filter((r) => r.chart === "keycloakx").map((release) => ({
            kind: "Service", namespace: release.namespace, name: `${keycloakxFullname(release.name, release.values)}-http`,
            ports: ["http", Number((release.values.service as { httpPort?: number } | undefined)?.httpPort ?? 80)],
        })),
    },
];

/** keycloakx templates/_helpers.tpl "keycloak.fullname": fullnameOverride, else the release name with the chart's. */
function keycloakxFullname(release: string, values: Json): string {
    if (typeof values.fullnameOverride === "string" && values.fullnameOverride !== "") return values.fullnameOverride;
    const name = typeof values.nameOverride === "string" && values.nameOverride !== "" ? values.nameOverride : "keycloakx";
    return release.includes(name) ? release : `${release}-${name}`;
}

function listenersOf(kafka: KubeObject): { type: string; port: number }[] {
    return ((kafka.inputs.spec as { kafka?: { listeners?: { type: string; port: number }[] } }).kafka?.listeners) ?? [];
}

function planOf(stack: string) {
    const planned = plannedStack(stack);
    return { stack, resources: planned.resources, secretKeys: planned.report.secretKeys };
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* The synthetic plan: one namespace with a web Deployment, a database StatefulSet and a report CronJob, and      */
/* everything that refers to them, all consistent. Each breakage changes one thing and must yield one violation.  */

const NAMESPACE_URN = "urn:pulumi:synthetic::wiring::kubernetes:core/v1:Namespace::app";
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
                                containers: [container("report", { env: [{ name: "CA", valueFrom: { secretKeyRef: { name: "operator-ca", key: "ca.crt" } } }] })],
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
        });
        this.add("kubernetes:configuration.konghq.com/v1:KongPlugin", { metadata: { name: "auth", namespace: "app" }, plugin: "jwt" });
        this.add("kubernetes:networking.k8s.io/v1:Ingress", {
            metadata: { name: "web", namespace: "app", annotations: { "konghq.com/plugins": "auth" } },
            spec: { ingressClassName: "kong", rules: [{ http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { name: "http" } } } }] } }] },
        });
        this.add("kubernetes:kafka.strimzi.io/v1:KafkaNodePool", {
            metadata: { name: "broker", namespace: "app" },
            spec: { replicas: 1, roles: ["broker"], storage: { type: "jbod", volumes: [{ id: 0, type: "persistent-claim", size: "1Gi", class: "fast" }] } },
        });
        this.add("kubernetes:helm.sh/v3:Release", { name: "kong", chart: "kong", namespace: "app", values: { ingressController: { enabled: true } } }, [NAMESPACE_URN], {}, "kong");
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
            for (const [name, check] of Object.entries(CHECKS)) {
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
            Object.values(CHECKS).forEach((check) => check(index));
            index.usedRules.forEach((rule) => used.add(rule));
        }
        expect(CREATED_AT_RUN_TIME.map((r) => r.id).filter((id) => !used.has(id)), "rules no reference needs").to.deep.equal([]);
    });
});
