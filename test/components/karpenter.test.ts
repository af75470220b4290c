import { expect } from "chai";
import { NodeAutoscaling } from "../../components/karpenter";
import { declared, Registered } from "../support/mock-runtime";

interface Requirement { key: string; operator: string; values: string[] }
type NodePoolSpec = {
    template: { spec: { requirements: Requirement[]; taints?: { key: string }[]; nodeClassRef: { name: string } } };
    limits: { cpu: string; memory: string };
    disruption: { consolidationPolicy: string };
};

describe("components/karpenter", () => {
    let karpenter: Registered;
    const pool = (name: string) => karpenter.ofType("kubernetes:karpenter.sh/v1:NodePool").find((p) => (p.inputs.metadata as { name: string }).name === name)?.inputs.spec as NodePoolSpec;
    const requirement = (spec: NodePoolSpec, key: string) => spec.template.spec.requirements.find((r) => r.key === key)?.values;

    before(async () => {
        karpenter = await declared("karptest", () => new NodeAutoscaling("karptest", {
            clusterName: "shop", region: "ap-south-1", accountId: "000000000000",
            oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/X", providerUrl: "oidc.eks.ap-south-1.amazonaws.com/id/X" },
            nodeSecurityGroupId: "sg-nodes", capacityTypes: ["spot", "on-demand"], architectures: ["arm64", "amd64"], cpuLimit: 64, memoryLimitGib: 256,
        }));
    });

    it("installs the pinned Karpenter chart on the system nodes with its IRSA role and interruption queue", () => {
        const release = karpenter.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release.chart).to.equal("oci://public.ecr.aws/karpenter/karpenter");
        expect(release.version).to.match(/^\d+\.\d+\.\d+$/);
        const values = release.values as { settings: Record<string, string>; serviceAccount: { annotations: Record<string, string> }; nodeSelector: Record<string, string> };
        expect(values.settings.clusterName).to.equal("shop");
        expect(values.settings.interruptionQueue).to.equal(karpenter.one("aws:sqs/queue:Queue").outputs.name);
        expect(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"]).to.match(/^arn:aws:iam::/);
        expect(values.nodeSelector).to.deep.equal({ "node-role.ecommerce.io/system": "true" });
    });

    it("feeds spot interruptions, rebalances, state changes and health events into an encrypted queue", () => {
        const patterns = karpenter.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => JSON.parse(String(r.inputs.eventPattern))["detail-type"][0]);
        expect(patterns).to.have.members(["AWS Health Event", "EC2 Spot Instance Interruption Warning", "EC2 Instance Rebalance Recommendation", "EC2 Instance State-change Notification"]);
        expect(karpenter.ofType("aws:cloudwatch/eventTarget:EventTarget")).to.have.length(4);
        expect(karpenter.one("aws:sqs/queue:Queue").inputs.sqsManagedSseEnabled).to.equal(true);
    });

    it("lets Karpenter nodes join through an EC2_LINUX access entry", () => {
        expect(karpenter.one("aws:eks/accessEntry:AccessEntry").inputs).to.include({ clusterName: "shop", type: "EC2_LINUX" });
    });

    it("scopes the controller's permissions to this cluster's resources and node role", () => {
        const policy = JSON.parse(String(karpenter.ofType("aws:iam/rolePolicy:RolePolicy")[0].inputs.policy));
        const statements = policy.Statement as { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: object }[];
        const terminate = statements.find((s) => ([] as string[]).concat(s.Action).includes("ec2:TerminateInstances"));
        expect(JSON.stringify(terminate?.Condition)).to.include("kubernetes.io/cluster/shop");
        const passRole = statements.find((s) => s.Action === "iam:PassRole");
        expect(passRole?.Resource).to.match(/^arn:aws:iam::000000000000:role\//);
        expect(statements.some((s) => s.Action === "*" || (Array.isArray(s.Action) && s.Action.includes("*")))).to.equal(false);
    });

    it("general pool: spot and on-demand, arm64 and amd64, limited, consolidating", () => {
        const general = pool("general");
        expect(requirement(general, "karpenter.sh/capacity-type")).to.have.members(["spot", "on-demand"]);
        expect(requirement(general, "kubernetes.io/arch")).to.have.members(["arm64", "amd64"]);
        expect(general.limits).to.deep.equal({ cpu: "64", memory: "256Gi" });
        expect(general.disruption.consolidationPolicy).to.equal("WhenEmptyOrUnderutilized");
    });

    it("stateful pool: on-demand only and tainted, so data services never land on spot", () => {
        const stateful = pool("stateful");
        expect(requirement(stateful, "karpenter.sh/capacity-type")).to.deep.equal(["on-demand"]);
        expect(stateful.template.spec.taints?.map((t) => t.key)).to.include("workload-class.ecommerce.io/stateful");
        expect(stateful.disruption.consolidationPolicy).to.equal("WhenEmpty");
    });

    it("launches nodes with IMDSv2, encrypted gp3 root volumes and the cluster's node security group", () => {
        const nodeClass = karpenter.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").inputs.spec as Record<string, unknown>;
        expect(nodeClass.metadataOptions).to.include({ httpTokens: "required", httpPutResponseHopLimit: 1 });
        expect(nodeClass.securityGroupSelectorTerms).to.deep.equal([{ id: "sg-nodes" }]);
        expect(nodeClass.blockDeviceMappings).to.deep.equal([{ deviceName: "/dev/xvda", ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } }]);
    });

    it("creates the custom resources only after the chart installed their CRDs", () => {
        const release = karpenter.one("kubernetes:helm.sh/v3:Release");
        for (const cr of [...karpenter.ofType("kubernetes:karpenter.sh/v1:NodePool"), karpenter.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")]) {
            expect(cr.dependencies, cr.urn).to.include(release.urn);
        }
    });
});
