import { expect } from "chai";
import { runPoliciesDetailed } from "../../tools/policy-runner";
import { allPolicies } from "../../policies/rules/all";
import { passes, prodTags, res, shapedExport, stack, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

describe("policies/cost-tagging", () => {
    describe("aws-required-tags", () => {
        it("flags a taggable resource without tags, and names the missing keys", () => {
            violates("aws-required-tags", res("aws:sqs/queue:Queue", {}), /project, environment, region, cost-centre/);
            violates("aws-required-tags", res("aws:s3/bucket:Bucket", { tags: { project: "shop", environment: "dev", region: "x" } }), /cost-centre/);
        });
        it("accepts tags, tagsAll (in inputs: pulumi-aws's Check adds it) and provider defaultTags (object or JSON string)", () => {
            const provider = res("pulumi:providers:aws", { defaultTags: { tags: prodTags } });
            const jsonProvider = res("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: prodTags }) });
            passes("aws-required-tags", [
                res("aws:sqs/queue:Queue", { tags: prodTags }),
                res("aws:sqs/queue:Queue", { tagsAll: prodTags }),
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

    describe("vpc-nat-strategy (NAT gateway children counted, environment from tagsAll and provider defaultTags)", () => {
        it("reports a prod VPC with ONE NAT gateway (the awsx component has no inputs, as in a real preview)", () => {
            const found = violates("vpc-nat-strategy", shapedExport({ environment: "prod", natGateways: 1 }), /Production VPC vpc has 1 NAT gateway\(s\) for 3 AZs/);
            expect(found[0].urn).to.match(/aws:ec2\/vpc:Vpc::vpc$/);
            passes("vpc-nat-strategy", shapedExport({ environment: "prod", natGateways: 3 }));
        });
        it("reports a dev VPC with a NAT gateway per AZ; one is enough", () => {
            violates("vpc-nat-strategy", shapedExport({ environment: "dev", natGateways: 3 }), /Non-production/);
            passes("vpc-nat-strategy", shapedExport({ environment: "dev", natGateways: 1 }));
        });
        it("reads the environment from each gateway's tagsAll or from the provider's defaultTags alone", () => {
            const vpc = res("aws:ec2/vpc:Vpc", {}, { outputs: { id: "vpc-1" } });
            const subnet = (az: string) => res("aws:ec2/subnet:Subnet", { vpcId: "vpc-1", availabilityZone: az }, { outputs: { id: `subnet-${az}` } });
            const subnets = [subnet("a"), subnet("b")];
            const viaTagsAll = res("aws:ec2/natGateway:NatGateway", { subnetId: "subnet-a", tagsAll: prodTags });
            violates("vpc-nat-strategy", [vpc, ...subnets, viaTagsAll], /1 NAT gateway\(s\) for 2 AZs/);
            const provider = res("pulumi:providers:aws", { defaultTags: JSON.stringify({ tags: prodTags }) });
            const viaProvider = res("aws:ec2/natGateway:NatGateway", { subnetId: "subnet-b" }, { provider });
            violates("vpc-nat-strategy", [provider, vpc, ...subnets, viaProvider], /Production/);
            passes("vpc-nat-strategy", [vpc, ...subnets, res("aws:ec2/natGateway:NatGateway", { subnetId: "subnet-a" })]);
        });
        it("never judges the component's inputs, and skips a VPC without NAT gateways", () => {
            passes("vpc-nat-strategy", [res("awsx:ec2:Vpc", { tags: prodTags, natGateways: { strategy: "Single" } })]);
            passes("vpc-nat-strategy", shapedExport({ environment: "prod", natGateways: 0 }));
        });
        it("an unknown environment tag is reported advisory", () => {
            const vpc = res("aws:ec2/vpc:Vpc", {}, { outputs: { id: "vpc-1" } });
            unknownIsAdvisory("vpc-nat-strategy", [vpc, res("aws:ec2/subnet:Subnet", { vpcId: "vpc-1" }, { outputs: { id: "s" } }), res("aws:ec2/natGateway:NatGateway", { subnetId: "s", tagsAll: { environment: UNKNOWN } })]);
        });
    });

    it("athena-bytes-scanned-limit", () => {
        violates("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { configuration: { enforceWorkgroupConfiguration: true } }), /not set/);
        violates("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { name: "adhoc" }), /not set/);
        violates("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { configuration: { bytesScannedCutoffPerQuery: 10737418240, enforceWorkgroupConfiguration: false } }), /override/);
        passes("athena-bytes-scanned-limit", res("aws:athena/workgroup:Workgroup", { configuration: { bytesScannedCutoffPerQuery: 10737418240, enforceWorkgroupConfiguration: true } }));
    });

    it("cloudwatch-log-retention", () => {
        violates("cloudwatch-log-retention", res("aws:cloudwatch/logGroup:LogGroup", { name: "/eks/shop" }));
        violates("cloudwatch-log-retention", res("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 0 }));
        passes("cloudwatch-log-retention", res("aws:cloudwatch/logGroup:LogGroup", { retentionInDays: 30 }));
    });
});
