import { expect } from "chai";
import { CHARTS } from "../../components/catalogue";
import { Kafka } from "../../components/kafka";
import { declared, Registered } from "../support/mock-runtime";
import { validateCustomResource } from "../support/crd-validator";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const POOL = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool";
const TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic";

const pool = (r: Registered, name: string): Spec => r.ofType(POOL).find((p) => (p.inputs.metadata as Spec).name === name)!.inputs;
const kafkaSpec = (r: Registered): Spec => (r.one("kubernetes:kafka.strimzi.io/v1:Kafka").inputs.spec as Spec);

describe("components/kafka", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declared("kafkatest-prod", () => new Kafka("kafkatest-prod", { namespace: "kafka-prod", brokers: 3, controllers: 3, replicationFactor: 3, strictZoneSpread: true }));
        dev = await declared("kafkatest-dev", () => new Kafka("kafkatest-dev", { namespace: "kafka-dev", brokers: 1, controllers: 1, replicationFactor: 1 }));
    });

    it("installs the Strimzi 1.2.0 operator (which serves kafka.strimzi.io/v1) with the restricted pod security provider", () => {
        const release = prod.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release.chart).to.equal("oci://quay.io/strimzi-helm/strimzi-kafka-operator");
        expect(release.version).to.equal(CHARTS.strimzi.version).and.equal("1.2.0");
        expect((release.values as Spec).extraEnvs).to.deep.include({ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" });
    });

    it("prod has 3 KRaft controllers and 3 brokers on gp3 volumes", () => {
        expect(pool(prod, "controller").spec).to.deep.include({ replicas: 3, roles: ["controller"] });
        expect(pool(prod, "broker").spec).to.deep.include({ replicas: 3, roles: ["broker"] });
        for (const name of ["controller", "broker"]) {
            const volume = pool(prod, name).spec.storage.volumes[0];
            expect(volume).to.include({ type: "persistent-claim", class: "gp3", deleteClaim: false });
            expect(pool(prod, name).metadata.labels).to.deep.equal({ "strimzi.io/cluster": "events" });
        }
    });

    it("prod replicates topics 3 times and requires 2 in-sync replicas", () => {
        expect(kafkaSpec(prod).kafka.config).to.include({ "default.replication.factor": 3, "min.insync.replicas": 2 });
        for (const topic of prod.ofType(TOPIC)) {
            expect((topic.inputs.spec as Spec).replicas).to.equal(3);
            expect((topic.inputs.spec as Spec).config["min.insync.replicas"]).to.equal(2);
        }
    });

    it("dev runs a single controller and broker with replication 1", () => {
        expect(pool(dev, "controller").spec.replicas).to.equal(1);
        expect(pool(dev, "broker").spec.replicas).to.equal(1);
        for (const topic of dev.ofType(TOPIC)) expect((topic.inputs.spec as Spec).replicas).to.equal(1);
        expect(kafkaSpec(dev).kafka.config["min.insync.replicas"]).to.equal(1);
    });

    it("declares the platform's topics, a dead-letter topic among them, each with a retention", () => {
        const topics = prod.ofType(TOPIC).map((t) => (t.inputs.metadata as Spec).name);
        expect(topics).to.include.members(["orders", "payments", "notifications", "notifications-dlq"]);
        for (const topic of prod.ofType(TOPIC)) expect((topic.inputs.spec as Spec).config["retention.ms"]).to.be.a("number").greaterThan(0);
    });

    it("exposes only an internal TLS listener with mutual-TLS authentication", () => {
        const listeners = kafkaSpec(prod).kafka.listeners;
        expect(listeners).to.have.length(1);
        expect(listeners[0]).to.deep.include({ type: "internal", tls: true, authentication: { type: "tls" } });
    });

    it("spreads prod pools strictly over zones on the stateful pool", () => {
        const pod = pool(prod, "broker").spec.template.pod;
        expect(pod.topologySpreadConstraints[0]).to.include({ whenUnsatisfiable: "DoNotSchedule", topologyKey: "topology.kubernetes.io/zone" });
        expect(pod.tolerations[0].key).to.equal("workload-class.ecommerce.io/stateful");
    });

    it("writes objects the Strimzi 1.2.0 CRDs accept", () => {
        for (const resource of [...prod.ofType(POOL), ...prod.ofType(TOPIC), prod.one("kubernetes:kafka.strimzi.io/v1:Kafka")]) {
            expect(validateCustomResource(resource.inputs), resource.urn).to.deep.equal([]);
        }
    });
});
