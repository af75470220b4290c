import { expect } from "chai";
import { INFORMATIONAL_CHECK_TIMEOUT_MS } from "../../app/src/http/health-routes";
import type { CapturedResource } from "../../tools/capture";
import { dependencyClosure, ofType, plannedStack, PlannedStack } from "../support/plans";

type Probe = { httpGet: { path: string }; timeoutSeconds?: number };
type Container = { env: { name: string; value?: string }[]; readinessProbe: Probe; livenessProbe: Probe; args?: string[] };
type Pod = { securityContext: { runAsNonRoot: boolean }; containers: Container[] };

interface Expression { key: string; operator: string; values?: string[] }
interface Toleration { key?: string; operator?: string; value?: string; effect?: string }
interface Taint { key: string; value?: string; effect: string }
type PodTemplate = {
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions?: Expression[] }[] } } };
    containers: { image: string }[];
};
type NodePoolSpec = { template: { metadata?: { labels?: Record<string, string> }; spec: { requirements: Expression[]; taints?: Taint[] } } };

/** Every pod template of the plan: Deployments, CronJobs and Jobs. */
function podTemplates(stack: PlannedStack): { resource: CapturedResource; pod: PodTemplate }[] {
    return stack.resources.flatMap((resource) => {
        const spec = resource.inputs.spec as Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
        if (resource.type === "kubernetes:apps/v1:Deployment" || resource.type === "kubernetes:batch/v1:Job") return [{ resource, pod: spec?.template.spec as PodTemplate }];
        if (resource.type === "kubernetes:batch/v1:CronJob") return [{ resource, pod: spec?.jobTemplate.spec.template.spec as PodTemplate }];
        return [];
    });
}

/**
 * The architectures a pod may get from Karpenter: over the NodePools whose taints it tolerates and whose labels its
 * selectors accept, the pool's kubernetes.io/arch values, narrowed by the pod's own arch affinity.
 */
function reachableArchitectures(pod: PodTemplate, pools: NodePoolSpec[]): string[] {
    const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [{ matchExpressions: [] }];
    const tolerates = (taint: Taint) => (pod.tolerations ?? []).some((t) => t.key === taint.key && (t.operator === "Exists" || t.value === taint.value) && (!t.effect || t.effect === taint.effect));
    const archs = new Set<string>();
    for (const pool of pools) {
        if (!(pool.template.spec.taints ?? []).every(tolerates)) continue;
        const labels = pool.template.metadata?.labels ?? {};
        if (!Object.entries(pod.nodeSelector ?? {}).every(([key, value]) => labels[key] === value)) continue;
        const poolArchs = pool.template.spec.requirements.find((r) => r.key === "kubernetes.io/arch" && r.operator === "In")?.values ?? [];
        for (const term of terms) {
            const expressions = term.matchExpressions ?? [];
            if (!expressions.filter((e) => e.key !== "kubernetes.io/arch").every((e) => e.operator === "In" && e.values?.includes(labels[e.key]))) continue;
            const podArchs = expressions.find((e) => e.key === "kubernetes.io/arch" && e.operator === "In")?.values;
            for (const arch of poolArchs) if (!podArchs || podArchs.includes(arch)) archs.add(arch);
        }
    }
    return [...archs].sort();
}

function named(stack: PlannedStack, type: string, name: string) {
    const found = ofType(stack, type).filter((r) => (r.inputs.metadata as { name?: string; namespace?: string }).name === name && (r.inputs.metadata as { namespace?: string }).namespace === "shop");
    expect(found, `${type} ${name}`).to.have.length(1);
    return found[0].inputs;
}

