import { expect } from "chai";
import { RegionalEndpoint } from "../../../components/edge/regional-endpoint";
import { declared, Registered } from "../../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("components/edge/regional-endpoint", () => {
    let endpoint: Registered;
    before(async () => {
        endpoint = await declared("edgetest-endpoint", () => new RegionalEndpoint("edgetest-endpoint", {
            region: "eu-west-1", zoneId: "Z0ZONE", regionalHostname: "api.eu-west-1.shop.example.com", originHostname: "origin.shop.example.com",
            loadBalancerHostname: "k8s-kong-abc.elb.eu-west-1.amazonaws.com",
        }));
    });

    it("an HTTPS health check on the regional name, a latency alias for origin with target health and the check", () => {
        const check = endpoint.one("aws:route53/healthCheck:HealthCheck");
        expect(check.inputs).to.include({ type: "HTTPS", fqdn: "api.eu-west-1.shop.example.com", port: 443, resourcePath: "/healthz", requestInterval: 30, failureThreshold: 3 });
        const records = endpoint.ofType("aws:route53/record:Record");
        const origin = records.find((r) => r.inputs.name === "origin.shop.example.com")!;
        expect(origin.inputs).to.deep.include({ setIdentifier: "eu-west-1", latencyRoutingPolicies: [{ region: "eu-west-1" }], healthCheckId: check.id });
        expect((origin.inputs.aliases as Spec[])[0]).to.deep.equal({ name: "k8s-kong-abc.elb.eu-west-1.amazonaws.com", zoneId: "Z2IFOLAFXWLO4F", evaluateTargetHealth: true });
        const regional = records.find((r) => r.inputs.name === "api.eu-west-1.shop.example.com")!;
        expect(regional.inputs).to.not.have.property("setIdentifier");
        expect((regional.inputs.aliases as Spec[])[0].zoneId).to.equal("Z2IFOLAFXWLO4F");
    });

    it("refuses a region without a published NLB zone id", () => {
        expect(() => new RegionalEndpoint("edgetest-nowhere", {
            region: "me-south-1", zoneId: "Z0ZONE", regionalHostname: "api.me-south-1.shop.example.com", originHostname: "origin.shop.example.com", loadBalancerHostname: "lb",
        })).to.throw(/me-south-1 has no Network Load Balancer hosted zone id/);
    });
});
