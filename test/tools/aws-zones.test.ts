import { expect } from "chai";
import { EKS_UNSUPPORTED_ZONE_IDS } from "../../components/availability-zones";
import { EKS_REFUSED_ZONE_IDS, getAvailabilityZones, zonesOf } from "../../tools/aws-zones";
import { MockCloud } from "../../tools/mock-cloud";

const invoke = (inputs: Record<string, unknown>, region = "us-east-1") => getAvailabilityZones(inputs, region) as { names: string[]; zoneIds: string[] };

describe("tools/aws-zones (the mock account's availability zones)", () => {
    it("answers real zone names and the region's real zone id set, one account's name -> id mapping", () => {
        const ids = (region: string) => zonesOf(region).map((z) => z.zoneId).sort();
        expect(ids("us-east-1")).to.deep.equal(["use1-az1", "use1-az2", "use1-az3", "use1-az4", "use1-az5", "use1-az6"]);
        expect(ids("ap-south-1")).to.deep.equal(["aps1-az1", "aps1-az2", "aps1-az3"]);
        expect(ids("eu-west-1")).to.deep.equal(["euw1-az1", "euw1-az2", "euw1-az3"]);
        expect(ids("us-west-1")).to.deep.equal(["usw1-az1", "usw1-az3"]);
        expect(ids("ca-central-1")).to.deep.equal(["cac1-az1", "cac1-az2", "cac1-az4"]);
        expect(zonesOf("us-west-1").map((z) => z.name)).to.deep.equal(["us-west-1a", "us-west-1c"]);
        // The unsupported zone is among the first three names: "the first three zones" is not safe by luck.
        expect(zonesOf("us-east-1").slice(0, 3).map((z) => z.zoneId)).to.include("use1-az3");
    });

    it("honours excludeZoneIds, excludeNames, state and filters as the provider and EC2 do", () => {
        const all = invoke({});
        expect(all.names).to.have.length(6);
        const without = invoke({ state: "available", excludeZoneIds: ["use1-az3"], filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] });
        expect(without.zoneIds).to.have.length(5).and.not.include("use1-az3");
        expect(without.names).to.not.include("us-east-1b");
        expect(invoke({ excludeNames: ["us-east-1a"] }).names).to.not.include("us-east-1a");
        expect(invoke({ state: "impaired" }).names).to.deep.equal([]);
        expect(invoke({ filters: [{ name: "zone-id", values: ["use1-az1", "use1-az2"] }] }).names).to.deep.equal(["us-east-1c", "us-east-1e"]);
        expect(() => invoke({ filters: [{ name: "zone-colour", values: ["blue"] }] })).to.throw("InvalidParameterValue: The filter 'zone-colour' is invalid");
        expect(invoke({ region: "ap-south-1" }).zoneIds).to.deep.equal(["aps1-az1", "aps1-az3", "aps1-az2"]);
    });

    it("holds the zones EKS refuses equal to the program's table (components/availability-zones.ts)", () => {
        expect([...EKS_REFUSED_ZONE_IDS].sort()).to.deep.equal(Object.values(EKS_UNSUPPORTED_ZONE_IDS).flat().sort());
    });

    it("refuses a subnet in a zone the account does not have, as EC2 CreateSubnet does", () => {
        const cloud = new MockCloud("us-east-1");
        expect(() => cloud.newResource({ type: "aws:ec2/subnet:Subnet", name: "s", inputs: { availabilityZone: "us-east-1g", cidrBlock: "10.0.0.0/24" }, custom: true }))
            .to.throw("InvalidParameterValue: Value (us-east-1g) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, us-east-1b");
        expect(cloud.newResource({ type: "aws:ec2/subnet:Subnet", name: "t", inputs: { availabilityZone: "us-east-1f", cidrBlock: "10.0.1.0/24" }, custom: true }).id).to.match(/^subnet-/);
    });
});
