import type { CapturedResource } from "../../tools/capture";

/**
 * Plan-level wiring checks: references between the Kubernetes objects (and Helm values, and IAM roles) one stack
 * declares that schemas cannot see. Each check walks every resource of a plan and returns one message per dangling
 * reference, naming the stack, the object and what it points at. Objects that an operator or a chart creates at run
 * time are not in the plan: the caller passes rules (AllowRule) that derive them, each naming its creator.
 */

/** A secret in the export is an object carrying this signature key (tools/capture.ts). */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const IRSA_ANNOTATION = "eks.amazonaws.com/role-arn";
/** Namespaces every EKS cluster has; nothing needs to declare them. */
export const WELL_KNOWN_NAMESPACES = new Set(["default", "kube-system", "kube-public", "kube-node-lease"]);
/** Cluster-scoped kinds the program may declare (built-in and custom); every other kind is namespaced. */
const CLUSTER_SCOPED = new Set([
    "Namespace", "StorageClass", "IngressClass", "PersistentVolume", "PriorityClass", "ClusterRole", "ClusterRoleBinding",
    "CustomResourceDefinition", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "CSIDriver", "RuntimeClass",
    "KongClusterPlugin", "NodePool", "EC2NodeClass", "ClusterIssuer", "ClusterSecretStore",
]);
/** Controllers whose pods serve (a Service may route to them); Jobs and CronJobs run to completion. */
const SERVING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod"]);
/** Controllers with a label selector of their own (Jobs get a generated controller-uid selector). */
const SELECTOR_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"]);
/**
 * The service account each EKS managed add-on runs as, for its `serviceAccountRoleArn` (IRSA): from the add-ons'
 * documentation (Amazon EKS user guide, "Amazon EKS add-ons" and each add-on's IAM page).
 */
export const ADDON_SERVICE_ACCOUNTS: Record<string, string> = {
    "vpc-cni": "kube-system:aws-node",
    "aws-ebs-csi-driver": "kube-system:ebs-csi-controller-sa",
    "aws-efs-csi-driver": "kube-system:efs-csi-controller-sa",
    "amazon-cloudwatch-observability": "amazon-cloudwatch:cloudwatch-agent",
};

type Json = Record<string, unknown>;
const isMap = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);
const isSecret = (value: unknown): boolean => isMap(value) && SECRET_SIG_KEY in value;
const asMap = (value: unknown): Json => (isMap(value) && !isSecret(value) ? value : {});
const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/** What an operator or a chart creates at run time, which the plan therefore cannot show. */
export interface ChartCreated {
    /** The allowlist rule that derived it (AllowRule.id). */
    rule?: string;
    kind: "Secret" | "ConfigMap" | "ServiceAccount" | "Service" | "Pod";
    namespace: string;
    name: string;
    /** Secret/ConfigMap: the keys the creator writes (references to other keys still fail). */
    keys?: string[];
    /** Service: its port names and numbers. Pod: the ports its containers listen on. */
    ports?: (string | number)[];
    /** Pod: its labels (what Services and NetworkPolicies select). Service: its selector. */
    labels?: Record<string, string>;
    /** Pod: named container ports. Service: targetPort by port (default: the port itself). */
    portNames?: Record<string, number>;
    targetPorts?: Record<number, number | string>;
    /** Pod: the release or custom resource that makes it (a Helm release's pods are its sources of addresses). */
    owner?: string;
}

/**
 * One allowlist rule: an operator or chart, and the objects it creates for the custom resources or releases of a
 * plan (derived from them, so a renamed or removed resource takes its objects with it).
 */
export interface AllowRule {
    id: string;
    /** Which operator or chart creates the objects, and from which template or reconciler. */
    createdBy: string;
    objects(index: PlanIndex): ChartCreated[];
}

export interface WiringPlan {
    stack: string;
    resources: CapturedResource[];
    /** By URN: key names of secret maps (the plan report's secretKeys). */
    secretKeys: Record<string, Record<string, string[]>>;
}

/** One Kubernetes object of the plan. */
export interface KubeObject {
    resource: CapturedResource;
    kind: string;
    /** Undefined when Pulumi auto-names it (nothing can reference it by name then). */
    name: string | undefined;
    /** Undefined for cluster-scoped kinds; "default" when a namespaced object names none. */
    namespace: string | undefined;
    inputs: Json;
    label: string;
}

/** One Helm release: its namespace and values (where chart-rendered objects take their references from). */
export interface HelmRelease {
    resource: CapturedResource;
    name: string;
    /** The chart's name (the last segment of an OCI address). */
    chart: string;
    namespace: string;
    values: Json;
    label: string;
}

export interface PodTemplate {
    owner: KubeObject;
    labels: Record<string, string>;
    spec: Json;
    serving: boolean;
}

export interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a label selector (matchLabels and matchExpressions) selects these labels. An empty selector selects all. */
export function selects(selector: Selector, labels: Record<string, string>): boolean {
    for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
    for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
        const has = key in labels;
        if (operator === "In" && !(has && values.includes(labels[key]))) return false;
        if (operator === "NotIn" && has && values.includes(labels[key])) return false;
        if (operator === "Exists" && !has) return false;
        if (operator === "DoesNotExist" && has) return false;
    }
    return true;
}

export const isEmptySelector = (selector: Selector): boolean =>
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;

/** Strings that hold JSON (some charts take YAML strings, which the program writes as JSON) are walked parsed. */
function parsedIfJson(value: unknown): unknown {
    if (typeof value !== "string") return value;
    const text = value.trim();
    if (!(text.startsWith("{") || text.startsWith("["))) return value;
    try {
        return JSON.parse(text);
    } catch {
        return value;
    }
}

/** Visits every map below `value` (secrets stay opaque), JSON strings included. */
function walk(value: unknown, visit: (node: Json) => void): void {
    const parsed = parsedIfJson(value);
    if (Array.isArray(parsed)) {
        parsed.forEach((inner) => walk(inner, visit));
    } else if (isMap(parsed) && !isSecret(parsed)) {
        visit(parsed);
        Object.values(parsed).forEach((inner) => walk(inner, visit));
    }
}

export class PlanIndex {
    readonly objects: KubeObject[] = [];
    readonly releases: HelmRelease[] = [];
    readonly byUrn = new Map<string, CapturedResource>();
    private readonly pods: PodTemplate[] = [];
    readonly allowlist: ChartCreated[];
    /** Ids of the allowlist rules some reference needed. */
    readonly usedRules = new Set<string>();

