/**
 * Kubernetes workloads (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, ReplicationControllers, Jobs,
 * CronJobs' nested job template, PodTemplates and the patches of each) and Helm releases. Isolation from the node
 * (privileged, host namespaces, root, escalation, capabilities, seccomp/AppArmor/SELinux/sysctls, host paths and
 * ports) is mandatory; resources, probes, pinning and namespaces are hygiene.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { containersOf, Container, imageTag, isPatch, isWorkload, LONG_RUNNING, podAnnotations, podSpec, securityContext, workloadKind } from "../lib/k8s";
import { Rule, resourceRule, stackRule } from "../lib/policy";
import { asArray, asBool, asNumber, asRecord, asString, asStringList, isRecord, isUnknownValueError, Props } from "../lib/values";

function pod(args: ResourceValidationArgs, props: Props): Record<string, unknown> | undefined {
    const kind = workloadKind(args.type);
    return kind ? podSpec(kind, props) : undefined;
}

function where(c: Container): string {
    return `${c.group === "containers" ? "container" : c.group.replace(/s$/, "")} ${c.name}`;
}

export const k8sNoPrivileged = resourceRule({
    name: "k8s-no-privileged",
    description: "No container runs privileged, nor as a Windows HostProcess pod or container (its Windows equivalent).",
    enforcementLevel: "mandatory",
    types: isWorkload,
    validate: (props, args, report) => {
        const spec = pod(args, props);
        const hostProcess = (ctx: Record<string, unknown>) => asBool(asRecord(ctx["windowsOptions"])?.["hostProcess"]);
        if (hostProcess(securityContext(spec)) === true) report("The pod runs as a Windows HostProcess (windowsOptions.hostProcess).");
        for (const c of containersOf(spec)) {
            const ctx = securityContext(c.spec);
            if (asBool(ctx["privileged"]) === true) report(`${where(c)} is privileged.`);
            if (hostProcess(ctx) === true) report(`${where(c)} is a Windows HostProcess container.`);
        }
    },
});

export const k8sNoHostNamespaces = resourceRule({
    name: "k8s-no-host-namespaces",
    description: "Pods do not share the node's network, PID or IPC namespaces (hostNetwork, hostPID, hostIPC).",
    enforcementLevel: "mandatory",
    types: isWorkload,
    validate: (props, args, report) => {
        const spec = pod(args, props) ?? {};
        for (const key of ["hostNetwork", "hostPID", "hostIPC"]) if (asBool(spec[key]) === true) report(`${key} is true.`);
    },
});

export const k8sRunAsNonRoot = resourceRule({
    name: "k8s-run-as-non-root",
    description: "Every container runs as non-root: runAsNonRoot true (pod or container level) and never runAsUser 0.",
    enforcementLevel: "mandatory",
    types: isWorkload,
    validate: (props, args, report) => {
        const spec = pod(args, props);
        const podContext = securityContext(spec);
        for (const c of containersOf(spec)) {
            const ctx = securityContext(c.spec);
            // Container settings override the pod's.
            const nonRoot = asBool(ctx["runAsNonRoot"]) ?? asBool(podContext["runAsNonRoot"]);
            const user = asNumber(ctx["runAsUser"]) ?? asNumber(podContext["runAsUser"]);
            if (user === 0) report(`${where(c)} runs as user 0 (root).`);
            else if (nonRoot === false || (nonRoot !== true && !isPatch(args.type))) report(`${where(c)} does not set runAsNonRoot: true.`);
        }
    },
});

export const k8sNoPrivilegeEscalation = resourceRule({
    name: "k8s-no-privilege-escalation",
    description: "Every container sets allowPrivilegeEscalation: false (Kubernetes defaults it to true).",
    enforcementLevel: "mandatory",
    types: isWorkload,
    validate: (props, args, report) => {
        for (const c of containersOf(pod(args, props))) {
            const allowed = asBool(securityContext(c.spec)["allowPrivilegeEscalation"]);
            if (allowed === true || (allowed === undefined && !isPatch(args.type))) report(`${where(c)} does not set allowPrivilegeEscalation: false.`);
        }
    },
});

interface CapabilitiesConfig {
    forbiddenCapabilities: string[];
}

export const k8sNoDangerousCapabilities = resourceRule<CapabilitiesConfig>({
    name: "k8s-no-dangerous-capabilities",
    description: "Containers (init and ephemeral ones too) add no node-level Linux capabilities (ALL, SYS_ADMIN, NET_ADMIN, NET_RAW, SYS_PTRACE, SYS_MODULE, ...), with or without the CAP_ prefix, in any case.",
    enforcementLevel: "mandatory",
    types: isWorkload,
    configSchema: {
        properties: {
            forbiddenCapabilities: {
                type: "array",
                items: { type: "string" },
                default: [
                    "ALL",
                    "SYS_ADMIN",
                    "NET_ADMIN",
                    "NET_RAW",
                    "SYS_PTRACE",
                    "SYS_MODULE",
                    "SYS_RAWIO",
                    "SYS_TIME",
                    "SYS_BOOT",
                    "DAC_READ_SEARCH",
                    "BPF",
                    "PERFMON",
                    "MAC_ADMIN",
                    "MAC_OVERRIDE",
                    "SYSLOG",
                ],
            },
        },
    },
    validate: (props, args, report, config) => {
        for (const c of containersOf(pod(args, props))) {
            const added = asStringList(asRecord(securityContext(c.spec)["capabilities"])?.["add"]).map((cap) => cap.toUpperCase().replace(/^CAP_/, ""));
            const bad = added.filter((cap) => config.forbiddenCapabilities.includes(cap));
            if (bad.length > 0) report(`${where(c)} adds ${bad.join(", ")}.`);
        }
    },
});

/** Sysctls the Pod Security Standards (baseline) call safe: namespaced, and harmless to the node and its neighbours. */
const SAFE_SYSCTLS = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];
const ALLOWED_SELINUX_TYPES = ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"];
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** What a securityContext (pod or container) sets that the baseline forbids. */
function unconfined(ctx: Record<string, unknown>): string[] {
    const out: string[] = [];
    if (asString(asRecord(ctx["seccompProfile"])?.["type"]) === "Unconfined") out.push("seccompProfile Unconfined");
    if (asString(asRecord(ctx["appArmorProfile"])?.["type"]) === "Unconfined") out.push("appArmorProfile Unconfined");
    if (asString(ctx["procMount"]) === "Unmasked") out.push("procMount Unmasked");
    const selinux = asRecord(ctx["seLinuxOptions"]) ?? {};
    const type = asString(selinux["type"]);
    if (type !== undefined && !ALLOWED_SELINUX_TYPES.includes(type)) out.push(`seLinuxOptions.type ${type}`);
    for (const key of ["user", "role"]) if ((asString(selinux[key]) ?? "") !== "") out.push(`seLinuxOptions.${key} ${asString(selinux[key])}`);
    return out;
}

