import { expect } from "chai";
import { runPoliciesDetailed } from "../../tools/policy-runner";
import { allPolicies } from "../../policies/rules/all";
import { devTags, passes, prodTags, res, stack, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

describe("policies/cost-tagging", () => {
    describe("aws-required-tags", () => {
        it("flags a taggable resource without tags, and names the missing keys", () => {
            violates("aws-required-tags", res("aws:sqs/queue:Queue", {}), /project, environment, region, cost-centre/);
            violates("aws-required-tags", res("aws:s3/bucket:Bucket", { tags: { project: "shop", environment: "dev", region: "x" } }), /cost-centre/);
        });
        it("accepts tags, tagsAll (export outputs) and provider defaultTags (object or JSON string)", () => {
            const provider = res("pulumi:providers:aws", { defaultTags: { tags: prodTags } });
            const jsonProvider = res("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: prodTags }) });
            passes("aws-required-tags", [
                res("aws:sqs/queue:Queue", { tags: prodTags }),
                res("aws:sqs/queue:Queue", {}, { outputs: { tagsAll: prodTags } }),
                provider,
                res("aws:sqs/queue:Queue", {}, { provider }),
                jsonProvider,
                res("aws:sqs/queue:Queue", {}, { provider: jsonProvider }),
            ]);
        });
        it("reads provider defaultTags given as a one-element list", () => {
            const provider = res("pulumi:providers:aws", { defaultTags: [{ tags: prodTags }] });
            passes("aws-required-tags", [provider, res("aws:sqs/queue:Queue", {}, { provider })]);
        });
        it("reports keys known to be missing even when another tag value is unknown; otherwise the unknown is advisory", () => {
            violates("aws-required-tags", res("aws:sqs/queue:Queue", { tags: { project: UNKNOWN, environment: "dev" } }), /region, cost-centre/);
            unknownIsAdvisory("aws-required-tags", res("aws:sqs/queue:Queue", { tags: { ...prodTags, project: UNKNOWN } }));
        });
        it("ignores types that cannot be tagged (separate SG rules, policy attachments)", () => {
            passes("aws-required-tags", [res("aws:ec2/securityGroupRule:SecurityGroupRule", { type: "ingress" }), res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", {})]);
        });
        it("lets config name the required keys", () => {
            passes("aws-required-tags", res("aws:sqs/queue:Queue", { tags: { owner: "x" } }), { "aws-required-tags": { requiredTags: ["owner"] } });
        });
    });

    describe("stack-budget", () => {
        it("is not applicable without a budget or without an estimate", () => {
            const budgetOnly = runPoliciesDetailed([stack()], { policies: allPolicies.filter((p) => p.name === "stack-budget"), maxMonthlyUsd: 100 });
            expect(budgetOnly.violations).to.deep.equal([]);
            expect(budgetOnly.notApplicable.map((n) => n.reason)).to.deep.equal(["no cost estimate available"]);
            const none = runPoliciesDetailed([stack()], { policies: allPolicies.filter((p) => p.name === "stack-budget"), costMonthlyUsd: 100 });
            expect(none.notApplicable.map((n) => n.reason)).to.deep.equal(["no maxMonthlyUsd configured"]);
        });
        it("flags an estimate over budget (from runner options or config), passes one within", () => {
            violates("stack-budget", [], /exceeds/, { "stack-budget": { maxMonthlyUsd: 500, estimatedMonthlyUsd: 812.4 } });
            passes("stack-budget", [], { "stack-budget": { maxMonthlyUsd: 1000, estimatedMonthlyUsd: 812.4 } });
            const over = runPoliciesDetailed([stack()], { policies: allPolicies.filter((p) => p.name === "stack-budget"), maxMonthlyUsd: 500, costMonthlyUsd: 900 });
            expect(over.violations).to.have.length(1);
            expect(over.violations[0].enforcementLevel).to.equal("advisory");
        });
    });

    it("ebs-gp3-volumes", () => {
        violates("ebs-gp3-volumes", res("aws:ebs/volume:Volume", { type: "gp2", encrypted: true }));
        violates("ebs-gp3-volumes", res("kubernetes:storage.k8s.io/v1:StorageClass", { provisioner: "kubernetes.io/aws-ebs" }));
        violates("ebs-gp3-volumes", res("aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp2" } }] }));
        passes("ebs-gp3-volumes", [
            res("kubernetes:storage.k8s.io/v1:StorageClass", { provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted: "true" } }),
            res("aws:ec2/launchTemplate:LaunchTemplate", { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3" } }] }),
        ]);
    });

    it("vpc-nat-strategy: per-AZ in prod, single elsewhere; from component inputs or NAT children", () => {
        const vpc = (tags: Record<string, string>, strategy?: string) => res("awsx:ec2:Vpc", { tags, ...(strategy ? { natGateways: { strategy } } : {}) });
        violates("vpc-nat-strategy", vpc(prodTags, "Single"), /Production/);
        violates("vpc-nat-strategy", vpc(devTags), /Non-production/);
        passes("vpc-nat-strategy", [vpc(prodTags), vpc(prodTags, "OnePerAz"), vpc(devTags, "Single")]);
        const prodVpc = vpc(prodTags, "Single");
        const nat = (i: number) => res("aws:ec2/natGateway:NatGateway", { tags: prodTags }, { parent: prodVpc, name: `nat-${i}` });
        passes("vpc-nat-strategy", [prodVpc, nat(1), nat(2), nat(3)]);
    });

    it("athena-bytes-scanned-limit", () => {
        violates("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { configuration: { enforceWorkgroupConfiguration: true } }), /not set/);
        violates("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { configuration: { bytesScannedCutoffPerQuery: 10737418240, enforceWorkgroupConfiguration: false } }), /override/);
        passes("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { configuration: { bytesScannedCutoffPerQuery: 10737418240, enforceWorkgroupConfiguration: true } }));
    });

    it("cloudwatch-log-retention", () => {
        violates("cloudwatch-log-retention", res("aws:cloudwatch/logGroup:LogGroup", { name: "/eks/shop" }));
        violates("cloudwatch-log-retention", res("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 0 }));
        passes("cloudwatch-log-retention", res("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 }));
    });
});
