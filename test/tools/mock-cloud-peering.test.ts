import { expect } from "chai";
import { join } from "node:path";
import { MockCloud } from "../../tools/mock-cloud";
import { projectStacks, SELF_MANAGED_ORGANIZATION } from "../../tools/stack-references";

const ROOT = join(__dirname, "..", "..");
const PEERING = "aws:ec2/vpcPeeringConnection:VpcPeeringConnection";
const ACCEPTER = "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter";

/** What EC2 refuses of an inter-region VPC peering, as the offline cloud answers it (tools/mock-cloud.ts refusePeering). */
describe("tools/mock-cloud: VPC peering as EC2 answers it", () => {
    const stacks = projectStacks(ROOT, "ecommerce-platform", SELF_MANAGED_ORGANIZATION);
    const vpcOf = (stack: string) => String(stacks.outputsOf(`organization/ecommerce-platform/${stack}`).vpcId);
    const cloud = () => new MockCloud("eu-west-1", false, stacks);
    const register = (c: MockCloud, type: string, name: string, inputs: Record<string, unknown>) => c.newResource({ type, name, inputs, custom: true, id: "" });

    it("peers two project VPCs whose ranges are apart; the accepter in the peer's region takes the connection's id", () => {
        const c = cloud();
        const requested = register(c, PEERING, "p", { vpcId: vpcOf("prod-eu-west-1"), peerVpcId: vpcOf("prod"), peerRegion: "ap-south-1", autoAccept: false });
        expect(requested.id).to.match(/^pcx-mock/);
        c.rememberProvider("urn:pulumi:s::p::pulumi:providers:aws::mumbai", "m", { region: "ap-south-1" });
        const accepted = c.newResource({ type: ACCEPTER, name: "a", inputs: { vpcPeeringConnectionId: requested.id, autoAccept: true }, custom: true, id: "", provider: "urn:pulumi:s::p::pulumi:providers:aws::mumbai::m" });
        expect(accepted.id).to.equal(requested.id);
    });

    it("refuses overlapping ranges, a VPC peered with itself, auto_accept across regions, and accepting in the wrong region", () => {
        const overlapping = { ...stacks, vpcCidrs: () => ({ ...stacks.vpcCidrs(), "vpc-mockoverlap": "10.0.128.0/17" }) };
        expect(() => register(new MockCloud("eu-west-1", false, overlapping), PEERING, "p", { vpcId: "vpc-mockoverlap", peerVpcId: vpcOf("prod"), peerRegion: "ap-south-1" }))
            .to.throw(/Overlapping CIDR range \(vpc-mockoverlap 10\.0\.128\.0\/17, vpc-mock\w+ 10\.0\.0\.0\/16\)/);
        expect(() => register(cloud(), PEERING, "p", { vpcId: vpcOf("prod"), peerVpcId: vpcOf("prod"), peerRegion: "ap-south-1" })).to.throw(/cannot be peered with itself/);
        expect(() => register(cloud(), PEERING, "p", { vpcId: vpcOf("prod-eu-west-1"), peerVpcId: vpcOf("prod"), peerRegion: "ap-south-1", autoAccept: true }))
            .to.throw(/`peer_region` cannot be set whilst `auto_accept` is `true`/);
        const c = cloud();
        const requested = register(c, PEERING, "p", { vpcId: vpcOf("prod-eu-west-1"), peerVpcId: vpcOf("prod"), peerRegion: "ap-south-1" });
        expect(() => register(c, ACCEPTER, "a", { vpcPeeringConnectionId: requested.id, autoAccept: true })).to.throw(/InvalidVpcPeeringConnectionID\.NotFound.*does not exist in eu-west-1/);
    });

    it("answers ec2.getRouteTable only for a subnet with an associated table", () => {
        expect(() => cloud().call({ token: "aws:ec2/getRouteTable:getRouteTable", inputs: { subnetId: "subnet-unknown" } })).to.throw(/no matching EC2 Route Table found/);
    });
});
