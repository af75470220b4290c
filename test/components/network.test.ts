import { expect } from "chai";
import { Network } from "../../components/network";
import { declared, mockRuntime, Registered } from "../support/mock-runtime";

describe("components/network", () => {
    let dev: Registered;
    let prod: Registered;
    before(async () => {
        const args = { cidrBlock: "10.0.0.0/16", region: "ap-south-1", clusterName: "shop", availabilityZoneCount: 3 };
        dev = await declared("nettest-dev", () => new Network("nettest-dev", { ...args, natGateways: "single", flowLogRetentionDays: 14 }));
        prod = await declared("nettest-prod", () => new Network("nettest-prod", { ...args, natGateways: "one-per-az" }));
    });

    // awsx:ec2:Vpc reaches the engine with no inputs; these judge the AWS resources its provider creates (mock model).
    const subnets = (stack: Registered, type: "Public" | "Private") =>
        stack.ofType("aws:ec2/subnet:Subnet").filter((s) => (s.inputs.tags as Record<string, string>).SubnetType === type);

    it("spans three zones with a /22 public and a /19 private subnet each, laid out as awsx does", () => {
        expect(prod.one("awsx:ec2:Vpc").inputs).to.deep.equal({});
        expect(prod.one("aws:ec2/vpc:Vpc").inputs.cidrBlock).to.equal("10.0.0.0/16");
        expect(subnets(prod, "Public").map((s) => [s.inputs.availabilityZone, s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch])).to.deep.equal([
            ["ap-south-1a", "10.0.0.0/22", true], ["ap-south-1b", "10.0.64.0/22", true], ["ap-south-1c", "10.0.128.0/22", true],
        ]);
        expect(subnets(prod, "Private").map((s) => [s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch])).to.deep.equal([
            ["10.0.32.0/19", false], ["10.0.96.0/19", false], ["10.0.160.0/19", false],
        ]);
    });

    it("has one NAT gateway in dev and one per zone in prod, each with an EIP in a public subnet", () => {
        expect(dev.ofType("aws:ec2/natGateway:NatGateway")).to.have.length(1);
        const nats = prod.ofType("aws:ec2/natGateway:NatGateway");
        expect(nats).to.have.length(3);
        const publicIds = subnets(prod, "Public").map((s) => s.id);
        const eips = prod.ofType("aws:ec2/eip:Eip");
        for (const nat of nats) {
            expect(publicIds).to.include(nat.inputs.subnetId);
            expect(eips.map((e) => e.outputs.allocationId)).to.include(nat.inputs.allocationId);
        }
        // Every private subnet leaves through the NAT gateway of its own zone.
        const privateRoutes = prod.ofType("aws:ec2/route:Route").filter((r) => r.inputs.natGatewayId !== undefined);
        expect(new Set(privateRoutes.map((r) => r.inputs.natGatewayId))).to.deep.equal(new Set(nats.map((n) => n.id)));
    });

    it("routes S3 through a gateway endpoint on every route table instead of the NAT gateways", async () => {
        // awsx names the endpoint after its service, not the VPC, so it is found by its parent.
        const vpc = prod.one("aws:ec2/vpc:Vpc");
        const endpoint = (await mockRuntime()).resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && r.parent === vpc.urn)!.inputs;
        expect(endpoint).to.include({ serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway" });
        expect(endpoint.routeTableIds).to.have.members(prod.ofType("aws:ec2/routeTable:RouteTable").map((t) => t.id));
    });

    it("tags subnets for the load balancer controller and Karpenter discovery", () => {
        for (const subnet of subnets(prod, "Public")) expect(subnet.inputs.tags).to.include({ "kubernetes.io/role/elb": "1" });
        for (const subnet of subnets(prod, "Private")) expect(subnet.inputs.tags).to.include({ "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "shop" });
    });

    it("parents the AWS resources under the awsx component, subnets under the aws:ec2/vpc:Vpc", () => {
        const component = prod.one("awsx:ec2:Vpc");
        const vpc = prod.one("aws:ec2/vpc:Vpc");
        expect(vpc.parent).to.equal(component.urn);
        for (const subnet of prod.ofType("aws:ec2/subnet:Subnet")) expect(subnet.parent).to.equal(vpc.urn);
    });

    it("writes all VPC flow logs to a log group with the configured retention", () => {
        const flowLog = dev.one("aws:ec2/flowLog:FlowLog").inputs;
        expect(flowLog.trafficType).to.equal("ALL");
        expect(flowLog.logDestinationType).to.equal("cloud-watch-logs");
        expect(dev.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays).to.equal(14);
    });
});
