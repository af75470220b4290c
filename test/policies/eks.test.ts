import { expect } from "chai";
import { runPolicies } from "../../tools/policy-runner";
import { judge, passes, res, shapedExport, stack, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

const CLUSTER = "aws:eks/cluster:Cluster";
const COMPONENT = "eks:index:Cluster";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const KEY = "arn:aws:kms:ap-south-1:123456789012:key/abc";

const secureCluster = {
    roleArn: "arn:aws:iam::1:role/eks",
    vpcConfig: { subnetIds: ["s1", "s2"], endpointPrivateAccess: true, endpointPublicAccess: false },
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: KEY } },
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
};
/** What eks:index:Cluster looked like to the old offline plan: inputs a real analyzer never receives. */
const insecureComponentInputs = { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"], skipDefaultNodeGroup: false, nodeAssociatePublicIpAddress: true, nodeRootVolumeEncrypted: false };

describe("policies/eks", () => {
    describe("eks-endpoint-restricted", () => {
        it("flags an unset (public by default) or world-open endpoint on the AWS cluster", () => {
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { subnetIds: ["s1"] } }), /0.0.0.0\/0/);
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }));
        });
        it("passes private endpoints and public endpoints restricted to office CIDRs", () => {
            passes("eks-endpoint-restricted", [
                res(CLUSTER, secureCluster),
                res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } }),
            ]);
        });
        it("judges a known 0.0.0.0/0 among unknown CIDRs; office CIDRs beside an unknown one stay advisory", () => {
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: [UNKNOWN, "0.0.0.0/0"] } }), /0.0.0.0\/0/);
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["::/0", UNKNOWN] } }), /::\/0/);
            unknownIsAdvisory("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", UNKNOWN] } }));
        });
        it("judges the child aws:eks/cluster:Cluster, never the component's inputs", () => {
            const component = res(COMPONENT, insecureComponentInputs);
            const child = res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true } }, { parent: component });
            expect(judge("eks-endpoint-restricted", [component, child]).map((v) => v.urn)).to.deep.equal([child.urn]);
            passes("eks-endpoint-restricted", [component, res(CLUSTER, secureCluster, { parent: component })]);
        });
        it("passes the private-by-default cluster as a real preview shows it: an input-less component over a private child", () => {
            const component = res(COMPONENT, {});
            passes("eks-endpoint-restricted", [component, res(CLUSTER, secureCluster, { parent: component })]);
        });
    });

    it("eks-secrets-encryption", () => {
        violates("eks-secrets-encryption", res(CLUSTER, { ...secureCluster, encryptionConfig: undefined }));
        passes("eks-secrets-encryption", [res(CLUSTER, secureCluster), res(COMPONENT, {})]);
        unknownIsAdvisory("eks-secrets-encryption", res(CLUSTER, { ...secureCluster, encryptionConfig: { resources: ["secrets"], provider: { keyArn: UNKNOWN } } }));
    });

    it("eks-control-plane-logs", () => {
        violates("eks-control-plane-logs", res(CLUSTER, { ...secureCluster, enabledClusterLogTypes: ["api"] }), /audit/);
        passes("eks-control-plane-logs", [res(CLUSTER, secureCluster), res(COMPONENT, {})]);
    });

    it("eks-node-group-no-public-ssh (the aws:eks/nodeGroup:NodeGroup an eks.ManagedNodeGroup creates)", () => {
        violates("eks-node-group-no-public-ssh", res(NODE_GROUP, { remoteAccess: { ec2SshKey: "ops" } }), /0.0.0.0\/0/);
        const component = res("eks:index:ManagedNodeGroup", {});
        violates("eks-node-group-no-public-ssh", [component, res(NODE_GROUP, { remoteAccess: { ec2SshKey: "ops", sourceSecurityGroupIds: [] } }, { parent: component })]);
        passes("eks-node-group-no-public-ssh", [
            res(NODE_GROUP, { remoteAccess: { ec2SshKey: "ops", sourceSecurityGroupIds: ["sg-bastion"] } }),
            res("eks:index:ManagedNodeGroup", { remoteAccess: { ec2SshKey: "ops" } }),
        ]);
    });

    it("ec2-nodes-no-public-ip (launch templates, node classes)", () => {
        violates("ec2-nodes-no-public-ip", res(LT, { networkInterfaces: [{ associatePublicIpAddress: "true" }] }));
        violates("ec2-nodes-no-public-ip", res(NODE_CLASS, { spec: { associatePublicIPAddress: true } }));
        passes("ec2-nodes-no-public-ip", res(LT, { networkInterfaces: [{ associatePublicIpAddress: "false" }] }));
    });

    it("ec2-nodes-no-public-ip never judges an eks:index:Cluster by inputs (empty in a real preview: no false mandatory)", () => {
        passes("ec2-nodes-no-public-ip", [res(COMPONENT, {}), res(COMPONENT, insecureComponentInputs)]);
        // The default node group's launch template child carries the setting, and is judged.
        const component = res(COMPONENT, {});
        const template = res(LT, { networkInterfaces: [{ associatePublicIpAddress: "true" }] }, { parent: component });
        expect(judge("ec2-nodes-no-public-ip", [component, template]).map((v) => v.urn)).to.deep.equal([template.urn]);
    });

    describe("ec2-nodes-no-public-ip: nodes launched into subnets that map a public IP", () => {
        const SUBNET = "aws:ec2/subnet:Subnet";
        const pub = () => res(SUBNET, { vpcId: "vpc-1", mapPublicIpOnLaunch: true, tags: { "karpenter.sh/discovery": "shop" } }, { outputs: { id: "subnet-pub" } });
        const priv = () => res(SUBNET, { vpcId: "vpc-1", mapPublicIpOnLaunch: false, tags: { "karpenter.sh/discovery": "shop" } }, { outputs: { id: "subnet-priv" } });
        it("flags a managed node group, an Auto Scaling group and a node class selecting a public subnet", () => {
            violates("ec2-nodes-no-public-ip", [pub(), res(NODE_GROUP, { subnetIds: ["subnet-pub"] })], /mapPublicIpOnLaunch/);
            violates("ec2-nodes-no-public-ip", [pub(), res("aws:autoscaling/group:Group", { vpcZoneIdentifiers: ["subnet-pub"] })]);
            violates("ec2-nodes-no-public-ip", [pub(), res(NODE_CLASS, { spec: { subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "shop" } }] } })]);
        });
        it("matches by property dependency when ids are unknown (first preview)", () => {
            const subnet = res(SUBNET, { vpcId: UNKNOWN, mapPublicIpOnLaunch: true }, { outputs: { id: UNKNOWN } });
            const group = res(NODE_GROUP, { subnetIds: [UNKNOWN] });
            (group as { propertyDependencies?: Record<string, string[]> }).propertyDependencies = { subnetIds: [subnet.urn] };
            violates("ec2-nodes-no-public-ip", [subnet, group]);
        });
        it("passes private subnets, a template that decides, and a node class that turns public IPs off", () => {
            passes("ec2-nodes-no-public-ip", [priv(), res(NODE_GROUP, { subnetIds: ["subnet-priv"] })]);
            const template = res(LT, { networkInterfaces: [{ associatePublicIpAddress: false }] });
            passes("ec2-nodes-no-public-ip", [pub(), template, res("aws:autoscaling/group:Group", { vpcZoneIdentifiers: ["subnet-pub"], launchTemplate: { id: "lt-1" } }, { dependsOn: [template] })]);
            passes("ec2-nodes-no-public-ip", [pub(), res(NODE_CLASS, { spec: { associatePublicIPAddress: false, subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "shop" } }] } })]);
            passes("ec2-nodes-no-public-ip", [pub(), res(NODE_CLASS, { spec: { subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "other" } }] } })]);
        });
    });

    it("ec2-imdsv2-required on launch configurations and on the aws:eks/nodeGroup:NodeGroup of a managed node group", () => {
        violates("ec2-imdsv2-required", res("aws:ec2/launchConfiguration:LaunchConfiguration", { imageId: "ami-1", instanceType: "t3.micro" }), /unset/);
        violates("ec2-imdsv2-required", res(NODE_GROUP, { amiType: "AL2_ARM_64" }), /AL2_ARM_64/);
        passes("ec2-imdsv2-required", [
            res("aws:ec2/launchConfiguration:LaunchConfiguration", { imageId: "ami-1", metadataOptions: { httpTokens: "required" } }),
            res(NODE_GROUP, {}),
            res(NODE_GROUP, { amiType: "AL2023_ARM_64_STANDARD" }),
            res(NODE_GROUP, { amiType: "AL2_x86_64", launchTemplate: { id: "lt-1", version: "1" } }),
            res("eks:index:ManagedNodeGroup", { enableIMDSv2: false, operatingSystem: "AL2" }),
        ]);
        // A managed node group's own launch template is judged as a launch template.
        const group = res("eks:index:ManagedNodeGroup", {});
        const template = res(LT, { metadataOptions: { httpTokens: "optional" } }, { parent: group });
        expect(judge("ec2-imdsv2-required", [group, template]).map((v) => v.urn)).to.deep.equal([template.urn]);
    });

    it("ec2-imdsv2-required", () => {
        violates("ec2-imdsv2-required", res(LT, { imageId: "ami-1" }), /unset/);
        violates("ec2-imdsv2-required", res(LT, { metadataOptions: { httpTokens: "optional" } }));
        violates("ec2-imdsv2-required", res(NODE_CLASS, { spec: { metadataOptions: { httpTokens: "optional" } } }));
        passes("ec2-imdsv2-required", [
            res(LT, { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" } }),
            res(LT, { metadataOptions: { httpEndpoint: "disabled" } }),
            res(NODE_CLASS, { spec: { amiSelectorTerms: [{ alias: "al2023@latest" }] } }),
        ]);
    });

    it("ec2-nodes-no-public-ip and ebs-encrypted on instances and launch configurations", () => {
        const LC = "aws:ec2/launchConfiguration:LaunchConfiguration";
        violates("ec2-nodes-no-public-ip", res(LC, { imageId: "ami-1", associatePublicIpAddress: true }));
        passes("ec2-nodes-no-public-ip", res(LC, { imageId: "ami-1", associatePublicIpAddress: false }));
        violates("ebs-encrypted", res("aws:ec2/instance:Instance", { ami: "ami-1", rootBlockDevice: { volumeSize: 50 } }), /root/);
        violates("ebs-encrypted", res("aws:ec2/instance:Instance", { ami: "ami-1", rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: false }] }), /sdf/);
        violates("ebs-encrypted", res(LC, { imageId: "ami-1", rootBlockDevice: { encrypted: "false" } }));
        passes("ebs-encrypted", [
            res("aws:ec2/instance:Instance", { ami: "ami-1", rootBlockDevice: { encrypted: true, kmsKeyId: KEY }, ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }] }),
            res(LC, { imageId: "ami-1", rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdg", noDevice: true }] }),
        ]);
        // @pulumi/eks's self-managed NodeGroup (v1) launches from a launch configuration: its child is judged instead.
        const nodes = res("eks:index:NodeGroup", { cluster: "c", nodeRootVolumeEncrypted: false });
        const lc = res(LC, { imageId: "ami-1", rootBlockDevice: { encrypted: false } }, { parent: nodes });
        expect(judge("ebs-encrypted", [nodes, lc]).map((v) => v.urn)).to.deep.equal([lc.urn]);
    });

    it("ebs-encrypted", () => {
        violates("ebs-encrypted", res(LT, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 50 } }] }), /xvda/);
        violates("ebs-encrypted", res("aws:ebs/volume:Volume", { size: 10 }));
        violates("ebs-encrypted", res(NODE_CLASS, { spec: { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: false } }] } }));
        passes("ebs-encrypted", [
            res(LT, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } }] }),
            res(NODE_CLASS, { spec: { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "50Gi" } }] } }),
            res(COMPONENT, insecureComponentInputs),
        ]);
    });

    describe("an export shaped like a real preview (components with no inputs, children judged)", () => {
        const mandatory = (resources: ReturnType<typeof shapedExport>) =>
            runPolicies([stack(), ...resources]).filter((v) => v.enforcementLevel === "mandatory").map((v) => `${v.policy} ${v.urn}`);
        it("the compliant shape draws no mandatory violation from the whole pack", () => {
            expect(mandatory(shapedExport())).to.deep.equal([]);
        });
        it("a node group in subnets with mapPublicIpOnLaunch violates ec2-nodes-no-public-ip", () => {
            const found = violates("ec2-nodes-no-public-ip", shapedExport({ nodesInPublicSubnets: true }), /vpc-public-1/);
            expect(found.map((v) => v.urn)).to.deep.equal([shapedExport().find((r) => r.type === NODE_GROUP)!.urn]);
            passes("ec2-nodes-no-public-ip", shapedExport());
        });
        it("an EKS cluster child open to 0.0.0.0/0 violates eks-endpoint-restricted", () => {
            violates("eks-endpoint-restricted", shapedExport({ endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] }), /0.0.0.0\/0/);
            passes("eks-endpoint-restricted", shapedExport());
            passes("eks-endpoint-restricted", shapedExport({ endpointPublicAccess: false }));
        });
    });
});
