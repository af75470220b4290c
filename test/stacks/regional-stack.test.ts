import { expect } from "chai";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { EKS_AMI_ALIASES } from "../../components/catalogue";
import { validateCustomResource } from "../support/crd-validator";
import { ofType, plannedStack, PlannedStack, single } from "../support/plans";

const ROOT = join(__dirname, "..", "..");
const STACKS = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);


describe("stacks/region (the offline plan of every shipped stack)", function () {
    this.timeout(180_000);

    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml plans offline with no policy violation at all, not even an advisory one`, () => {
            const planned = plannedStack(stack);
            expect(planned.exitCode, planned.stdout).to.equal(0);
            expect(planned.report.resources).to.be.greaterThan(50);
            // The README promises a clean verdict; an advisory finding must be fixed or explained there, not slip in.
            expect(planned.report.violations, JSON.stringify(planned.report.violations, null, 2)).to.deep.equal([]);
        });
    }

    it("creates account-wide resources (the EC2 spot service-linked role) in at most one shipped stack: stacks may share an account", () => {
        const creators = STACKS.filter((stack) => ofType(plannedStack(stack), "aws:iam/serviceLinkedRole:ServiceLinkedRole").length > 0);
        expect(creators).to.have.length.at.most(1);
    });

    describe("prod", () => {
        let prod: PlannedStack;
        before(() => { prod = plannedStack("prod"); });

        it("holds the VPC, the EKS cluster, Karpenter with its NodePools and EC2NodeClass, RDS and EFS with its StorageClass", () => {
            for (const type of ["awsx:ec2:Vpc", "aws:ec2/vpc:Vpc", "eks:index:Cluster", "aws:eks/cluster:Cluster", "aws:rds/instance:Instance", "aws:efs/fileSystem:FileSystem"]) {
                expect(ofType(prod, type), type).to.have.length(1);
            }
            expect(ofType(prod, "kubernetes:karpenter.sh/v1:NodePool")).to.have.length.at.least(1);
            expect(ofType(prod, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")).to.have.length.at.least(1);
            expect(ofType(prod, "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.chart)).to.include("oci://public.ecr.aws/karpenter/karpenter");
            expect(ofType(prod, "kubernetes:storage.k8s.io/v1:StorageClass").map((r) => r.inputs.provisioner)).to.include("efs.csi.aws.com");
        });

        it("exports the region's API over TLS on its own name, the public URL and the shop realm on the public name", () => {
            const outputs = single(prod, "pulumi:pulumi:Stack").outputs as Record<string, string>;
            expect(outputs).to.include({
                apiEndpoint: "https://api.ap-south-1.shop.example.com/v1",
                regionalApiUrl: "https://api.ap-south-1.shop.example.com",
                publicUrl: "https://shop.example.com",
                authEndpoint: "https://shop.example.com/auth/realms/shop",
                tokenIssuer: "https://shop.example.com/auth/realms/shop",
            });
        });

        it("serves the Kubernetes API on a private endpoint only (private by default)", () => {
            expect(single(prod, "aws:eks/cluster:Cluster").inputs.vpcConfig).to.deep.include({ endpointPrivateAccess: true, endpointPublicAccess: false });
            expect(single(prod, "aws:eks/cluster:Cluster").inputs.vpcConfig).to.not.have.property("publicAccessCidrs");
        });

        it("runs a Multi-AZ, encrypted, private, deletion-protected database", () => {
            expect(single(prod, "aws:rds/instance:Instance").inputs).to.include({ multiAz: true, storageEncrypted: true, publiclyAccessible: false, deletionProtection: true });
        });

        it("has a NAT gateway per zone, each in its own zone's public subnet", () => {
            const publicSubnets = ofType(prod, "aws:ec2/subnet:Subnet").filter((s) => s.inputs.mapPublicIpOnLaunch === true);
            const nats = ofType(prod, "aws:ec2/natGateway:NatGateway");
            expect(nats).to.have.length(3);
            expect(new Set(nats.map((n) => publicSubnets.find((s) => s.id === n.inputs.subnetId)?.inputs.availabilityZone)).size).to.equal(3);
        });

        it("every private subnet carries karpenter.sh/discovery for the cluster", () => {
            const cluster = single(prod, "aws:eks/cluster:Cluster");
            const privateSubnets = ofType(prod, "aws:ec2/subnet:Subnet").filter((s) => s.inputs.mapPublicIpOnLaunch === false);
            expect(privateSubnets).to.have.length(3);
            for (const subnet of privateSubnets) expect(subnet.inputs.tags).to.include({ "karpenter.sh/discovery": cluster.inputs.name });
        });

        it("tags every taggable AWS resource for cost allocation from one place", () => {
            const taggable = prod.resources.filter((r) => r.type.startsWith("aws:") && r.inputs.tagsAll !== undefined);
            expect(taggable.length).to.be.greaterThan(20);
            for (const resource of taggable) {
                expect(resource.inputs.tagsAll, resource.urn).to.include({ project: "ecommerce-platform", environment: "prod", region: "ap-south-1", "cost-centre": "ecommerce" });
            }
        });

        it("creates the account's EC2 spot service-linked role before Karpenter's NodePools may launch spot", () => {
            const role = single(prod, "aws:iam/serviceLinkedRole:ServiceLinkedRole");
            expect(role.inputs.awsServiceName).to.equal("spot.amazonaws.com");
            for (const nodePool of ofType(prod, "kubernetes:karpenter.sh/v1:NodePool")) expect(nodePool.dependencies, nodePool.urn).to.include(role.urn);
        });

        it("declares NodePools and EC2NodeClasses the Karpenter CRDs accept, every node class on a pinned AMI", () => {
            const resources = [...ofType(prod, "kubernetes:karpenter.sh/v1:NodePool"), ...ofType(prod, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")];
            expect(resources).to.have.length(4);
            for (const resource of resources) expect(validateCustomResource(resource.inputs), resource.urn).to.deep.equal([]);
            const aliases = ofType(prod, "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").map((c) => (c.inputs.spec as { amiSelectorTerms: { alias: string }[] }).amiSelectorTerms[0].alias);
            expect(aliases).to.have.members([EKS_AMI_ALIASES.general, EKS_AMI_ALIASES.stateful]);
            for (const alias of aliases) expect(alias).to.not.match(/@latest$/);
        });

        it("records parents and dependencies, as a real stack export does", () => {
            const instance = single(prod, "aws:rds/instance:Instance");
            expect(instance.parent).to.match(/ecommerce:data:Database::prod-db$/);
            expect(instance.dependencies.length).to.be.greaterThan(0);
            expect(instance.provider).to.match(/pulumi:providers:aws::prod-aws::/);
        });
    });

    describe("dev differs where the environment says it should", () => {
        let dev: PlannedStack;
        let prod: PlannedStack;
        before(() => { dev = plannedStack("dev"); prod = plannedStack("prod"); });

        it("one NAT gateway instead of one per zone", () => {
            expect(ofType(dev, "aws:ec2/natGateway:NatGateway")).to.have.length(1);
            expect(ofType(prod, "aws:ec2/natGateway:NatGateway")).to.have.length(3);
        });

        it("a single-AZ, deletable database on a smaller Graviton class", () => {
            expect(single(dev, "aws:rds/instance:Instance").inputs).to.include({ multiAz: false, deletionProtection: false, instanceClass: "db.t4g.medium" });
            expect(single(prod, "aws:rds/instance:Instance").inputs.backupRetentionPeriod).to.be.greaterThan(Number(single(dev, "aws:rds/instance:Instance").inputs.backupRetentionPeriod));
        });

        it("smaller autoscaling limits", () => {
            const cpu = (s: PlannedStack) => Number((ofType(s, "kubernetes:karpenter.sh/v1:NodePool")[0].inputs.spec as { limits: { cpu: string } }).limits.cpu);
            expect(cpu(dev)).to.be.lessThan(cpu(prod));
        });
    });
});