    constructor(readonly plan: WiringPlan, rules: AllowRule[] = []) {
        for (const resource of plan.resources) {
            this.byUrn.set(resource.urn, resource);
            if (!resource.custom) continue;
            const short = resource.urn.split("::").pop();
            if (resource.type === RELEASE) {
                const name = asString(resource.inputs.name) ?? String(short);
                const namespace = asString(resource.inputs.namespace) ?? "default";
                this.releases.push({
                    resource, name, namespace, chart: String(resource.inputs.chart).split("/").pop()!, values: asMap(resource.inputs.values),
                    label: `[${plan.stack}] Helm release ${namespace}/${name} (${short})`,
                });
                continue;
            }
            const match = /^kubernetes:([^:]+):([^:]+)$/.exec(resource.type);
            if (!match || match[1] === "helm.sh/v3" || resource.type.startsWith("pulumi:")) continue;
            const kind = match[2];
            const metadata = asMap(resource.inputs.metadata);
            const name = asString(metadata.name);
            const namespace = CLUSTER_SCOPED.has(kind) ? undefined : asString(metadata.namespace) ?? "default";
            const where = namespace ? `${namespace}/` : "";
            const object: KubeObject = {
                resource, kind, name, namespace, inputs: resource.inputs,
                label: `[${plan.stack}] ${kind} ${where}${name ?? `<auto-named ${short}>`}`,
            };
            this.objects.push(object);
            const template = podTemplateOf(object);
            if (template) this.pods.push(template);
        }
        this.allowlist = rules.flatMap((rule) => rule.objects(this).map((object) => ({ ...object, rule: rule.id })));
    }

    kind(kind: string, namespace?: string): KubeObject[] {
        return this.objects.filter((o) => o.kind === kind && (namespace === undefined || o.namespace === namespace));
    }

    named(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
        return this.objects.find((o) => o.kind === kind && o.namespace === namespace && o.name === name);
    }

    podTemplates(namespace: string): PodTemplate[] {
        return this.pods.filter((p) => p.owner.namespace === namespace);
    }

    allPodTemplates(): PodTemplate[] {
        return this.pods;
    }

    /** Pods operators and charts run in a namespace (the allowlist's Pod entries), marking their rules used. */
    runTimePods(namespace: string, selector: Selector): ChartCreated[] {
        const pods = this.allowlist.filter((a) => a.kind === "Pod" && a.namespace === namespace && selects(selector, a.labels ?? {}));
        pods.forEach((pod) => pod.rule && this.usedRules.add(pod.rule));
        return pods;
    }

    /** The allowlist entry for an object the plan does not declare, marking it used. */
    chartCreated(kind: ChartCreated["kind"], namespace: string, name: string): ChartCreated | undefined {
        const entry = this.allowlist.find((a) => a.kind === kind && a.namespace === namespace && a.name === name);
        if (entry?.rule) this.usedRules.add(entry.rule);
        return entry;
    }

    /** Keys of a declared Secret or ConfigMap: data, stringData and binaryData; undefined when they cannot be known. */
    keysOf(object: KubeObject): Set<string> | undefined {
        const keys = new Set<string>();
        for (const field of ["data", "stringData", "binaryData"]) {
            const value = object.inputs[field];
            if (value === undefined) continue;
            if (isSecret(value)) {
                const hidden = this.plan.secretKeys[object.resource.urn]?.[field];
                if (!hidden) return undefined;
                hidden.forEach((k) => keys.add(k));
            } else {
                Object.keys(asMap(value)).forEach((k) => keys.add(k));
            }
        }
        return keys;
    }
}

function podTemplateOf(owner: KubeObject): PodTemplate | undefined {
    const spec = asMap(owner.inputs.spec);
    let template: Json | undefined;
    if (owner.kind === "Pod") template = { metadata: owner.inputs.metadata, spec };
    else if (SELECTOR_KINDS.has(owner.kind) || owner.kind === "Job") template = asMap(spec.template);
    else if (owner.kind === "CronJob") template = asMap(asMap(asMap(spec.jobTemplate).spec).template);
    if (!template) return undefined;
    return {
        owner,
        labels: asMap(asMap(template.metadata).labels) as Record<string, string>,
        spec: asMap(template.spec),
        serving: SERVING_KINDS.has(owner.kind),
    };
}

/** Containers that may receive traffic: regular ones and native sidecars (init containers that keep running). */
function servingContainersOf(spec: Json): Json[] {
    return [...asList(spec.containers).map(asMap), ...asList(spec.initContainers).map(asMap).filter((c) => c.restartPolicy === "Always")];
}

const workloadName = (pod: PodTemplate): string => `${pod.owner.kind} ${pod.owner.name ?? pod.owner.label}`;

/** Services: selector matches serving pods only, and each targetPort exists in every matched pod template. */
export function checkServices(index: PlanIndex): string[] {
    const problems: string[] = [];
    for (const service of index.kind("Service")) {
        const spec = asMap(service.inputs.spec);
        const selector = asMap(spec.selector) as Record<string, string>;
        if (spec.type === "ExternalName" || Object.keys(selector).length === 0) continue;
        const matched = index.podTemplates(service.namespace!).filter((pod) => selects({ matchLabels: selector }, pod.labels));
        const serving = matched.filter((pod) => pod.serving);
        if (serving.length === 0) problems.push(`${service.label}: selector ${JSON.stringify(selector)} matches no Deployment, StatefulSet or DaemonSet pods in ${service.namespace}`);
        for (const pod of matched.filter((p) => !p.serving)) {
            problems.push(`${service.label}: selector ${JSON.stringify(selector)} also matches the pods of ${workloadName(pod)}, which do not serve`);
        }
        for (const port of asList(spec.ports).map(asMap)) {
            const target = port.targetPort ?? port.port;
            for (const pod of serving) {
                const ports = servingContainersOf(pod.spec).flatMap((c) => asList(c.ports).map(asMap));
                const found = typeof target === "string" ? ports.some((p) => p.name === target) : ports.some((p) => p.containerPort === target);
                if (!found) problems.push(`${service.label}: targetPort ${JSON.stringify(target)} is not a container port ${typeof target === "string" ? "name" : "number"} of ${workloadName(pod)}`);
            }
        }
    }
    return problems;
}