export const k8sPodSecurityBaseline = resourceRule({
    name: "k8s-pod-security-baseline",
    description: "Pods keep the remaining Pod Security Standards baseline controls: no Unconfined seccomp or AppArmor profile, no Unmasked /proc, no custom SELinux user, role or type, only safe sysctls.",
    enforcementLevel: "mandatory",
    types: isWorkload,
    validate: (props, args, report) => {
        const kind = workloadKind(args.type)!;
        const spec = podSpec(kind, props);
        const podContext = securityContext(spec);
        for (const problem of unconfined(podContext)) report(`The pod sets ${problem}.`);
        for (const c of containersOf(spec)) for (const problem of unconfined(securityContext(c.spec))) report(`${where(c)} sets ${problem}.`);
        // Keys only, then the AppArmor values: other annotations (a config checksum) may be unknown during a preview.
        const annotations = podAnnotations(kind, props);
        for (const key of Object.keys(annotations).filter((k) => k.startsWith(APPARMOR_ANNOTATION))) {
            if (asString(annotations[key]) === "unconfined") report(`Annotation ${key} is unconfined.`);
        }
        for (const sysctl of asArray(podContext["sysctls"]).filter(isRecord)) {
            const name = asString(sysctl["name"]) ?? "?";
            if (!SAFE_SYSCTLS.includes(name)) report(`Sysctl ${name} is not one of the safe, namespaced sysctls.`);
        }
    },
});

