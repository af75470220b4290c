import { expect } from "chai";
import { Network } from "../../components/network";
import { declared, Registered } from "../support/mock-runtime";

describe("components/network", () => {
    let dev: Registered;
    let prod: Registered;
    before(async () => {
        const args = { cidrBlock: "10.0.0.0/16", region: "ap-south-1", clusterName: "shop", availabilityZoneCount: 3 };
        dev = await declared("nettest-dev", () => new Network("nettest-dev", { ...args, natGateways: "single", flowLogRetentionDays: 14 }));
        prod = await declared("nettest-prod", () => new Network("nettest-prod", { ...args, natGateways: "one-per-az" }));
    });

    it("spans three zones with public and private subnets", () => {
        const vpc = prod.one("awsx:ec2:Vpc").inputs;
        expect(vpc.numberOfAvailabilityZones).to.equal(3);
        expect((vpc.subnetSpecs as { type: string }[]).map((s) => s.type)).to.have.members(["Public", "Private"]);
        expect(vpc.cidrBlock).to.equal("10.0.0.0/16");
    });

    it("has one NAT gateway in dev and one per zone in prod", () => {
        expect(dev.one("awsx:ec2:Vpc").inputs.natGateways).to.deep.equal({ strategy: "Single" });
        expect(prod.one("awsx:ec2:Vpc").inputs.natGateways).to.deep.equal({ strategy: "OnePerAz" });
    });

    it("routes S3 through a gateway endpoint instead of the NAT gateways", () => {
        expect(prod.one("awsx:ec2:Vpc").inputs.vpcEndpointSpecs).to.deep.include({ serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway" });
    });

    it("tags subnets for the load balancer controller and Karpenter discovery", () => {
        const specs = prod.one("awsx:ec2:Vpc").inputs.subnetSpecs as { type: string; tags: Record<string, string> }[];
        expect(specs.find((s) => s.type === "Public")?.tags).to.include({ "kubernetes.io/role/elb": "1" });
        expect(specs.find((s) => s.type === "Private")?.tags).to.include({ "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "shop" });
    });

    it("writes all VPC flow logs to a log group with the configured retention", () => {
        const flowLog = dev.one("aws:ec2/flowLog:FlowLog").inputs;
        expect(flowLog.trafficType).to.equal("ALL");
        expect(flowLog.logDestinationType).to.equal("cloud-watch-logs");
        expect(dev.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).to.equal(14);
    });
});
