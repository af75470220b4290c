import { expect } from "chai";
import { join } from "node:path";
import { KAFKA_REPLICATION_PORT } from "../../components/kafka";
import { GLOBAL_TOPICS } from "../../stacks/kafka-mirroring";
import { SEARCH_INDEXER_REDIS_ACL, SEARCH_INDEXER_REDIS_URL_KEY } from "../../components/shop-api-environment";
import { PRODUCT_INVALIDATION_CHANNEL, RedisProductCache } from "../../app/src/products/product-cache";
import { projectStacks, SELF_MANAGED_ORGANIZATION } from "../../tools/stack-references";
import { validateCustomResource } from "../support/crd-validator";
import { ofType, plannedStack } from "../support/plans";
import { allStacks, kubernetesObject } from "../support/stacks";

const ROOT = join(__dirname, "..", "..");
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SECONDARIES = ["prod-us-east-1", "prod-eu-west-1"];
const PEERS: Record<string, string[]> = { prod: ["prod-us-east-1", "prod-eu-west-1"], "prod-us-east-1": ["prod", "prod-eu-west-1"], "prod-eu-west-1": ["prod", "prod-us-east-1"] };

const custom = (stack: string, kind: string) => ofType(plannedStack(stack), `kubernetes:kafka.strimzi.io/v1:${kind}`);
const user = (stack: string, name: string) => custom(stack, "KafkaUser").find((u) => (u.inputs.metadata as Json).name === name);
const aclsOf = (stack: string, name: string) => ((user(stack, name)?.inputs.spec as Json).authorization.acls as Json[])
    .map((acl) => `${acl.resource.type}:${acl.resource.name ?? "*"}(${acl.resource.patternType ?? "-"}) ${[...acl.operations].sort().join(",")}`).sort();
const replicationListener = (stack: string) => ((custom(stack, "Kafka")[0].inputs.spec as Json).kafka.listeners as Json[]).find((l) => l.name === "replication");
const outputs = (stack: string) => ofType(plannedStack(stack), "pulumi:pulumi:Stack")[0].outputs as Json;

describe("stacks: Kafka across regions (products mirrored from the primary by MirrorMaker 2)", function () {
    this.timeout(600_000);

    it("only products is global", () => {
        expect(GLOBAL_TOPICS).to.deep.equal(["products"]);
    });

    it("a MirrorMaker 2 runs only in the secondaries; the primary and dev mirror nothing", () => {
        for (const stack of allStacks()) expect(custom(stack, "KafkaMirrorMaker2").length, stack).to.equal(SECONDARIES.includes(stack) ? 1 : 0);
    });

    for (const stack of SECONDARIES) {
        it(`${stack}: mirrors exactly products from prod's replication listener, names unchanged, verified TLS and SCRAM as its own user there`, () => {
            const [mm2] = custom(stack, "KafkaMirrorMaker2");
            const spec = mm2.inputs.spec as Json;
            const prod = projectStacks(ROOT, "ecommerce-platform", SELF_MANAGED_ORGANIZATION).outputsOf("organization/ecommerce-platform/prod");
            expect(spec.mirrors).to.have.length(1);
            const [mirror] = spec.mirrors;
            expect(mirror.source).to.deep.include({ alias: "prod", bootstrapServers: prod.kafkaReplicationBootstrap });
            expect(String(prod.kafkaReplicationBootstrap)).to.match(new RegExp(`:${KAFKA_REPLICATION_PORT}$`));
            expect(mirror.source.authentication).to.deep.include({ type: "scram-sha-512", username: `mirror-${stack}` });
            expect(mirror.source.tls.trustedCertificates).to.deep.equal([{ secretName: "mirror-source-ca", certificate: "ca.crt" }]);
            expect(mirror.topicsPattern).to.equal("^products$");
            expect(mirror.sourceConnector.config).to.include({
                "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
                "offset-syncs.topic.location": "target", "sync.topic.acls.enabled": "false", "sync.topic.configs.enabled": "false",
            });
            expect(mirror.checkpointConnector).to.equal(undefined);
            expect(spec.target).to.deep.include({ alias: stack, bootstrapServers: "events-kafka-bootstrap.kafka.svc:9094" });
            expect(spec.target.authentication).to.deep.include({ type: "scram-sha-512", username: "mirror-maker" });
            expect(outputs(stack).kafkaMirrorsFrom).to.equal("prod");
        });

        it(`${stack}: its KafkaMirrorMaker2 is valid against Strimzi 1.2.0's CRD`, () => {
            const [mm2] = custom(stack, "KafkaMirrorMaker2");
            expect(validateCustomResource(kubernetesObject(mm2))).to.deep.equal([]);
        });

        it(`${stack}: the mirror's user on the local cluster may do exactly what MirrorMaker 2 needs here`, () => {
            expect(aclsOf(stack, "mirror-maker")).to.deep.equal([
                "group:mirror-maker-2(literal) Read",
                ...["mirror-maker-2-config", "mirror-maker-2-offset", "mirror-maker-2-status", "mm2-offset-syncs.prod.internal"]
                    .map((topic) => `topic:${topic}(literal) Create,Describe,DescribeConfigs,Read,Write`),
                "topic:products(literal) Create,Describe,Write",
            ].sort());
        });
    }

    for (const stack of Object.keys(PEERS)) {
        it(`${stack}: can be the primary: a mirror user per peer that may only read products, and the replication listener behind internal NLBs`, () => {
            for (const peer of PEERS[stack]) expect(aclsOf(stack, `mirror-${peer}`), `${stack} mirror-${peer}`).to.deep.equal(["topic:products(literal) Describe,DescribeConfigs,Read"]);
            expect(outputs(stack)).to.have.property("kafkaMirrorPasswords");
            const listener = replicationListener(stack)!;
            expect(listener).to.deep.include({ port: KAFKA_REPLICATION_PORT, type: "loadbalancer", tls: true, authentication: { type: "scram-sha-512" } });
            const annotations = listener.configuration.bootstrap.annotations;
            expect(annotations).to.include({
                "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
                "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
            });
            expect(listener.configuration.perBrokerAnnotationsTemplate).to.deep.equal(annotations);
            // The NLBs' own addresses in this VPC's private subnets, nothing else, reach the brokers on that port.
            expect(listener.networkPolicyPeers).to.deep.equal((outputs(stack).privateSubnetCidrs as string[]).map((cidr) => ({ ipBlock: { cidr } })));
        });
    }

    it("dev has no replication listener and no mirror users", () => {
        expect(replicationListener("dev")).to.equal(undefined);
        expect(custom("dev", "KafkaUser").filter((u) => String((u.inputs.metadata as Json).name).startsWith("mirror"))).to.deep.equal([]);
    });
});

