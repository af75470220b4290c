import { expect } from "chai";
import { judge, passes, res, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

const secureContainer = {
    name: "api",
    image: "ghcr.io/shop/api:1.4.2",
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    readinessProbe: { httpGet: { path: "/readyz", port: 3000 } },
    livenessProbe: { httpGet: { path: "/healthz", port: 3000 } },
    ports: [{ containerPort: 3000 }],
};
const podSpec = (containerOverrides: Record<string, unknown> = {}, podOverrides: Record<string, unknown> = {}) => ({
    securityContext: { runAsNonRoot: true, runAsUser: 10001 },
    containers: [{ ...secureContainer, ...containerOverrides }],
    ...podOverrides,
});
const meta = { name: "api", namespace: "shop" };
const deployment = (c?: Record<string, unknown>, p?: Record<string, unknown>) =>
    res("kubernetes:apps/v1:Deployment", { apiVersion: "apps/v1", kind: "Deployment", metadata: meta, spec: { replicas: 2, template: { metadata: meta, spec: podSpec(c, p) } } });
const cronJob = (c?: Record<string, unknown>, p?: Record<string, unknown>) =>
    res("kubernetes:batch/v1:CronJob", {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: meta,
        spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "OnFailure", ...podSpec(c, p) } } } } },
    });
const pod = (c?: Record<string, unknown>, p?: Record<string, unknown>) => res("kubernetes:core/v1:Pod", { apiVersion: "v1", kind: "Pod", metadata: meta, spec: podSpec(c, p) });
const daemonSet = (c?: Record<string, unknown>, p?: Record<string, unknown>) =>
    res("kubernetes:apps/v1:DaemonSet", { apiVersion: "apps/v1", kind: "DaemonSet", metadata: meta, spec: { template: { spec: podSpec(c, p) } } });
const statefulSet = (c?: Record<string, unknown>, p?: Record<string, unknown>) =>
    res("kubernetes:apps/v1:StatefulSet", { metadata: meta, spec: { serviceName: "x", template: { spec: podSpec(c, p) } } });
const job = (c?: Record<string, unknown>, p?: Record<string, unknown>) => res("kubernetes:batch/v1:Job", { metadata: meta, spec: { template: { spec: podSpec(c, p) } } });

const secureWorkloads = () => [deployment(), cronJob(), pod(), daemonSet(), statefulSet(), job()];

