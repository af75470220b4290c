import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { CHARTS, KAFKA_VERSION, kafkaVersionProblems, STRIMZI_KAFKA_VERSIONS } from "../../components/catalogue";
import { Kafka } from "../../components/kafka";
import { KafkaClient } from "../../components/kafka-client";
import { declared, declaredWithCloudView, Registered } from "../support/mock-runtime";
import { validateCustomResource } from "../support/crd-validator";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const POOL = "kubernetes:kafka.strimzi.io/v1:KafkaNodePool";
const TOPIC = "kubernetes:kafka.strimzi.io/v1:KafkaTopic";
const USER = "kubernetes:kafka.strimzi.io/v1:KafkaUser";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const SECRET = "kubernetes:core/v1:Secret";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const SECRET_MARKER = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "offline-plan:secret" };

const pool = (r: Registered, name: string): Spec => r.ofType(POOL).find((p) => (p.inputs.metadata as Spec).name === name)!.inputs;
const kafkaSpec = (r: Registered): Spec => (r.one("kubernetes:kafka.strimzi.io/v1:Kafka").inputs.spec as Spec);
const secret = (r: Registered, namespace: string, name: string): Spec => {
    const found = r.ofType(SECRET).filter((s) => (s.inputs.metadata as Spec).name === name && (s.inputs.metadata as Spec).namespace === namespace);
    if (found.length !== 1) throw new Error(`expected one Secret ${namespace}/${name}, found ${found.length}`);
    return found[0];
};