/**
 * PodDisruptionBudgets and NetworkPolicies select pods that exist (a PDB exactly one workload's); HPAs scale an
 * existing Deployment or StatefulSet; ServiceMonitors select existing Services by their labels, on a named port.
 */
export function checkSelectors(index: PlanIndex): string[] {
    const problems: string[] = [];
    for (const pdb of index.kind("PodDisruptionBudget")) {
        const selector = asMap(asMap(pdb.inputs.spec).selector) as Selector;
        const owners = index.podTemplates(pdb.namespace!).filter((pod) => selects(selector, pod.labels));
        if (owners.length === 0) problems.push(`${pdb.label}: selector ${JSON.stringify(selector)} matches no pods in ${pdb.namespace}`);
        if (owners.length > 1) problems.push(`${pdb.label}: selector ${JSON.stringify(selector)} matches the pods of ${owners.length} workloads (${owners.map(workloadName).join(", ")}); a budget covers one`);
    }
    const namespaceExists = (name: string) => WELL_KNOWN_NAMESPACES.has(name) || index.named("Namespace", undefined, name) !== undefined;
    for (const policy of index.kind("NetworkPolicy")) {
        const spec = asMap(policy.inputs.spec);
        const selector = asMap(spec.podSelector) as Selector;
        const planPods = index.podTemplates(policy.namespace!).some((pod) => selects(selector, pod.labels));
        if (!isEmptySelector(selector) && !planPods && index.runTimePods(policy.namespace!, selector).length === 0) {
            problems.push(`${policy.label}: podSelector ${JSON.stringify(selector)} matches no pods in ${policy.namespace}`);
        }
        // Peers named by namespace: a namespace that does not exist admits nobody now and whoever creates it later.
        const peers = [...asList(spec.ingress).flatMap((rule) => asList(asMap(rule).from)), ...asList(spec.egress).flatMap((rule) => asList(asMap(rule).to))].map(asMap);
        for (const peer of peers) {
            const name = asMap(asMap(peer.namespaceSelector).matchLabels)["kubernetes.io/metadata.name"];
            if (typeof name === "string" && !namespaceExists(name)) problems.push(`${policy.label}: namespaceSelector names namespace ${name}, which the plan does not declare`);
        }
    }
    for (const hpa of index.kind("HorizontalPodAutoscaler")) {
        const target = asMap(asMap(hpa.inputs.spec).scaleTargetRef);
        const kind = String(target.kind);
        if (!["Deployment", "StatefulSet"].includes(kind) || !index.named(kind, hpa.namespace, String(target.name))) {
            problems.push(`${hpa.label}: scaleTargetRef ${kind} ${target.name} is not a Deployment or StatefulSet declared in ${hpa.namespace}`);
        }
    }
    for (const monitor of index.kind("ServiceMonitor")) {
        const spec = asMap(monitor.inputs.spec);
        const selector = asMap(spec.selector) as Selector;
        const scope = asMap(spec.namespaceSelector);
        for (const name of asList(scope.matchNames).filter((n): n is string => typeof n === "string" && !namespaceExists(n))) {
            problems.push(`${monitor.label}: namespaceSelector names namespace ${name}, which the plan does not declare`);
        }
        const inScope = (service: KubeObject) =>
            scope.any === true || (Array.isArray(scope.matchNames) ? scope.matchNames.includes(service.namespace) : service.namespace === monitor.namespace);
        const services = index.kind("Service").filter((s) => inScope(s) && selects(selector, asMap(asMap(s.inputs.metadata).labels) as Record<string, string>));
        if (services.length === 0) problems.push(`${monitor.label}: selector ${JSON.stringify(selector)} matches the labels of no Service it may scrape`);
        for (const endpoint of asList(spec.endpoints).map(asMap)) {
            if (endpoint.port === undefined) continue;
            for (const service of services) {
                if (!asList(asMap(service.inputs.spec).ports).map(asMap).some((p) => p.name === endpoint.port)) {
                    problems.push(`${monitor.label}: endpoint port ${JSON.stringify(endpoint.port)} is not a port name of ${service.label}`);
                }
            }
        }
    }
    return problems;
}

/** No controller's selector matches another workload's pods in its namespace, and each matches its own. */
export function checkOverlaps(index: PlanIndex): string[] {
    const problems: string[] = [];
    for (const pod of index.allPodTemplates().filter((p) => SELECTOR_KINDS.has(p.owner.kind))) {
        const selector = asMap(asMap(pod.owner.inputs.spec).selector) as Selector;
        if (!selects(selector, pod.labels) || isEmptySelector(selector)) {
            problems.push(`${pod.owner.label}: selector ${JSON.stringify(selector)} does not select its own pod template labels`);
        }
        for (const other of index.podTemplates(pod.owner.namespace!).filter((p) => p !== pod)) {
            if (selects(selector, other.labels)) problems.push(`${pod.owner.label}: selector ${JSON.stringify(selector)} also matches the pods of ${workloadName(other)}`);
        }
    }
    return problems;
}

interface ConfigRef { kind: "Secret" | "ConfigMap"; name: string; keys: string[]; via: string }

/** Secret and ConfigMap references in one map of a pod spec (or of chart values shaped like one). */
function configRefsAt(node: Json): ConfigRef[] {
    const refs: ConfigRef[] = [];
    const keyRef = (kind: ConfigRef["kind"], field: string) => {
        const ref = asMap(node[field]);
        if (typeof ref.name === "string" && ref.optional !== true) refs.push({ kind, name: ref.name, keys: typeof ref.key === "string" ? [ref.key] : [], via: field });
    };
    keyRef("Secret", "secretKeyRef");
    keyRef("ConfigMap", "configMapKeyRef");
    for (const source of asList(node.envFrom).map(asMap)) {
        for (const [field, kind] of [["secretRef", "Secret"], ["configMapRef", "ConfigMap"]] as const) {
            const ref = asMap(source[field]);
            if (typeof ref.name === "string" && ref.optional !== true) refs.push({ kind, name: ref.name, keys: [], via: `envFrom.${field}` });
        }
    }
    const itemKeys = (source: Json) => asList(source.items).map((item) => String(asMap(item).key));
    if (typeof node.name === "string") {
        const secret = asMap(node.secret);
        if (typeof secret.secretName === "string" && secret.optional !== true) refs.push({ kind: "Secret", name: secret.secretName, keys: itemKeys(secret), via: "secret volume" });
        const configMap = asMap(node.configMap);
        if (typeof configMap.name === "string" && configMap.optional !== true) refs.push({ kind: "ConfigMap", name: configMap.name, keys: itemKeys(configMap), via: "configMap volume" });
        for (const source of asList(asMap(node.projected).sources).map(asMap)) {
            for (const [field, kind] of [["secret", "Secret"], ["configMap", "ConfigMap"]] as const) {
                const ref = asMap(source[field]);
                if (typeof ref.name === "string" && ref.optional !== true) refs.push({ kind, name: ref.name, keys: itemKeys(ref), via: `projected ${field}` });
            }
        }
    }
    for (const pull of asList(node.imagePullSecrets).map(asMap)) {
        if (typeof pull.name === "string") refs.push({ kind: "Secret", name: pull.name, keys: [], via: "imagePullSecrets" });
    }
    return refs;
}

