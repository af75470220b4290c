import { expect } from "chai";
import { zonesOf } from "../../tools/aws-zones";
import { ofType, plannedStack, runPlan, withStackFile } from "../support/plans";

/** A dev stack in us-east-1, where EKS refuses the zone use1-az3 (whatever name it has in the account). */
const usEast1 = (zones: number) => "config:\n  aws:region: us-east-1\n  ecommerce-platform:environment: dev\n  ecommerce-platform:vpcCidr: 10.40.0.0/16\n  ecommerce-platform:domain: zones.example.com\n" +
    `  ecommerce-platform:availabilityZoneCount: ${zones}\n  ecommerce-platform:keycloakAdminPassword:\n    secure: v1:x\n`;

describe("stacks: availability zones EKS accepts", function () {
    this.timeout(180_000);

    it("refuses a us-east-1 stack with 6 zones at config, naming availabilityZoneCount (EKS uses 5 of them)", () => {
        withStackFile(usEast1(6), (stack) => {
            const run = runPlan(stack);
            expect(run.exitCode, run.stdout.slice(-500)).to.equal(2);
            expect(run.stderr).to.include("ecommerce-platform:availabilityZoneCount: 6 is more than the 5 zones of us-east-1 where EKS accepts a cluster's subnets (EKS refuses zone use1-az3); allowed 2..5");
        });
    });

    for (const mode of ["plan", "preview"] as const) {
        it(`lays a 3-zone us-east-1 stack out in zones EKS accepts, never use1-az3 (${mode})`, () => {
            const planned = withStackFile(usEast1(3), (stack) => plannedStack(stack, mode));
            expect(planned.exitCode, planned.stdout.slice(-800)).to.equal(0);
            const idOf = new Map(zonesOf("us-east-1").map((zone) => [zone.name, zone.zoneId]));
            const subnets = ofType(planned, "aws:ec2/subnet:Subnet");
            const zoneIds = [...new Set(subnets.map((subnet) => idOf.get(String(subnet.inputs.availabilityZone))))];
            expect(zoneIds).to.have.length(3).and.not.include(undefined);
            expect(zoneIds).to.not.include("use1-az3");
            expect(ofType(planned, "aws:eks/cluster:Cluster")).to.have.length(1);
        });
    }
});
