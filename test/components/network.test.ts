import { expect } from "chai";
import { Network } from "../../components/network";
import { awsxSubnetLayout, networkSizeProblem, platformSubnetSpecs, subnetMasks } from "../../components/network-layout";
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
                cidrBlock: "10.9.0.0/18", region: "ap-south-1", clusterName: "shop", availabilityZoneCount: 3,
            }));
            const specs = small.one("awsx:ec2:Vpc").inputs.subnetSpecs as { type: string; cidrMask: number }[];
            expect(specs.map((s) => [s.type, s.cidrMask])).to.deep.equal([["Public", 24], ["Private", 21]]);
            expect(() => new Network("nettest-impossible", { cidrBlock: "10.9.0.0/20", region: "ap-south-1", clusterName: "shop", availabilityZoneCount: 3 }))
                .to.throw(/a \/20 VPC over 3 zones .* private \/23 is below the \/22 minimum/);
        });
    });
});
