import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { fingerprintBuildContext } from "../../components/build-context";
import * as pulumi from "@pulumi/pulumi";
import { ShopApi, ShopApiArgs } from "../../components/shop-api";
import { shopApiEnvironment } from "../../components/shop-api-environment";
import { declared, Registered } from "../support/mock-runtime";

type Container = { name: string; image: string; env: { name: string; value?: string; valueFrom?: unknown }[]; securityContext: Record<string, unknown>; readinessProbe?: unknown; livenessProbe?: unknown; resources: { requests: object; limits: object }; args?: string[] };
type PodSpec = { affinity?: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } } }; containers: Container[]; securityContext: Record<string, unknown>; serviceAccountName: string; topologySpreadConstraints?: { whenUnsatisfiable: string; topologyKey: string }[] };

const baseArgs: ShopApiArgs = {
    image: { prebuilt: "000000000000.dkr.ecr.ap-south-1.amazonaws.com/shop-api:1.2.3", architectures: ["arm64", "amd64"] },
    region: "ap-south-1",
    oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/X", providerUrl: "oidc.eks.ap-south-1.amazonaws.com/id/X" },
    database: { address: "db.internal", port: 5432, maintenanceDatabase: "postgres", masterUserSecretArn: "arn:aws:secretsmanager:ap-south-1:000000000000:secret:rds!db-1", kmsKeyArn: "arn:aws:kms:ap-south-1:000000000000:key/1", arn: "arn:aws:rds:ap-south-1:000000000000:db:shop", resourceId: "db-ABCDEFGHIJKL" },
    connections: {
        redis: { host: "redis-cluster-leader.redis.svc", port: 6379, username: "shop-api", password: "s3cret", caCertPem: "-----BEGIN CERTIFICATE-----\nREDIS-CA\n-----END CERTIFICATE-----", cluster: true },
        kafka: { secretName: "kafka-shop-api", bootstrapServers: "events-kafka-bootstrap.kafka.svc:9094", caCertPem: "-----BEGIN CERTIFICATE-----\nKAFKA\n-----END CERTIFICATE-----" },
        elasticsearch: { url: "https://search-es-http.search.svc:9200", username: "shop-api", password: "es-s3cret", caCertPem: "-----BEGIN CERTIFICATE-----\nES\n-----END CERTIFICATE-----\n" },
        oidcIssuer: "https://shop.example.com/realms/shop",
    },
    gateway: { ingressClassName: "kong", jwtPlugin: "jwt-keycloak" },
    callers: [{ namespace: "kong", pods: { "app.kubernetes.io/name": "kong" } }, { namespace: "monitoring", pods: { "app.kubernetes.io/name": "prometheus" } }],
};

type RouteIngress = { metadata: { annotations: Record<string, string> }; spec: { rules: { http: { paths: { path: string }[] } }[] } };

/** The Kong routes (Ingresses) of a ShopApi: their path prefixes, methods and whether the JWT plugin guards them. */
function kongRoutes(registered: Registered) {
    return registered.ofType("kubernetes:networking.k8s.io/v1:Ingress").map((i) => i.inputs as RouteIngress).map((ingress) => ({
        paths: ingress.spec.rules.flatMap((rule) => rule.http.paths.map((p) => p.path)),
        methods: ingress.metadata.annotations["konghq.com/methods"].split(","),
        jwt: (ingress.metadata.annotations["konghq.com/plugins"] ?? "").includes("jwt-keycloak"),
    }));
}

