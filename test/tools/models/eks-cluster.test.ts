import { expect } from "chai";
import { eksClusterModel, type EksClusterInputs } from "../../../tools/models/eks-cluster";
import { UNKNOWN, type ModelContext } from "../../../tools/models/model";

const program: EksClusterInputs = {
    name: "shop", version: "1.33", vpcId: "vpc-1", publicSubnetIds: ["u1", "u2"], privateSubnetIds: ["p1", "p2"],
    endpointPrivateAccess: true, endpointPublicAccess: false, encryptionConfigKeyArn: "arn:aws:kms:ap-south-1:000000000000:key/k",
    enabledClusterLogTypes: ["api", "audit"], authenticationMode: "API", createOidcProvider: true, skipDefaultNodeGroup: true,
    bootstrapSelfManagedAddons: false, useDefaultVpcCni: true, corednsAddonOptions: { enabled: false }, kubeProxyAddonOptions: { enabled: false },
};
function context(inputs: EksClusterInputs, preview = false, region = "ap-south-1"): ModelContext {
    const subnetZones: Record<string, { name: string; zoneId: string }> = {
        u1: { name: "us-east-1a", zoneId: "use1-az6" }, u2: { name: "us-east-1c", zoneId: "use1-az1" },
        p1: { name: "us-east-1a", zoneId: "use1-az6" }, p2: { name: "us-east-1b", zoneId: "use1-az3" },
    };
    return {
        name: "c", inputs: { ...inputs }, region, zones: [], zoneOfSubnet: (id) => (region === "us-east-1" ? subnetZones[id] : undefined),
        id: (type, name) => (preview ? UNKNOWN : `${type.split(":").pop()}-${name}`), cloud: (v) => (preview ? UNKNOWN : v),
    };
}
const ofType = (inputs: EksClusterInputs, type: string) => eksClusterModel(context(inputs)).children.filter((c) => c.type === type);

describe("tools/models/eks-cluster (@pulumi/eks 4.3 createCore/createCluster)", () => {
    it("refuses a control-plane subnet in a zone EKS does not support (use1-az3), as CreateCluster does", () => {
        expect(() => eksClusterModel(context(program, false, "us-east-1"))).to.throw(
            "UnsupportedAvailabilityZoneException: Cannot create cluster 'shop' because us-east-1b, the targeted availability zone, does not currently have sufficient capacity to support the cluster. " +
            "Retry and choose from these availability zones: us-east-1a, us-east-1c, us-east-1d, us-east-1e, us-east-1f");
        expect(() => eksClusterModel(context({ ...program, privateSubnetIds: ["p1"] }, false, "us-east-1"))).to.not.throw();
        // In a first preview the subnets' ids are unknown: neither a real preview nor the model can tell their zones.
        expect(() => eksClusterModel(context({ ...program, privateSubnetIds: UNKNOWN as unknown as string[] }, true, "us-east-1"))).to.not.throw();
    });

    it("declares the control plane with the component's settings: private endpoint, KMS secrets, logs, access entries", () => {
        const [cluster] = ofType(program, "aws:eks/cluster:Cluster");
        expect(cluster.name).to.equal("c-eksCluster");
        expect(cluster.inputs).to.deep.include({
            name: "shop", version: "1.33", bootstrapSelfManagedAddons: false, enabledClusterLogTypes: ["api", "audit"],
            encryptionConfig: { provider: { keyArn: "arn:aws:kms:ap-south-1:000000000000:key/k" }, resources: ["secrets"] },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
        });
        expect(cluster.inputs.vpcConfig).to.deep.equal({
            securityGroupIds: ["SecurityGroup-c-eksClusterSecurityGroup"], subnetIds: ["u1", "u2", "p1", "p2"], endpointPrivateAccess: true, endpointPublicAccess: false,
        });
    });

    it("creates the service role, both security groups and their rules, the OIDC provider, and no add-on it was told to skip", () => {
        const types = eksClusterModel(context(program)).children.map((c) => c.type);
        expect(types.filter((t) => t === "aws:ec2/securityGroup:SecurityGroup")).to.have.length(2);
        expect(types.filter((t) => t === "aws:ec2/securityGroupRule:SecurityGroupRule")).to.have.length(6);
        expect(types).to.include.members(["eks:index:ServiceRole", "aws:iam/role:Role", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/openIdConnectProvider:OpenIdConnectProvider"]);
        expect(types).to.not.include("aws:eks/addon:Addon");
        expect(ofType({ ...program, kubeProxyAddonOptions: undefined }, "aws:eks/addon:Addon").map((a) => a.inputs.addonName)).to.deep.equal(["kube-proxy"]);
    });

    it("outputs oidcProviderUrl with https:// and oidcIssuer without it, as @pulumi/eks 4.3 does", () => {
        const { programOutputs } = eksClusterModel(context(program));
        expect(programOutputs.oidcProviderUrl).to.match(/^https:\/\/oidc\.eks\.ap-south-1\.amazonaws\.com\/id\/[0-9A-F]{32}$/);
        expect(programOutputs.oidcIssuer).to.equal(String(programOutputs.oidcProviderUrl).replace("https://", ""));
        expect(programOutputs.oidcProviderArn).to.equal(`arn:aws:iam::000000000000:oidc-provider/${programOutputs.oidcIssuer}`);
    });

    it("refuses what upstream refuses, and options whose resources are not modelled", () => {
        expect(() => eksClusterModel(context({ ...program, publicAccessCidrs: ["203.0.113.0/24"] }))).to.throw("`publicAccessCidrs` can only be set when `endpointPublicAccess` is true");
        expect(() => eksClusterModel(context({ ...program, skipDefaultNodeGroup: false }))).to.throw(/default node group.*not modelled/);
    });

    it("keeps going on unknown inputs and ids (a preview): unknown subnet lists and issuer stay unknown", () => {
        const { children, programOutputs } = eksClusterModel(context({ ...program, privateSubnetIds: UNKNOWN, encryptionConfigKeyArn: UNKNOWN }, true));
        const cluster = children.find((c) => c.type === "aws:eks/cluster:Cluster")!;
        expect((cluster.inputs.vpcConfig as { subnetIds: unknown }).subnetIds).to.equal(UNKNOWN);
        expect(programOutputs.oidcIssuer).to.equal(UNKNOWN);
        expect(programOutputs.kubeconfigJson).to.equal(UNKNOWN);
    });
});
