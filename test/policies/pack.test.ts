/**
 * Pack-wide guarantees: names and levels are well formed, every rule is tested both ways, and no rule crashes or
 * goes async on shapes it was not written for (empty props, unknowns, wrong types).
 */
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { allPolicies } from "../../policies/rules/all";
import { runPoliciesDetailed } from "../../tools/policy-runner";
import { res, stack, UNKNOWN } from "./helpers";

describe("policies/pack", () => {
    it("has at least 35 uniquely named rules, each mandatory or advisory with a one-line description", () => {
        expect(allPolicies.length).to.be.at.least(35);
        expect(new Set(allPolicies.map((p) => p.name)).size).to.equal(allPolicies.length);
        for (const p of allPolicies) {
            expect(p.name, p.name).to.match(/^[a-z0-9][a-z0-9-]+$/);
            expect(["mandatory", "advisory"], p.name).to.include(p.enforcementLevel);
            expect(p.description, p.name).to.be.a("string").and.not.include("\n");
            expect(p.configSchema?.properties?.["enforcementLevel"], p.name).to.equal(undefined);
        }
    });

    it("tests every rule with at least one violating and one compliant case", () => {
        const dir = __dirname;
        const source = fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".test.ts"))
            .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
            .join("\n");
        const untested = allPolicies
            .map((p) => p.name)
            .filter((n) => !source.includes(`violates("${n}"`) || !source.includes(`passes("${n}"`));
        expect(untested).to.deep.equal([]);
    });

    it("never crashes or returns a promise, whatever the resource shape", () => {
        const types = [
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
            "aws:ec2/securityGroupRule:SecurityGroupRule",
            "aws:rds/instance:Instance",
            "aws:rds/parameterGroup:ParameterGroup",
            "aws:s3/bucket:Bucket",
            "aws:s3/bucketV2:BucketV2",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketAcl:BucketAcl",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:eks/cluster:Cluster",
            "eks:index:Cluster",
            "eks:index:ManagedNodeGroup",
            "awsx:ec2:Vpc",
            "aws:eks/nodeGroup:NodeGroup",
            "aws:ec2/launchTemplate:LaunchTemplate",
            "aws:iam/role:Role",
            "aws:iam/policy:Policy",
            "aws:kms/key:Key",
            "aws:cloudfront/distribution:Distribution",
            "aws:wafv2/webAcl:WebAcl",
            "aws:route53/record:Record",
            "aws:athena/workgroup:Workgroup",
            "kubernetes:apps/v1:Deployment",
            "kubernetes:batch/v1:CronJob",
            "kubernetes:core/v1:Pod",
            "kubernetes:helm.sh/v3:Release",
            "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
            "kubernetes:apps/v1:DeploymentPatch",
            "kubernetes:core/v1:PodTemplate",
            "kubernetes:helm.sh/v3:Chart",
            "aws:rds/cluster:Cluster",
            "aws:rds/clusterParameterGroup:ClusterParameterGroup",
            "aws:ec2/instance:Instance",
            "aws:ec2/launchConfiguration:LaunchConfiguration",
            "aws:kms/keyPolicy:KeyPolicy",
            "aws:sqs/queuePolicy:QueuePolicy",
            "aws:opensearch/domain:Domain",
            "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
            "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        ];
        const shapes: Record<string, unknown>[] = [
            {},
            { ingress: "x", spec: 7, policy: "not json", origins: {}, rules: [null], tags: ["a"], vpcConfig: [], assumeRolePolicy: 3 },
            { ingress: [UNKNOWN], spec: { template: UNKNOWN }, policy: UNKNOWN, tags: UNKNOWN, metadataOptions: UNKNOWN },
            {
                ingress: [{ cidrBlocks: [UNKNOWN, "0.0.0.0/0"], protocol: UNKNOWN }],
                policy: { Statement: [UNKNOWN, { Effect: "Allow", Principal: UNKNOWN, Condition: UNKNOWN }] },
                inlinePolicies: [UNKNOWN],
                policyArns: [UNKNOWN],
                tags: { project: UNKNOWN },
                rootBlockDevice: UNKNOWN,
                accessPolicies: { Statement: UNKNOWN },
            },
        ];
        const resources = [stack(), ...types.flatMap((t) => shapes.map((s) => res(t, s)))];
        const { violations } = runPoliciesDetailed(resources);
        const crashes = violations.filter((v) => /^policy error|requires synchronous/.test(v.message));
        expect(crashes.map((v) => `${v.policy}: ${v.message}`)).to.deep.equal([]);
    });
});