/**
 * Secret references charts and operators take in their own shapes (not a pod spec's): by chart (Helm values) or
 * custom resource kind, the path of the Secret's name, and the keys read from it (literal, or paths to the key names).
 */
const NAMED_SECRET_REFERENCES: { chart?: string; kind?: string; name: string; keyPaths?: string[]; keys?: string[]; reads: string }[] = [
    { chart: "keycloakx", name: "database.existingSecret", keyPaths: ["database.existingSecretKey"], reads: "templates/statefulset.yaml: KC_DB_PASSWORD from it" },
    { chart: "kube-prometheus-stack", name: "grafana.admin.existingSecret", keyPaths: ["grafana.admin.userKey", "grafana.admin.passwordKey"], reads: "grafana: the admin user and password" },
    { chart: "redis-cluster", name: "redisCluster.redisSecret.secretName", keyPaths: ["redisCluster.redisSecret.secretKey"], reads: "the RedisCluster's redisSecret: the password" },
    { kind: "Elasticsearch", name: "spec.http.tls.certificate.secretName", keys: ["tls.crt", "tls.key"], reads: "ECK custom HTTP certificate" },
    { kind: "Elasticsearch", name: "spec.auth.fileRealm[].secretName", keys: ["username", "password"], reads: "ECK file realm user (basic-auth Secret)" },
    { kind: "Elasticsearch", name: "spec.auth.roles[].secretName", keys: ["roles.yml"], reads: "ECK roles file" },
    { kind: "KongConsumer", name: "credentials[]", reads: "Kong consumer credential" },
];

/** Values at a dotted path; `[]` steps into every element of a list. */
function at(value: unknown, path: string): unknown[] {
    let current: unknown[] = [value];
    for (const step of path.split(".")) {
        const list = step.endsWith("[]");
        const key = list ? step.slice(0, -2) : step;
        current = current.map((v) => (key === "" ? v : asMap(v)[key])).flatMap((v) => (list ? asList(v) : [v])).filter((v) => v !== undefined);
    }
    return current;
}

function namedSecretRefs(index: PlanIndex): { label: string; namespace: string; ref: ConfigRef }[] {
    const found: { label: string; namespace: string; ref: ConfigRef }[] = [];
    for (const rule of NAMED_SECRET_REFERENCES) {
        const sources = rule.chart
            ? index.releases.filter((r) => r.chart === rule.chart).map((r) => ({ label: r.label, namespace: r.namespace, body: r.values as unknown }))
            : index.objects.filter((o) => o.kind === rule.kind).map((o) => ({ label: o.label, namespace: o.namespace ?? "default", body: o.inputs as unknown }));
        for (const source of sources) {
            const keys = [...(rule.keys ?? []), ...(rule.keyPaths ?? []).flatMap((path) => at(source.body, path).map(String))];
            for (const name of at(source.body, rule.name).filter((n): n is string => typeof n === "string")) {
                found.push({ label: source.label, namespace: source.namespace, ref: { kind: "Secret", name, keys, via: `${rule.name} (${rule.reads})` } });
            }
        }
    }
    return found;
}

/** Where references live: every object's inputs (pod specs, custom resources) and every release's values. */
function referenceSources(index: PlanIndex): { label: string; namespace: string | undefined; body: unknown }[] {
    return [
        ...index.objects.filter((o) => o.kind !== "Secret" && o.kind !== "ConfigMap").map((o) => ({ label: o.label, namespace: o.namespace, body: o.inputs.spec ?? o.inputs })),
        ...index.releases.map((r) => ({ label: r.label, namespace: r.namespace as string | undefined, body: r.values })),
    ];
}

/** Every Secret/ConfigMap a pod spec (or values shaped like one) names is declared in its namespace, with the key. */
export function checkConfigReferences(index: PlanIndex): string[] {
    const problems: string[] = [];
    const references: { label: string; namespace: string; ref: ConfigRef }[] = namedSecretRefs(index);
    for (const source of referenceSources(index)) {
        walk(source.body, (node) => references.push(...configRefsAt(node).map((ref) => ({ label: source.label, namespace: source.namespace ?? "default", ref }))));
    }
    for (const { label, namespace, ref } of references) {
        const declared = index.named(ref.kind, namespace, ref.name);
        const allowed = declared ? undefined : index.chartCreated(ref.kind, namespace, ref.name);
        if (!declared && !allowed) {
            problems.push(`${label}: ${ref.via} names ${ref.kind} ${namespace}/${ref.name}, which the plan does not declare`);
            continue;
        }
        const keys = declared ? index.keysOf(declared) : new Set(allowed?.keys ?? []);
        if (!keys) {
            problems.push(`${label}: ${ref.via} names ${ref.kind} ${namespace}/${ref.name}, whose keys cannot be read from the plan`);
            continue;
        }
        for (const key of ref.keys.filter((k) => !keys.has(k))) {
            problems.push(`${label}: ${ref.via} names key "${key}" of ${ref.kind} ${namespace}/${ref.name}, which holds only ${[...keys].sort().join(", ") || "no keys"}`);
        }
    }
    return problems;
}

