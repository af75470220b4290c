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
            clusterName: "shop", region: "ap-south-1", vpcId: "vpc-1",
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
            const owned = granting(action).filter((s) => !s.Condition?.StringEquals);
            expect(owned, action).to.have.length(1);
            expect(owned[0].Condition, action).to.deep.equal(OWNED_NOT_RETAGGED);
            expect(owned[0].Resource, action).to.equal("arn:aws:ec2:*:*:security-group/*");
        }
    });

    it("creates security groups, balancers and target groups, and tags new security groups only on create", () => {
        expect(granting("ec2:CreateSecurityGroup")).to.have.length(1);
        const tagNew = granting("ec2:CreateTags").find((s) => s.Condition?.StringEquals);
        expect(tagNew?.Condition).to.deep.equal({ StringEquals: { "ec2:CreateAction": "CreateSecurityGroup" }, Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } });
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