interface HostPathConfig {
    allowedHostPaths: string[];
}

export const k8sNoHostPath = resourceRule<HostPathConfig>({
    name: "k8s-no-host-path",
    description: "Pods mount no hostPath volumes outside the configured allow-list (none by default): the node's filesystem stays out of reach.",
    enforcementLevel: "mandatory",
    types: isWorkload,
    configSchema: { properties: { allowedHostPaths: { type: "array", items: { type: "string" }, default: [] } } },
    validate: (props, args, report, config) => {
        for (const v of asArray(pod(args, props)?.["volumes"]).filter(isRecord)) {
            const path = asString(asRecord(v["hostPath"])?.["path"]);
            if (path === undefined) continue;
            const allowed = config.allowedHostPaths.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`));
            if (!allowed) report(`Volume ${asString(v["name"]) ?? "?"} mounts hostPath ${path}.`);
        }
    },
});

export const k8sNoHostPorts = resourceRule({
    name: "k8s-no-host-ports",
    description: "Containers bind no hostPort (it exposes the pod on the node's address, bypassing Services and NetworkPolicy).",
    enforcementLevel: "mandatory",
    types: isWorkload,
    validate: (props, args, report) => {
        for (const c of containersOf(pod(args, props))) {
            for (const p of asArray(c.spec["ports"]).filter(isRecord)) {
                const hostPort = asNumber(p["hostPort"]);
                if (hostPort !== undefined && hostPort > 0) report(`${where(c)} binds hostPort ${hostPort}.`);
            }
        }
    },
});

interface ResourcesConfig {
    requiredRequests: string[];
    requiredLimits: string[];
}

export const k8sResources = resourceRule<ResourcesConfig>({
    name: "k8s-resources",
    description: "Containers declare resource requests and limits (cpu and memory by default), for scheduling, autoscaling and cost.",
    enforcementLevel: "advisory",
    types: (t) => isWorkload(t) && !isPatch(t),
    configSchema: {
        properties: {
            requiredRequests: { type: "array", items: { type: "string" }, default: ["cpu", "memory"] },
            requiredLimits: { type: "array", items: { type: "string" }, default: ["cpu", "memory"] },
        },
    },
    validate: (props, args, report, config) => {
        for (const c of containersOf(pod(args, props), ["containers", "initContainers"])) {
            const resources = asRecord(c.spec["resources"]) ?? {};
            const requests = asRecord(resources["requests"]) ?? {};
            const limits = asRecord(resources["limits"]) ?? {};
            const missing = [
                ...config.requiredRequests.filter((r) => requests[r] === undefined).map((r) => `requests.${r}`),
                ...config.requiredLimits.filter((r) => limits[r] === undefined).map((r) => `limits.${r}`),
            ];
            if (missing.length > 0) report(`${where(c)} lacks ${missing.join(", ")}.`);
        }
    },
});

export const k8sProbes = resourceRule({
    name: "k8s-probes",
    description: "Long-running workloads (Deployments, StatefulSets, DaemonSets) have readiness and liveness probes; Jobs and CronJobs are exempt.",
    enforcementLevel: "advisory",
    types: (t) => LONG_RUNNING.includes(workloadKind(t) ?? "Pod") && !isPatch(t),
    validate: (props, args, report) => {
        for (const c of containersOf(pod(args, props), ["containers"])) {
            const missing = ["readinessProbe", "livenessProbe"].filter((p) => c.spec[p] === undefined);
            if (missing.length > 0) report(`${where(c)} lacks ${missing.join(" and ")}.`);
        }
    },
});

export const k8sImagePinned = resourceRule({
    name: "k8s-image-pinned",
    description: "Container images are pinned: an explicit tag other than latest, or a digest.",
    enforcementLevel: "advisory",
    types: isWorkload,
    validate: (props, args, report) => {
        for (const c of containersOf(pod(args, props))) {
            const image = asString(c.spec["image"]);
            if (!image) continue;
            const tag = imageTag(image);
            if (tag === "") report(`${where(c)} image ${image} has no tag (means latest).`);
            else if (tag !== undefined && tag.toLowerCase() === "latest") report(`${where(c)} image ${image} uses the mutable latest tag.`);
        }
    },
});

// Not kubernetes:helm.sh/v4:Chart: a multi-language component, it reaches the analyzer with no inputs (no chart, no
// version, no namespace), so judging it would only report what it cannot see; the objects it renders are judged.
const HELM_TYPES = ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v3:Chart"];
const EXACT_VERSION = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

export const helmReleasePinned = resourceRule({
    name: "helm-release-pinned",
    description: "Helm releases and charts (v3 Release, v3 Chart with version or fetchOpts.version) pin an exact chart version (no ranges, no floating latest).",
    enforcementLevel: "advisory",
    types: HELM_TYPES,
    validate: (props, _args, report) => {
        const chart = asString(props["chart"]) ?? "";
        // A chart given as a local path (v3 Chart: `path`) or a tarball URL carries its version in the file itself.
        if (/^(\.{0,2}\/|file:)/.test(chart) || /\.tgz$/.test(chart) || (chart === "" && asString(props["path"]) !== undefined)) return;
        // The v3 Chart component may give the version in fetchOpts.
        const version = asString(props["version"]) ?? asString(asRecord(props["fetchOpts"])?.["version"]);
        if (!version) report(`Chart ${chart} has no version: every install may get a different chart.`);
        else if (!EXACT_VERSION.test(version.trim())) report(`Chart ${chart} version "${version}" is a range, not an exact version.`);
    },
});

export const k8sNoDefaultNamespace = resourceRule({
    name: "k8s-no-default-namespace",
    description: "Workloads and Helm releases are placed in a named namespace, not `default`.",
    enforcementLevel: "advisory",
    types: (t) => (isWorkload(t) && !isPatch(t)) || HELM_TYPES.includes(t),
    validate: (props, args, report) => {
        const ns = HELM_TYPES.includes(args.type) ? asString(props["namespace"]) : asString(asRecord(props["metadata"])?.["namespace"]);
        const effective = ns ?? asString(args.provider?.props["namespace"]);
        if (effective === undefined || effective === "" || effective === "default") report(`Namespace is ${effective ? `"${effective}"` : "unset (default)"}.`);
    },
});

const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY_TYPE = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** A selector that selects every pod: no matchLabels and no matchExpressions. */
function selectsAll(selector: unknown): boolean {
    const s = asRecord(selector) ?? {};
    return Object.keys(asRecord(s["matchLabels"]) ?? {}).length === 0 && asArray(s["matchExpressions"]).length === 0;
}

/** What one NetworkPolicy does to its whole namespace: isolates a direction (a deny), or opens it to everything. */
function namespaceWideEffect(props: Props): { denies: Set<string>; opensAll: string[] } {
    const spec = asRecord(props["spec"]) ?? {};
    const denies = new Set<string>();
    const opensAll: string[] = [];
    if (!selectsAll(spec["podSelector"])) return { denies, opensAll };
    const types = asStringList(spec["policyTypes"]);
    const rules = { Ingress: asArray(spec["ingress"]), Egress: asArray(spec["egress"]) };
    // Without policyTypes, Ingress always applies and Egress only when egress rules are given.
    const effective = types.length > 0 ? types : ["Ingress", ...(rules.Egress.length > 0 ? ["Egress"] : [])];
    for (const direction of ["Ingress", "Egress"] as const) {
        if (!effective.includes(direction)) continue;
        if (rules[direction].length === 0) denies.add(direction);
        // A rule with no peers and no ports admits every source (destination) on every port.
        const peers = direction === "Ingress" ? "from" : "to";
        if (rules[direction].some((rule) => asArray(asRecord(rule)?.[peers]).length === 0 && asArray(asRecord(rule)?.["ports"]).length === 0)) opensAll.push(direction);
    }
    return { denies, opensAll };
}

interface DefaultDenyConfig {
    exemptNamespaces: string[];
}

/**
 * Mandatory: a NetworkPolicy default deny is itself a security control (DESIGN.md: a companion that is a security
 * control is not hygiene). Without it every pod of the namespace accepts connections from, and opens connections
 * to, anything in the cluster and beyond; the allows other policies declare then restrict nothing.
 */
export const k8sNamespaceDefaultDeny = stackRule<DefaultDenyConfig>({
    name: "k8s-namespace-default-deny",
    description: "Every Namespace the stack declares has a default-deny NetworkPolicy in the same stack (empty podSelector, Ingress and Egress, no rules), and no namespace-wide policy opens a direction to everything.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptNamespaces: { type: "array", items: { type: "string" }, default: [] } } },
    validate: (args, report, config) => {
        const namespaces = args.resources.filter((r) => r.type === NAMESPACE_TYPE);
        if (namespaces.length === 0) args.notApplicable("no Namespace in the stack");
        const denied = new Map<string, Set<string>>();
        let pending: unknown;
        for (const policy of args.resources.filter((r) => r.type === NETWORK_POLICY_TYPE)) {
            try {
                const namespace = asString(asRecord(policy.props["metadata"])?.["namespace"]) ?? "default";
                const { denies, opensAll } = namespaceWideEffect(policy.props);
                const seen = denied.get(namespace) ?? new Set<string>();
                denies.forEach((d) => seen.add(d));
                denied.set(namespace, seen);
                for (const direction of opensAll) report(`NetworkPolicy ${policy.name} allows all ${direction.toLowerCase()} of every pod in ${namespace}: it cancels the default deny.`, policy.urn);
            } catch (e) {
                // A policy being computed may be the deny: judge the others, and report the unknown only if it matters.
                if (!isUnknownValueError(e)) throw e;
                pending ??= e;
            }
        }
        for (const namespace of namespaces) {
            const name = asString(asRecord(namespace.props["metadata"])?.["name"]);
            if (name !== undefined && config.exemptNamespaces.includes(name)) continue;
            const seen = (name !== undefined && denied.get(name)) || new Set<string>();
            const missing = ["Ingress", "Egress"].filter((d) => !seen.has(d));
            if (missing.length === 0) continue;
            if (pending !== undefined) throw pending;
            report(`Namespace ${name ?? namespace.name} has no default-deny NetworkPolicy for ${missing.join(" and ").toLowerCase()} (podSelector {}, policyTypes ${missing.join(", ")}, no rules): its pods are open to and from everything.`, namespace.urn);
        }
    },
});

export const kubernetesRules: Rule[] = [
    k8sNoPrivileged,
    k8sNoHostNamespaces,
    k8sRunAsNonRoot,
    k8sNoPrivilegeEscalation,
    k8sNoDangerousCapabilities,
    k8sPodSecurityBaseline,
    k8sNoHostPath,
    k8sNoHostPorts,
    k8sResources,
    k8sProbes,
    k8sImagePinned,
    helmReleasePinned,
    k8sNoDefaultNamespace,
    k8sNamespaceDefaultDeny,
];