/** The IRSA subjects (`<issuer>:sub` conditions) of an IAM role's trust policy. */
function trustSubjects(role: CapturedResource): string[] {
    const policy = asString(role.inputs.assumeRolePolicy) ?? asString(role.outputs.assumeRolePolicy);
    if (!policy) return [];
    const subjects: string[] = [];
    const document = JSON.parse(policy) as { Statement?: Json[] | Json };
    for (const statement of [document.Statement ?? []].flat()) {
        for (const [operator, conditions] of Object.entries(asMap(statement.Condition))) {
            for (const [key, value] of Object.entries(asMap(conditions))) {
                if (key.endsWith(":sub")) subjects.push(...[value].flat().map((v) => (operator === "StringEquals" ? String(v) : `${operator} ${String(v)}`)));
            }
        }
    }
    return subjects;
}

/**
 * Every pod's serviceAccountName is a declared ServiceAccount (or a chart's), and every IRSA role ARN (ServiceAccount
 * annotation, chart values, EKS add-on) is a declared IAM role whose trust names exactly that service account.
 */
export function checkServiceAccounts(index: PlanIndex): string[] {
    const problems: string[] = [];
    for (const source of referenceSources(index)) {
        walk(source.body, (node) => {
            if (!Array.isArray(node.containers)) return;
            const name = asString(node.serviceAccountName) ?? asString(node.serviceAccount);
            if (!name || name === "default") return;
            const namespace = source.namespace ?? "default";
            if (!index.named("ServiceAccount", namespace, name) && !index.chartCreated("ServiceAccount", namespace, name)) {
                problems.push(`${source.label}: serviceAccountName ${name} is not a ServiceAccount declared in ${namespace}`);
            }
        });
    }

    const roles = index.plan.resources.filter((r) => r.type === "aws:iam/role:Role");
    const expectRole = (label: string, arn: unknown, subject: string) => {
        const role = roles.find((r) => r.outputs.arn === arn);
        if (!role) {
            problems.push(`${label}: IRSA role ${String(arn)} is not an aws:iam/role:Role of the plan`);
            return;
        }
        const subjects = trustSubjects(role);
        if (subjects.length !== 1 || subjects[0] !== `system:serviceaccount:${subject}`) {
            problems.push(`${label}: IRSA role ${role.urn.split("::").pop()} trusts ${JSON.stringify(subjects)}, not exactly system:serviceaccount:${subject}`);
        }
    };
    for (const object of index.objects) {
        const arn = asMap(asMap(object.inputs.metadata).annotations)[IRSA_ANNOTATION];
        if (arn === undefined) continue;
        if (object.kind !== "ServiceAccount") problems.push(`${object.label}: carries ${IRSA_ANNOTATION}, which only a ServiceAccount uses`);
        else expectRole(object.label, arn, `${object.namespace}:${object.name}`);
    }
    for (const release of index.releases) {
        walk(release.values, (node) => {
            const account = asMap(node.serviceAccount);
            const arn = asMap(account.annotations)[IRSA_ANNOTATION];
            if (arn === undefined) return;
            if (typeof account.name !== "string") problems.push(`${release.label}: serviceAccount with ${IRSA_ANNOTATION} but no name; the role's subject cannot be checked`);
            else expectRole(`${release.label} serviceAccount ${account.name}`, arn, `${release.namespace}:${account.name}`);
        });
    }
    for (const addon of index.plan.resources.filter((r) => r.type === "aws:eks/addon:Addon" && r.inputs.serviceAccountRoleArn !== undefined)) {
        const name = String(addon.inputs.addonName);
        const label = `[${index.plan.stack}] EKS add-on ${name}`;
        const subject = ADDON_SERVICE_ACCOUNTS[name];
        if (!subject) problems.push(`${label}: serviceAccountRoleArn set, but the add-on's service account is not in ADDON_SERVICE_ACCOUNTS`);
        else expectRole(label, addon.outputs.serviceAccountRoleArn ?? addon.inputs.serviceAccountRoleArn, subject);
    }
    return problems;
}

/** Every storage class a claim (PVC, volumeClaimTemplate, chart values, Strimzi storage) names is declared. */
export function checkStorageClasses(index: PlanIndex): string[] {
    const problems: string[] = [];
    const declared = new Set(index.kind("StorageClass").map((s) => s.name));
    for (const source of referenceSources(index)) {
        walk(source.body, (node) => {
            const named = [
                ...(typeof node.storageClassName === "string" && node.storageClassName !== "" ? [node.storageClassName] : []),
                // Strimzi's persistent-claim storage (Kafka, KafkaNodePool) calls it `class`.
                ...(node.type === "persistent-claim" && typeof node.class === "string" ? [node.class] : []),
            ];
            for (const name of named.filter((n) => !declared.has(n))) {
                problems.push(`${source.label}: storage class ${name} is not a StorageClass declared in the plan (declared: ${[...declared].sort().join(", ")})`);
            }
        });
    }
    return problems;
}

/** The ingress classes the plan's controllers provide: declared IngressClasses and the Kong chart's class. */
function ingressClasses(index: PlanIndex): Set<string> {
    const classes = new Set(index.kind("IngressClass").map((c) => String(c.name)));
    for (const release of index.releases.filter((r) => r.chart === "kong")) {
        // kong chart: templates/ingress-class.yaml creates .Values.ingressController.ingressClass when
        // ingressController.enabled and createIngressClass (both default true; the class defaults to "kong").
        const controller = asMap(release.values.ingressController);
        if (controller.enabled !== false && controller.createIngressClass !== false) classes.add(asString(controller.ingressClass) ?? "kong");
    }
    return classes;
}

