import { expect } from "chai";
import { CHARTS } from "../../components/catalogue";
import { dependencyClosure, ofType, plannedStack, PlannedStack } from "../support/plans";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RELEASE = "kubernetes:helm.sh/v3:Release";
const CR = {
    kafka: "kubernetes:kafka.strimzi.io/v1:Kafka",
    nodePool: "kubernetes:kafka.strimzi.io/v1:KafkaNodePool",
    topic: "kubernetes:kafka.strimzi.io/v1:KafkaTopic",
    elasticsearch: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch",
    kibana: "kubernetes:kibana.k8s.elastic.co/v1:Kibana",
};

function release(stack: PlannedStack, chart: keyof typeof CHARTS): Spec {
    const found = ofType(stack, RELEASE).filter((r) => r.inputs.chart === CHARTS[chart].chart);
    expect(found, `one release of ${CHARTS[chart].chart}`).to.have.length(1);
    return found[0].inputs;
}

function pool(stack: PlannedStack, name: string): Spec {
    return ofType(stack, CR.nodePool).find((p) => (p.inputs.metadata as Spec).name === name)!.inputs.spec as Spec;
}

describe("stacks: cluster services in the offline plan", function () {
    this.timeout(180_000);
    let prod: PlannedStack;
    let dev: PlannedStack;
    before(() => {
        prod = plannedStack("prod");
        dev = plannedStack("dev");
    });

    it("prod and dev plan without a mandatory policy violation", () => {
        expect(prod.exitCode, prod.stdout).to.equal(0);
        expect(dev.exitCode, dev.stdout).to.equal(0);
        expect(prod.report.violations.filter((v) => v.enforcementLevel === "mandatory")).to.deep.equal([]);
    });

    it("holds the Helm releases for Redis, Strimzi, ECK, Fluent Bit, Kong and Keycloak, each at its catalogue version", () => {
        for (const stack of [prod, dev]) {
            for (const chart of ["redisOperator", "redisCluster", "strimzi", "eckOperator", "fluentBit", "kong", "keycloak"] as const) {
                expect(release(stack, chart).version).to.equal(CHARTS[chart].version);
            }
        }
    });

    it("tears a LoadBalancer Service down while the load balancer controller still runs (so its NLB goes before the VPC)", () => {
        // pulumi-kubernetes helm_release.go Delete: an atomic (or not skipAwait) release uninstalls with Wait, and Helm
        // 3.20 (pkg/action/uninstall.go, kube/wait.go waitForDeletedResources) polls until every deleted object is
        // NotFound: the Service's finalizer service.k8s.aws/resources is only lifted by the controller once the NLB is
        // gone. Pulumi deletes dependents first, so the release must depend on the controller's release.
        for (const stack of [prod, dev]) {
            const controller = ofType(stack, RELEASE).find((r) => r.inputs.chart === CHARTS.awsLoadBalancerController.chart)!;
            const withLoadBalancer = ofType(stack, RELEASE).filter((r) => JSON.stringify(r.inputs.values ?? {}).includes('"type":"LoadBalancer"'));
            expect(withLoadBalancer.map((r) => r.inputs.chart)).to.deep.equal([CHARTS.kong.chart]);
            for (const release of withLoadBalancer) {
                expect(release.inputs.atomic === true || release.inputs.skipAwait !== true, `${release.urn} waits on uninstall`).to.equal(true);
                expect(dependencyClosure(stack, release), release.urn).to.include(controller.urn);
            }
            const services = ofType(stack, "kubernetes:core/v1:Service").filter((s) => (s.inputs.spec as Spec | undefined)?.type === "LoadBalancer");
            for (const service of services) expect(dependencyClosure(stack, service), service.urn).to.include(controller.urn);
        }
    });

    it("pins every Helm release of the plan to an exact version from the catalogue", () => {
        const pinned = new Map<string, string>(Object.values(CHARTS).map((c) => [c.chart, c.version]));
        for (const r of ofType(prod, RELEASE)) {
            expect(String(r.inputs.version), String(r.inputs.chart)).to.match(/^\d+\.\d+\.\d+$/);
            expect(pinned.get(String(r.inputs.chart)), String(r.inputs.chart)).to.equal(r.inputs.version);
        }
    });

    it("holds the Kafka, KafkaNodePool, KafkaTopic, Elasticsearch and Kibana custom resources", () => {
        for (const stack of [prod, dev]) {
            expect(ofType(stack, CR.kafka)).to.have.length(1);
            expect(ofType(stack, CR.nodePool)).to.have.length(2);
            expect(ofType(stack, CR.topic).map((t) => (t.inputs.metadata as Spec).name)).to.include.members(["orders", "payments", "notifications"]);
            expect(ofType(stack, CR.elasticsearch)).to.have.length(1);
            expect(ofType(stack, CR.kibana)).to.have.length(1);
        }
    });

    it("starts every workload that needs Karpenter capacity only once the NodePools exist", () => {
        const nodePools = ofType(prod, "kubernetes:karpenter.sh/v1:NodePool").map((p) => p.urn);
        expect(nodePools).to.have.length(2);
        const releases = ofType(prod, RELEASE).filter((r) => ["redisCluster", "keycloak", "kong", "kubePrometheusStack"]
            .some((chart) => r.inputs.chart === CHARTS[chart as keyof typeof CHARTS].chart));
        // Data services on the stateful pool (Kafka's pools and cluster, Elasticsearch, the Redis cluster), the rest on the general pool.
        const workloads = [...ofType(prod, CR.kafka), ...ofType(prod, CR.nodePool), ...ofType(prod, CR.elasticsearch), ...ofType(prod, CR.kibana), ...releases];
        expect(workloads).to.have.length(9);
        for (const workload of workloads) expect([...dependencyClosure(prod, workload)], workload.urn).to.include.members(nodePools);
    });

    it("holds the CloudWatch alarms and the encrypted SNS topic they notify", () => {
        // The alarm topic (the notifications worker's customer-message topic is another).
        const topic = ofType(prod, "aws:sns/topic:Topic").filter((t) => t.urn.endsWith("-monitoring-alarms"));
        expect(topic).to.have.length(1);
        expect(topic[0].inputs.kmsMasterKeyId).to.be.a("string").and.not.equal("");
        const alarms = ofType(prod, "aws:cloudwatch/metricAlarm:MetricAlarm");
        expect(alarms.length).to.be.at.least(6);
        for (const alarm of alarms) expect(alarm.inputs.alarmActions).to.deep.equal([topic[0].outputs.arn]);
        expect(ofType(prod, "aws:sns/topicSubscription:TopicSubscription")[0].inputs.endpoint).to.equal("oncall@example.com");
        expect(ofType(prod, "aws:eks/addon:Addon").map((a) => a.inputs.addonName)).to.include("amazon-cloudwatch-observability");
    });

    it("has Prometheus scrape the Kafka Exporter and the Redis exporters where it runs, after its operator's CRDs, and alert on them", () => {
        const prometheus = ofType(prod, RELEASE).find((r) => r.inputs.chart === CHARTS.kubePrometheusStack.chart)!;
        const monitor = ofType(prod, "kubernetes:monitoring.coreos.com/v1:PodMonitor");
        expect(monitor).to.have.length(1);
        expect(dependencyClosure(prod, monitor[0])).to.include(prometheus.urn);
        const redis = ofType(prod, RELEASE).find((r) => r.inputs.chart === CHARTS.redisCluster.chart)!;
        expect((redis.inputs.values as Spec).serviceMonitor).to.deep.equal({ enabled: true });
        expect(dependencyClosure(prod, redis)).to.include(prometheus.urn);
        const alerts = ofType(prod, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
            .flatMap((r) => (r.inputs.spec as Spec).groups.flatMap((g: Spec) => g.rules.map((rule: Spec) => rule.alert)));
        expect(alerts).to.include.members(["KafkaUnderReplicatedPartitions", "KafkaConsumerGroupLag", "RedisDown"]);
        // Dev runs the exporters (the Kafka Exporter is Strimzi's) but no Prometheus: nothing that needs its CRDs.
        expect((ofType(dev, CR.kafka)[0].inputs.spec as Spec).kafkaExporter).to.be.an("object");
        expect(ofType(dev, "kubernetes:monitoring.coreos.com/v1:PodMonitor")).to.have.length(0);
        expect((release(dev, "redisCluster").values as Spec).serviceMonitor).to.deep.equal({ enabled: false });
    });

    it("sizes prod for failure and dev small", () => {
        expect(pool(prod, "broker").replicas).to.equal(3);
        expect(pool(prod, "controller").replicas).to.equal(3);
        expect(pool(dev, "broker").replicas).to.equal(1);
        expect((ofType(prod, CR.topic)[0].inputs.spec as Spec).replicas).to.equal(3);
        expect((ofType(dev, CR.topic)[0].inputs.spec as Spec).replicas).to.equal(1);
        expect((ofType(prod, CR.elasticsearch)[0].inputs.spec as Spec).nodeSets[0].count).to.equal(3);
        expect((ofType(dev, CR.elasticsearch)[0].inputs.spec as Spec).nodeSets[0].count).to.equal(1);
        expect(release(prod, "redisCluster").values.redisCluster.follower.replicas).to.equal(3);
        expect(release(dev, "redisCluster").values.redisCluster.follower.replicas).to.equal(0);
        expect(release(prod, "kong").values.autoscaling.minReplicas).to.be.greaterThan(release(dev, "kong").values.autoscaling.minReplicas);
    });

    it("installs Grafana where grafanaEnabled is on (prod) and not where it is off (dev)", () => {
        expect(release(prod, "kubePrometheusStack").values.grafana.enabled).to.equal(true);
        expect(ofType(dev, RELEASE).filter((r) => r.inputs.chart === CHARTS.kubePrometheusStack.chart)).to.have.length(0);
    });

    it("puts block data on gp3: Kafka, Elasticsearch, Redis and Prometheus volumes", () => {
        for (const p of ofType(prod, CR.nodePool)) expect((p.inputs.spec as Spec).storage.volumes[0].class).to.equal("gp3");
        expect((ofType(prod, CR.elasticsearch)[0].inputs.spec as Spec).nodeSets[0].volumeClaimTemplates[0].spec.storageClassName).to.equal("gp3");
        expect(release(prod, "redisCluster").values.storageSpec.volumeClaimTemplate.spec.storageClassName).to.equal("gp3");
        expect(release(prod, "kubePrometheusStack").values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).to.equal("gp3");
    });

    it("never carries a generated or configured secret in plain inputs", () => {
        for (const stack of [prod, dev]) {
            const generated = [
                ...ofType(stack, "random:index/randomPassword:RandomPassword").map((r) => String(r.outputs.result)),
                ...ofType(stack, "tls:index/privateKey:PrivateKey").map((r) => String(r.outputs.privateKeyPem).split("\n")[1]),
            ];
            expect(generated.length).to.be.greaterThan(3);
            const inputs = stack.resources.filter((r) => !r.type.startsWith("random:") && !r.type.startsWith("tls:")).map((r) => JSON.stringify(r.inputs)).join("\n");
            for (const value of generated) expect(inputs).to.not.include(value);
            expect(inputs).to.not.include("set-with-pulumi-config-set-secret");
        }
    });

    it("gives every namespace of a cluster service a Pod Security Standards level", () => {
        const levels = Object.fromEntries(ofType(prod, "kubernetes:core/v1:Namespace").map((n) => {
            const metadata = n.inputs.metadata as Spec;
            return [metadata.name, metadata.labels["pod-security.kubernetes.io/enforce"]];
        }));
        expect(levels).to.include({ kafka: "restricted", kong: "restricted", identity: "restricted", monitoring: "restricted", logging: "privileged", redis: "baseline", search: "baseline" });
    });
});