describe("components/kafka", () => {
    let prod: Registered;
    let dev: Registered;
    let prodKafka: Kafka;
    before(async () => {
        prod = await declared("kafkatest-prod", () => {
            prodKafka = new Kafka("kafkatest-prod", { namespace: "kafka-prod", brokers: 3, controllers: 3, replicationFactor: 3, strictZoneSpread: true, clientNamespaces: ["shop"] });
        });
        dev = await declared("kafkatest-dev", () => new Kafka("kafkatest-dev", { namespace: "kafka-dev", brokers: 1, controllers: 1, replicationFactor: 1 }));
    });

    it("installs the Strimzi 1.2.0 operator (which serves kafka.strimzi.io/v1) with the restricted pod security provider", () => {
        const release = prod.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release.chart).to.equal("oci://quay.io/strimzi-helm/strimzi-kafka-operator");
        expect(release.version).to.equal(CHARTS.strimzi.version).and.equal("1.2.0");
        expect((release.values as Spec).extraEnvs).to.deep.include({ name: "STRIMZI_POD_SECURITY_PROVIDER_CLASS", value: "restricted" });
    });

    it("runs the catalogue's Kafka and metadata version; the middle step of an upgrade (new version, old metadata) is accepted", async () => {
        expect(kafkaSpec(prod).kafka.version).to.equal(KAFKA_VERSION.kafka);
        expect(kafkaSpec(prod).kafka.metadataVersion).to.equal(KAFKA_VERSION.metadataVersion);
        const middle = await declared("kafkatest-upgrade", () => new Kafka("kafkatest-upgrade", { namespace: "kafka-upgrade", brokers: 1, controllers: 1, version: { kafka: "4.3.1", metadataVersion: "4.2-IV1" } }));
        expect(kafkaSpec(middle).kafka).to.include({ version: "4.3.1", metadataVersion: "4.2-IV1" });
    });

    it("refuses a Kafka version the pinned Strimzi does not support, and a metadata version newer than the Kafka version's", () => {
        expect(() => new Kafka("kafkatest-v1", { namespace: "k1", version: { kafka: "4.4.0", metadataVersion: "4.4-IV0" } }))
            .to.throw(/Kafka 4\.4\.0 is not supported by Strimzi 1\.2\.0 \(supported: 4\.2\.0, 4\.2\.1, 4\.3\.0, 4\.3\.1\): bump the operator first/);
        expect(() => new Kafka("kafkatest-v2", { namespace: "k2", version: { kafka: "4.2.1", metadataVersion: "4.3-IV0" } }))
            .to.throw(/metadataVersion 4\.3-IV0 is not a metadata version Kafka 4\.2\.1 can run \(its own is 4\.2-IV1\)/);
        expect(kafkaVersionProblems("9.9.9", KAFKA_VERSION)[0]).to.match(/Strimzi 9\.9\.9 has no entry in STRIMZI_KAFKA_VERSIONS/);
        expect(STRIMZI_KAFKA_VERSIONS[CHARTS.strimzi.version], "the pinned operator's supported versions").to.not.equal(undefined);
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

    it("exposes only internal TLS listeners: mutual TLS on 9093 and SCRAM-SHA-512 on 9094", () => {
        const listeners = kafkaSpec(prod).kafka.listeners;
        // Strimzi opens a listener without networkPolicyPeers to every pod: mTLS only to the cluster's own pods, SCRAM to the clients' namespaces.
        const ownPods = [{ podSelector: { matchLabels: { "strimzi.io/cluster": "events" } } }];
        expect(listeners).to.deep.equal([
            { name: "tls", port: 9093, type: "internal", tls: true, authentication: { type: "tls" }, networkPolicyPeers: ownPods },
            { name: "scram", port: 9094, type: "internal", tls: true, authentication: { type: "scram-sha-512" }, networkPolicyPeers: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } }] },
        ]);
        // Without clients, nothing outside the cluster may connect (an empty list would mean everyone).
        expect(kafkaSpec(dev).kafka.listeners[1].networkPolicyPeers).to.deep.equal(ownPods);
        expect(prodKafka.bootstrapServers).to.equal("events-kafka-bootstrap.kafka-prod.svc:9093");
        expect(prodKafka.scramBootstrapServers).to.equal("events-kafka-bootstrap.kafka-prod.svc:9094");
    });

    it("gives Strimzi a Pulumi-generated cluster CA (custom CA Secrets, generateCertificateAuthority false)", () => {
        expect(kafkaSpec(prod).clusterCa).to.deep.equal({ generateCertificateAuthority: false, generateSecretOwnerReference: false });
        const labels = { "strimzi.io/kind": "Kafka", "strimzi.io/cluster": "events" };
        const cert = secret(prod, "kafka-prod", "events-cluster-ca-cert");
        expect(cert.inputs.metadata).to.deep.include({ labels, annotations: { "strimzi.io/ca-cert-generation": "0" } });
        const key = secret(prod, "kafka-prod", "events-cluster-ca");
        expect(key.inputs.metadata).to.deep.include({ labels, annotations: { "strimzi.io/ca-key-generation": "0" } });
        expect(key.inputs.stringData).to.deep.equal(SECRET_MARKER);
        // The Kafka resource is created after both Secrets, and the CA is a CA certificate.
        const kafka = prod.one("kubernetes:kafka.strimzi.io/v1:Kafka");
        expect(kafka.dependencies).to.include.members([cert.urn, key.urn]);
        expect(prod.one("tls:index/selfSignedCert:SelfSignedCert").inputs).to.include({ isCaCertificate: true });
    });

    it("exposes the cluster CA certificate (public) to copy into client namespaces", async () => {
        const pem = await new Promise<string>((resolve) => prodKafka.caCertPem.apply(resolve));
        expect(pem).to.match(/^-----BEGIN CERTIFICATE-----/);
    });

    it("spreads prod pools strictly over zones on the stateful pool", () => {
        const pod = pool(prod, "broker").spec.template.pod;
        expect(pod.topologySpreadConstraints[0]).to.include({ whenUnsatisfiable: "DoNotSchedule", topologyKey: "topology.kubernetes.io/zone" });
        expect(pod.tolerations[0].key).to.equal("workload-class.ecommerce.io/stateful");
    });

    it("runs the Kafka Exporter on every cluster, for the platform's topics and every consumer group", () => {
        for (const r of [prod, dev]) {
            const exporter = kafkaSpec(r).kafkaExporter as Spec;
            expect(exporter).to.include({ groupRegex: ".*" });
            // Strimzi's internal topics (__consumer_offsets, __strimzi_*) are not the platform's.
            const topics = new RegExp(exporter.topicRegex);
            expect(["orders", "notifications-dlq"].every((t) => topics.test(t))).to.equal(true);
            expect(topics.test("__consumer_offsets")).to.equal(false);
        }
    });

    it("has the exporter scraped through a PodMonitor only where a Prometheus operator runs, after its CRDs", async () => {
        expect(prod.ofType(POD_MONITOR)).to.have.length(0);
        const scraped = await declared("kafkatest-scraped", () => {
            const operator = new k8s.core.v1.Namespace("kafkatest-scraped-prometheus", {});
            new Kafka("kafkatest-scraped", { namespace: "kafka-scraped", brokers: 1, controllers: 1, prometheusOperator: operator });
        });
        const monitor = scraped.one(POD_MONITOR);
        expect(validateCustomResource(monitor.inputs as Spec)).to.deep.equal([]);
        const spec = monitor.inputs.spec as Spec;
        expect(spec.selector.matchLabels).to.deep.equal({ "strimzi.io/cluster": "events", "strimzi.io/kind": "Kafka", "strimzi.io/name": "events-kafka-exporter" });
        // Strimzi's metrics port name on the exporter container (MetricsModel.METRICS_PORT_NAME).
        expect(spec.podMetricsEndpoints).to.deep.equal([{ port: "tcp-prometheus", path: "/metrics" }]);
        expect(monitor.dependencies).to.include(scraped.named("kafkatest-scraped-prometheus").urn);
    });

    it("writes objects the Strimzi 1.2.0 CRDs accept", () => {
        for (const resource of [...prod.ofType(POOL), ...prod.ofType(TOPIC), prod.one("kubernetes:kafka.strimzi.io/v1:Kafka")]) {
            expect(validateCustomResource(resource.inputs), resource.urn).to.deep.equal([]);
        }
    });

    describe("clients in other namespaces (SCRAM-SHA-512)", () => {
        let clients: Registered;
        let cloud: Map<string, Spec>;
        let shop: KafkaClient;
        before(async () => {
            ({ registered: clients, cloud } = await declaredWithCloudView("kafkatest-client", () => {
                const kafka = new Kafka("kafkatest-client", { namespace: "kafka-c", brokers: 1, controllers: 1, replicationFactor: 1 });
                shop = new KafkaClient("kafkatest-client-shop", {
                    kafka,
                    namespace: "shop", user: "shop-api",
                    acls: [{ topic: "orders", operations: ["Write", "Describe"] }, { topic: "payments", operations: ["Read", "Describe"] }],
                    consumerGroup: "shop-api",
                });
            }));
        });
        const stored = (resourceName: string): Spec => cloud.get(resourceName)!.stringData;
        const user = () => clients.one(USER);

        it("declares a KafkaUser with SCRAM-SHA-512 and a password read from a Secret in the kafka namespace", () => {
            const inputs = user().inputs as Spec;
            expect(inputs.metadata).to.deep.equal({ name: "shop-api", namespace: "kafka-c", labels: { "strimzi.io/cluster": "events" } });
            expect(inputs.spec.authentication).to.deep.equal({
                type: "scram-sha-512",
                password: { valueFrom: { secretKeyRef: { name: "shop-api-scram-password", key: "password" } } },
            });
            const source = secret(clients, "kafka-c", "shop-api-scram-password");
            expect(source.inputs.stringData).to.deep.equal(SECRET_MARKER);
            expect(Object.keys(stored("kafkatest-client-shop-scram-password"))).to.deep.equal(["password"]);
            expect(user().dependencies).to.include(source.urn);
        });

        it("grants exactly the ACLs asked for, plus Read on its consumer group", () => {
            expect((user().inputs.spec as Spec).authorization).to.deep.equal({
                type: "simple",
                acls: [
                    { type: "allow", resource: { type: "topic", name: "orders", patternType: "literal" }, operations: ["Write", "Describe"] },
                    { type: "allow", resource: { type: "topic", name: "payments", patternType: "literal" }, operations: ["Read", "Describe"] },
                    { type: "allow", resource: { type: "group", name: "shop-api", patternType: "literal" }, operations: ["Read"] },
                ],
            });
        });

        it("writes a KafkaUser the strict Strimzi 1.2.0 KafkaUser CRD accepts", () => {
            expect(validateCustomResource(user().inputs)).to.deep.equal([]);
        });

        it("puts bootstrap, username, password and the cluster CA in a Secret in the client namespace", () => {
            expect(secret(clients, "shop", "kafka-shop-api").inputs.stringData).to.deep.equal(SECRET_MARKER);
            const data = stored("kafkatest-client-shop-credentials");
            expect(Object.keys(data).sort()).to.deep.equal(["bootstrap", "ca.crt", "password", "username"]);
            expect(data).to.deep.include({ bootstrap: "events-kafka-bootstrap.kafka-c.svc:9094", username: "shop-api" });
            // The CA is the one Strimzi is given as its custom cluster CA (and only its certificate, never the key).
            expect(data["ca.crt"]).to.match(/^-----BEGIN CERTIFICATE-----/).and.equal(stored("kafkatest-client-cluster-ca-cert")["ca.crt"]);
            expect(stored("kafkatest-client-cluster-ca")["ca.key"]).to.match(/^-----BEGIN PRIVATE KEY-----/);
            expect(shop.secretName).to.equal("kafka-shop-api");
            expect(shop.bootstrapServers).to.equal("events-kafka-bootstrap.kafka-c.svc:9094");
        });

        it("both password Secrets carry the same generated password, only as a Pulumi secret", () => {
            const generated = clients.one(PASSWORD);
            expect(stored("kafkatest-client-shop-credentials").password)
                .to.equal(stored("kafkatest-client-shop-scram-password").password)
                .and.equal(generated.outputs.result);
            for (const s of [secret(clients, "kafka-c", "shop-api-scram-password"), secret(clients, "shop", "kafka-shop-api")]) {
                expect(s.dependencies, s.urn).to.include(generated.urn);
            }
        });

        it("never records a plaintext password or private key in any input", () => {
            const everything = JSON.stringify([...prod.resources, ...dev.resources, ...clients.resources].map((r) => r.inputs));
            expect(everything).not.to.include("mock-password-").and.not.include(String(clients.one(PASSWORD).outputs.result));
            expect(everything).not.to.match(/PRIVATE KEY/);
        });

        it("orders the client Secret after the resources it is given (its namespace)", async () => {
            const registered = await declared("kafkatest-order", () => {
                const kafka = new Kafka("kafkatest-order", { namespace: "kafka-o", brokers: 1, controllers: 1, replicationFactor: 1 });
                const ns = new k8s.core.v1.Namespace("kafkatest-order-ns", { metadata: { name: "notify" } });
                new KafkaClient("kafkatest-order-worker", { kafka, namespace: "notify", user: "notification-worker", acls: [{ topic: "notifications", operations: ["Read"] }], dependsOn: [ns] });
            });
            const ns = registered.named("kafkatest-order-ns");
            expect(secret(registered, "notify", "kafka-notification-worker").dependencies).to.include(ns.urn);
        });

        it("rejects a literal ACL on a topic the cluster does not have", () => {
            const kafka = { namespace: "k", clusterName: "events", scramBootstrapServers: "b:9094", topics: ["orders"] } as unknown as Kafka;
            expect(() => new KafkaClient("kafkatest-bad", { kafka, namespace: "shop", user: "shop-api", acls: [{ topic: "order", operations: ["Write"] }] }))
                .to.throw(/topic "order" is not a topic/);
        });
    });
});