/** Every Ingress has a provided class, declared backend Services with the named port, and declared Kong plugins. */
export function checkIngresses(index: PlanIndex): string[] {
    const problems: string[] = [];
    const classes = ingressClasses(index);
    for (const ingress of index.kind("Ingress")) {
        const spec = asMap(ingress.inputs.spec);
        const annotations = asMap(asMap(ingress.inputs.metadata).annotations);
        const className = asString(spec.ingressClassName) ?? asString(annotations["kubernetes.io/ingress.class"]);
        if (!className || !classes.has(className)) {
            problems.push(`${ingress.label}: ingress class ${className ?? "(none)"} is provided by no declared controller (provided: ${[...classes].sort().join(", ") || "none"})`);
        }
        const backends = [asMap(spec.defaultBackend), ...asList(spec.rules).flatMap((rule) => asList(asMap(asMap(rule).http).paths).map((p) => asMap(asMap(p).backend)))];
        for (const service of backends.map((b) => asMap(b.service)).filter((s) => typeof s.name === "string")) {
            const port = asMap(service.port);
            const wanted = port.name ?? port.number;
            const declared = index.named("Service", ingress.namespace, String(service.name));
            const allowed = declared ? undefined : index.chartCreated("Service", ingress.namespace!, String(service.name));
            const ports = declared ? asList(asMap(declared.inputs.spec).ports).map(asMap).flatMap((p) => [p.name, p.port]) : allowed?.ports ?? [];
            if (!declared && !allowed) {
                problems.push(`${ingress.label}: backend Service ${ingress.namespace}/${service.name} is not declared`);
            } else if (!ports.includes(wanted)) {
                problems.push(`${ingress.label}: backend Service ${ingress.namespace}/${service.name} has no port ${JSON.stringify(wanted)}`);
            }
        }
        for (const plugin of (asString(annotations["konghq.com/plugins"]) ?? "").split(",").map((p) => p.trim()).filter(Boolean)) {
            if (!index.named("KongPlugin", ingress.namespace, plugin) && !index.named("KongClusterPlugin", undefined, plugin)) {
                problems.push(`${ingress.label}: konghq.com/plugins names ${plugin}, neither a KongPlugin in ${ingress.namespace} nor a KongClusterPlugin`);
            }
        }
    }
    return problems;
}

