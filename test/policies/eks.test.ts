import { expect } from "chai";
import { judge, passes, res, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

const CLUSTER = "aws:eks/cluster:Cluster";
const COMPONENT = "eks:index:Cluster";
const LT = "aws:ec2/launchTemplate:LaunchTemplate";
const NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass";
const KEY = "arn:aws:kms:ap-south-1:123456789012:key/abc";

const secureCluster = {
    roleArn: "arn:aws:iam::1:role/eks",
    vpcConfig: { subnetIds: ["s1", "s2"], endpointPrivateAccess: true, endpointPublicAccess: false },
    encryptionConfig: { resources: ["secrets"], provider: { keyArn: KEY } },
    enabledClusterLogTypes: ["api", "audit", "authenticator"],
};
const secureComponent = {
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
    encryptionConfigKeyArn: KEY,
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    skipDefaultNodeGroup: true,
};

describe("policies/eks", () => {
    describe("eks-endpoint-restricted", () => {
        it("flags an unset (public by default) or world-open endpoint on the AWS cluster", () => {
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { subnetIds: ["s1"] } }), /0.0.0.0\/0/);
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] } }));
        });
        it("flags the eks:index:Cluster component inputs when the plan only sees the component", () => {
            violates("eks-endpoint-restricted", res(COMPONENT, { ...secureComponent, endpointPublicAccess: undefined }), /eks.Cluster/);
        });
        it("passes private endpoints and public endpoints restricted to office CIDRs", () => {
            passes("eks-endpoint-restricted", [
                res(CLUSTER, secureCluster),
                res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] } }),
                res(COMPONENT, secureComponent),
            ]);
        });
        it("judges a known 0.0.0.0/0 among unknown CIDRs; office CIDRs beside an unknown one stay advisory", () => {
            violates("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: [UNKNOWN, "0.0.0.0/0"] } }), /0.0.0.0\/0/);
            violates("eks-endpoint-restricted", res(COMPONENT, { ...secureComponent, endpointPublicAccess: true, publicAccessCidrs: ["::/0", UNKNOWN] }), /::\/0/);
            unknownIsAdvisory("eks-endpoint-restricted", res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", UNKNOWN] } }));
        });
        it("judges the child aws:eks/cluster:Cluster instead of the component when both exist (no double report)", () => {
            const component = res(COMPONENT, { endpointPublicAccess: true });
            const child = res(CLUSTER, { ...secureCluster, vpcConfig: { endpointPublicAccess: true } }, { parent: component });
            const found = judge("eks-endpoint-restricted", [component, child]);
            expect(found.map((v) => v.urn)).to.deep.equal([child.urn]);
        });
        it("passes the private-by-default cluster as a real preview shows it: an input-less component over a private child", () => {
            const component = res(COMPONENT, {});
            passes("eks-endpoint-restricted", [component, res(CLUSTER, secureCluster, { parent: component })]);
        });
    });

    it("eks-secrets-encryption", () => {
        violates("eks-secrets-encryption", res(CLUSTER, { ...secureCluster, encryptionConfig: undefined }));
        violates("eks-secrets-encryption", res(COMPONENT, { ...secureComponent, encryptionConfigKeyArn: undefined }));
        passes("eks-secrets-encryption", [res(CLUSTER, secureCluster), res(COMPONENT, secureComponent)]);
        unknownIsAdvisory("eks-secrets-encryption", res(COMPONENT, { ...secureComponent, encryptionConfigKeyArn: UNKNOWN }));
    });

    it("eks-control-plane-logs", () => {
        violates("eks-control-plane-logs", res(CLUSTER, { ...secureCluster, enabledClusterLogTypes: ["api"] }), /audit/);
        violates("eks-control-plane-logs", res(COMPONENT, { ...secureComponent, enabledClusterLogTypes: undefined }));
        passes("eks-control-plane-logs", [res(CLUSTER, secureCluster), res(COMPONENT, secureComponent)]);
    });

    it("eks-node-group-no-public-ssh (AWS node group and ManagedNodeGroup component)", () => {
        violates("eks-node-group-no-public-ssh", res("aws:eks/nodeGroup:NodeGroup", { remoteAccess: { ec2SshKey: "ops" } }), /0.0.0.0\/0/);
        violates("eks-node-group-no-public-ssh", res("eks:index:ManagedNodeGroup", { remoteAccess: { ec2SshKey: "ops", sourceSecurityGroupIds: [] } }));
        passes("eks-node-group-no-public-ssh", [
            res("aws:eks/nodeGroup:NodeGroup", { remoteAccess: { ec2SshKey: "ops", sourceSecurityGroupIds: ["sg-bastion"] } }),
            res("eks:index:ManagedNodeGroup", { instanceTypes: ["m7g.large"] }),
        ]);
    });

    it("ec2-nodes-no-public-ip (launch templates, node classes, eks default node group)", () => {
        violates("ec2-nodes-no-public-ip", res(LT, { networkInterfaces: [{ associatePublicIpAddress: "true" }] }));
        violates("ec2-nodes-no-public-ip", res(NODE_CLASS, { spec: { associatePublicIPAddress: true } }));
        violates("ec2-nodes-no-public-ip", res(COMPONENT, { ...secureComponent, skipDefaultNodeGroup: false }), /defaults to true/);
        passes("ec2-nodes-no-public-ip", [
            res(LT, { networkInterfaces: [{ associatePublicIpAddress: "false" }] }),
            res(COMPONENT, secureComponent),
            res(COMPONENT, { ...secureComponent, skipDefaultNodeGroup: false, nodeAssociatePublicIpAddress: false }),
        ]);
    });

    it("ec2-imdsv2-required on launch configurations and eks.ManagedNodeGroup inputs", () => {
        const MNG = "eks:index:ManagedNodeGroup";
        violates("ec2-imdsv2-required", res("aws:ec2/launchConfiguration:LaunchConfiguration", { imageId: "ami-1", instanceType: "t3.micro" }), /unset/);
        violates("ec2-imdsv2-required", res(MNG, { nodeRoleArn: "r", enableIMDSv2: false }), /enableIMDSv2: false/);
        violates("ec2-imdsv2-required", res(MNG, { nodeRoleArn: "r", operatingSystem: "AL2" }), /AL2/);
        violates("ec2-imdsv2-required", res(MNG, { nodeRoleArn: "r", amiType: "AL2_ARM_64" }));
        passes("ec2-imdsv2-required", [
            res("aws:ec2/launchConfiguration:LaunchConfiguration", { imageId: "ami-1", metadataOptions: { httpTokens: "required" } }),
            res(MNG, { nodeRoleArn: "r" }),
            res(MNG, { nodeRoleArn: "r", operatingSystem: "AL2", enableIMDSv2: true }),
            res(MNG, { nodeRoleArn: "r", amiType: "AL2023_ARM_64_STANDARD" }),
            res(MNG, { nodeRoleArn: "r", launchTemplate: { id: "lt-1", version: "1" } }),
        ]);
        // In a real preview the group's own launch template is judged instead of the component.
        const group = res(MNG, { nodeRoleArn: "r", enableIMDSv2: false });
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
        violates("ebs-encrypted", res(COMPONENT, { ...secureComponent, skipDefaultNodeGroup: false, nodeRootVolumeEncrypted: false }));
        passes("ebs-encrypted", [
            res(LT, { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3" } }] }),
            res(NODE_CLASS, { spec: { blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "50Gi" } }] } }),
            res(COMPONENT, secureComponent),
        ]);
    });
});
