import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHARTS } from "../../components/catalogue";
import { CHART_VERSION_ANNOTATION, crdProvenance, OPERATOR_CHARTS, OperatorChart, vendoredCrdDir, vendoredCrds } from "../../components/operator-crds";
import type { CapturedResource } from "../../tools/capture";
import { dependencyClosure, ofType, plannedStack, type PlannedStack } from "../support/plans";

const CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const SOURCES = JSON.parse(readFileSync(join(__dirname, "..", "..", "crds", "sources.json"), "utf8")) as Record<string, { repository: string }>;

interface CrdInputs { metadata: { name: string; annotations?: Record<string, string> }; spec: { group: string; names: { kind: string } } }
const crdInputs = (r: CapturedResource) => r.inputs as unknown as CrdInputs;
const name = (r: CapturedResource) => r.urn.split("::").pop() as string;

/** The chart whose vendored set holds a CRD of this name. */
function chartOf(crdName: string): OperatorChart | undefined {
    return OPERATOR_CHARTS.find((chart) => vendoredCrds(chart).some((crd) => crd.name === crdName));
}

describe("operator CRDs: resources of their own at each chart's pinned version", function () {
    this.timeout(300_000);
    let prod: PlannedStack;
    before(() => { prod = plannedStack("prod"); });

    it("vendors every operator chart's CRDs at exactly the catalogue's version, with their provenance", () => {
        expect(Object.keys(SOURCES).sort()).to.deep.equal([...OPERATOR_CHARTS].sort());
        for (const chart of OPERATOR_CHARTS) {
            const provenance = crdProvenance(chart);
            expect(provenance.chartVersion, chart).to.equal(CHARTS[chart].version);
            expect(provenance.repository, chart).to.equal(SOURCES[chart].repository);
            expect(provenance.commit, chart).to.match(/^[0-9a-f]{40}$/);
            expect(vendoredCrds(chart).length, chart).to.be.greaterThan(0);
        }
    });

    it("keeps each vendored file byte-for-byte the upstream blob when upstream ships one CRD per file (git hash-object)", () => {
        // Multi-document files (Kong, ECK, the Redis operator) and files opening with `---` (Karpenter) or a comment
        // (kube-prometheus-stack) are cut at `---`, so only Strimzi's single-document files can be compared whole.
        const provenance = crdProvenance("strimzi");
        for (const [crd, { blob }] of Object.entries(provenance.crds)) {
            const hash = execFileSync("git", ["hash-object", join(vendoredCrdDir("strimzi"), `${crd}.yaml`)]).toString().trim();
            expect(hash, crd).to.equal(blob);
        }
    });

    it("refuses a catalogue version with no vendored CRDs, naming the refresh command", () => {
        const entry = CHARTS.strimzi as { version: string };
        const pinned = entry.version;
        entry.version = "9.9.9";
        try {
            expect(() => crdProvenance("strimzi")).to.throw(/no vendored CRDs for strimzi 9\.9\.9 .*npm run crds:vendor -- strimzi/);
        } finally {
            entry.version = pinned;
        }
    });

    it("prod: every vendored CRD is a resource, annotated with the catalogue's chart version, and protected", () => {
        const planned = new Map(ofType(prod, CRD_TYPE).map((r) => [crdInputs(r).metadata.name, r]));
        for (const chart of OPERATOR_CHARTS) {
            for (const crd of vendoredCrds(chart)) {
                const resource = planned.get(crd.name);
                expect(resource, `${chart}: ${crd.name} is not in the prod plan`).to.not.equal(undefined);
                expect(crdInputs(resource!).metadata.annotations?.[CHART_VERSION_ANNOTATION], crd.name).to.equal(CHARTS[chart].version);
                expect(crdInputs(resource!).spec, crd.name).to.deep.equal(JSON.parse(JSON.stringify(crd.object.spec)));
                expect(resource!.protect, `${crd.name}: deleting it deletes every ${crd.object.spec.names.kind}`).to.equal(true);
            }
        }
        expect([...planned.keys()].filter((crdName) => !chartOf(crdName)), "CRDs planned from no vendored set").to.deep.equal([]);
    });

    it("prod: every release of these charts skips its CRDs (ECK's are templates: installCRDs false) and waits for all of them", () => {
        const crdUrns = (chart: OperatorChart) => ofType(prod, CRD_TYPE).filter((r) => chartOf(crdInputs(r).metadata.name) === chart).map((r) => r.urn);
        for (const chart of OPERATOR_CHARTS) {
            const releases = ofType(prod, "kubernetes:helm.sh/v3:Release").filter((r) => r.inputs.chart === CHARTS[chart].chart);
            expect(releases.length, `${chart} releases in prod`).to.equal(1);
            for (const release of releases) {
                expect(release.inputs.skipCrds, name(release)).to.equal(true);
                if (chart === "eckOperator") expect((release.inputs.values as { installCRDs?: boolean }).installCRDs, name(release)).to.equal(false);
                const waits = dependencyClosure(prod, release);
                expect(crdUrns(chart).filter((urn) => !waits.has(urn)), `${name(release)} does not wait for`).to.deep.equal([]);
            }
        }
    });

    it("prod: every custom resource of a vendored kind waits (transitively) for its CRD resource; the Redis cluster release for RedisCluster's", () => {
        const crds = ofType(prod, CRD_TYPE);
        const crdOf = (group: string, kind: string) => crds.find((c) => crdInputs(c).spec.group === group && crdInputs(c).spec.names.kind === kind);
        const problems: string[] = [];
        let checked = 0;
        for (const resource of prod.resources) {
            const match = /^kubernetes:([^:/]+\.[^:/]+)\/[^:/]+:([^:]+)$/.exec(resource.type);
            if (!match || match[1] === "apiextensions.k8s.io" || match[1] === "helm.sh") continue;
            const crd = crdOf(match[1], match[2]);
            if (!crd) continue;
            checked++;
            if (!dependencyClosure(prod, resource).has(crd.urn)) problems.push(`${name(resource)} (${match[2]}) does not wait for ${crdInputs(crd).metadata.name}`);
        }
        const redisCluster = ofType(prod, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === CHARTS.redisCluster.chart)!;
        const redisCrd = crdOf("redis.redis.opstreelabs.in", "RedisCluster")!;
        if (!dependencyClosure(prod, redisCluster).has(redisCrd.urn)) problems.push(`${name(redisCluster)} renders a RedisCluster before its CRD`);
        expect(checked, "custom resources of vendored kinds in prod").to.be.greaterThan(10);
        expect(problems).to.deep.equal([]);
    });

    it("dev: the CRDs are not protected (a destroy of dev finishes)", () => {
        const crds = ofType(plannedStack("dev"), CRD_TYPE);
        expect(crds.length).to.be.greaterThan(0);
        expect(crds.filter((r) => r.protect).map(name)).to.deep.equal([]);
    });
});
