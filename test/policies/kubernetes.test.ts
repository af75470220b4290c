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
        violates("helm-release-pinned", res("kubernetes:helm.sh/v4:Chart", { chart: "oci://registry-1.docker.io/bitnamicharts/redis", version: "18.x" }));
        passes("helm-release-pinned", [release("18.19.2"), res("kubernetes:helm.sh/v4:Chart", { chart: "./charts/local" })]);
    });
    it("k8s-no-default-namespace (metadata, Helm namespace, or the provider's namespace)", () => {
        violates("k8s-no-default-namespace", res("kubernetes:apps/v1:Deployment", { metadata: { name: "x" }, spec: {} }), /unset/);
        violates("k8s-no-default-namespace", res("kubernetes:helm.sh/v3:Release", { chart: "x", version: "1.0.0", namespace: "default" }));
        const provider = res("pulumi:providers:kubernetes", { namespace: "shop" });
        passes("k8s-no-default-namespace", [deployment(), provider, res("kubernetes:apps/v1:Deployment", { metadata: { name: "x" }, spec: {} }, { provider })]);
    });
    it("leaves non-workload Kubernetes resources alone", () => {
        const cm = res("kubernetes:core/v1:ConfigMap", { metadata: { name: "x" }, data: { a: "b" } });
        for (const p of ["k8s-no-privileged", "k8s-run-as-non-root", "k8s-resources"]) expect(judge(p, cm)).to.deep.equal([]);
    });
});
