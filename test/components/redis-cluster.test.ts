import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { createHash } from "node:crypto";
import { CHARTS, IMAGES, imageParts } from "../../components/catalogue";
import { RedisCluster, aclLine, redisDnsNames } from "../../components/redis-cluster";
import { STATEFUL_NODE_LABEL } from "../../components/scheduling";
import { SHOP_API_REDIS_ACL } from "../../components/shop-api-environment";
import { validateCustomResource } from "../support/crd-validator";
import { declared, Registered } from "../support/mock-runtime";

const RELEASE = "kubernetes:helm.sh/v3:Release";
type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function redisValues(registered: Registered): Values {
    const release = registered.ofType(RELEASE).find((r) => r.inputs.chart === CHARTS.redisCluster.chart);
    if (!release) throw new Error("no redis-cluster release");
    return release.inputs.values as Values;
}

/**
 * Redis lines patched at 2026-12. Source: redis/redis SECURITY.md ("Supported Versions": 8.x and 7.4.x; "< 7.4.x" not)
 * and Redis's lifecycle page, which ends 7.4 on 2026-11-30. 7.0 (CVE-2024-31228 unfixed) and 7.2 are out.
 */
const SUPPORTED_REDIS_LINES = /^v?8\.\d+\.\d+$/;

/**
 * What the redis-cluster chart (0.17.4, templates/redis-cluster.yaml at OT-CONTAINER-KIT/redis-operator 0bc34813)
 * renders from the values the program sets: the RedisCluster custom resource, for the keys the program uses.
 */
function renderedRedisCluster(values: Values): Record<string, unknown> {
    const role = (r: Values) => ({
        ...(r.tolerations?.length ? { tolerations: r.tolerations } : {}),
        ...(r.pdb?.enabled ? { pdb: r.pdb } : {}),
        ...(r.nodeSelector ? { nodeSelector: r.nodeSelector } : {}),
        ...(r.topologySpreadConstraints?.length ? { topologySpreadConstraints: r.topologySpreadConstraints } : {}),
        ...(r.securityContext ? { securityContext: r.securityContext } : {}),
        ...(r.livenessProbe ? { livenessProbe: r.livenessProbe } : {}),
        ...(r.readinessProbe ? { readinessProbe: r.readinessProbe } : {}),
        replicas: r.replicas,
    });
    const c = values.redisCluster;
    return {
        apiVersion: "redis.redis.opstreelabs.in/v1beta2",
        kind: "RedisCluster",
        metadata: { name: c.name },
        spec: {
            clusterSize: c.clusterSize,
            persistenceEnabled: c.persistenceEnabled,
            clusterVersion: c.clusterVersion,
            redisLeader: role(c.leader),
            redisFollower: role(c.follower),
            redisExporter: { enabled: values.redisExporter.enabled, image: `${values.redisExporter.image}:${values.redisExporter.tag}`, imagePullPolicy: "IfNotPresent", resources: values.redisExporter.resources, securityContext: values.redisExporter.securityContext },
            kubernetesConfig: {
                image: `${c.image}:${c.tag}`, imagePullPolicy: "IfNotPresent", service: { serviceType: "ClusterIP" }, resources: c.resources,
                redisSecret: { name: c.redisSecret.secretName, key: c.redisSecret.secretKey },
            },
            storage: values.storageSpec,
            podSecurityContext: values.podSecurityContext,
            TLS: { ca: values.TLS.ca, cert: values.TLS.cert, key: values.TLS.key, secret: { secretName: values.TLS.secret.secretName } },
            acl: { secret: { secretName: values.acl.secret.secretName } },
        },
    };
}