describe("stacks: secondaries' product caches follow the mirrored product events", function () {
    this.timeout(600_000);
    const indexer = (stack: string) => ofType(plannedStack(stack), "kubernetes:apps/v1:Deployment").find((d) => (d.inputs.metadata as Json).name === "shop-search-indexer")!;
    const envOf = (stack: string) => ((indexer(stack).inputs.spec as Json).template.spec.containers[0].env as Json[]);
    const redisUsers = (stack: string) => ofType(plannedStack(stack), "random:index/randomPassword:RandomPassword").map((p) => p.urn.split("::").pop()!).filter((n) => n.includes("redis-user-"));

    for (const stack of SECONDARIES) {
        it(`${stack}: the search indexer connects to Redis as its own ACL user (REDIS_URL from its own key), in cluster mode like the API`, () => {
            const env = envOf(stack);
            expect(env.filter((v) => v.name === "REDIS_URL")).to.deep.equal([{ name: "REDIS_URL", valueFrom: { secretKeyRef: { name: "shop-api-env", key: SEARCH_INDEXER_REDIS_URL_KEY } } }]);
            expect(env.filter((v) => v.name === "REDIS_CLUSTER")).to.deep.equal([{ name: "REDIS_CLUSTER", value: "true" }]);
            expect(redisUsers(stack).some((n) => n.endsWith(SEARCH_INDEXER_REDIS_ACL.username)), redisUsers(stack).join(", ")).to.equal(true);
            const secret = ofType(plannedStack(stack), "kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Json).name === "shop-api-env")!;
            expect(plannedStack(stack).report.secretKeys[secret.urn].stringData).to.include(SEARCH_INDEXER_REDIS_URL_KEY);
        });
    }

    for (const stack of ["prod", "dev"]) {
        it(`${stack}: the search indexer gets no Redis at all (the API invalidates on write), and no such ACL user exists`, () => {
            expect(envOf(stack).filter((v) => v.name.startsWith("REDIS"))).to.deep.equal([]);
            expect(redisUsers(stack).some((n) => n.endsWith(SEARCH_INDEXER_REDIS_ACL.username))).to.equal(false);
        });
    }

    it("the indexer's ACL user reaches only product keys and the invalidation channel the app uses, with the commands invalidation sends", () => {
        expect(SEARCH_INDEXER_REDIS_ACL).to.deep.equal({
            username: "shop-search-indexer",
            keyPatterns: [`${RedisProductCache.key("")}*`],
            channelPatterns: [PRODUCT_INVALIDATION_CHANNEL],
            commands: ["get", "set", "del", "evalsha", "eval", "publish", "ping", "cluster|slots", "cluster|info"],
        });
    });
});
