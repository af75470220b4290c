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

    describe("controller policy against upstream (aws/karpenter-provider-aws v1.14.1 getting-started cloudformation.yaml)", () => {
        type Statement = { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> };
        let statements: Statement[];
        const actions = (s: Statement) => ([] as string[]).concat(s.Action);
        const granting = (action: string) => statements.filter((s) => actions(s).includes(action));
        before(() => {
            statements = JSON.parse(String(karpenter.one("aws:iam/rolePolicy:RolePolicy").inputs.policy)).Statement;
        });

        it("reads instance status (required since 1.12), in this region only, and nothing it never calls", () => {
            const [read] = granting("ec2:DescribeInstanceStatus");
            expect(read?.Condition).to.deep.equal({ StringEquals: { "aws:RequestedRegion": "ap-south-1" } });
            expect(granting("ec2:DescribeAvailabilityZones")).to.deep.equal([]);
        });

        it("retags launched instances only with the keys Karpenter writes after launch", () => {
            const retag = statements.find((s) => s.Sid === "TagOwnedInstances");
            expect(retag?.Condition?.["ForAllValues:StringEquals"]).to.deep.equal({ "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] });
            expect(retag?.Condition?.StringEqualsIfExists).to.deep.equal({ "aws:RequestTag/eks:eks-cluster-name": "shop" });
            expect(retag?.Condition?.StringEquals).to.deep.equal({ "aws:ResourceTag/kubernetes.io/cluster/shop": "owned" });
        });

        it("creates instance profiles only with this cluster's request tags", () => {
            const create = granting("iam:CreateInstanceProfile");
            expect(create).to.have.length(1);
            expect(create[0].Condition).to.deep.equal({
                StringEquals: {
                    "aws:RequestTag/kubernetes.io/cluster/shop": "owned",
                    "aws:RequestTag/eks:eks-cluster-name": "shop",
                    "aws:RequestTag/topology.kubernetes.io/region": "ap-south-1",
                },
                StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
            });
        });

        it("tags only instance profiles it already owns, so it cannot claim a foreign one", () => {
            const tag = granting("iam:TagInstanceProfile");
            expect(tag).to.have.length(1);
            expect(tag[0].Condition?.StringEquals).to.include({
                "aws:ResourceTag/kubernetes.io/cluster/shop": "owned",
                "aws:ResourceTag/topology.kubernetes.io/region": "ap-south-1",
                "aws:RequestTag/kubernetes.io/cluster/shop": "owned",
                "aws:RequestTag/topology.kubernetes.io/region": "ap-south-1",
            });
            expect(tag[0].Condition?.StringLike).to.deep.equal({ "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" });
        });

        it("changes roles of and deletes only its own EC2NodeClass instance profiles", () => {
            for (const action of ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"]) {
                const grants = granting(action);
                expect(grants, action).to.have.length(1);
                expect(grants[0].Condition, action).to.deep.equal({
                    StringEquals: { "aws:ResourceTag/kubernetes.io/cluster/shop": "owned", "aws:ResourceTag/topology.kubernetes.io/region": "ap-south-1" },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                });
            }
        });

        it("keeps the rest of upstream's grants: AMI parameters, prices, the interruption queue, the cluster endpoint", () => {
            expect(granting("ssm:GetParameter")[0]?.Resource).to.equal("arn:aws:ssm:ap-south-1::parameter/aws/service/*");
            expect(granting("pricing:GetProducts")).to.have.length(1);
            expect(granting("sqs:ReceiveMessage")[0]?.Resource).to.equal(karpenter.one("aws:sqs/queue:Queue").outputs.arn);
            expect(actions(granting("sqs:ReceiveMessage")[0])).to.have.members(["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]);
            expect(granting("eks:DescribeCluster")[0]?.Resource).to.equal("arn:aws:eks:ap-south-1:000000000000:cluster/shop");
            expect(granting("iam:ListInstanceProfiles")).to.have.length(1);
        });
    });

    it("gives Karpenter nodes the node policies of the EKS docs, with pull-only ECR access", () => {
        const attached = karpenter.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn);
        expect(attached).to.have.members([
            "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
            "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
            "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
        ]);
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
