import { expect } from "chai";
import { EKS_AMI_ALIASES } from "../../components/catalogue";
import { NodeAutoscaling, NodeAutoscalingArgs, outsideWindow } from "../../components/karpenter";
import { validateCustomResource } from "../support/crd-validator";
import { declared, Registered } from "../support/mock-runtime";

interface Requirement { key: string; operator: string; values: string[] }
interface Budget { nodes: string; reasons?: string[]; schedule?: string; duration?: string }
type NodePoolSpec = {
    template: { spec: { requirements: Requirement[]; taints?: { key: string }[]; nodeClassRef: { name: string }; expireAfter: string } };
    limits: { cpu: string; memory: string };
    disruption: { consolidationPolicy: string; budgets: Budget[] };
};
type NodeClassSpec = { amiSelectorTerms: { alias?: string }[]; metadataOptions: object; securityGroupSelectorTerms: object[]; blockDeviceMappings: object[] };

describe("components/karpenter", () => {
    let karpenter: Registered;
    const pool = (name: string) => karpenter.ofType("kubernetes:karpenter.sh/v1:NodePool").find((p) => (p.inputs.metadata as { name: string }).name === name)?.inputs.spec as NodePoolSpec;
    const requirement = (spec: NodePoolSpec, key: string) => spec.template.spec.requirements.find((r) => r.key === key)?.values;

    const baseArgs: NodeAutoscalingArgs = {
        clusterName: "shop", region: "ap-south-1", accountId: "000000000000",
        oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/X", providerUrl: "oidc.eks.ap-south-1.amazonaws.com/id/X" },
        nodeSecurityGroupId: "sg-nodes", capacityTypes: ["spot", "on-demand"], architectures: ["arm64", "amd64"], cpuLimit: 64, memoryLimitGib: 256,
    };
    const nodeClass = (r: Registered, name: string) => r.ofType("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").find((c) => (c.inputs.metadata as { name: string }).name === name)?.inputs.spec as NodeClassSpec;
    before(async () => {
        karpenter = await declared("karptest", () => new NodeAutoscaling("karptest", baseArgs));
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

    it("lets EventBridge send to the queue only for this stack's four rules (aws:SourceArn), and only over TLS", () => {
        const policy = JSON.parse(String(karpenter.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy));
        const queueArn = karpenter.one("aws:sqs/queue:Queue").outputs.arn;
        const allows = policy.Statement.filter((s: { Effect: string }) => s.Effect === "Allow");
        expect(allows).to.have.length(1);
        expect(allows[0]).to.deep.include({ Principal: { Service: "events.amazonaws.com" }, Action: "sqs:SendMessage", Resource: queueArn });
        const ruleArns = karpenter.ofType("aws:cloudwatch/eventRule:EventRule").map((r) => r.outputs.arn);
        expect(new Set(ruleArns).size).to.equal(4);
        for (const arn of ruleArns) expect(arn).to.be.a("string").and.match(/^arn:aws:/);
        expect(allows[0].Condition).to.have.keys("ArnEquals");
        expect(allows[0].Condition.ArnEquals["aws:SourceArn"]).to.have.members(ruleArns);
        expect(policy.Statement.find((s: { Effect: string }) => s.Effect === "Deny").Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
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
        for (const name of ["general", "stateful"]) {
            const spec = nodeClass(karpenter, name);
            expect(spec.metadataOptions).to.include({ httpTokens: "required", httpPutResponseHopLimit: 1 });
            expect(spec.securityGroupSelectorTerms).to.deep.equal([{ id: "sg-nodes" }]);
            expect(spec.blockDeviceMappings).to.deep.equal([{ deviceName: "/dev/xvda", ebs: { volumeSize: "50Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } }]);
        }
    });

    it("creates the custom resources only after the chart installed their CRDs", () => {
        const release = karpenter.one("kubernetes:helm.sh/v3:Release");
        for (const cr of [...karpenter.ofType("kubernetes:karpenter.sh/v1:NodePool"), ...karpenter.ofType("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")]) {
            expect(cr.dependencies, cr.urn).to.include(release.urn);
        }
    });
    it("declares NodePools and EC2NodeClasses the upstream Karpenter v1.14.1 CRDs accept", () => {
        const resources = [...karpenter.ofType("kubernetes:karpenter.sh/v1:NodePool"), ...karpenter.ofType("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass")];
        expect(resources).to.have.length(4);
        for (const resource of resources) expect(validateCustomResource(resource.inputs), resource.urn).to.deep.equal([]);
    });

    describe("node churn", () => {
        it("boots every node class from a pinned AMI release, never al2023@latest; each pool has its own class", () => {
            expect(EKS_AMI_ALIASES.general).to.match(/^al2023@v20\d{6}$/);
            expect(nodeClass(karpenter, "general").amiSelectorTerms).to.deep.equal([{ alias: EKS_AMI_ALIASES.general }]);
            expect(nodeClass(karpenter, "stateful").amiSelectorTerms).to.deep.equal([{ alias: EKS_AMI_ALIASES.stateful }]);
            expect(pool("general").template.spec.nodeClassRef.name).to.equal("general");
            expect(pool("stateful").template.spec.nodeClassRef.name).to.equal("stateful");
        });

        it("lets the two pools follow different AMI releases, and refuses an unpinned alias", async () => {
            const split = await declared("karpsplit", () => new NodeAutoscaling("karpsplit", { ...baseArgs, amiAliases: { general: "al2023@v20260724" } }));
            expect(nodeClass(split, "general").amiSelectorTerms).to.deep.equal([{ alias: "al2023@v20260724" }]);
            expect(nodeClass(split, "stateful").amiSelectorTerms).to.deep.equal([{ alias: EKS_AMI_ALIASES.stateful }]);
            expect(() => new NodeAutoscaling("karplatest", { ...baseArgs, amiAliases: { stateful: "al2023@latest" } })).to.throw(/al2023@latest.*stateful node class is not pinned/);
        });

        it("stateful pool: never expires, and disrupts at most one node at a time for any reason", () => {
            const stateful = pool("stateful");
            expect(stateful.template.spec.expireAfter).to.equal("Never");
            expect(stateful.disruption.budgets).to.deep.equal([{ nodes: "1" }]);
        });

        it("general pool: expires monthly, consolidates up to 10% at once, and replaces drifted nodes only in the maintenance window", () => {
            const general = pool("general");
            expect(general.template.spec.expireAfter).to.equal("720h");
            expect(general.disruption.budgets).to.deep.include({ nodes: "10%" });
            // Sunday 02:00-06:00 UTC by default: drift is held at zero nodes from Sunday 06:00 for the other 164 hours.
            expect(general.disruption.budgets).to.deep.include({ nodes: "0", reasons: ["Drifted"], schedule: "0 6 * * 0", duration: "164h" });
        });

        it("computes the blocking budget of any weekly window, across midnight and the week's end", () => {
            expect(outsideWindow({ day: 6, startHourUtc: 22, hours: 4 })).to.deep.equal({ schedule: "0 2 * * 0", duration: "164h" });
            expect(outsideWindow({ day: 2, startHourUtc: 0, hours: 24 })).to.deep.equal({ schedule: "0 0 * * 3", duration: "144h" });
            expect(() => outsideWindow({ day: 7, startHourUtc: 0, hours: 4 })).to.throw(/day 0-6/);
        });
    });

    describe("first account and ordering", () => {
        it("creates the EC2 spot service-linked role before any NodePool may launch spot", () => {
            const role = karpenter.one("aws:iam/serviceLinkedRole:ServiceLinkedRole");
            expect(role.inputs.awsServiceName).to.equal("spot.amazonaws.com");
            for (const nodePool of karpenter.ofType("kubernetes:karpenter.sh/v1:NodePool")) expect(nodePool.dependencies, nodePool.urn).to.include(role.urn);
        });

        it("leaves the role out when told (another stack of the account owns it) and when no pool uses spot", async () => {
            const off = await declared("karpnoslr", () => new NodeAutoscaling("karpnoslr", { ...baseArgs, createSpotServiceLinkedRole: false }));
            expect(off.ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole")).to.have.length(0);
            const onDemand = await declared("karpondemand", () => new NodeAutoscaling("karpondemand", { ...baseArgs, capacityTypes: ["on-demand"] }));
            expect(onDemand.ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole")).to.have.length(0);
        });

        it("exposes its NodePools so workloads can wait for them", async () => {
            let autoscaling: NodeAutoscaling | undefined;
            const exposed = await declared("karpexposed", () => { autoscaling = new NodeAutoscaling("karpexposed", baseArgs); });
            const urns = await Promise.all(Object.values(autoscaling?.nodePools ?? {}).map((p) => new Promise<string>((done) => p.urn.apply(done))));
            expect(urns).to.have.members(exposed.ofType("kubernetes:karpenter.sh/v1:NodePool").map((p) => p.urn));
        });
    });
});
