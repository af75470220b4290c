import { expect } from "chai";
import { awsxVpcModel, layoutSubnets, type AwsxVpcInputs } from "../../../tools/models/awsx-vpc";
import { UNKNOWN, type ModelContext } from "../../../tools/models/model";

const ZONES = ["ap-south-1a", "ap-south-1b", "ap-south-1c"];
const SPECS = [{ type: "Public" as const, cidrMask: 22 }, { type: "Private" as const, cidrMask: 19 }];

function context(inputs: AwsxVpcInputs, zones = ZONES): ModelContext {
    return { name: "net-vpc", inputs: { ...inputs }, region: "ap-south-1", zones, id: (type, name) => `${type.split(":").pop()}-${name}`, cloud: (v) => v };
}
const program: AwsxVpcInputs = {
    cidrBlock: "10.0.0.0/16", numberOfAvailabilityZones: 3, subnetStrategy: "Auto", subnetSpecs: SPECS,
    natGateways: { strategy: "OnePerAz" }, vpcEndpointStrategy: "Auto", vpcEndpointSpecs: [{ serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway" }],
};

describe("tools/models/awsx-vpc (awsx 3.9 subnetStrategy Auto)", () => {
    it("lays out a /22 public and a /19 private subnet per zone as awsx does: one /18 per zone, each aligned to its size", () => {
        expect(layoutSubnets("v", "10.0.0.0/16", ZONES, SPECS).map((s) => `${s.name} ${s.cidrBlock}`)).to.deep.equal([
            "v-public-1 10.0.0.0/22", "v-private-1 10.0.32.0/19",
            "v-public-2 10.0.64.0/22", "v-private-2 10.0.96.0/19",
            "v-public-3 10.0.128.0/22", "v-private-3 10.0.160.0/19",
        ]);
    });

    it("fits four zones in a /16 but refuses five or six, and any /17 or smaller, with awsx's own message", () => {
        const zones = (n: number) => Array.from({ length: n }, (_, i) => `us-east-1${"abcdef"[i]}`);
        expect(layoutSubnets("v", "10.0.0.0/16", zones(4), SPECS)).to.have.length(8);
        for (const n of [5, 6]) {
            expect(() => layoutSubnets("v", "10.0.0.0/16", zones(n), SPECS)).to.throw("Subnets are too large for VPC. VPC has 8192 addresses, but subnets require 9216 addresses.");
        }
        expect(() => layoutSubnets("v", "10.0.0.0/17", ZONES, SPECS)).to.throw(/VPC has 8192 addresses, but subnets require 9216/);
        expect(() => layoutSubnets("v", "10.0.0.0/20", ZONES, SPECS)).to.throw(/VPC has 1024 addresses, but subnets require 9216/);
    });

    it("takes availabilityZoneNames as given, and refuses them with numberOfAvailabilityZones, as awsx's vpc.ts does", () => {
        const { numberOfAvailabilityZones: _count, ...named } = { ...program, availabilityZoneNames: ["ap-south-1c", "ap-south-1a"] };
        const zonesOfSubnets = awsxVpcModel(context(named)).children.filter((c) => c.type === "aws:ec2/subnet:Subnet").map((c) => c.inputs.availabilityZone);
        expect([...new Set(zonesOfSubnets)]).to.deep.equal(["ap-south-1c", "ap-south-1a"]);
        expect(() => awsxVpcModel(context({ ...named, numberOfAvailabilityZones: 2 }))).to.throw("Only one of [availabilityZoneNames] and [numberOfAvailabilityZones] can be specified");
    });

    it("refuses more zones than the region has, as awsx's getDefaultAzs does", () => {
        expect(() => awsxVpcModel(context({ ...program, numberOfAvailabilityZones: 4 }))).to.throw(/does not have at least 4 Availability Zones/);
    });

    it("creates one NAT gateway with its EIP in each public subnet for OnePerAz, one in the first zone for Single", () => {
        for (const [strategy, count] of [["OnePerAz", 3], ["Single", 1]] as const) {
            const { children } = awsxVpcModel(context({ ...program, natGateways: { strategy } }));
            const nats = children.filter((c) => c.type === "aws:ec2/natGateway:NatGateway");
            expect(nats, strategy).to.have.length(count);
            for (const nat of nats) {
                expect(nat.parent).to.match(/Subnet::net-vpc-public-\d$/);
                expect(nat.inputs.allocationId).to.equal(`Eip-${nat.name}`);
            }
            const privateRoutes = children.filter((c) => c.type === "aws:ec2/route:Route" && c.name.includes("private"));
            expect(new Set(privateRoutes.map((r) => r.inputs.natGatewayId)).size, strategy).to.equal(count);
        }
    });

    it("gives the S3 gateway endpoint every generated route table", () => {
        const { children } = awsxVpcModel(context(program));
        const endpoint = children.find((c) => c.type === "aws:ec2/vpcEndpoint:VpcEndpoint")!;
        expect(endpoint.inputs.routeTableIds).to.have.length(6);
    });

    it("passes a spec's endpoint policy to the aws:ec2/vpcEndpoint:VpcEndpoint unchanged, as vpc.ts does (policy: spec.policy)", () => {
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }] });
        const withPolicy = { ...program, vpcEndpointSpecs: [{ serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway", policy }] };
        const endpoint = awsxVpcModel(context(withPolicy)).children.find((c) => c.type === "aws:ec2/vpcEndpoint:VpcEndpoint")!;
        expect(endpoint.inputs.policy).to.equal(policy);
        const without = awsxVpcModel(context(program)).children.find((c) => c.type === "aws:ec2/vpcEndpoint:VpcEndpoint")!;
        expect(without.inputs.policy).to.equal(undefined);
    });

    it("registers no outputs of its own, and hands the program the subnet ids in zone order", () => {
        const result = awsxVpcModel(context(program));
        expect(result.registeredOutputs).to.deep.equal({});
        expect(result.programOutputs.privateSubnetIds).to.deep.equal(["Subnet-net-vpc-private-1", "Subnet-net-vpc-private-2", "Subnet-net-vpc-private-3"]);
    });

    it("keeps going on unknown inputs (a preview): unknown tags give unknown child tags, not a crash", () => {
        const { children } = awsxVpcModel(context({ ...program, tags: UNKNOWN }));
        expect(children.find((c) => c.type === "aws:ec2/subnet:Subnet")?.inputs.tags).to.equal(UNKNOWN);
    });
});