/** `[http[s]://]<service>.<namespace>.svc[.cluster.local][:port]` inside any string. */
export const SERVICE_ADDRESS = /(?:(https?):\/\/)?(?<![-a-z0-9])([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.([a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?![-a-z0-9])(?::(\d+))?/g;

/** Visits every string below `value` (secrets stay opaque). */
function strings(value: unknown, visit: (text: string) => void): void {
    if (typeof value === "string") visit(value);
    else if (Array.isArray(value)) value.forEach((inner) => strings(inner, visit));
    else if (isMap(value) && !isSecret(value)) Object.values(value).forEach((inner) => strings(inner, visit));
}

/**
 * Every in-cluster address (`<service>.<namespace>.svc`) an object or chart values carry (env, URLs, config files)
 * names a Service declared in the plan or created by an operator or chart, and its port is one of that Service's.
 */
export function checkServiceAddresses(index: PlanIndex): string[] {
    const problems: string[] = [];
    const sources = [
        // A CRD connects to nothing: its schema's descriptions quote upstream examples (Strimzi's my-cluster-kafka-brokers).
        ...index.objects.filter((o) => o.kind !== "CustomResourceDefinition").map((o) => ({ label: o.label, body: o.inputs as unknown })),
        ...index.releases.map((r) => ({ label: r.label, body: r.values as unknown })),
    ];
    for (const source of sources) {
        const seen = new Set<string>();
        strings(source.body, (text) => {
            for (const [address, scheme, name, namespace, explicitPort] of text.matchAll(SERVICE_ADDRESS)) {
                // A URL without a port goes to its scheme's.
                const port = explicitPort ?? (scheme === "https" ? "443" : scheme === "http" ? "80" : undefined);
                if (seen.has(address) || (name === "kubernetes" && namespace === "default")) continue;
                seen.add(address);
                const declared = index.named("Service", namespace, name);
                const allowed = declared ? undefined : index.chartCreated("Service", namespace, name);
                if (!declared && !allowed) {
                    problems.push(`${source.label}: address ${address} names Service ${namespace}/${name}, which the plan does not declare`);
                    continue;
                }
                const ports = declared ? asList(asMap(declared.inputs.spec).ports).map((p) => asMap(p).port) : allowed?.ports ?? [];
                if (port !== undefined && !ports.includes(Number(port))) {
                    problems.push(`${source.label}: address ${address}: Service ${namespace}/${name} has no port ${port} (ports: ${ports.filter((p) => typeof p === "number").join(", ")})`);
                }
            }
        });
    }
    return problems;
}

/** Whether `from` depends on `target` through dependencies and parents (what orders `pulumi up`). */
function dependsOn(index: PlanIndex, from: CapturedResource, target: string): boolean {
    const seen = new Set<string>();
    const queue = [from.urn];
    while (queue.length > 0) {
        const urn = queue.pop()!;
        if (urn === target) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        const resource = index.byUrn.get(urn);
        if (!resource) continue;
        queue.push(...resource.dependencies, ...(resource.parent ? [resource.parent] : []));
    }
    return false;
}

/** Every namespaced object (and release) lives in a declared or well-known namespace, and is created after it. */
export function checkNamespaces(index: PlanIndex): string[] {
    const problems: string[] = [];
    const targets = [
        ...index.objects.filter((o) => o.namespace !== undefined).map((o) => ({ resource: o.resource, namespace: o.namespace!, label: o.label })),
        ...index.releases.map((r) => ({ resource: r.resource, namespace: r.namespace, label: r.label })),
    ];
    for (const { resource, namespace, label } of targets) {
        if (WELL_KNOWN_NAMESPACES.has(namespace)) continue;
        const declared = index.named("Namespace", undefined, namespace);
        if (!declared) problems.push(`${label}: namespace ${namespace} is not declared in the plan`);
        else if (!dependsOn(index, resource, declared.resource.urn)) problems.push(`${label}: does not depend on Namespace ${namespace} (${declared.resource.urn.split("::").pop()}), so pulumi up may create it first`);
    }
    return problems;
}

/**
 * Files a database client is told to trust (`PGSSLROOTCERT`, or `sslrootcert=` in a connection string or properties):
 * baked into the image, or else a key of a declared ConfigMap or Secret mounted in that container. A file written at
 * start (an emptyDir filled by an init container's download) needs egress the NetworkPolicies may not give, and a
 * file nobody provides makes verify-full fail only in the cluster.
 */
const FILES_IN_IMAGES: Record<string, string> = {
    "/app/certs/rds-global-bundle.pem": "app/Dockerfile: the shop API's image holds Amazon RDS's global bundle",
};

/** A container as far as trusted files go: its env, its mounts, and the pod's volumes (chart values shaped alike). */
interface CaFileHolder { label: string; namespace: string; env: Json[]; volumeMounts: Json[]; volumes: Json[] }

function caFileHolders(index: PlanIndex): CaFileHolder[] {
    const holders: CaFileHolder[] = [];
    for (const pod of index.allPodTemplates()) {
        const volumes = asList(pod.spec.volumes).map(asMap);
        for (const container of [...asList(pod.spec.initContainers), ...asList(pod.spec.containers)].map(asMap)) {
            holders.push({ label: `${pod.owner.label} container ${String(container.name)}`, namespace: pod.owner.namespace!, env: asList(container.env).map(asMap), volumeMounts: asList(container.volumeMounts).map(asMap), volumes });
        }
    }
    // Charts that take extra env, mounts and volumes for their main container (keycloakx: extraEnv, extraVolumeMounts, extraVolumes).
    for (const release of index.releases) {
        const list = (key: string) => asList(parsedIfJson(release.values[key])).map(asMap);
        if (release.values.extraEnv === undefined) continue;
        holders.push({ label: release.label, namespace: release.namespace, env: list("extraEnv"), volumeMounts: list("extraVolumeMounts"), volumes: list("extraVolumes") });
    }
    return holders;
}

/** Every trusted CA file is in the image or a mounted key of a declared ConfigMap or Secret. */
export function checkCaFiles(index: PlanIndex): string[] {
    const problems: string[] = [];
    for (const holder of caFileHolders(index)) {
        for (const variable of holder.env) {
            const value = asString(variable.value);
            if (!value) continue;
            const files = variable.name === "PGSSLROOTCERT" ? [value] : [...value.matchAll(/[?&]sslrootcert=([^&\s]+)/g)].map((m) => m[1]);
            for (const file of files) {
                if (FILES_IN_IMAGES[file]) continue;
                const where = `${holder.label}: ${String(variable.name)} trusts ${file}`;
                const mount = holder.volumeMounts.find((m) => typeof m.mountPath === "string" && file.startsWith(`${m.mountPath.replace(/\/$/, "")}/`) && m.subPath === undefined);
                if (!mount) {
                    problems.push(`${where}, which no volume mount of that container provides`);
                    continue;
                }
                const relative = file.slice(String(mount.mountPath).replace(/\/$/, "").length + 1);
                const volume = holder.volumes.find((v) => v.name === mount.name);
                const source = volume && (isMap(volume.configMap) ? { kind: "ConfigMap", name: asString(volume.configMap.name), items: volume.configMap.items }
                    : isMap(volume.secret) ? { kind: "Secret", name: asString(volume.secret.secretName), items: volume.secret.items } : undefined);
                if (!source?.name) {
                    problems.push(`${where}, whose volume ${String(mount.name)} is not a ConfigMap or Secret (a file written at start)`);
                    continue;
                }
                // With items, only those paths exist; without, every key is a file of its own name.
                const key = Array.isArray(source.items) ? asList(source.items).map(asMap).find((item) => item.path === relative)?.key : relative;
                const declared = index.named(source.kind, holder.namespace, source.name);
                const keys = declared ? index.keysOf(declared) : undefined;
                if (typeof key !== "string" || !keys?.has(key)) {
                    problems.push(`${where}: ${source.kind} ${holder.namespace}/${source.name} mounted at ${String(mount.mountPath)} provides no file ${relative}`);
                }
            }
        }
    }
    return problems;
}

/** Hosts inside the cluster: what a container may fetch from at start without leaving it. */
const IN_CLUSTER_HOST = /(^localhost$|^127\.0\.0\.1$|\.svc$|\.svc\.cluster\.local$)/;

/**
 * No container fetches from outside the cluster with curl or wget at start (a CA bundle, a binary): such a pod needs
 * internet egress (which NetworkPolicies deny to most namespaces, and the flow table does not model) and trusts what
 * a third party serves that day. What a pod needs ships in its image or in the plan.
 */
export function checkNoDownloads(index: PlanIndex): string[] {
    const problems: string[] = [];
    const inspect = (label: string, container: Json) => {
        const script = [...asList(container.command), ...asList(container.args)].filter((part): part is string => typeof part === "string").join(" ");
        for (const match of script.matchAll(/\b(?:curl|wget)\b[^\n]*?\bhttps?:\/\/([^/\s'":]+)/g)) {
            if (!IN_CLUSTER_HOST.test(match[1])) problems.push(`${label} container ${String(container.name)}: downloads from ${match[1]} at start`);
        }
    };
    for (const pod of index.allPodTemplates()) {
        for (const container of [...asList(pod.spec.initContainers), ...asList(pod.spec.containers)].map(asMap)) inspect(pod.owner.label, container);
    }
    // Charts take containers in their values (keycloakx's extraInitContainers, sidecars): anything shaped like one.
    for (const release of index.releases) {
        walk(release.values, (node) => {
            if (typeof node.name === "string" && (Array.isArray(node.command) || Array.isArray(node.args))) inspect(release.label, node);
        });
    }
    return problems;
}

/** API groups the API server serves itself; every other group is served by a CustomResourceDefinition. */
const BUILT_IN_GROUPS = new Set([
    "core", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io",
    "apiextensions.k8s.io", "admissionregistration.k8s.io", "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "certificates.k8s.io",
    "events.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io", "apiregistration.k8s.io",
]);

/** A chart that installs the CRDs of some API groups, and when its values (or the release) switch that off. */
interface CrdChart {
    groups: string[];
    /** Whether these values still install the CRDs (Helm's crds/ directory is skipped only by skipCrds). */
    installs?: (values: Json) => boolean;
}

/**
 * Which charts install the CRDs of which groups, at the versions pinned in components/catalogue.ts: a chart's crds/
 * directory (Helm installs it unless skipCrds) or a CRD subchart switched by values.
 */
export const CRD_CHARTS: Record<string, CrdChart> = {
    // karpenter chart, crds/ (NodePool, NodeClaim; EC2NodeClass); the karpenter-crd chart holds the same as templates.
    "karpenter": { groups: ["karpenter.sh", "karpenter.k8s.aws"] },
    "karpenter-crd": { groups: ["karpenter.sh", "karpenter.k8s.aws"] },
    // strimzi-kafka-operator chart, crds/ (Kafka, KafkaNodePool, KafkaTopic, KafkaUser, ...; StrimziPodSet in core.strimzi.io).
    "strimzi-kafka-operator": { groups: ["kafka.strimzi.io", "core.strimzi.io"] },
    // eck-operator chart: the eck-operator-crds subchart, enabled by installCRDs (default true).
    "eck-operator": {
        groups: ["elasticsearch.k8s.elastic.co", "kibana.k8s.elastic.co", "beat.k8s.elastic.co", "agent.k8s.elastic.co", "apm.k8s.elastic.co", "logstash.k8s.elastic.co", "maps.k8s.elastic.co", "enterprisesearch.k8s.elastic.co", "autoscaling.k8s.elastic.co", "stackconfigpolicy.k8s.elastic.co"],
        installs: (values) => values.installCRDs !== false,
    },
    "eck-operator-crds": { groups: ["elasticsearch.k8s.elastic.co", "kibana.k8s.elastic.co"] },
    // kong chart, crds/custom-resource-definitions.yaml (KongPlugin, KongClusterPlugin, KongConsumer, ...).
    "kong": { groups: ["configuration.konghq.com"] },
    // kube-prometheus-stack: the crds subchart, enabled by crds.enabled (default true).
    "kube-prometheus-stack": { groups: ["monitoring.coreos.com"], installs: (values) => asMap(values.crds).enabled !== false },
    "prometheus-operator-crds": { groups: ["monitoring.coreos.com"] },
    // OT redis-operator chart, crds/ (Redis, RedisCluster, RedisReplication, RedisSentinel).
    "redis-operator": { groups: ["redis.redis.opstreelabs.in"] },
    // external-secrets chart: templates/crds, switched by installCRDs (default true).
    "external-secrets": { groups: ["external-secrets.io", "generators.external-secrets.io"], installs: (values) => values.installCRDs !== false },
};

/** Charts that render custom resources themselves: their release fails the same way before the CRD exists. */
const CHART_RENDERS: Record<string, (values: Json) => string[]> = {
    // OT redis-cluster chart, templates/redis-cluster.yaml: a RedisCluster (redis.redis.opstreelabs.in/v1beta2).
    "redis-cluster": () => ["redis.redis.opstreelabs.in"],
};

/** The API group of a Kubernetes type token (`kubernetes:<group>/<version>:<Kind>`; the core group is "core"). */
function apiGroupOf(type: string): string | undefined {
    const match = /^kubernetes:([^:]+)\/[^/:]+:[^:]+$/.exec(type);
    return match?.[1];
}

/** Values that enable a Prometheus-operator object (serviceMonitor, podMonitor, prometheusRule with enabled: true). */
function rendersMonitoring(values: Json): boolean {
    let found = false;
    walk(values, (node) => {
        for (const key of ["serviceMonitor", "podMonitor", "prometheusRule"]) if (asMap(node[key]).enabled === true) found = true;
    });
    return found;
}

/**
 * Every custom resource (every object of a group a CRD serves), and every release whose chart renders one, waits,
 * directly or transitively, for the Helm release or CustomResourceDefinition that installs that group's CRDs. Without
 * it a first `pulumi up` may create it first, and the API server answers "no matches for kind X in version Y".
 */
export function checkCrdOrdering(index: PlanIndex): string[] {
    const problems: string[] = [];
    const installers = (group: string): { urn: string; label: string }[] => [
        ...index.releases.filter((release) => {
            const chart = CRD_CHARTS[release.chart];
            return chart?.groups.includes(group) && release.resource.inputs.skipCrds !== true && (chart.installs?.(release.values) ?? true);
        }).map((release) => ({ urn: release.resource.urn, label: release.label })),
        ...index.kind("CustomResourceDefinition").filter((crd) => asMap(crd.inputs.spec).group === group).map((crd) => ({ urn: crd.resource.urn, label: crd.label })),
    ];
    const closure = (resource: CapturedResource): Set<string> => {
        const seen = new Set<string>();
        const pending = [...resource.dependencies];
        while (pending.length > 0) {
            const urn = pending.pop()!;
            if (seen.has(urn)) continue;
            seen.add(urn);
            pending.push(...(index.byUrn.get(urn)?.dependencies ?? []));
        }
        return seen;
    };
    const require = (resource: CapturedResource, label: string, what: string, group: string) => {
        const candidates = installers(group).filter((installer) => installer.urn !== resource.urn);
        if (candidates.length === 0) {
            const known = Object.entries(CRD_CHARTS).filter(([, chart]) => chart.groups.includes(group)).map(([chart]) => chart);
            problems.push(`${label}: ${what} of group ${group}, whose CRDs no Helm release or CustomResourceDefinition of the plan installs (${known.length > 0 ? `charts that do: ${known.join(", ")}` : "no known chart installs them: add it to CRD_CHARTS"})`);
            return;
        }
        const waits = closure(resource);
        if (!candidates.some((installer) => waits.has(installer.urn))) {
            problems.push(`${label}: ${what} of group ${group}, but does not depend on ${candidates.map((c) => c.label).join(" or ")}, which installs its CRDs ("no matches for kind" on a first up)`);
        }
    };
    for (const object of index.objects) {
        const group = apiGroupOf(object.resource.type);
        if (group && !BUILT_IN_GROUPS.has(group)) require(object.resource, object.label, `a ${object.kind}`, group);
    }
    for (const release of index.releases) {
        const groups = new Set([...(CHART_RENDERS[release.chart]?.(release.values) ?? []), ...(rendersMonitoring(release.values) ? ["monitoring.coreos.com"] : [])]);
        for (const group of groups) {
            if (CRD_CHARTS[release.chart]?.groups.includes(group)) continue;
            require(release.resource, release.label, "its chart renders custom resources", group);
        }
    }
    return problems;
}

export const CHECKS = {
    "Services select serving pods on existing ports": checkServices,
    "PDBs, NetworkPolicies, HPAs and ServiceMonitors select something": checkSelectors,
    "no workload's selector matches another workload's pods": checkOverlaps,
    "Secret and ConfigMap references name declared objects and keys": checkConfigReferences,
    "service accounts exist and IRSA roles trust exactly them": checkServiceAccounts,
    "storage classes are declared": checkStorageClasses,
    "in-cluster addresses name existing Services and ports": checkServiceAddresses,
    "Ingresses have a controller, backends and plugins": checkIngresses,
    "namespaced objects live in a declared namespace they depend on": checkNamespaces,
    "trusted CA files are in the image or mounted from a declared ConfigMap or Secret key": checkCaFiles,
    "no container downloads from outside the cluster at start": checkNoDownloads,
    "custom resources wait for the release or CRD that installs their CRDs": checkCrdOrdering,
} as const;

export type CheckName = keyof typeof CHECKS;
