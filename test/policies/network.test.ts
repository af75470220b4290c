import { expect } from "chai";
import { isInternetWide } from "../../policies/lib/cidr";
import { judge, passes, res, shapedExport, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";

const sg = (...ingress: Record<string, unknown>[]) => res(SG, { ingress });

describe("policies/network", () => {
    describe("isInternetWide", () => {
        it("treats any /0 and very short public prefixes as the internet, private space and hosts not", () => {
            for (const c of ["0.0.0.0/0", "::/0", "0::/0", "0.0.0.0/1", "128.0.0.0/1", "2000::/3"]) expect(isInternetWide(c), c).to.equal(true);
            for (const c of ["10.0.0.0/8", "10.0.0.0/16", "203.0.113.7/32", "fc00::/7", "2001:db8::/32", "1.2.3.4"]) expect(isInternetWide(c), c).to.equal(false);
        });
    });

    describe("sg-no-public-all-traffic", () => {
        it("flags protocol -1 from 0.0.0.0/0 inline", () => {
            violates("sg-no-public-all-traffic", sg({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }), /all traffic/);
        });
        it("flags protocol all from ::/0 on a separate SecurityGroupIngressRule", () => {
            violates("sg-no-public-all-traffic", res(INGRESS_RULE, { ipProtocol: "all", cidrIpv6: "::/0", securityGroupId: "sg-1" }));
        });
        it("flags a legacy SecurityGroupRule with protocol -1 and ipv6CidrBlocks", () => {
            violates("sg-no-public-all-traffic", res(SG_RULE, { type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"], securityGroupId: "sg-1" }));
        });
        it("passes all-protocol rules from private ranges and egress rules", () => {
            passes("sg-no-public-all-traffic", [
                sg({ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/16"] }),
                res(SG_RULE, { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }),
            ]);
        });
    });

    describe("sg-no-public-admin-ports", () => {
        it("flags SSH from 0.0.0.0/0", () => {
            violates("sg-no-public-admin-ports", sg({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }), /22/);
        });
        it("flags a port range that includes 22, on IPv6, as a separate rule resource", () => {
            violates("sg-no-public-admin-ports", res(INGRESS_RULE, { ipProtocol: "tcp", fromPort: 0, toPort: 1024, cidrIpv6: "::/0" }), /22/);
        });
        it("flags RDP via numeric protocol 6 on a SecurityGroupRule", () => {
            violates("sg-no-public-admin-ports", res(SG_RULE, { type: "ingress", protocol: "6", fromPort: 3389, toPort: 3389, cidrBlocks: ["0.0.0.0/0"] }), /3389/);
        });
        it("passes SSH from a bastion /32 and from a security group", () => {
            passes("sg-no-public-admin-ports", [
                sg({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.10/32"] }),
                res(SG_RULE, { type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, sourceSecurityGroupId: "sg-bastion" }),
            ]);
        });
    });

    describe("sg-no-public-ingress", () => {
        it("flags PostgreSQL open to ::/0 on a SecurityGroupIngressRule", () => {
            violates("sg-no-public-ingress", res(INGRESS_RULE, { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv6: "::/0" }), /5432/);
        });
        it("flags a range 443-3000 even though it starts at an allowed port", () => {
            violates("sg-no-public-ingress", sg({ protocol: "tcp", fromPort: 443, toPort: 3000, cidrBlocks: ["0.0.0.0/0"] }));
        });
        it("flags a split internet range (0.0.0.0/1 + 128.0.0.0/1)", () => {
            violates("sg-no-public-ingress", sg({ protocol: "tcp", fromPort: 6379, toPort: 6379, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }));
        });
        it("passes 80/443 from the internet (load balancer) and private database ingress", () => {
            passes("sg-no-public-ingress", [
                sg({ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] }),
                res(INGRESS_RULE, { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.0.0.0/16" }),
            ]);
        });
        it("reports SSH once, under the admin-port rule", () => {
            const open22 = sg({ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] });
            expect(judge("sg-no-public-ingress", open22)).to.deep.equal([]);
        });
        it("honours allowedPublicPorts from config", () => {
            const smtp = sg({ protocol: "tcp", fromPort: 25, toPort: 25, cidrBlocks: ["0.0.0.0/0"] });
            passes("sg-no-public-ingress", smtp, { "sg-no-public-ingress": { allowedPublicPorts: [25, 80, 443] } });
        });
        it("judges the known rules even when another CIDR is unknown, then reports the unknown advisory", () => {
            const mixed = sg({ protocol: "tcp", fromPort: 9200, toPort: 9200, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [UNKNOWN] });
            const found = judge("sg-no-public-ingress", mixed);
            expect(found.map((v) => v.enforcementLevel).sort()).to.deep.equal(["advisory", "mandatory"]);
        });
        it("judges a known 0.0.0.0/0 among unknown CIDRs of the same permission, with no advisory", () => {
            const mixed = sg({ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: [UNKNOWN, "0.0.0.0/0"] });
            violates("sg-no-public-ingress", mixed, /5432/);
            expect(judge("sg-no-public-ingress", mixed).map((v) => v.enforcementLevel)).to.deep.equal(["mandatory"]);
        });
        it("judges the known entries when a whole ingress entry is unknown", () => {
            const found = judge("sg-no-public-admin-ports", sg({ protocol: "tcp", fromPort: 20, toPort: 25, cidrBlocks: ["0.0.0.0/0"] }, UNKNOWN as unknown as Record<string, unknown>));
            expect(found.map((v) => v.enforcementLevel).sort()).to.deep.equal(["advisory", "mandatory"]);
        });
        it("leaves a private permission alone even when its protocol and ports are unknown", () => {
            passes("sg-no-public-ingress", [
                res(INGRESS_RULE, { ipProtocol: UNKNOWN, fromPort: UNKNOWN, toPort: UNKNOWN, cidrIpv4: "10.0.0.0/16" }),
                sg({ protocol: UNKNOWN, fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/8"], ipv6CidrBlocks: ["fd00::/8"] }),
            ]);
        });
        it("reports a wholly unknown ingress list as advisory", () => {
            unknownIsAdvisory("sg-no-public-ingress", res(INGRESS_RULE, { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: UNKNOWN }));
        });
    });

    describe("vpc-flow-logs", () => {
        it("flags an awsx VPC without a flow log (its aws VPC child, or the component when the export lacks the child)", () => {
            violates("vpc-flow-logs", res("awsx:ec2:Vpc", {}), /FlowLog/);
            const shaped = shapedExport().filter((r) => r.type !== "aws:ec2/flowLog:FlowLog");
            const found = violates("vpc-flow-logs", shaped, /VPC vpc has no/);
            expect(found.map((v) => v.urn)).to.deep.equal([shaped.find((r) => r.type === "aws:ec2/vpc:Vpc")!.urn]);
            passes("vpc-flow-logs", shapedExport());
        });
        it("passes when a flow log depends on the awsx VPC, and does not double-report its child aws VPC", () => {
            const vpc = res("awsx:ec2:Vpc", { cidrBlock: "10.0.0.0/16" });
            const child = res("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16" }, { parent: vpc });
            const log = res("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-123", trafficType: "ALL" }, { dependsOn: [vpc] });
            passes("vpc-flow-logs", [vpc, child, log]);
            expect(judge("vpc-flow-logs", [vpc, child])).to.have.length(1);
        });
        it("matches a plain VPC by id when there is no dependency edge", () => {
            const vpc = res("aws:ec2/vpc:Vpc", {}, { outputs: { id: "vpc-9" } });
            passes("vpc-flow-logs", [vpc, res("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-9" })]);
        });
    });

    describe("vpc-default-sg-closed", () => {
        const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
        it("flags a VPC whose default security group nobody adopted, once: on the VPC the awsx component creates", () => {
            const vpc = res("awsx:ec2:Vpc", {});
            const child = res("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16" }, { parent: vpc });
            const found = violates("vpc-default-sg-closed", [vpc, child], /default security group as AWS creates it/);
            expect(found.map((v) => v.urn)).to.deep.equal([child.urn]);
        });
        it("flags an adopted default group that keeps rules (the AWS defaults re-declared)", () => {
            const vpc = res("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16" });
            const open = res(DEFAULT_SG, {
                vpcId: "vpc-1", ingress: [{ protocol: "-1", self: true, fromPort: 0, toPort: 0 }], egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
            }, { dependsOn: [vpc] });
            violates("vpc-default-sg-closed", [vpc, open], /keeps ingress and egress rules/);
        });
        it("passes a default group adopted with no rules, linked by dependency or by id", () => {
            const vpc = res("awsx:ec2:Vpc", { cidrBlock: "10.0.0.0/16" });
            passes("vpc-default-sg-closed", [vpc, res(DEFAULT_SG, { vpcId: "vpc-1", ingress: [], egress: [] }, { dependsOn: [vpc] })]);
            const plain = res("aws:ec2/vpc:Vpc", {}, { outputs: { id: "vpc-9" } });
            plain.inputs = {};
            passes("vpc-default-sg-closed", [plain, res(DEFAULT_SG, { vpcId: "vpc-9" })]);
        });
        it("reports an unknown rule list advisory instead of passing it", () => {
            const vpc = res("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16" });
            unknownIsAdvisory("vpc-default-sg-closed", [vpc, res(DEFAULT_SG, { vpcId: "vpc-1", ingress: UNKNOWN, egress: [] }, { dependsOn: [vpc] })]);
        });
    });

    describe("vpc-gateway-endpoint-policy", () => {
        const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
        const narrow = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*", Condition: { StringEquals: { "aws:ResourceAccount": "123456789012" } } }] });
        const full = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "*", Resource: "*" }] });
        it("flags a gateway endpoint without a policy, or with the default full-access one", () => {
            violates("vpc-gateway-endpoint-policy", res(ENDPOINT, { serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway" }), /has no policy/);
            violates("vpc-gateway-endpoint-policy", res(ENDPOINT, { serviceName: "com.amazonaws.ap-south-1.s3", policy: full }), /every action on every resource/);
        });
        it("never judges the awsx component's inputs: a real engine passes none, the endpoint it creates is judged", () => {
            passes("vpc-gateway-endpoint-policy", res("awsx:ec2:Vpc", { vpcEndpointSpecs: [{ serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway" }] }));
        });
        it("passes a scoped gateway policy and interface endpoints, and judges the child endpoint instead of its component", () => {
            passes("vpc-gateway-endpoint-policy", [
                res(ENDPOINT, { serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway", policy: narrow }),
                res(ENDPOINT, { serviceName: "com.amazonaws.ap-south-1.ecr.api", vpcEndpointType: "Interface" }),
            ]);
            const component = res("awsx:ec2:Vpc", {});
            passes("vpc-gateway-endpoint-policy", [component, res(ENDPOINT, { serviceName: "com.amazonaws.ap-south-1.s3", vpcEndpointType: "Gateway", policy: narrow }, { parent: component })]);
        });
    });

    describe("vpc-peering-routes-private", () => {
        const route = (inputs: Record<string, unknown>) => res("aws:ec2/route:Route", { routeTableId: "rtb-1", vpcPeeringConnectionId: "pcx-1", ...inputs });
        it("flags a default route, public space or an IPv6 range sent to a peered VPC", () => {
            violates("vpc-peering-routes-private", route({ destinationCidrBlock: "0.0.0.0/0" }), /only private IPv4 ranges/);
            violates("vpc-peering-routes-private", route({ destinationCidrBlock: "203.0.113.0/24" }), /only private IPv4 ranges/);
            violates("vpc-peering-routes-private", route({ destinationCidrBlock: "172.32.0.0/16" }), /only private IPv4 ranges/);
            violates("vpc-peering-routes-private", route({ destinationIpv6CidrBlock: "::/0" }), /IPv6/);
        });
        it("flags a private supernet wider than /16 unless configured", () => {
            violates("vpc-peering-routes-private", route({ destinationCidrBlock: "10.0.0.0/8" }), /wider than \/16/);
            passes("vpc-peering-routes-private", route({ destinationCidrBlock: "10.0.0.0/8" }), { "vpc-peering-routes-private": { minPrefix: 8 } });
        });
        it("passes a peer's private subnets, and routes that do not go through a peering", () => {
            passes("vpc-peering-routes-private", [route({ destinationCidrBlock: "10.1.32.0/19" }), route({ destinationCidrBlock: "192.168.4.0/24" }), route({ destinationCidrBlock: "172.16.0.0/12" }) && route({ destinationCidrBlock: "172.20.0.0/16" })]);
            passes("vpc-peering-routes-private", res("aws:ec2/route:Route", { routeTableId: "rtb-1", natGatewayId: "nat-1", destinationCidrBlock: "0.0.0.0/0" }));
        });
        it("judges a peering route whose connection id is unknown in a first preview", () => {
            violates("vpc-peering-routes-private", route({ vpcPeeringConnectionId: UNKNOWN, destinationCidrBlock: "0.0.0.0/0" }));
        });
    });
});
