import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, PlannedStack } from "../support/plans";

/**
 * Issue 14, finding 10: a pod mounts a Kubernetes service-account token only when its workload calls the Kubernetes
 * API. A token in a pod that never uses it is a free credential for whoever gets code execution there. IRSA does not
 * need it: the EKS pod identity webhook projects its own `aws-iam-token` volume into pods of an annotated service
 * account whatever automountServiceAccountToken says (aws/amazon-eks-pod-identity-webhook, pkg/handler/handler.go).
 */

/** Workloads the platform declares itself that may mount a token, by "namespace/name", and why. Empty: none needs one. */
const TOKEN_ALLOWED: Record<string, string> = {};

/**
 * Helm releases render their own workloads, which the offline plan cannot see (no chart rendering here). Each is listed
 * with whether its pods call the Kubernetes API, so a new release cannot arrive unreviewed.
 */
const CHART_WORKLOADS: Record<string, string> = {
    "metrics-server": "calls the API: serves the metrics API from kubelet stats and registers it",
    "oci://public.ecr.aws/karpenter/karpenter": "controller: watches pods and nodes, writes NodeClaims",
    "aws-load-balancer-controller": "controller: watches Services, Ingresses and TargetGroupBindings",
    "oci://quay.io/strimzi-helm/strimzi-kafka-operator": "operator: reconciles Kafka custom resources",
    "eck-operator": "operator: reconciles Elasticsearch and Kibana custom resources",
    "redis-operator": "operator: reconciles RedisCluster custom resources",
    "kong": "the ingress controller sidecar watches Ingresses, Services and Kong plugins",
    "kube-prometheus-stack": "Prometheus discovers scrape targets through the API; the operator reconciles its resources",
    "redis-cluster": "renders a RedisCluster for the operator; the operator's pods hold the token, the Redis pods are left to the chart (see the report)",
    "fluent-bit": "the kubernetes filter reads pod metadata from the API",
    "keycloakx": "Keycloak itself needs no token: the component sets serviceAccount.automountServiceAccountToken false",
    "opentelemetry-collector": "the collector reads nothing from the API (no k8sattributes preset): serviceAccount.automountServiceAccountToken false",
    "prometheus-elasticsearch-exporter": "calls Elasticsearch only: the component has the chart create its service account with automountServiceAccountToken false",
};

const WORKLOAD_TYPES = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];

type Json = Record<string, unknown>;
const rec = (value: unknown): Json => (typeof value === "object" && value !== null ? value as Json : {});

function podSpecOf(workload: CapturedResource): Json {
    const spec = rec(workload.inputs.spec);
    const template = workload.type.endsWith(":CronJob") ? rec(rec(rec(spec.jobTemplate).spec).template) : rec(spec.template);
    return rec(template.spec);
}

/** Whether the pods of `workload` get a token: the pod's own setting, else its service account's, else Kubernetes' default (true). */
function mountsToken(stack: PlannedStack, workload: CapturedResource): boolean {
    const pod = podSpecOf(workload);
    if (typeof pod.automountServiceAccountToken === "boolean") return pod.automountServiceAccountToken;
    const namespace = rec(workload.inputs.metadata).namespace;
    const accountName = pod.serviceAccountName ?? "default";
    const account = ofType(stack, "kubernetes:core/v1:ServiceAccount")
        .find((sa) => rec(sa.inputs.metadata).name === accountName && rec(sa.inputs.metadata).namespace === namespace);
    return account?.inputs.automountServiceAccountToken !== false;
}

const workloadName = (workload: CapturedResource) => `${rec(workload.inputs.metadata).namespace}/${rec(workload.inputs.metadata).name ?? workload.urn.split("::").pop()}`;

describe("stacks: service-account tokens only where the Kubernetes API is called (issue 14, finding 10)", function () {
    this.timeout(180_000);

    for (const stackName of ["prod", "dev"]) {
        describe(stackName, () => {
            let stack: PlannedStack;
            before(() => { stack = plannedStack(stackName); });

            it("mounts no token into a pod of a workload the platform declares, except those listed with a reason", () => {
                const workloads = WORKLOAD_TYPES.flatMap((type) => ofType(stack, type));
                expect(workloads.length).to.be.greaterThan(5);
                const mounting = workloads.filter((w) => mountsToken(stack, w)).map(workloadName).sort();
                expect(mounting).to.deep.equal(Object.keys(TOKEN_ALLOWED).sort());
            });

            it("declares every service account with automountServiceAccountToken false, IRSA-annotated ones included", () => {
                const accounts = ofType(stack, "kubernetes:core/v1:ServiceAccount");
                expect(accounts).to.not.be.empty;
                for (const account of accounts) expect(account.inputs.automountServiceAccountToken, account.urn).to.equal(false);
                expect(accounts.filter((a) => rec(rec(a.inputs.metadata).annotations)["eks.amazonaws.com/role-arn"] !== undefined)).to.not.be.empty;
            });

            it("has reviewed every Helm release's workloads for token use", () => {
                const charts = ofType(stack, "kubernetes:helm.sh/v3:Release").map((r) => String(r.inputs.chart));
                expect(charts.filter((chart) => CHART_WORKLOADS[chart] === undefined)).to.deep.equal([]);
            });
        });
    }
});
