import { expect } from "chai";
import { Network } from "../../components/network";
import { awsxSubnetLayout, networkSizeProblem, platformSubnetSpecs, privateSubnetCidrs, subnetMasks } from "../../components/network-layout";
import { declared, mockRuntime, Registered } from "../support/mock-runtime";

describe("components/network", () => {
    let dev: Registered;
    let prod: Registered;
    before(async () => {
        const args = { cidrBlock: "10.0.0.0/16", region: "ap-south-1", accountId: "123456789012", clusterName: "shop", availabilityZoneCount: 3 };
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

    it("gives the S3 gateway endpoint a policy: this account's buckets, read-only the AWS-owned buckets nodes need, nothing else", async () => {
        const vpc = prod.one("aws:ec2/vpc:Vpc");
        const endpoint = (await mockRuntime()).resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && r.parent === vpc.urn)!.inputs;
        const policy = JSON.parse(String(endpoint.policy));
        expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).to.deep.equal(["ThisAccountsBuckets", "AwsServiceBuckets"]);
        const [own, service] = policy.Statement;
        expect(own).to.deep.include({ Effect: "Allow", Action: "s3:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceAccount": "123456789012" } } });
        expect(service).to.deep.include({ Effect: "Allow", Action: "s3:GetObject" });
        expect(service.Resource).to.include.members(["arn:aws:s3:::prod-ap-south-1-starport-layer-bucket/*", "arn:aws:s3:::al2023-repos-ap-south-1-*/*"]);
        for (const resource of service.Resource) expect(resource).to.match(/^arn:aws:s3:::[a-z0-9.*-]*ap-south-1[a-z0-9.*-]*\/\*$/);
    });

    it("admits the caller's named external buckets through the endpoint, read-only", async () => {
        const external = await declared("nettest-external", () => new Network("nettest-external", {
            cidrBlock: "10.9.0.0/16", region: "ap-south-1", accountId: "123456789012", clusterName: "shop", s3EndpointExternalBuckets: ["vendor-feeds"],
        }));
        const vpc = external.one("aws:ec2/vpc:Vpc");
        const endpoint = (await mockRuntime()).resources.find((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && r.parent === vpc.urn)!.inputs;
        const statements = JSON.parse(String(endpoint.policy)).Statement;
        expect(statements).to.have.length(3);
        expect(statements[2]).to.deep.include({ Sid: "NamedExternalBuckets", Action: ["s3:GetObject", "s3:ListBucket"], Resource: ["arn:aws:s3:::vendor-feeds", "arn:aws:s3:::vendor-feeds/*"] });
    });

    it("closes the VPC's default security group: adopted with no ingress and no egress rules (CIS 5.4, FSBP EC2.2)", () => {
        const closed = prod.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs;
        expect(closed.vpcId).to.equal(prod.one("aws:ec2/vpc:Vpc").id);
        expect(closed.ingress).to.deep.equal([]);
        expect(closed.egress).to.deep.equal([]);
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

    describe("subnet sizing (what awsx 3.9 can lay out)", () => {
        const toInt = (cidr: string) => cidr.split("/")[0].split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
        const range = (cidr: string) => [toInt(cidr), toInt(cidr) + 2 ** (32 - Number(cidr.split("/")[1]))];

        const table: [string, number, number, number][] = [
            // VPC, zones, public prefix, private prefix
            ["10.0.0.0/16", 3, 22, 19],
            ["10.0.0.0/16", 6, 23, 20],
            ["10.0.0.0/18", 3, 24, 21],
            ["10.0.0.0/20", 2, 25, 22],
        ];
        for (const [vpc, zones, publicPrefix, privatePrefix] of table) {
            it(`a /${vpc.split("/")[1]} VPC over ${zones} zones gets public /${publicPrefix} and private /${privatePrefix}, laid out inside the VPC without overlap`, () => {
                const masks = subnetMasks(Number(vpc.split("/")[1]), zones);
                expect(masks).to.include({ publicPrefix, privatePrefix });
                expect(networkSizeProblem(vpc, zones)).to.equal(undefined);
                const layout = awsxSubnetLayout(vpc, zones, platformSubnetSpecs(masks));
                expect(layout.problem).to.equal(undefined);
                expect(layout.subnets).to.have.length(2 * zones);
                const [vpcStart, vpcEnd] = range(vpc);
                const ranges = layout.subnets.map((s) => range(s.cidrBlock));
                for (const [start, end] of ranges) expect(start >= vpcStart && end <= vpcEnd).to.equal(true);
                for (const [i, [start, end]] of ranges.entries()) {
                    expect(ranges.filter(([s2, e2], j) => i !== j && start < e2 && s2 < end)).to.deep.equal([]);
                }
            });
        }

        it("lays out zone by zone as awsx does: public at the zone block's base, private aligned up to its second half", () => {
            const { subnets } = awsxSubnetLayout("10.0.0.0/16", 3, platformSubnetSpecs(subnetMasks(16, 3)));
            expect(subnets.map((s) => `${s.type}-${s.zone} ${s.cidrBlock}`)).to.deep.equal([
                "Public-1 10.0.0.0/22", "Private-1 10.0.32.0/19",
                "Public-2 10.0.64.0/22", "Private-2 10.0.96.0/19",
                "Public-3 10.0.128.0/22", "Private-3 10.0.160.0/19",
            ]);
        });

        it("the fixed public /22 + private /19 of the past only fit a /16 with at most 4 zones: awsx refuses the rest", () => {
            const fixed = [{ type: "Public" as const, cidrMask: 22 }, { type: "Private" as const, cidrMask: 19 }];
            expect(awsxSubnetLayout("10.0.0.0/16", 4, fixed).problem).to.equal(undefined);
            expect(awsxSubnetLayout("10.0.0.0/16", 5, fixed).problem).to.match(/subnets are too large for VPC; a zone has 8192 addresses, but subnets require 9216/);
            expect(awsxSubnetLayout("10.0.0.0/17", 3, fixed).problem).to.match(/too large/);
        });

        it("reports subnets awsx's alignment would overlap, or push past the end of the VPC", () => {
            // A /19 after a /20 is aligned up to the zone block's second half, so a third subnet spills out of the zone:
            // into the next zone (awsx refuses overlaps), or past the end of the VPC (awsx does not check; AWS refuses).
            const spill = [{ type: "Public" as const, cidrMask: 20 }, { type: "Private" as const, cidrMask: 19 }, { type: "Public" as const, cidrMask: 20 }];
            expect(awsxSubnetLayout("10.0.0.0/17", 2, spill).problem).to.match(/^awsx: subnets overlap \(public-1 10.0.64.0\/20, public-2 10.0.64.0\/20/);
            expect(awsxSubnetLayout("10.0.0.0/18", 1, spill).problem).to.equal("AWS: subnets outside the VPC 10.0.0.0/18 (10.0.64.0/20)");
        });

        it("accepts every /16-/20 and 2-6 zone combination whose zone block is /21 or larger, and refuses the rest saying what fits", () => {
            for (let prefix = 16; prefix <= 20; prefix++) {
                for (let zones = 2; zones <= 6; zones++) {
                    const zoneBlock = prefix + Math.ceil(Math.log2(zones));
                    const problem = networkSizeProblem(`10.0.0.0/${prefix}`, zones);
                    if (zoneBlock <= 21) expect(problem, `/${prefix} x ${zones}`).to.equal(undefined);
                    else expect(problem, `/${prefix} x ${zones}`).to.match(/below the \/22 minimum .*use (at most \d zones|a \/\d\d or larger VPC)/);
                }
            }
            expect(networkSizeProblem("10.0.0.0/20", 6)).to.match(/use at most 2 zones with a \/20, or a \/18 or larger VPC for 6 zones/);
        });

        it("hands awsx the computed masks, and refuses a VPC too small for its zones", async () => {
            const small = await declared("nettest-small", () => new Network("nettest-small", {
                cidrBlock: "10.9.0.0/18", region: "ap-south-1", accountId: "123456789012", clusterName: "shop", availabilityZoneCount: 3,
            }));
            // The component reaches the engine with no inputs: the masks show in the subnets its provider creates.
            const masks = small.ofType("aws:ec2/subnet:Subnet").map((subnet) => [subnet.urn.split("::").pop(), String(subnet.inputs.cidrBlock).split("/")[1]]);
            expect(masks.filter(([, mask]) => mask === "24")).to.have.length(3);
            expect(masks.filter(([, mask]) => mask === "21")).to.have.length(3);
            expect(masks).to.have.length(6);
            expect(() => new Network("nettest-impossible", { cidrBlock: "10.9.0.0/20", region: "ap-south-1", accountId: "123456789012", clusterName: "shop", availabilityZoneCount: 3 }))
                .to.throw(/a \/20 VPC over 3 zones .* private \/23 is below the \/22 minimum/);
        });
    });

    it("names the private subnets' CIDRs (where RDS and the pods live) as awsx lays them out, for the NetworkPolicies", () => {
        expect(privateSubnetCidrs("10.20.0.0/16", 3)).to.deep.equal(["10.20.32.0/19", "10.20.96.0/19", "10.20.160.0/19"]);
        expect(privateSubnetCidrs("10.30.0.0/18", 2)).to.deep.equal(["10.30.16.0/20", "10.30.48.0/20"]);
        expect(() => privateSubnetCidrs("10.9.0.0/24", 3)).to.throw(/10\.9\.0\.0\/24: a \/24 VPC over 3 zones .* below the \/22 minimum/);
    });
});
