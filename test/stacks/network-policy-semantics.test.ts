import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { defaultKubernetesServiceIp } from "../../components/network-policies";
import { PlanIndex } from "../support/kubernetes-wiring";
import { Endpoint, NetworkModel, inCidr } from "../support/network-flows";

/**
 * The evaluator the wiring test trusts (test/support/network-flows.ts), on a tiny plan whose answers follow from the
 * NetworkPolicy API: isolation per direction, union of allows, both ends must allow, named ports, ipBlock except,
 * namespaceSelector AND podSelector in one peer.
 */
type Json = Record<string, unknown>;
let n = 0;
const resource = (type: string, inputs: Json): CapturedResource => ({ urn: `urn:pulumi:t::t::${type}::r${++n}`, custom: true, type, inputs, outputs: {}, dependencies: [] });
const namespace = (name: string, labels: Json = {}) => resource("kubernetes:core/v1:Namespace", { metadata: { name, labels } });
const deployment = (ns: string, app: string, ports: Json[] = []) => resource("kubernetes:apps/v1:Deployment", {
    metadata: { name: app, namespace: ns },
    spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: "x:1", ports }] } } },
});
const policy = (ns: string, name: string, spec: Json) => resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", { metadata: { name, namespace: ns }, spec });

function model(...policies: CapturedResource[]): NetworkModel {
    const resources = [
        namespace("a", { team: "x" }), namespace("b"),
        deployment("a", "web", [{ name: "http", containerPort: 8080 }]), deployment("a", "job"), deployment("b", "db", [{ name: "pg", containerPort: 5432 }]),
        ...policies,
    ];
    return new NetworkModel(new PlanIndex({ stack: "t", resources, secretKeys: {} }), [], "10.0.1.10");
}
const pod = (m: NetworkModel, ns: string, app: string): Endpoint => ({ pod: m.pod(ns, { app }) });
const ip = (address: string): Endpoint => ({ address: { ip: address, label: address } });
const denyAll = (ns: string) => policy(ns, "deny", { podSelector: {}, policyTypes: ["Ingress", "Egress"] });

describe("stacks: NetworkPolicy semantics of the wiring test's evaluator", () => {
    it("allows everything where no policy selects a pod, and nothing where a default deny does", () => {
        expect(model().verdict({ from: pod(model(), "a", "web"), to: pod(model(), "b", "db"), port: 5432, why: "" }).allowed).to.equal(true);
        const m = model(denyAll("b"));
        expect(m.verdict({ from: pod(m, "a", "web"), to: pod(m, "b", "db"), port: 5432, why: "" }).allowed, "ingress isolated at db").to.equal(false);
    });

    it("needs both the egress at the source and the ingress at the destination", () => {
        const egress = policy("a", "web-out", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } } }], ports: [{ port: 5432 }] }] });
        const ingress = policy("b", "db-in", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "x" } }, podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: "pg" }] }] });
        const flow = (m: NetworkModel, app: string) => ({ from: pod(m, "a", app), to: pod(m, "b", "db"), port: 5432, why: "" });
        const both = model(denyAll("a"), denyAll("b"), egress, ingress);
        expect(both.verdict(flow(both, "web"))).to.include({ allowed: true });
        expect(both.verdict(flow(both, "web")).rules).to.deep.equal(["a/web-out egress[0]", "b/db-in ingress[0]"]);
        // The job is not selected by the egress allow, and is not the web pod the ingress peer names (AND of selectors).
        expect(both.verdict(flow(both, "job")).allowed).to.equal(false);
        const onlyIngress = model(denyAll("a"), denyAll("b"), ingress);
        expect(onlyIngress.verdict(flow(onlyIngress, "web")).reason).to.match(/^egress of a\/Deployment web is isolated/);
        // A named port resolves at the destination: 5433 is not "pg".
        expect(both.verdict({ ...flow(both, "web"), port: 5433 }).allowed).to.equal(false);
    });

    it("matches ipBlocks with their exceptions, and protocols", () => {
        const out = policy("a", "web-out", {
            podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "169.254.0.0/16"] } }], ports: [{ port: 443 }] }],
        });
        const m = model(out);
        const web = pod(m, "a", "web");
        expect(m.verdict({ from: web, to: ip("52.94.0.10"), port: 443, why: "" }).allowed).to.equal(true);
        expect(m.verdict({ from: web, to: ip("169.254.169.254"), port: 443, why: "" }).allowed).to.equal(false);
        expect(m.verdict({ from: web, to: pod(m, "b", "db"), port: 443, why: "" }).allowed, "pods have VPC addresses").to.equal(false);
        expect(m.verdict({ from: web, to: ip("52.94.0.10"), port: 443, protocol: "UDP", why: "" }).allowed).to.equal(false);
        expect(inCidr("10.0.255.255", "10.0.0.0/16")).to.equal(true);
        expect(inCidr("10.1.0.0", "10.0.0.0/16")).to.equal(false);
    });

    it("places the API server's ClusterIP where EKS puts it for the VPC's range", () => {
        expect(defaultKubernetesServiceIp("10.0.0.0/16")).to.equal("172.20.0.1");
        expect(defaultKubernetesServiceIp("172.31.0.0/16")).to.equal("10.100.0.1");
        expect(defaultKubernetesServiceIp("192.168.0.0/16")).to.equal("172.20.0.1");
    });
});
