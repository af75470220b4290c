import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, single, withStackFile } from "../support/plans";

/** A resource's id as the export holds it (modelled children carry it at the top level, like the state). */
const idOf = (r: CapturedResource) => r.id ?? r.outputs.id;
const outputs = (stack: string) => single(plannedStack(stack), "pulumi:pulumi:Stack").outputs as Record<string, unknown>;

describe("operators' outputs and access", function () {
    this.timeout(300_000);

    it("exports the OIDC provider and issuer, the subnets, the alarm topic, Karpenter's node role and the security groups, each the value of the resource it names", () => {
        const prod = plannedStack("prod");
        const out = outputs("prod");
        const oidc = single(prod, "aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(out.oidcProviderArn).to.equal(oidc.outputs.arn);
        expect(out.oidcIssuerUrl).to.equal(oidc.inputs.url).and.match(/^https:\/\/oidc\.eks\./);
        const subnets = (kind: string) => ofType(prod, "aws:ec2/subnet:Subnet").filter((s) => s.urn.includes(`-${kind}-`)).map(idOf).sort();
        expect([...(out.privateSubnetIds as string[])].sort()).to.deep.equal(subnets("private")).and.have.length(3);
        expect([...(out.publicSubnetIds as string[])].sort()).to.deep.equal(subnets("public")).and.have.length(3);
        expect(out.alarmTopicArn).to.equal(ofType(prod, "aws:sns/topic:Topic").find((t) => t.urn.endsWith("::prod-monitoring-alarms"))!.outputs.arn);
        const nodeRole = ofType(prod, "aws:iam/role:Role").find((r) => r.urn.endsWith("::prod-karpenter-node"))!;
        expect(out.karpenterNodeRoleName).to.equal(nodeRole.outputs.name);
        const groups = ofType(prod, "aws:ec2/securityGroup:SecurityGroup");
        expect(out.clusterSecurityGroupId).to.equal(idOf(groups.find((g) => g.urn.endsWith("::prod-cluster-eksClusterSecurityGroup"))!));
        expect(out.nodeSecurityGroupId).to.equal(idOf(groups.find((g) => g.urn.endsWith("::prod-cluster-nodeSecurityGroup"))!));
        expect(out.tokenIssuer).to.equal("https://shop.example.com/auth/realms/shop");
    });

    it("gives every role in clusterAdminRoleArns cluster-admin through an EKS access entry, so access does not rest on whoever ran the first `up`", () => {
        const roles = ["arn:aws:iam::123456789012:role/ci-deploy", "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123"];
        const dev = readFileSync(join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
        const planned = withStackFile(`${dev}  ecommerce-platform:clusterAdminRoleArns:\n${roles.map((role) => `    - ${role}\n`).join("")}`, (stack) => plannedStack(stack));
        const cluster = single(planned, "aws:eks/cluster:Cluster");
        expect(cluster.inputs.accessConfig).to.deep.include({ authenticationMode: "API" });
        const entries = ofType(planned, "aws:eks/accessEntry:AccessEntry").filter((e) => roles.includes(e.inputs.principalArn as string));
        expect(entries.map((e) => e.inputs.principalArn).sort()).to.deep.equal([...roles].sort());
        for (const entry of entries) expect(entry.inputs).to.include({ clusterName: cluster.inputs.name, type: "STANDARD" });
        const associations = ofType(planned, "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter((a) => roles.includes(a.inputs.principalArn as string));
        expect(associations).to.have.length(2);
        for (const association of associations) {
            expect(association.inputs).to.deep.include({ policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", accessScope: { type: "cluster" } });
            const entry = entries.find((e) => e.inputs.principalArn === association.inputs.principalArn)!;
            expect(association.dependencies, "the association waits for its entry").to.include(entry.urn);
        }
    });
});