describe("policies/kubernetes", () => {
    it("k8s-no-privileged, including a CronJob's nested job template and init containers", () => {
        violates("k8s-no-privileged", cronJob({ securityContext: { ...secureContainer.securityContext, privileged: true } }));
        violates("k8s-no-privileged", deployment({}, { initContainers: [{ name: "init", image: "busybox:1.36", securityContext: { privileged: true } }] }), /initContainer init/);
        passes("k8s-no-privileged", secureWorkloads());
    });
    it("k8s-no-host-namespaces", () => {
        violates("k8s-no-host-namespaces", daemonSet({}, { hostNetwork: true }), /hostNetwork/);
        violates("k8s-no-host-namespaces", pod({}, { hostPID: true }));
        violates("k8s-no-host-namespaces", cronJob({}, { hostIPC: true }));
        passes("k8s-no-host-namespaces", secureWorkloads());
    });
    it("k8s-run-as-non-root: pod or container level, container overrides, uid 0 flagged", () => {
        violates("k8s-run-as-non-root", deployment({ securityContext: { allowPrivilegeEscalation: false } }, { securityContext: {} }), /runAsNonRoot/);
        violates("k8s-run-as-non-root", cronJob({ securityContext: { ...secureContainer.securityContext, runAsNonRoot: false } }));
        violates("k8s-run-as-non-root", job({ securityContext: { ...secureContainer.securityContext, runAsUser: 0 } }), /user 0/);
        passes("k8s-run-as-non-root", [...secureWorkloads(), deployment({ securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false } }, { securityContext: {} })]);
        unknownIsAdvisory("k8s-run-as-non-root", deployment({ securityContext: UNKNOWN }, { securityContext: {} }));
    });
    it("k8s-no-privilege-escalation (default true must be overridden)", () => {
        violates("k8s-no-privilege-escalation", statefulSet({ securityContext: { runAsNonRoot: true } }));
        violates("k8s-no-privilege-escalation", cronJob({ securityContext: { allowPrivilegeEscalation: true } }));
        passes("k8s-no-privilege-escalation", secureWorkloads());
    });
    it("k8s-no-dangerous-capabilities", () => {
        violates("k8s-no-dangerous-capabilities", deployment({ securityContext: { ...secureContainer.securityContext, capabilities: { add: ["CAP_SYS_ADMIN"] } } }), /SYS_ADMIN/);
        passes("k8s-no-dangerous-capabilities", [deployment({ securityContext: { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } })]);
    });
    it("k8s-pod-security-baseline: seccomp, AppArmor (field or annotation), /proc, SELinux and sysctls", () => {
        const ctx = secureContainer.securityContext;
        violates("k8s-pod-security-baseline", deployment({}, { securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } } }), /seccompProfile Unconfined/);
        violates("k8s-pod-security-baseline", cronJob({ securityContext: { ...ctx, appArmorProfile: { type: "Unconfined" } } }), /container api sets appArmorProfile/);
        violates("k8s-pod-security-baseline", statefulSet({ securityContext: { ...ctx, procMount: "Unmasked" } }), /procMount/);
        violates("k8s-pod-security-baseline", job({}, { securityContext: { runAsNonRoot: true, seLinuxOptions: { type: "spc_t" } } }), /spc_t/);
        violates("k8s-pod-security-baseline", daemonSet({}, { securityContext: { runAsNonRoot: true, sysctls: [{ name: "kernel.msgmax", value: "65536" }] } }), /kernel.msgmax/);
        const annotated = res("kubernetes:apps/v1:Deployment", {
            metadata: meta,
            spec: { template: { metadata: { annotations: { "container.apparmor.security.beta.kubernetes.io/api": "unconfined" } }, spec: podSpec() } },
        });
        violates("k8s-pod-security-baseline", annotated, /apparmor/);
        passes("k8s-pod-security-baseline", [
            ...secureWorkloads(),
            deployment({ securityContext: { ...ctx, seccompProfile: { type: "RuntimeDefault" }, appArmorProfile: { type: "RuntimeDefault" } } }),
            pod({}, { securityContext: { runAsNonRoot: true, seLinuxOptions: { level: "s0:c123,c456" }, sysctls: [{ name: "net.ipv4.ip_local_port_range", value: "1024 65000" }] } }),
            // Other annotations may be unknown during a preview; only the AppArmor ones are read.
            res("kubernetes:apps/v1:Deployment", { metadata: meta, spec: { template: { metadata: { annotations: { "checksum/config": UNKNOWN } }, spec: podSpec() } } }),
        ]);
    });
    it("k8s-no-host-path (allow-list by config)", () => {
        const withLogs = daemonSet({}, { volumes: [{ name: "varlog", hostPath: { path: "/var/log" } }] });
        violates("k8s-no-host-path", withLogs, /\/var\/log/);
        passes("k8s-no-host-path", withLogs, { "k8s-no-host-path": { allowedHostPaths: ["/var/log"] } });
        violates("k8s-no-host-path", daemonSet({}, { volumes: [{ name: "root", hostPath: { path: "/var/lib" } }] }), undefined, { "k8s-no-host-path": { allowedHostPaths: ["/var/log"] } });
        passes("k8s-no-host-path", deployment({}, { volumes: [{ name: "tmp", emptyDir: {} }] }));
    });
    it("k8s-no-host-ports", () => {
        violates("k8s-no-host-ports", deployment({ ports: [{ containerPort: 80, hostPort: 80 }] }), /hostPort 80/);
        passes("k8s-no-host-ports", secureWorkloads());
    });
    it("k8s-resources", () => {
        violates("k8s-resources", deployment({ resources: { requests: { cpu: "100m" } } }), /requests.memory/);
        violates("k8s-resources", cronJob({ resources: undefined }));
        passes("k8s-resources", secureWorkloads());
        passes("k8s-resources", deployment({ resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "1Gi" } } }), { "k8s-resources": { requiredLimits: ["memory"] } });
    });
    it("k8s-probes: long-running workloads only", () => {
        violates("k8s-probes", deployment({ livenessProbe: undefined }), /livenessProbe/);
        violates("k8s-probes", statefulSet({ readinessProbe: undefined }));
        passes("k8s-probes", [...secureWorkloads(), cronJob({ readinessProbe: undefined, livenessProbe: undefined }), job({ livenessProbe: undefined })]);
    });
    it("k8s-image-pinned: no latest, no untagged (registry ports are not tags), digests fine", () => {
        violates("k8s-image-pinned", deployment({ image: "nginx" }), /no tag/);
        violates("k8s-image-pinned", cronJob({ image: "ghcr.io/shop/api:latest" }), /latest/);
        violates("k8s-image-pinned", deployment({ image: "registry.local:5000/shop/api" }), /no tag/);
        passes("k8s-image-pinned", [deployment({ image: "registry.local:5000/shop/api:1.2.3" }), deployment({ image: "ghcr.io/shop/api@sha256:" + "a".repeat(64) }), ...secureWorkloads()]);
    });
    it("helm-release-pinned", () => {
        const release = (version: unknown) =>
            res("kubernetes:helm.sh/v3:Release", { chart: "redis", version, namespace: "data", repositoryOpts: { repo: "https://charts.bitnami.com/bitnami" }, values: {} });
        violates("helm-release-pinned", release(undefined), /no version/);
        violates("helm-release-pinned", release("^18.0.0"), /range/);
        violates("helm-release-pinned", res("kubernetes:helm.sh/v3:Release", { chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "18.x" }));
        passes("helm-release-pinned", [release("18.19.2"), res("kubernetes:helm.sh/v3:Chart", { chart: "./charts/local", namespace: "x" })]);
        // A v4 Chart is a multi-language component: the analyzer gets it with no inputs, so it is not judged.
        passes("helm-release-pinned", res("kubernetes:helm.sh/v4:Chart", {}));
        passes("k8s-no-default-namespace", res("kubernetes:helm.sh/v4:Chart", {}));
    });
    it("k8s-no-default-namespace (metadata, Helm namespace, or the provider's namespace)", () => {
        violates("k8s-no-default-namespace", res("kubernetes:apps/v1:Deployment", { metadata: { name: "x" }, spec: {} }), /unset/);
        violates("k8s-no-default-namespace", res("kubernetes:helm.sh/v3:Release", { chart: "x", version: "1.0.0", namespace: "default" }));
        const provider = res("pulumi:providers:kubernetes", { namespace: "shop" });
        passes("k8s-no-default-namespace", [deployment(), provider, res("kubernetes:apps/v1:Deployment", { metadata: { name: "x" }, spec: {} }, { provider })]);
    });
    describe("kinds and shapes beyond the common ones", () => {
        const replicationController = (c?: Record<string, unknown>, p?: Record<string, unknown>) =>
            res("kubernetes:core/v1:ReplicationController", { metadata: meta, spec: { replicas: 1, template: { spec: podSpec(c, p) } } });
        const podTemplate = (c?: Record<string, unknown>, p?: Record<string, unknown>) => res("kubernetes:core/v1:PodTemplate", { metadata: meta, template: { spec: podSpec(c, p) } });
        const replicaSet = (c?: Record<string, unknown>, p?: Record<string, unknown>) => res("kubernetes:apps/v1:ReplicaSet", { metadata: meta, spec: { template: { spec: podSpec(c, p) } } });
        const patch = (spec: Record<string, unknown>) => res("kubernetes:apps/v1:DeploymentPatch", { metadata: meta, spec: { template: { spec } } });

        it("judges ReplicationControllers, PodTemplates and ReplicaSets like any workload", () => {
            violates("k8s-no-host-namespaces", replicationController({}, { hostPID: true }), /hostPID/);
            violates("k8s-no-host-path", podTemplate({}, { volumes: [{ name: "root", hostPath: { path: "/" } }] }));
            violates("k8s-run-as-non-root", replicaSet({}, { securityContext: { runAsNonRoot: true, runAsUser: 0 } }), /user 0/);
            passes("k8s-no-host-namespaces", [replicationController(), podTemplate(), replicaSet()]);
        });
        it("judges what server-side-apply patches set, never what they leave out", () => {
            violates("k8s-no-privileged", patch({ containers: [{ name: "api", securityContext: { privileged: true } }] }));
            violates("k8s-no-privilege-escalation", patch({ containers: [{ name: "api", securityContext: { allowPrivilegeEscalation: true } }] }));
            violates("k8s-run-as-non-root", patch({ securityContext: { runAsNonRoot: false }, containers: [{ name: "api" }] }));
            violates("k8s-no-host-namespaces", res("kubernetes:core/v1:PodPatch", { metadata: meta, spec: { hostNetwork: true } }));
            const imageBump = patch({ containers: [{ name: "api", image: "ghcr.io/shop/api:1.4.3" }] });
            for (const p of ["k8s-no-privilege-escalation", "k8s-run-as-non-root", "k8s-resources", "k8s-probes", "k8s-no-default-namespace"]) passes(p, imageBump);
        });
        it("flags added capabilities in ephemeral containers and NET_RAW", () => {
            violates("k8s-no-dangerous-capabilities", pod({}, { ephemeralContainers: [{ name: "debug", image: "busybox:1.36", securityContext: { capabilities: { add: ["ALL"] } } }] }), /ephemeralContainer debug/);
            violates("k8s-no-dangerous-capabilities", statefulSet({ securityContext: { ...secureContainer.securityContext, capabilities: { drop: ["ALL"], add: ["net_raw"] } } }), /NET_RAW/);
            passes("k8s-no-dangerous-capabilities", statefulSet({ securityContext: { ...secureContainer.securityContext, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "CHOWN"] } } }));
        });
        it("treats a Windows HostProcess pod or container as privileged", () => {
            violates("k8s-no-privileged", deployment({ securityContext: { ...secureContainer.securityContext, windowsOptions: { hostProcess: true } } }), /HostProcess/);
            violates("k8s-no-privileged", daemonSet({}, { securityContext: { runAsNonRoot: true, windowsOptions: { hostProcess: true, runAsUserName: "NT AUTHORITY\\SYSTEM" } } }));
            passes("k8s-no-privileged", deployment({ securityContext: { ...secureContainer.securityContext, windowsOptions: { hostProcess: false } } }));
        });
        it("pins images by tag and digest together", () => {
            passes("k8s-image-pinned", [deployment({ image: `ghcr.io/shop/api:1.2.3@sha256:${"b".repeat(64)}` }), job({}, { initContainers: [{ name: "init", image: "busybox:1.36.1" }] })]);
            violates("k8s-image-pinned", job({}, { initContainers: [{ name: "init", image: "busybox" }] }), /initContainer init/);
        });
        it("helm-release-pinned: ranges of every syntax, and the v3 Chart component (version or fetchOpts.version)", () => {
            const release = (version: string) => res("kubernetes:helm.sh/v3:Release", { chart: "redis", version, namespace: "data" });
            for (const range of ["~1.2", ">=1", "*", "1.2", "1.2.x", "latest", ">=1.0.0 <2.0.0"]) violates("helm-release-pinned", release(range), /range/);
            violates("helm-release-pinned", res("kubernetes:helm.sh/v3:Chart", { chart: "ingress-nginx", namespace: "ingress", fetchOpts: { repo: "https://kubernetes.github.io/ingress-nginx" } }), /no version/);
            passes("helm-release-pinned", [
                release("v1.2.3"),
                res("kubernetes:helm.sh/v3:Chart", { chart: "ingress-nginx", namespace: "ingress", fetchOpts: { repo: "https://kubernetes.github.io/ingress-nginx", version: "4.11.3" } }),
                res("kubernetes:helm.sh/v3:Chart", { path: "./charts/shop", namespace: "shop" }),
            ]);
        });
    });

    describe("k8s-namespace-default-deny", () => {
        const NS = "kubernetes:core/v1:Namespace";
        const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
        const namespace = (name: string) => res(NS, { metadata: { name } });
        const policy = (namespace: string, spec: Record<string, unknown>) => res(NP, { metadata: { name: "p", namespace }, spec });
        const denyAll = (namespace: string) => policy(namespace, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

        it("flags a namespace with no NetworkPolicy, or with allows but no deny", () => {
            violates("k8s-namespace-default-deny", namespace("shop"), /Namespace shop has no default-deny NetworkPolicy for ingress and egress/);
            // The API's one policy (ingress to its pods) leaves the other pods, and all egress, open.
            violates("k8s-namespace-default-deny", [namespace("shop"), policy("shop", { podSelector: { matchLabels: { app: "api" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: {} }] }] })]);
        });
        it("flags a deny of one direction only, one in another namespace, or one that selects only some pods", () => {
            violates("k8s-namespace-default-deny", [namespace("shop"), policy("shop", { podSelector: {}, policyTypes: ["Ingress"] })], /for egress/);
            // Without policyTypes and without egress rules, a policy is Ingress only.
            violates("k8s-namespace-default-deny", [namespace("shop"), policy("shop", { podSelector: {} })], /for egress/);
            violates("k8s-namespace-default-deny", [namespace("shop"), denyAll("redis")], /Namespace shop/);
            violates("k8s-namespace-default-deny", [namespace("shop"), policy("shop", { podSelector: { matchLabels: { app: "api" } }, policyTypes: ["Ingress", "Egress"] })]);
            violates("k8s-namespace-default-deny", [namespace("shop"), policy("shop", { podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] }, policyTypes: ["Ingress", "Egress"] })]);
        });
        it("flags a namespace-wide policy that allows everything beside the deny", () => {
            violates("k8s-namespace-default-deny", [namespace("shop"), denyAll("shop"), policy("shop", { podSelector: {}, policyTypes: ["Egress"], egress: [{}] })], /allows all egress of every pod in shop/);
        });
        it("passes a deny of both directions (one policy or two), with allows beside it, and exempt namespaces", () => {
            passes("k8s-namespace-default-deny", [
                namespace("shop"), denyAll("shop"),
                policy("shop", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }], ports: [{ port: 53, protocol: "UDP" }] }] }),
                namespace("redis"), policy("redis", { podSelector: {}, policyTypes: ["Ingress"] }), policy("redis", { podSelector: { matchLabels: {} }, policyTypes: ["Egress"], egress: [] }),
                // Everything within the namespace is an allow, not an opening to everything.
                namespace("monitoring"), denyAll("monitoring"), policy("monitoring", { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] }),
            ]);
            passes("k8s-namespace-default-deny", namespace("sandbox"), { "k8s-namespace-default-deny": { exemptNamespaces: ["sandbox"] } });
        });
        it("reports advisory when the only candidate deny is still unknown", () => {
            unknownIsAdvisory("k8s-namespace-default-deny", [namespace("shop"), res(NP, { metadata: { name: "p", namespace: "shop" }, spec: UNKNOWN })]);
        });
    });

    it("leaves non-workload Kubernetes resources alone", () => {
        const cm = res("kubernetes:core/v1:ConfigMap", { metadata: { name: "x" }, data: { a: "b" } });
        for (const p of ["k8s-no-privileged", "k8s-run-as-non-root", "k8s-resources"]) expect(judge(p, cm)).to.deep.equal([]);
    });
});