describe("stacks/shop-api (the API in every region)", function () {
    this.timeout(180_000);

    describe("prod", () => {
        let prod: PlannedStack;
        before(() => { prod = plannedStack("prod"); });

        it("runs the API Deployment with at least two replicas, probes and a non-root user", () => {
            const spec = named(prod, "kubernetes:apps/v1:Deployment", "shop-api").spec as { template: { spec: Pod } };
            // The HPA owns the count (test/stacks/hpa-replicas.test.ts): its floor is the API's minimum.
            expect((named(prod, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "shop-api").spec as { minReplicas: number }).minReplicas).to.be.at.least(2);
            expect(spec.template.spec.securityContext.runAsNonRoot).to.equal(true);
            expect(spec.template.spec.containers[0].readinessProbe.httpGet.path).to.equal("/readyz");
            expect(spec.template.spec.containers[0].livenessProbe.httpGet.path).to.equal("/healthz");
        });

        it("gives /readyz time to report a writer that never answers (its region lost) without failing the probe", () => {
            const spec = named(prod, "kubernetes:apps/v1:Deployment", "shop-api").spec as { template: { spec: Pod } };
            const probeTimeoutMs = (spec.template.spec.containers[0].readinessProbe.timeoutSeconds ?? 1) * 1000;
            // Kubernetes counts a probe that outlasts timeoutSeconds as failed: the informational wait must end well before.
            expect(INFORMATIONAL_CHECK_TIMEOUT_MS).to.be.at.most(probeTimeoutMs / 2);
        });

        it("has its Service, HPA, PDB and the product-fetch and analysis CronJobs", () => {
            named(prod, "kubernetes:core/v1:Service", "shop-api");
            expect((named(prod, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "shop-api").spec as { minReplicas: number }).minReplicas).to.be.at.least(2);
            named(prod, "kubernetes:policy/v1:PodDisruptionBudget", "shop-api");
            named(prod, "kubernetes:batch/v1:CronJob", "shop-fetch-products");
            named(prod, "kubernetes:batch/v1:CronJob", "shop-analyse");
        });

        it("is wired to this region's database, Redis, Kafka, Elasticsearch and Keycloak", () => {
            const env = Object.fromEntries((named(prod, "kubernetes:apps/v1:Deployment", "shop-api").spec as { template: { spec: Pod } }).template.spec.containers[0].env.map((e) => [e.name, e.value]));
            const database = ofType(prod, "aws:rds/instance:Instance")[0].outputs.address as string;
            expect(env.DATABASE_URL).to.include(`@${database}:5432/shop`);
            expect(env.REDIS_CLUSTER).to.equal("true");
            expect(env.KAFKA_BROKERS).to.match(/kafka-bootstrap\.kafka\.svc:9094$/);
            expect(env.ES_URL).to.match(/^https:\/\/.*:9200$/);
            expect(env.OIDC_ISSUER).to.match(/\/realms\/shop$/);
        });

        it("gets Kafka credentials for exactly the topics it publishes to", () => {
            const user = ofType(prod, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((u) => (u.inputs.metadata as { name: string }).name === "shop-api");
            const acls = (user?.inputs.spec as { authorization: { acls: { resource: { name: string } }[] } }).authorization.acls;
            // payments: the order flow's payment events, through the same outbox (issue 11).
            expect(acls.map((a) => a.resource.name)).to.have.members(["orders", "products", "payments"]);
            expect((acls as unknown as { operations: string[] }[]).map((a) => a.operations)).to.deep.equal([["Write", "Describe"], ["Write", "Describe"], ["Write", "Describe"]]);
            const topics = ofType(prod, "kubernetes:kafka.strimzi.io/v1:KafkaTopic").map((t) => (t.inputs.metadata as { name: string }).name);
            expect(topics).to.include.members(["orders", "products", "payments"]);
        });

        it("has its metrics scraped by the region's Prometheus", () => {
            const monitor = named(prod, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "shop-api");
            expect((monitor.spec as { endpoints: { path: string }[] }).endpoints[0].path).to.equal("/metrics");
        });

        it("builds one API image for every architecture a pod running it may be given (NodePools read from the plan)", () => {
            const image = ofType(prod, "docker-build:index:Image");
            expect(image).to.have.length(1);
            const imageArchs = (image[0].inputs.platforms as string[]).map((p) => p.replace("linux/", "")).sort();
            const pools = ofType(prod, "kubernetes:karpenter.sh/v1:NodePool").map((p) => p.inputs.spec as NodePoolSpec);
            const apiPods = podTemplates(prod).filter(({ pod }) => pod.containers.some((c) => c.image === image[0].outputs.ref));
            // The API, the search indexer, the notifications worker and the two CronJobs.
            expect(apiPods.map(({ resource }) => resource.type).sort()).to.deep.equal([
                "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:Deployment", "kubernetes:batch/v1:CronJob", "kubernetes:batch/v1:CronJob",
            ]);
            for (const { resource, pod } of apiPods) {
                const reachable = reachableArchitectures(pod, pools);
                expect(reachable, resource.urn).to.not.deep.equal([]);
                expect(imageArchs, resource.urn).to.include.members(reachable);
            }
        });

        it("creates its workloads only once the Karpenter NodePools they land on exist", () => {
            const nodePools = ofType(prod, "kubernetes:karpenter.sh/v1:NodePool").map((p) => p.urn);
            // The API's database bootstrap Job runs in db-bootstrap, apart from the app (it may read the master secret).
            const namespaces: Record<string, string> = { "kubernetes:apps/v1:Deployment": "shop", "kubernetes:batch/v1:CronJob": "shop", "kubernetes:batch/v1:Job": "db-bootstrap" };
            for (const [type, namespace] of Object.entries(namespaces)) {
                const inShop = ofType(prod, type).filter((r) => (r.inputs.metadata as { namespace?: string }).namespace === namespace);
                expect(inShop, type).to.not.deep.equal([]);
                for (const workload of inShop) expect([...dependencyClosure(prod, workload)], workload.urn).to.include.members(nodePools);
            }
        });

        it("keeps the Elasticsearch product index in step through a search indexer that may only read the products topic", () => {
            const indexer = named(prod, "kubernetes:apps/v1:Deployment", "shop-search-indexer").spec as { template: { spec: Pod } };
            expect(indexer.template.spec.containers[0].args).to.deep.equal(["dist/jobs.js", "index-search"]);
            const user = ofType(prod, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((u) => (u.inputs.metadata as { name: string }).name === "shop-search-indexer");
            const acls = (user?.inputs.spec as { authorization: { acls: { resource: { type: string; name: string }; operations: string[] }[] } }).authorization.acls;
            expect(acls).to.deep.equal([
                { type: "allow", resource: { type: "topic", name: "products", patternType: "literal" }, operations: ["Read", "Describe"] },
                { type: "allow", resource: { type: "group", name: "shop-search-indexer", patternType: "literal" }, operations: ["Read"] },
            ]);
            named(prod, "kubernetes:core/v1:Secret", "kafka-shop-search-indexer");
        });
    });

    it("dev runs a single replica, and no ServiceMonitor since dev runs no Prometheus", () => {
        const dev = plannedStack("dev");
        expect((named(dev, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "shop-api").spec as { minReplicas: number }).minReplicas).to.equal(1);
        expect(ofType(dev, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).to.have.length(0);
        expect(ofType(dev, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.name)).to.not.include("kube-prometheus-stack");
    });
});

describe("the API's Kafka user outside the writer's region", function () {
    this.timeout(180_000);
    for (const stack of ["prod-us-east-1", "prod-eu-west-1"]) {
        it(`${stack}: no Write anywhere (its relay is off, MirrorMaker 2 alone writes products there), Describe only`, () => {
            const planned = plannedStack(stack);
            const user = ofType(planned, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((u) => (u.inputs.metadata as { name: string }).name === "shop-api");
            const acls = (user?.inputs.spec as { authorization: { acls: { resource: { name: string }; operations: string[] }[] } }).authorization.acls;
            expect(acls.map((a) => [a.resource.name, a.operations])).to.deep.equal([["orders", ["Describe"]], ["products", ["Describe"]], ["payments", ["Describe"]]]);
            const deployment = named(planned, "kubernetes:apps/v1:Deployment", "shop-api").spec as { template: { spec: Pod } };
            expect(deployment.template.spec.containers[0].env.find((e) => e.name === "OUTBOX_RELAY")?.value).to.equal("disabled");
        });
    }
});

describe("the API and the platform agree on Kafka topics", () => {
    it("every topic the API publishes to is declared by the platform and granted to the API; the indexer reads the products topic", async () => {
        const topics: Record<string, unknown> = await import("../../app/src/outbox/topics");
        const { ORDERS_TOPIC, PRODUCTS_TOPIC } = topics as { ORDERS_TOPIC: string; PRODUCTS_TOPIC: string };
        // The payment events' topic (issue 11): the app names it PAYMENTS_TOPIC once its payment step is in.
        const PAYMENTS_TOPIC = typeof topics.PAYMENTS_TOPIC === "string" ? topics.PAYMENTS_TOPIC : "payments";
        const { DEFAULT_TOPICS } = await import("../../components/kafka");
        const declared = DEFAULT_TOPICS.map((t) => t.name);
        expect(declared).to.include.members([ORDERS_TOPIC, PRODUCTS_TOPIC, PAYMENTS_TOPIC]);
        const prod = plannedStack("prod");
        const user = ofType(prod, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((u) => (u.inputs.metadata as { name: string }).name === "shop-api");
        const granted = (user?.inputs.spec as { authorization: { acls: { resource: { name: string }; operations: string[] }[] } }).authorization.acls
            .filter((acl) => acl.operations.includes("Write")).map((acl) => acl.resource.name);
        expect(granted).to.have.members([ORDERS_TOPIC, PRODUCTS_TOPIC, PAYMENTS_TOPIC]);
        const indexer = ofType(prod, "kubernetes:kafka.strimzi.io/v1:KafkaUser").find((u) => (u.inputs.metadata as { name: string }).name === "shop-search-indexer");
        const read = (indexer?.inputs.spec as { authorization: { acls: { resource: { type: string; name: string }; operations: string[] }[] } }).authorization.acls
            .filter((acl) => acl.resource.type === "topic" && acl.operations.includes("Read")).map((acl) => acl.resource.name);
        expect(read).to.deep.equal([PRODUCTS_TOPIC]);
    });
});
