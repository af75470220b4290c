import { expect } from "chai";
import { CHARTS } from "../../components/catalogue";
import { RedisCluster } from "../../components/redis-cluster";
import { STATEFUL_NODE_LABEL } from "../../components/scheduling";
import { declared, Registered } from "../support/mock-runtime";

const RELEASE = "kubernetes:helm.sh/v3:Release";
type Values = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function redisValues(registered: Registered): Values {
    const release = registered.ofType(RELEASE).find((r) => r.inputs.chart === CHARTS.redisCluster.chart);
    if (!release) throw new Error("no redis-cluster release");
    return release.inputs.values as Values;
}

describe("components/redis-cluster", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declared("redistest-prod", () => new RedisCluster("redistest-prod", { namespace: "redis-prod", leaders: 3, followers: 3, strictZoneSpread: true }));
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

    it("authenticates with a generated password that only reaches the cluster through a Kubernetes Secret", () => {
        const secret = prod.one("kubernetes:core/v1:Secret");
        expect(JSON.stringify(secret.inputs.stringData)).to.include("ciphertext");
        expect(redisValues(prod).redisCluster.redisSecret).to.deep.equal({ secretName: "redis-cluster-auth", secretKey: "password" });
        const password = String(prod.one("random:index/randomPassword:RandomPassword").outputs.result);
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

    it("refuses fewer than 3 leaders (Redis cluster mode cannot form)", () => {
        expect(() => new RedisCluster("redistest-bad", { leaders: 1 })).to.throw(/at least 3 leaders/);
    });
});
