import { expect } from "chai";
import { NLB_HOSTED_ZONE_IDS, networkLoadBalancerZoneId } from "../../../components/edge/load-balancer-zones";

describe("components/edge/load-balancer-zones", () => {
    it("holds the published NLB zone ids of the shipped regions (not the ALB/CLB column)", () => {
        // AWS "Elastic Load Balancing endpoints and quotas", Network Load Balancers column.
        expect(NLB_HOSTED_ZONE_IDS).to.include({ "ap-south-1": "ZVDDRBQ08TROA", "us-east-1": "Z26RNL4JYFTOTI", "eu-west-1": "Z2IFOLAFXWLO4F" });
        expect(Object.values(NLB_HOSTED_ZONE_IDS)).to.not.include.members(["ZP97RAFLXTNZK", "Z35SXDOTRQ7X7K", "Z32O12XQLNTSW2"]);
    });

    it("refuses a region without one, naming the table and where the value comes from", () => {
        expect(() => networkLoadBalancerZoneId("me-south-1")).to.throw(/me-south-1 has no Network Load Balancer hosted zone id in components\/edge\/load-balancer-zones.ts.*docs.aws.amazon.com\/general\/latest\/gr\/elb.html/);
    });
});
