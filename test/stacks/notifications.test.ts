import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, PlannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Env = { name: string; value?: string };

const named = (stack: PlannedStack, type: string, name: string): CapturedResource[] =>
    ofType(stack, type).filter((r) => (r.inputs.metadata as Json | undefined)?.name === name);

/** The pod spec of a Deployment or a CronJob. */
function podSpec(resource: CapturedResource): Json {
    const spec = resource.inputs.spec as Json;
    return resource.type.endsWith(":CronJob") ? spec.jobTemplate.spec.template.spec : spec.template.spec;
}

const envOf = (resource: CapturedResource): Record<string, string | undefined> =>
    Object.fromEntries((podSpec(resource).containers[0].env as Env[]).map((e) => [e.name, e.value]));

/** The shop namespace's workloads: the API, its CronJobs, the search indexer, the notifications worker. */
const appWorkloads = (stack: PlannedStack) => [...ofType(stack, "kubernetes:apps/v1:Deployment"), ...ofType(stack, "kubernetes:batch/v1:CronJob")]
    .filter((r) => (r.inputs.metadata as Json).namespace === "shop");

describe("stacks: notifications worker and tracing (issue 11)", function () {
    this.timeout(300_000);

    describe("prod", () => {
        let prod: PlannedStack;
        before(() => { prod = plannedStack("prod"); });

        it("plans the worker Deployment in the API's image with its entry point, and no policy violation", () => {
            expect(prod.exitCode).to.equal(0);
            expect(prod.report.violations).to.deep.equal([]);
            const [worker] = named(prod, "kubernetes:apps/v1:Deployment", "notifications-worker");
            const [api] = named(prod, "kubernetes:apps/v1:Deployment", "shop-api");
            expect(worker, "notifications-worker Deployment").to.not.equal(undefined);
            expect(podSpec(worker).containers[0].args).to.deep.equal(["dist/notifications-worker.js"]);
            expect(podSpec(worker).containers[0].image).to.equal(podSpec(api).containers[0].image);
        });

        it("limits the worker's IAM policy to SES send and SNS publish on the platform's own identity, configuration set and topic", () => {
            const [role] = ofType(prod, "aws:iam/role:Role").filter((r) => String(r.inputs.assumeRolePolicy).includes("system:serviceaccount:shop:notifications-worker"));
            expect(role, "the worker's IRSA role").to.not.equal(undefined);
            const [policy] = ofType(prod, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === role.outputs.id || p.inputs.role === role.id);
            const statements = JSON.parse(String(policy.inputs.policy)).Statement as { Action: string | string[]; Resource: string | string[] }[];
            const actions = statements.flatMap((s) => [s.Action].flat()).sort();
            expect(actions).to.deep.equal(["ses:SendEmail", "ses:SendRawEmail", "sns:Publish"]);
            const identity = ofType(prod, "aws:sesv2/emailIdentity:EmailIdentity")[0].outputs.arn;
            const configurationSet = ofType(prod, "aws:sesv2/configurationSet:ConfigurationSet")[0].outputs.arn;
            const topic = ofType(prod, "aws:sns/topic:Topic").find((t) => String(t.inputs.name).endsWith("-customer-messages"))?.outputs.arn;
            expect(statements.flatMap((s) => [s.Resource].flat()).sort()).to.deep.equal([identity, configurationSet, topic].sort());
        });

        it("gives the worker a KafkaUser with exactly its ACLs, and the API write access to payments", () => {
            const acls = (user: string) => (named(prod, "kubernetes:kafka.strimzi.io/v1:KafkaUser", user)[0].inputs.spec as Json).authorization.acls as Json[];
            const brief = (list: Json[]) => list.map((a) => `${a.resource.type}:${a.resource.name}:${[...a.operations].sort().join("+")}`).sort();
            expect(brief(acls("notifications-worker"))).to.deep.equal([
                "group:notifications-worker:Read",
                "topic:notifications-dlq:Describe+Write",
                "topic:notifications:Describe+Read",
                "topic:orders:Describe+Read",
                "topic:payments:Describe+Read",
            ]);
            expect(brief(acls("shop-api"))).to.include("topic:payments:Describe+Write");
        });

        it("runs the OpenTelemetry Collector (2 replicas) writing to the region's Elasticsearch as its own user", () => {
            const [release] = ofType(prod, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "opentelemetry-collector");
            expect(release.inputs).to.include({ name: "otel-collector", namespace: "observability" });
            const values = release.inputs.values as Json;
            expect(values.replicaCount).to.equal(2);
            expect(values.config.exporters.elasticsearch).to.include({ endpoint: "https://search-es-http.search.svc:9200", user: "otel-collector" });
            const [elasticsearch] = ofType(prod, "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch");
            expect(((elasticsearch.inputs.spec as Json).auth.fileRealm as Json[]).map((r) => r.secretName)).to.include("search-trace-writer");
        });

        it("exports the metrics the worker's alerts read: its group's lag and the dead-letter topic's offsets (Kafka Exporter filters)", () => {
            const [kafka] = ofType(prod, "kubernetes:kafka.strimzi.io/v1:Kafka");
            const exporter = (kafka.inputs.spec as Json).kafkaExporter as { topicRegex: string; groupRegex: string };
            expect(new RegExp(exporter.topicRegex).test("notifications-dlq")).to.equal(true);
            expect(new RegExp(exporter.groupRegex).test("notifications-worker")).to.equal(true);
            const [rule] = named(prod, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "notifications-worker");
            expect(((rule.inputs.spec as Json).groups[0].rules as { alert: string }[]).map((r) => r.alert)).to.deep.equal(["NotificationsWorkerLagging", "NotificationsDeadLettered"]);
        });

        it("has the worker's Redis ACL user in the cluster's ACL file", () => {
            const [release] = ofType(prod, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === "redis-cluster");
            expect(release, "redis-cluster release").to.not.equal(undefined);
            const users = ofType(prod, "random:index/randomPassword:RandomPassword").map((r) => r.urn.split("::").pop());
            expect(users.some((name) => name?.endsWith("notifications-worker"))).to.equal(true);
        });
    });

    for (const stackName of allStacks()) {
        describe(stackName, () => {
            let stack: PlannedStack;
            before(() => { stack = plannedStack(stackName); });

            it("every app workload (API, jobs, indexer, worker) sends traces to the collector with the stack's sampling ratio under its own service name", () => {
                const ratio = stackName.startsWith("prod") ? "0.1" : "1";
                const workloads = appWorkloads(stack);
                // The writing CronJobs run only in the writer's region (stacks/data-topology.ts): dev and prod here.
                const writerJobs = ["dev", "prod"].includes(stackName) ? ["shop-analyse", "shop-fetch-products"] : [];
                expect(workloads.map((w) => (w.inputs.metadata as Json).name).sort()).to.deep.equal(["notifications-worker", "shop-api", "shop-search-indexer", ...writerJobs].sort());
                const names = new Set<string>();
                for (const workload of workloads) {
                    const env = envOf(workload);
                    const label = String((workload.inputs.metadata as Json).name);
                    expect(env, label).to.include({
                        OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.observability.svc.cluster.local:4318",
                        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
                        OTEL_TRACES_SAMPLER_ARG: ratio,
                    });
                    names.add(String(env.OTEL_SERVICE_NAME));
                }
                expect(names.size, "distinct OTEL_SERVICE_NAME per workload").to.equal(workloads.length);
            });
        });
    }
});
