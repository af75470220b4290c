import { expect } from "chai";
import { LoadBalancerController } from "../../components/load-balancer-controller";
import { declared, Registered } from "../support/mock-runtime";

type Statement = { Sid?: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> };

const BALANCERS = [
    "arn:aws:elasticloadbalancing:*:*:targetgroup/*/*",
    "arn:aws:elasticloadbalancing:*:*:loadbalancer/net/*/*",
    "arn:aws:elasticloadbalancing:*:*:loadbalancer/app/*/*",
];
const LISTENERS_AND_RULES = [
    "arn:aws:elasticloadbalancing:*:*:listener/net/*/*/*",
    "arn:aws:elasticloadbalancing:*:*:listener/app/*/*/*",
    "arn:aws:elasticloadbalancing:*:*:listener-rule/net/*/*/*",
    "arn:aws:elasticloadbalancing:*:*:listener-rule/app/*/*/*",
];
const SECURITY_GROUPS = "arn:aws:ec2:ap-south-1:123456789012:security-group/*";
const VPC_ARN = "arn:aws:ec2:ap-south-1:123456789012:vpc/vpc-1";
const OWNED_NOT_RETAGGED = { Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "true", "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" } };

// Reference: kubernetes-sigs/aws-load-balancer-controller v2.14.0 (chart 1.14.0), docs/install/iam_policy.json.
describe("components/load-balancer-controller", () => {
    let lbc: Registered;
    let statements: Statement[];
    const actions = (s: Statement) => ([] as string[]).concat(s.Action);
    const resources = (s: Statement) => ([] as string[]).concat(s.Resource);
    const granting = (action: string) => statements.filter((s) => actions(s).includes(action));

    before(async () => {
        lbc = await declared("lbctest", () => new LoadBalancerController("lbctest", {
            clusterName: "shop", region: "ap-south-1", accountId: "123456789012", vpcId: "vpc-1",
            oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/X", providerUrl: "oidc.eks.ap-south-1.amazonaws.com/id/X" },
        }));
        statements = JSON.parse(String(lbc.one("aws:iam/rolePolicy:RolePolicy").inputs.policy)).Statement;
    });

    it("runs the controller under an IRSA role for its own service account", () => {
        const trust = String(lbc.one("aws:iam/role:Role").inputs.assumeRolePolicy);
        expect(trust).to.include("system:serviceaccount:kube-system:aws-load-balancer-controller");
        const values = lbc.one("kubernetes:helm.sh/v3:Release").inputs.values as { serviceAccount: { name: string } };
        expect(values.serviceAccount.name).to.equal("aws-load-balancer-controller");
    });

    it("may tag the listeners and rules it creates with tags (ListenerRulesTagging), else CreateListener fails", () => {
        const listenerTagging = statements.filter((s) => actions(s).includes("elasticloadbalancing:AddTags") && LISTENERS_AND_RULES.every((r) => resources(s).includes(r)));
        expect(listenerTagging).to.have.length(1);
        expect(actions(listenerTagging[0])).to.have.members(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"]);
        expect(listenerTagging[0].Condition).to.equal(undefined);
    });

    it("tags balancers and target groups on create only with the cluster tag in the request", () => {
        const onCreate = granting("elasticloadbalancing:AddTags").find((s) => s.Condition?.StringEquals?.["elasticloadbalancing:CreateAction"]);
        expect(onCreate?.Condition).to.deep.equal({
            StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] },
            Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" },
        });
        expect(resources(onCreate!)).to.have.members(BALANCERS);
    });

    it("retags only its own balancers, target groups and security groups, never their cluster tag", () => {
        for (const action of ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"]) {
            const owned = granting(action).filter((s) => !resources(s).some((r) => LISTENERS_AND_RULES.includes(r)) && !s.Condition?.StringEquals);
            expect(owned, action).to.have.length(1);
            expect(owned[0].Condition, action).to.deep.equal(OWNED_NOT_RETAGGED);
            expect(resources(owned[0]), action).to.have.members(BALANCERS);
        }
        for (const action of ["ec2:CreateTags", "ec2:DeleteTags"]) {
            const owned = granting(action).filter((s) => !s.Condition?.StringEquals?.["ec2:CreateAction"]);
            expect(owned, action).to.have.length(1);
            // Narrower than upstream's Null check: the group must carry THIS cluster's name.
            expect(owned[0].Condition, action).to.deep.equal({
                Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "true" }, StringEquals: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "shop" },
            });
            expect(owned[0].Resource, action).to.equal(SECURITY_GROUPS);
        }
    });

    describe("security-group permissions: scoped to this cluster, account, region and VPC, never broader than upstream", () => {
        it("creates security groups only in this VPC and only carrying this cluster's tag", () => {
            const create = granting("ec2:CreateSecurityGroup");
            expect(create.map((s) => [s.Resource, s.Condition])).to.have.deep.members([
                [VPC_ARN, undefined],
                [SECURITY_GROUPS, { StringEquals: { "aws:RequestTag/elbv2.k8s.aws/cluster": "shop" } }],
            ]);
        });

        it("tags new security groups only on create, with this cluster's tag in the request", () => {
            const tagNew = granting("ec2:CreateTags").filter((s) => s.Condition?.StringEquals?.["ec2:CreateAction"]);
            expect(tagNew.map((s) => [s.Resource, s.Condition])).to.deep.equal([[SECURITY_GROUPS, {
                StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", "aws:RequestTag/elbv2.k8s.aws/cluster": "shop" },
            }]]);
        });

        it("opens and closes ingress, and deletes groups, only on this region's groups in this VPC (upstream's recommended ec2:Vpc condition)", () => {
            for (const action of ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"]) {
                const grants = granting(action);
                expect(grants, action).to.not.be.empty;
                for (const grant of grants) {
                    expect(grant.Resource, action).to.equal(SECURITY_GROUPS);
                    expect(grant.Condition?.ArnEquals, action).to.deep.equal({ "ec2:Vpc": VPC_ARN });
                }
            }
            // Deleting is for the controller's own groups only; opening node ports applies to the node group too.
            expect(granting("ec2:DeleteSecurityGroup")[0].Condition?.StringEquals).to.deep.equal({ "aws:ResourceTag/elbv2.k8s.aws/cluster": "shop" });
        });

        it("leaves no EC2 write action on every resource or every region", () => {
            const ec2Writes = statements.filter((s) => actions(s).some((a) => a.startsWith("ec2:") && !/^ec2:(Describe|Get)/.test(a)));
            for (const s of ec2Writes) {
                for (const resource of resources(s)) expect(resource, JSON.stringify(s)).to.match(/^arn:aws:ec2:ap-south-1:123456789012:(security-group\/\*|vpc\/vpc-1)$/);
            }
        });
    });

    it("creates balancers and target groups only with the cluster tag in the request", () => {
        const create = granting("elasticloadbalancing:CreateLoadBalancer");
        expect(create[0]?.Condition).to.deep.equal({ Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
        expect(actions(create[0])).to.include("elasticloadbalancing:CreateTargetGroup");
    });

    it("reads exactly the describe calls upstream lists, plus WAFv2, Shield and the ELB service-linked role", () => {
        expect(statements.flatMap(actions).filter((a) => a.includes("*"))).to.deep.equal([]);
        for (const action of ["elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeCapacityReservation", "elasticloadbalancing:DescribeTrustStores",
            "ec2:DescribeRouteTables", "ec2:DescribeIpamPools", "wafv2:GetWebACLForResource", "shield:GetSubscriptionState"]) {
            expect(granting(action), action).to.have.length(1);
        }
        const slr = granting("iam:CreateServiceLinkedRole");
        expect(slr[0]?.Condition).to.deep.equal({ StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } });
    });
});
