import { expect } from "chai";
import { Cluster } from "../../components/cluster";
import { declared, Registered } from "../support/mock-runtime";

describe("components/cluster", () => {
    let privateCluster: Registered;
    let restricted: Registered;
    before(async () => {
        const args = {
            kubernetesVersion: "1.33", vpcId: "vpc-1", privateSubnetIds: ["p1", "p2", "p3"], publicSubnetIds: ["u1", "u2", "u3"],
            systemNodes: { instanceTypes: ["t4g.medium"], minSize: 1, maxSize: 3, desiredSize: 2 },
        };
        privateCluster = await declared("clustertest-private", () => new Cluster("clustertest-private", {
            ...args, clusterName: "c-private", adminRoleArns: ["arn:aws:iam::123456789012:role/ci-deploy"],
        }));
        restricted = await declared("clustertest-cidr", () => new Cluster("clustertest-cidr", { ...args, clusterName: "c-cidr", publicAccessCidrs: ["203.0.113.0/24"] }));
    });

    // eks:index:Cluster reaches the engine with no inputs; these judge the aws:eks/cluster:Cluster its provider creates.
    const controlPlane = (stack: Registered) => stack.one("aws:eks/cluster:Cluster").inputs;

    it("envelope-encrypts Kubernetes secrets with its own rotating KMS key", () => {
        expect(restricted.one("eks:index:Cluster").inputs).to.deep.equal({});
        const key = restricted.one("aws:kms/key:Key");
        expect(key.inputs.enableKeyRotation).to.equal(true);
        expect(controlPlane(restricted).encryptionConfig).to.deep.equal({ provider: { keyArn: key.outputs.arn }, resources: ["secrets"] });
    });

    it("ships every control-plane log type to a log group it owns", () => {
        expect(controlPlane(restricted).enabledClusterLogTypes).to.have.members(["api", "audit", "authenticator", "controllerManager", "scheduler"]);
        expect(restricted.one("aws:cloudwatch/logGroup:LogGroup").inputs.name).to.equal("/aws/eks/c-cidr/cluster");
    });

    it("grants cluster-admin to the configured roles through access entries, and to nobody else by default", () => {
        const entry = privateCluster.one("aws:eks/accessEntry:AccessEntry").inputs;
        expect(entry).to.include({ clusterName: "c-private", principalArn: "arn:aws:iam::123456789012:role/ci-deploy", type: "STANDARD" });
        expect(privateCluster.one("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").inputs).to.deep.include({
            principalArn: "arn:aws:iam::123456789012:role/ci-deploy",
            policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            accessScope: { type: "cluster" },
        });
        expect(restricted.ofType("aws:eks/accessEntry:AccessEntry")).to.have.length(0);
    });

    it("restricts the API endpoint: private by default (no CIDRs given), public only limited to the CIDRs given", () => {
        expect(controlPlane(privateCluster).vpcConfig).to.include({ endpointPrivateAccess: true, endpointPublicAccess: false });
        expect(controlPlane(privateCluster).vpcConfig).to.not.have.property("publicAccessCidrs");
        expect(controlPlane(restricted).vpcConfig).to.deep.include({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] });
    });

    it("creates an OIDC provider for IRSA, uses access entries and runs the version from config, with no default node group", () => {
        expect(controlPlane(restricted)).to.deep.include({ version: "1.33", accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true } });
        const oidc = restricted.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        expect(oidc.inputs.clientIdLists).to.deep.equal(["sts.amazonaws.com"]);
        expect(restricted.ofType("aws:ec2/launchTemplate:LaunchTemplate")).to.have.length(1); // the system group's, none from eks
        expect(restricted.ofType("aws:autoscaling/group:Group")).to.have.length(0);
    });

    it("hands IRSA roles the issuer that the OIDC provider registers (eks 4.3: oidcProviderUrl carries https://)", () => {
        const issuer = String(restricted.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs.url).replace("https://", "");
        const trust = restricted.ofType("aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes("AssumeRoleWithWebIdentity"))!;
        expect(Object.keys(JSON.parse(String(trust.inputs.assumeRolePolicy)).Statement[0].Condition.StringEquals)).to.include(`${issuer}:sub`);
    });

    it("installs the EKS managed add-ons, the CSI drivers and CNI with their own IRSA roles", () => {
        const addons = restricted.ofType("aws:eks/addon:Addon").map((a) => a.inputs);
        expect(addons.map((a) => a.addonName)).to.have.members(["vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "aws-efs-csi-driver"]);
        for (const name of ["vpc-cni", "aws-ebs-csi-driver", "aws-efs-csi-driver"]) {
            expect(addons.find((a) => a.addonName === name)?.serviceAccountRoleArn, name).to.match(/^arn:aws:iam::/);
        }
    });

    describe("a Kubernetes upgrade", () => {
        let v134: Registered;
        let v135: Registered;
        before(async () => {
            const base = { vpcId: "vpc-1", privateSubnetIds: ["p1", "p2"], publicSubnetIds: ["u1", "u2"] };
            v134 = await declared("clustertest-v134", () => new Cluster("clustertest-v134", { ...base, clusterName: "c-up", kubernetesVersion: "1.34" }));
            v135 = await declared("clustertest-v135", () => new Cluster("clustertest-v135", { ...base, clusterName: "c-up", kubernetesVersion: "1.35" }));
        });
        const addonVersions = (stack: Registered) => Object.fromEntries(stack.ofType("aws:eks/addon:Addon").map((a) => [a.inputs.addonName, a.inputs.addonVersion]));

        it("moves the control plane, the system node group and every add-on with the one version", () => {
            expect(controlPlane(v134).version).to.equal("1.34");
            expect(controlPlane(v135).version).to.equal("1.35");
            expect(v134.one("aws:eks/nodeGroup:NodeGroup").inputs.version).to.equal("1.34");
            expect(v135.one("aws:eks/nodeGroup:NodeGroup").inputs.version).to.equal("1.35");
            const [old, current] = [addonVersions(v134), addonVersions(v135)];
            expect(Object.keys(current)).to.have.members(["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "aws-efs-csi-driver"]);
            for (const [addon, version] of Object.entries(current)) {
                expect(version, addon).to.match(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
                expect(version, addon).to.not.equal(old[addon]);
            }
            expect(current["kube-proxy"]).to.equal("v1.35.0-eksbuild.1");
        });

        it("sets the upgrade policy: STANDARD by default, so extended-support charges are a choice", async () => {
            expect(controlPlane(v135).upgradePolicy).to.deep.equal({ supportType: "STANDARD" });
            const extended = await declared("clustertest-ext", () => new Cluster("clustertest-ext", {
                vpcId: "vpc-1", privateSubnetIds: ["p1"], publicSubnetIds: ["u1"], clusterName: "c-ext", kubernetesVersion: "1.35", supportType: "EXTENDED",
            }));
            expect(controlPlane(extended).upgradePolicy).to.deep.equal({ supportType: "EXTENDED" });
        });
    });

    it("has the VPC CNI enforce NetworkPolicies", () => {
        const cni = restricted.ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "vpc-cni");
        expect(JSON.parse(String(cni?.inputs.configurationValues))).to.deep.equal({ enableNetworkPolicy: "true" });
    });

    it("scopes each IRSA trust policy to exactly one service account", () => {
        const roles = restricted.ofType("aws:iam/role:Role").filter((r) => String(r.inputs.assumeRolePolicy).includes("AssumeRoleWithWebIdentity"));
        expect(roles).to.have.length(3);
        for (const role of roles) {
            const statement = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0];
            const subjects = Object.entries(statement.Condition.StringEquals).filter(([key]) => key.endsWith(":sub"));
            expect(subjects).to.have.length(1);
            expect(subjects[0][1]).to.match(/^system:serviceaccount:kube-system:[a-z-]+$/);
        }
    });

    it("runs a small tainted Graviton system node group with IMDSv2 and encrypted volumes", () => {
        const group = restricted.one("aws:eks/nodeGroup:NodeGroup");
        expect(group.inputs.amiType).to.equal("AL2023_ARM_64_STANDARD");
        expect(group.inputs.scalingConfig).to.deep.equal({ minSize: 1, maxSize: 3, desiredSize: 2 });
        expect(group.inputs.taints).to.deep.include({ key: "CriticalAddonsOnly", value: "true", effect: "NO_SCHEDULE" });
        const template = restricted.one("aws:ec2/launchTemplate:LaunchTemplate").inputs;
        expect(template.metadataOptions).to.include({ httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(template).to.not.have.property("keyName");
        expect((template.blockDeviceMappings as { ebs: { encrypted: string } }[])[0].ebs.encrypted).to.equal("true");
    });

    it("waits for nodes before installing add-ons that run pods", () => {
        const group = restricted.one("aws:eks/nodeGroup:NodeGroup");
        const coredns = restricted.ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "coredns");
        expect(coredns?.dependencies).to.include(group.urn);
    });
});