describe("components/shop-api", () => {
    let prod: Registered;
    let dev: Registered;
    let built: Registered;
    let indexed: Registered;
    const pod = (r: Registered) => (r.one("kubernetes:apps/v1:Deployment").inputs.spec as { template: { spec: PodSpec } }).template.spec;
    before(async () => {
        prod = await declared("apitest-prod", () => new ShopApi("apitest-prod", { ...baseArgs, namespace: "shop-prod", replicas: 3, strictZoneSpread: true }));
        dev = await declared("apitest-dev", () => new ShopApi("apitest-dev", { ...baseArgs, namespace: "shop-dev", replicas: 1, strictZoneSpread: false }));
        built = await declared("apitest-built", () => new ShopApi("apitest-built", { ...baseArgs, namespace: "shop-built", image: { buildContext: "./app" } }));
        indexed = await declared("apitest-indexed", () => {
            // Stands in for the kube-prometheus-stack release.
            const prometheusOperator = new k8s.core.v1.ConfigMap("apitest-indexed-operator", { metadata: { name: "operator", namespace: "monitoring" } });
            new ShopApi("apitest-indexed", { ...baseArgs, namespace: "shop-indexed", searchIndexer: { kafkaSecretName: "kafka-shop-search-indexer" }, prometheusOperator });
        });
    });

    it("runs at least two replicas in prod (the HPA's floor; the Deployment leaves the count to it), spread across zones, hardened and non-root", () => {
        const deployment = prod.one("kubernetes:apps/v1:Deployment").inputs.spec as { replicas?: number };
        expect(deployment).not.to.have.property("replicas");
        expect(prod.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec).to.have.property("minReplicas", 3);
        const spec = pod(prod);
        expect(spec.topologySpreadConstraints?.[0]).to.include({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
        expect(spec.securityContext).to.include({ runAsNonRoot: true, runAsUser: 65532 });
        expect(spec.containers[0].securityContext).to.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
        expect(spec.containers[0].readinessProbe).to.deep.include({ httpGet: { path: "/readyz", port: "http" } });
        expect(spec.containers[0].livenessProbe).to.deep.include({ httpGet: { path: "/healthz", port: "http" } });
        expect(spec.containers[0].resources.limits).to.have.property("memory");
    });

    it("scales with an HPA from the replica floor and keeps one pod through disruptions", () => {
        expect(prod.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec).to.deep.include({ minReplicas: 3, maxReplicas: 10 });
        expect(prod.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec).to.have.property("minAvailable", 1);
        expect(dev.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec).to.have.property("maxUnavailable", 1);
    });

    it("wires the services by environment and keeps credentials out of the Deployment", () => {
        const env = Object.fromEntries(pod(prod).containers[0].env.map((e) => [e.name, e.value ?? e.valueFrom]));
        expect(env.DATABASE_URL).to.equal("postgres://shop_api@db.internal:5432/shop?sslmode=verify-full&sslrootcert=/app/certs/rds-global-bundle.pem");
        expect(env).to.not.have.property("PGPASSWORD");
        // IAM database authentication: a region to sign tokens for, no password and no secret to read one from.
        expect(env.DATABASE_IAM_REGION).to.equal("ap-south-1");
        expect(env).to.not.have.property("DATABASE_SECRET_ARN");
        expect(env).to.include({ KAFKA_BROKERS: "events-kafka-bootstrap.kafka.svc:9094", KAFKA_SSL: "true", KAFKA_SASL_MECHANISM: "scram-sha-512" });
        expect(env.KAFKA_SASL_PASSWORD).to.deep.equal({ secretKeyRef: { name: "kafka-shop-api", key: "password" } });
        expect(env).to.include({ ES_URL: "https://search-es-http.search.svc:9200", ES_USERNAME: "shop-api", REDIS_CLUSTER: "true", OIDC_ISSUER: "https://shop.example.com/realms/shop" });
        expect(env.REDIS_URL).to.deep.equal({ secretKeyRef: { name: "shop-api-env", key: "REDIS_URL" } });
        expect(env.ES_PASSWORD).to.deep.equal({ secretKeyRef: { name: "shop-api-env", key: "ES_PASSWORD" } });
        expect(JSON.stringify(prod.one("kubernetes:apps/v1:Deployment").inputs)).to.not.include("s3cret");
    });

    it("verifies every TLS peer: the private Kafka, Elasticsearch and Redis CAs are mounted and trusted", () => {
        const spec = pod(prod);
        const env = Object.fromEntries(spec.containers[0].env.map((e) => [e.name, e.value]));
        expect(env.NODE_EXTRA_CA_CERTS).to.equal("/etc/shop-api/trust/ca.pem");
        const bundle = (prod.named("apitest-prod-trust").inputs.data as Record<string, string>)["ca.pem"];
        expect(bundle).to.include("KAFKA").and.to.include("ES").and.to.include("REDIS-CA");
    });

    it("reaches Redis over TLS (rediss) as its own ACL user, never as the admin", () => {
        const env = shopApiEnvironment({ ...baseArgs.connections, database: { address: "db", port: 5432 } }, { role: "shop_api", name: "shop", region: "ap-south-1" });
        return new Promise<void>((resolve, reject) => pulumi.output(env.secretData.REDIS_URL).apply((url) => {
            try {
                expect(url).to.equal("rediss://shop-api:s3cret@redis-cluster-leader.redis.svc:6379");
                resolve();
            } catch (error) {
                reject(error);
            }
        }));
    });

    it("lets its IRSA role connect to the database as its own role only (IAM database authentication), with no password secret", () => {
        const apiRole = prod.ofType("aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes("system:serviceaccount:shop-prod:shop-api"));
        const policy = prod.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.inputs.role === apiRole?.id);
        expect(JSON.parse(String(policy?.inputs.policy)).Statement).to.deep.equal([{
            Sid: "ConnectAsOwnDatabaseRole", Effect: "Allow", Action: "rds-db:connect", Resource: "arn:aws:rds-db:ap-south-1:000000000000:dbuser:db-ABCDEFGHIJKL/shop_api",
        }]);
        expect(prod.ofType("aws:secretsmanager/secret:Secret")).to.have.length(0);
        expect(prod.ofType("random:index/randomPassword:RandomPassword")).to.have.length(0);
    });

    it("gets its own database and an IAM-authenticated role (rds_iam, no password) before the API starts", () => {
        const job = prod.one("kubernetes:batch/v1:Job");
        const containers = (job.inputs.spec as { template: { spec: { containers: { name: string; env: { name: string; value?: string }[] }[] } } }).template.spec.containers;
        const env = Object.fromEntries(containers[0].env.map((e) => [e.name, e.value]));
        expect(env).to.include({ APP_ROLE: "shop_api", APP_IAM_AUTH: "true" });
        expect(env).to.not.have.property("APP_PASSWORD");
        expect(prod.ofType("kubernetes:core/v1:Secret").map((s) => (s.inputs.metadata as { name: string }).name)).to.not.include("shop-db");
        expect(prod.one("kubernetes:apps/v1:Deployment").dependencies).to.include(job.urn);
    });

    it("admits traffic only from the gateway's and the metrics scraper's pods, not from every pod of their namespaces", () => {
        const policy = prod.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec as { ingress: { from: Record<string, { matchLabels: Record<string, string> }>[] }[] };
        expect(policy.ingress).to.have.length(1);
        expect(policy.ingress[0].from).to.deep.equal([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kong" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "kong" } } },
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } },
        ]);
    });

    it("publishes catalogue reads openly through Kong and requires a verified JWT for orders and catalogue writes", () => {
        type Ingress = { metadata: { name: string; annotations: Record<string, string> }; spec: { ingressClassName: string; rules: { http: { paths: { path: string }[] } }[] } };
        const ingresses = prod.ofType("kubernetes:networking.k8s.io/v1:Ingress").map((i) => i.inputs as Ingress);
        const byName = Object.fromEntries(ingresses.map((i) => [i.metadata.name, i]));
        for (const ingress of ingresses) expect(ingress.spec.ingressClassName).to.equal("kong");
        expect(byName["shop-api-public"].metadata.annotations["konghq.com/methods"]).to.equal("GET,HEAD,OPTIONS");
        expect(byName["shop-api-public"].metadata.annotations).to.not.have.property("konghq.com/plugins");
        expect(byName["shop-api-orders"].metadata.annotations["konghq.com/plugins"]).to.equal("jwt-keycloak");
        expect(byName["shop-api-admin"].metadata.annotations).to.include({ "konghq.com/plugins": "jwt-keycloak", "konghq.com/methods": "POST,PUT,PATCH,DELETE" });
    });

    it("routes every method the API documents (app/openapi.json) through Kong, writes behind the JWT plugin", () => {
        const routes = kongRoutes(prod);
        // The committed document is kept equal to the routes by the app's drift test (app/test/api-contract.test.ts).
        const document = JSON.parse(readFileSync(join(__dirname, "../../app/openapi.json"), "utf8")) as { paths: Record<string, Record<string, unknown>> };
        const internal = new Set(["/healthz", "/readyz"]);
        // Kong's Prefix match is by path segment: /v1/products covers /v1/products and /v1/products/<id>.
        const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}/`);
        for (const [template, operations] of Object.entries(document.paths)) {
            if (internal.has(template)) continue;
            const path = template.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000");
            for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
                const routed = routes.filter((route) => route.methods.includes(method) && route.paths.some((prefix) => covers(prefix, path)));
                expect(routed, `Kong has no route for ${method} ${template}`).to.not.be.empty;
                if (method !== "GET") for (const route of routed) expect(route.jwt, `${method} ${template} reaches the API without the JWT plugin`).to.equal(true);
            }
        }
    });

    it("passes the storefront origins to the API (CORS_ALLOWED_ORIGINS) and nothing when there are none", async () => {
        const withCors = await declared("apitest-cors", () => new ShopApi("apitest-cors", { ...baseArgs, namespace: "shop-cors", corsAllowedOrigins: ["https://shop.example.com", "https://m.shop.example.com"] }));
        const env = Object.fromEntries(pod(withCors).containers[0].env.map((e) => [e.name, e.value]));
        expect(env.CORS_ALLOWED_ORIGINS).to.equal("https://shop.example.com,https://m.shop.example.com");
        expect(pod(prod).containers[0].env.map((e) => e.name)).to.not.include("CORS_ALLOWED_ORIGINS");
    });

    it("lets CORS preflights (OPTIONS, no token) through Kong to every path a JWT route serves", () => {
        const routes = kongRoutes(prod);
        // The jwt plugin runs on OPTIONS unless told not to (components/api-gateway.ts sets run_on_preflight: false,
        // checked in test/components/api-gateway.test.ts); either way an OPTIONS route must exist for every guarded path.
        for (const guarded of routes.filter((route) => route.jwt)) {
            for (const path of guarded.paths) {
                const preflightRoute = routes.find((route) => route.methods.includes("OPTIONS") && route.paths.some((p) => path.startsWith(p)));
                expect(preflightRoute, `no route takes OPTIONS for ${path}`).to.not.equal(undefined);
            }
        }
        expect(routes.find((route) => route.paths.includes("/openapi.json"))).to.deep.include({ jwt: false, methods: ["GET", "HEAD", "OPTIONS"] });
    });

    it("runs product fetching and analysis as CronJobs from the same image, never overlapping", () => {
        const cronJobs = prod.ofType("kubernetes:batch/v1:CronJob").map((c) => c.inputs.spec as { concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: PodSpec } } } });
        expect(cronJobs).to.have.length(2);
        const commands = cronJobs.map((c) => c.jobTemplate.spec.template.spec.containers[0].args?.[1]);
        expect(commands).to.have.members(["fetch-products", "analyse"]);
        for (const cronJob of cronJobs) {
            expect(cronJob.concurrencyPolicy).to.equal("Forbid");
            const container = cronJob.jobTemplate.spec.template.spec.containers[0];
            expect(container.image).to.equal(pod(prod).containers[0].image);
            expect(container.securityContext).to.include({ runAsNonRoot: true, allowPrivilegeEscalation: false });
        }
    });

    it("stores images in a scanned ECR repository whose release tags are immutable (only the build cache's tag moves)", () => {
        expect(prod.one("aws:ecr/repository:Repository").inputs).to.deep.include({
            imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters: [{ filter: "buildcache", filterType: "WILDCARD" }],
            imageScanningConfiguration: { scanOnPush: true },
        });
        expect(prod.ofType("docker-build:index:Image")).to.have.length(0);
    });

    describe("the image built from app/", () => {
        type Built = { context: { location: string }; platforms: string[]; push: boolean; tags: string[]; buildOnPreview: boolean;
            registries: { address: string; username: string; password: unknown }[]; cacheFrom: { registry: { ref: string } }[]; cacheTo: { registry: { ref: string; imageManifest: boolean } }[] };
        const image = () => built.one("docker-build:index:Image").inputs as unknown as Built;
        const repositoryUrl = () => String(built.one("aws:ecr/repository:Repository").outputs.repositoryUrl);

        it("is one multi-arch image (amd64 and arm64) pushed to the repository, replacing the single-arch awsx image", () => {
            expect(built.ofType("awsx:ecr:Image")).to.have.length(0);
            expect(image().context).to.deep.equal({ location: "./app" });
            expect(image().platforms).to.have.members(["linux/amd64", "linux/arm64"]);
            expect(image().push).to.equal(true);
            expect(image().buildOnPreview).to.equal(false);
        });

        it("is tagged by the content of its build context, and the pods run that tag pinned by digest", () => {
            const expected = fingerprintBuildContext("./app", { extra: ["linux/arm64,linux/amd64"] }).sha256.slice(0, 16);
            expect(image().tags).to.deep.equal([`${repositoryUrl()}:${expected}`]);
            expect(pod(built).containers[0].image).to.match(new RegExp(`^${repositoryUrl()}:${expected}@sha256:[0-9a-f]{64}$`));
        });

        it("logs in to the repository's registry with an ECR token kept secret, and caches layers in the repository", () => {
            const [registry] = image().registries;
            expect(registry.address).to.equal(repositoryUrl().split("/")[0]);
            expect(registry.username).to.equal("AWS");
            expect(JSON.stringify(registry.password)).to.not.include("mock-ecr-password");
            expect(image().cacheFrom[0].registry.ref).to.equal(`${repositoryUrl()}:buildcache`);
            expect(image().cacheTo[0].registry).to.include({ ref: `${repositoryUrl()}:buildcache`, imageManifest: true });
        });
    });

    describe("pods of the API image only land where the image runs", () => {
        type Affinity = PodSpec["affinity"];
        const archOf = (affinity: Affinity) => affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
            .map((t) => t.matchExpressions.find((e) => e.key === "kubernetes.io/arch" && e.operator === "In")?.values);
        const podTemplates = (r: Registered) => [
            ...r.ofType("kubernetes:apps/v1:Deployment").map((d) => (d.inputs.spec as { template: { spec: PodSpec } }).template.spec),
            ...r.ofType("kubernetes:batch/v1:CronJob").map((c) => (c.inputs.spec as { jobTemplate: { spec: { template: { spec: PodSpec } } } }).jobTemplate.spec.template.spec),
        ];

        it("pins every pod template (API, indexer, CronJobs) to arm64 when the prebuilt image covers only arm64", async () => {
            const armOnly = await declared("apitest-armonly", () => new ShopApi("apitest-armonly", {
                ...baseArgs, namespace: "shop-armonly", nodeArchitectures: ["arm64", "amd64"],
                image: { prebuilt: "000000000000.dkr.ecr.ap-south-1.amazonaws.com/shop-api:1.2.3", architectures: ["arm64"] },
                searchIndexer: { kafkaSecretName: "kafka-shop-search-indexer" },
            }));
            const templates = podTemplates(armOnly);
            expect(templates).to.have.length(4);
            for (const spec of templates) expect(archOf(spec.affinity)).to.deep.equal([["arm64"]]);
        });

        it("adds no architecture constraint when the image covers every architecture the pools launch", () => {
            for (const spec of [...podTemplates(prod), ...podTemplates(built)]) expect(spec.affinity).to.equal(undefined);
        });

        it("refuses an image that runs on no architecture the pools launch", () => {
            expect(() => new ShopApi("apitest-noarch", {
                ...baseArgs, namespace: "shop-noarch", nodeArchitectures: ["arm64"],
                image: { prebuilt: "000000000000.dkr.ecr.ap-south-1.amazonaws.com/shop-api:1.2.3", architectures: ["amd64"] },
            })).to.throw(/runs on amd64 but the node pools launch only arm64/);
        });
    });

    it("points its Service, PDB, HPA-scaled Deployment and NetworkPolicy at the API pods only, never at a job's or the indexer's", () => {
        type Labelled = { metadata: { labels: Record<string, string> } };
        const apiSelector = (prod.one("kubernetes:core/v1:Service").inputs.spec as { selector: Record<string, string> }).selector;
        const matches = (labels: Record<string, string>) => Object.entries(apiSelector).every(([key, value]) => labels[key] === value);
        expect(matches((prod.one("kubernetes:apps/v1:Deployment").inputs.spec as { template: Labelled }).template.metadata.labels)).to.equal(true);
        const otherPods = [
            ...prod.ofType("kubernetes:batch/v1:CronJob").map((c) => (c.inputs.spec as { jobTemplate: { spec: { template: Labelled } } }).jobTemplate.spec.template.metadata.labels),
            ...indexed.ofType("kubernetes:apps/v1:Deployment").filter((d) => (d.inputs.metadata as { name: string }).name !== "shop-api")
                .map((d) => (d.inputs.spec as { template: Labelled }).template.metadata.labels),
        ];
        expect(otherPods).to.have.length(3);
        for (const labels of otherPods) expect(matches(labels), JSON.stringify(labels)).to.equal(false);
        for (const selected of [prod.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec, prod.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs.spec]) {
            const { matchLabels } = ((selected as { selector?: { matchLabels: Record<string, string> } }).selector ?? (selected as { podSelector: { matchLabels: Record<string, string> } }).podSelector);
            expect(matchLabels).to.deep.equal(apiSelector);
        }
    });

    it("runs the search indexer from the same image, with its own Kafka user, a health probe and the API's hardening", () => {
        const deployment = indexed.ofType("kubernetes:apps/v1:Deployment").find((d) => (d.inputs.metadata as { name: string }).name === "shop-search-indexer");
        const spec = (deployment?.inputs.spec as { replicas: number; template: { spec: PodSpec } }).template.spec;
        const container = spec.containers[0];
        expect(container.args).to.deep.equal(["dist/jobs.js", "index-search"]);
        expect(container.image).to.equal(pod(prod).containers[0].image);
        const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]));
        expect(env.KAFKA_SASL_USERNAME).to.deep.equal({ secretKeyRef: { name: "kafka-shop-search-indexer", key: "username" } });
        expect(env.KAFKA_SASL_PASSWORD).to.deep.equal({ secretKeyRef: { name: "kafka-shop-search-indexer", key: "password" } });
        expect(container.env.filter((e) => e.name === "KAFKA_SASL_PASSWORD")).to.have.length(1);
        expect(env).to.include({ SEARCH_INDEXER_GROUP: "shop-search-indexer", KAFKA_CLIENT_ID: "shop-search-indexer", ES_URL: "https://search-es-http.search.svc:9200" });
        expect(container.livenessProbe).to.deep.include({ httpGet: { path: "/healthz", port: "health" } });
        expect(container.securityContext).to.include({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(spec.serviceAccountName).to.equal("shop-api");
        expect(prod.ofType("kubernetes:apps/v1:Deployment")).to.have.length(1);
    });

    it("refuses a search indexer without Kafka and Elasticsearch to connect", () => {
        expect(() => new ShopApi("apitest-noindex", { ...baseArgs, namespace: "shop-noindex", connections: { redis: baseArgs.connections.redis }, searchIndexer: { kafkaSecretName: "k" } }))
            .to.throw(/search indexer needs the Kafka and Elasticsearch connections/);
    });

    it("is scraped by Prometheus through a ServiceMonitor on the API pods' /metrics, once the operator's CRDs exist", () => {
        const monitor = indexed.one("kubernetes:monitoring.coreos.com/v1:ServiceMonitor");
        const service = indexed.one("kubernetes:core/v1:Service").inputs as { metadata: { labels: Record<string, string> }; spec: { selector: Record<string, string>; ports: { name: string }[] } };
        const spec = monitor.inputs.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
        // A ServiceMonitor selects Services by their own labels (not their pod selector): the API's Service must carry them.
        expect(service.metadata.labels).to.include(spec.selector.matchLabels);
        expect(spec.selector.matchLabels).to.deep.equal(service.spec.selector);
        expect(spec.endpoints).to.have.length(1);
        expect(spec.endpoints[0]).to.include({ port: service.spec.ports[0].name, path: "/metrics" });
        expect(monitor.dependencies).to.include(indexed.named("apitest-indexed-operator").urn);
        expect(prod.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).to.have.length(0);
    });

    it("may write the analysis job's daily aggregates into the analytics bucket, and only there, when one is configured", async () => {
        const withBucket = await declared("apitest-lake", () => new ShopApi("apitest-lake", { ...baseArgs, namespace: "shop-lake", connections: { ...baseArgs.connections, analyticsBucket: "shop-lake-bucket" } }));
        const statements = (r: Registered, name: string) => JSON.parse(String(r.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.urn.endsWith(`::${name}-irsa`))?.inputs.policy)).Statement as { Sid: string; Action: string; Resource: string }[];
        expect(statements(withBucket, "apitest-lake").find((s) => s.Sid === "WriteDailyAggregates")).to.deep.include({ Action: "s3:PutObject", Resource: "arn:aws:s3:::shop-lake-bucket/daily_aggregates/*" });
        const env = Object.fromEntries(pod(withBucket).containers[0].env.map((e) => [e.name, e.value]));
        expect(env.ANALYTICS_BUCKET).to.equal("shop-lake-bucket");
        expect(statements(prod, "apitest-prod").map((s) => s.Sid)).to.deep.equal(["ConnectAsOwnDatabaseRole"]);
        // The grant covers exactly where the app writes.
        const { aggregateObjectKey } = await import("../../app/src/jobs/analytics-sink");
        expect(aggregateObjectKey("2026-11-25")).to.match(/^daily_aggregates\//);
    });
});