describe("components/redis-cluster", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declared("redistest-prod", () => new RedisCluster("redistest-prod", { namespace: "redis-prod", leaders: 3, followers: 3, strictZoneSpread: true, aclUsers: [SHOP_API_REDIS_ACL] }));
        dev = await declared("redistest-dev", () => new RedisCluster("redistest-dev", { namespace: "redis-dev", leaders: 3, followers: 0 }));
    });

    it("installs the operator and the cluster from pinned catalogue charts", () => {
        const releases = prod.ofType(RELEASE);
        expect(releases.map((r) => r.inputs.chart)).to.have.members([CHARTS.redisOperator.chart, CHARTS.redisCluster.chart]);
        for (const release of releases) expect(release.inputs.version).to.match(/^\d+\.\d+\.\d+$/);
    });

    it("prod runs 3 masters with 3 replicas, each role with a PodDisruptionBudget, spread strictly over zones", () => {
        const cluster = redisValues(prod).redisCluster;
        expect(cluster.clusterSize).to.equal(3);
        expect(cluster.leader.replicas).to.equal(3);
        expect(cluster.follower.replicas).to.equal(3);
        expect(cluster.leader.pdb).to.deep.include({ enabled: true, maxUnavailable: 1 });
        expect(cluster.follower.pdb.enabled).to.equal(true);
        expect(cluster.leader.topologySpreadConstraints[0]).to.include({ topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule" });
    });

    it("dev runs 3 masters without replicas and no PDB for the empty follower set", () => {
        const cluster = redisValues(dev).redisCluster;
        expect(cluster.leader.replicas).to.equal(3);
        expect(cluster.follower.replicas).to.equal(0);
        expect(cluster.follower.pdb.enabled).to.equal(false);
        expect(cluster.leader.topologySpreadConstraints[0].whenUnsatisfiable).to.equal("ScheduleAnyway");
    });

    it("runs a Redis line that is still patched (not the end-of-life 7.0 or 7.2)", () => {
        const { tag } = imageParts(IMAGES.redis);
        expect(tag).to.match(SUPPORTED_REDIS_LINES);
        expect(redisValues(prod).redisCluster.tag).to.equal(tag);
        expect(IMAGES.redis).to.not.match(/:v?7\.[02]\./);
    });

    it("serves only TLS, verified against its own CA, with the certificate covering the services and every pod's name", () => {
        const values = redisValues(prod);
        expect(values.TLS).to.deep.equal({ ca: "ca.crt", cert: "tls.crt", key: "tls.key", secret: { secretName: "redis-cluster-tls" } });
        const tlsSecret = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Values).name === "redis-cluster-tls")!;
        expect(tlsSecret.inputs.type).to.equal("kubernetes.io/tls");
        expect(JSON.stringify(tlsSecret.inputs.stringData)).to.include("ciphertext");
        const request = prod.ofType("tls:index/certRequest:CertRequest")[0];
        expect(request.inputs.dnsNames).to.include.members(["redis-cluster-leader.redis-prod.svc.cluster.local", "*.redis-cluster-leader-headless.redis-prod.svc.cluster.local", "*.redis-cluster-follower-headless.redis-prod.svc.cluster.local"]);
        expect(redisDnsNames("redis")).to.include("redis-cluster-leader.redis.svc.cluster.local");
        // The operator generates the config only with this gate; the image's entrypoint would write an empty CA path.
        const operator = prod.ofType(RELEASE).find((r) => r.inputs.chart === CHARTS.redisOperator.chart)!;
        expect((operator.inputs.values as Values).featureGates).to.deep.equal({ GenerateConfigInInitContainer: true });
    });

    it("gives each client its own ACL user, limited to its keys and commands, and keeps `default` password-protected", () => {
        expect(redisValues(prod).acl).to.deep.equal({ secret: { secretName: "redis-cluster-acl" } });
        const acl = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Values).name === "redis-cluster-acl")!;
        // The whole file is a secret (it holds password hashes); the operator mounts its user.acl key (REDIS_ACL_FILE_KEY).
        expect(JSON.stringify(acl.inputs.stringData)).to.include("ciphertext");
        const line = aclLine(SHOP_API_REDIS_ACL, "pw");
        expect(line).to.equal(`user shop-api reset on #${createHash("sha256").update("pw").digest("hex")} ~shop:* resetchannels &shop:product:invalidations -@all +get +set +del +evalsha +eval +publish +subscribe +ping +cluster|slots +cluster|info`);
        expect(line).to.not.include(" pw");
        expect(aclLine({ username: "default", keyPatterns: ["*"], commands: ["@all"] }, "admin")).to.match(/^user default reset on #[0-9a-f]{64} ~\* &\* \+@all$/);
        expect(prod.ofType("random:index/randomPassword:RandomPassword")).to.have.length(2);
        expect(() => new RedisCluster("redistest-baduser", { aclUsers: [{ username: "default", keyPatterns: ["*"], commands: ["get"] }] })).to.throw(/other than default/);
    });

    it("renders a RedisCluster the operator's v0.26.0 CRD accepts", () => {
        for (const registered of [prod, dev]) expect(validateCustomResource(renderedRedisCluster(redisValues(registered)))).to.deep.equal([]);
        // The schema is strict: a misspelt TLS key would be refused.
        const broken = renderedRedisCluster(redisValues(prod)) as { spec: Values };
        broken.spec.TLS = { ...broken.spec.TLS, caFile: "ca.crt" };
        expect(validateCustomResource(broken).join()).to.include("caFile");
    });

    it("authenticates with a generated password that only reaches the cluster through a Kubernetes Secret", () => {
        const secret = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Values).name === "redis-cluster-auth")!;
        expect(JSON.stringify(secret.inputs.stringData)).to.include("ciphertext");
        expect(redisValues(prod).redisCluster.redisSecret).to.deep.equal({ secretName: "redis-cluster-auth", secretKey: "password" });
        const password = String(prod.ofType("random:index/randomPassword:RandomPassword").find((r) => r.urn.endsWith("::redistest-prod-auth"))!.outputs.result);
        for (const resource of prod.resources) expect(JSON.stringify(resource.inputs)).to.not.include(password);
    });

    it("persists on gp3 volumes and runs on the on-demand stateful pool with requests, limits and probes", () => {
        const values = redisValues(prod);
        expect(values.redisCluster.persistenceEnabled).to.equal(true);
        expect(values.storageSpec.volumeClaimTemplate.spec.storageClassName).to.equal("gp3");
        expect(values.storageSpec.nodeConfVolumeClaimTemplate.spec.storageClassName).to.equal("gp3");
        expect(values.redisCluster.leader.nodeSelector).to.deep.equal(STATEFUL_NODE_LABEL);
        expect(values.redisCluster.resources.requests).to.have.keys("cpu", "memory");
        expect(values.redisCluster.resources.limits).to.have.property("memory");
        expect(values.redisCluster.leader.livenessProbe).to.have.property("periodSeconds");
        expect(values.redisCluster.leader.readinessProbe).to.have.property("periodSeconds");
    });

    it("runs non-root without privilege escalation and exports metrics", () => {
        const values = redisValues(prod);
        expect(values.podSecurityContext).to.include({ runAsNonRoot: true });
        expect(values.redisCluster.leader.securityContext).to.include({ allowPrivilegeEscalation: false, runAsNonRoot: true });
        expect(values.redisExporter.enabled).to.equal(true);
        expect(values.redisExporter.tag).to.match(/^v\d/);
    });

    it("has the chart render the exporter's ServiceMonitors only where a Prometheus operator runs, the release after its CRDs", async () => {
        expect(redisValues(prod).serviceMonitor).to.deep.equal({ enabled: false });
        const scraped = await declared("redistest-scraped", () => {
            const operator = new k8s.core.v1.Namespace("redistest-scraped-prometheus", {});
            new RedisCluster("redistest-scraped", { namespace: "redis-scraped", prometheusOperator: operator });
        });
        expect(redisValues(scraped).serviceMonitor).to.deep.equal({ enabled: true });
        const release = scraped.ofType(RELEASE).find((r) => r.inputs.chart === CHARTS.redisCluster.chart)!;
        expect(release.dependencies).to.include(scraped.named("redistest-scraped-prometheus").urn);
        // The exporter talks TLS to its node: the operator derives that from the same TLS block (v0.26.0
        // getExporterEnvironmentVariables: rediss://localhost, REDIS_EXPORTER_TLS_* from the TLS Secret's keys).
        expect(redisValues(scraped).TLS).to.include({ ca: "ca.crt", cert: "tls.crt", key: "tls.key" });
    });

    it("refuses fewer than 3 leaders (Redis cluster mode cannot form)", () => {
        expect(() => new RedisCluster("redistest-bad", { leaders: 1 })).to.throw(/at least 3 leaders/);
    });
});
