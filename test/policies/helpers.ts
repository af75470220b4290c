/**
 * Test helpers for the policy rules: build stack-export resources, run ONE policy of the pack through the engine-free
 * runner (the same path `npm run policy` and the plan take), and assert on what it reports.
 */
import { expect } from "chai";
import { allPolicies } from "../../policies/rules/all";
import { ExportedResource, PolicyConfig, runPoliciesDetailed, Violation } from "../../tools/policy-runner";

/** The preview placeholder for an unknown string (an output of a resource not created yet). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const STACK_URN = "urn:pulumi:test::shop::pulumi:pulumi:Stack::shop-test";

let counter = 0;

export interface ResOptions {
    name?: string;
    parent?: ExportedResource;
    dependsOn?: ExportedResource[];
    outputs?: Record<string, unknown>;
    provider?: ExportedResource;
    custom?: boolean;
}

/**
 * A stack-export resource of `type` with `inputs`. As in real state, a custom resource's outputs hold its inputs
 * (a provider echoes them) plus `opts.outputs`; a component's outputs are only what it registers (`opts.outputs`).
 * Stack policies read outputs, resource policies inputs (see tools/policy-runner.ts).
 */
export function res(type: string, inputs: Record<string, unknown>, opts: ResOptions = {}): ExportedResource {
    const name = opts.name ?? `r${++counter}`;
    const qualified = opts.parent ? `${opts.parent.type}$${type}` : type;
    const custom = opts.custom ?? !/^(eks:index|awsx:|ecommerce:|kubernetes:helm\.sh\/v4:Chart)/.test(type);
    return {
        urn: `urn:pulumi:test::shop::${qualified}::${name}`,
        custom,
        type,
        inputs,
        outputs: custom ? { ...inputs, ...opts.outputs } : opts.outputs,
        parent: opts.parent?.urn ?? STACK_URN,
        dependencies: opts.dependsOn?.map((d) => d.urn),
        provider: opts.provider ? `${opts.provider.urn}::provider-id` : undefined,
    };
}

export const stack = (): ExportedResource => ({ urn: STACK_URN, custom: false, type: "pulumi:pulumi:Stack" });

/** Runs only `policy` over the resources (plus a stack resource); returns its violations. */
export function judge(policy: string, resources: ExportedResource | ExportedResource[], config?: PolicyConfig): Violation[] {
    const selected = allPolicies.filter((p) => p.name === policy);
    if (selected.length !== 1) throw new Error(`no policy named ${policy}`);
    const list = Array.isArray(resources) ? resources : [resources];
    const { violations } = runPoliciesDetailed([stack(), ...list], { policies: selected, config });
    for (const v of violations) {
        // A crash in a rule is a bug, never an acceptable verdict.
        expect(v.message, `${policy} crashed`).not.to.match(/^policy error|requires synchronous/);
    }
    return violations;
}

/** Asserts `policy` reports at least one violation at its own level (not an unknown-value advisory). */
export function violates(policy: string, resources: ExportedResource | ExportedResource[], match?: RegExp, config?: PolicyConfig): Violation[] {
    const found = judge(policy, resources, config).filter((v) => !v.message.startsWith("can't run policy"));
    expect(found, `${policy} should report a violation`).to.not.be.empty;
    const level = allPolicies.find((p) => p.name === policy)!.enforcementLevel;
    const overridden = config?.[policy]?.["enforcementLevel"];
    for (const v of found) expect(v.enforcementLevel).to.equal(overridden ?? level);
    if (match) expect(found.map((v) => v.message).join("\n")).to.match(match);
    return found;
}

/** Asserts `policy` reports nothing at all. */
export function passes(policy: string, resources: ExportedResource | ExportedResource[], config?: PolicyConfig): void {
    const found = judge(policy, resources, config);
    expect(found.map((v) => `${v.urn}: ${v.message}`), `${policy} should pass`).to.deep.equal([]);
}

/** Asserts `policy` stops on an unknown value and is reported advisory, as the analyzer does. */
export function unknownIsAdvisory(policy: string, resources: ExportedResource | ExportedResource[]): void {
    const found = judge(policy, resources);
    expect(found.length, `${policy} should report the unknown`).to.be.greaterThan(0);
    for (const v of found) {
        expect(v.enforcementLevel).to.equal("advisory");
        expect(v.message).to.match(/can't run policy .* during preview/);
    }
}

/** Standard tags, so prod-only rules see a production resource. */
export const prodTags = { project: "shop", environment: "prod", region: "ap-south-1", "cost-centre": "cc-42" };
export const devTags = { ...prodTags, environment: "dev" };

export interface ShapedExportOptions {
    /** The environment the AWS provider's defaultTags carry (this program tags through the provider). */
    environment?: string;
    /** NAT gateways the awsx VPC creates (awsx: one per AZ by default, one with strategy Single). */
    natGateways?: number;
    /** The managed node group launches into the public subnets (awsx maps a public IP on launch there). */
    nodesInPublicSubnets?: boolean;
    /** The EKS cluster child's public endpoint: undefined CIDRs mean AWS's default, 0.0.0.0/0. */
    endpointPublicAccess?: boolean;
    publicAccessCidrs?: string[];
}

/**
 * An export shaped like a real `pulumi stack export` / preview of this program's network and cluster: the
 * multi-language components (awsx:ec2:Vpc, eks:index:Cluster, eks:index:ManagedNodeGroup) with NO inputs and only
 * registered outputs, and the AWS resources they create as custom children, carrying `tagsAll` in their inputs (as
 * pulumi-aws's Check adds it) and `id` in their outputs (as bridged providers record it). Defaults are compliant.
 */
export function shapedExport(opts: ShapedExportOptions = {}): ExportedResource[] {
    const env = opts.environment ?? "prod";
    const zones = ["ap-south-1a", "ap-south-1b", "ap-south-1c"];
    const natCount = opts.natGateways ?? zones.length;
    const defaultTags = { project: "shop", environment: env, region: "ap-south-1", "cost-centre": "cc-42" };
    const provider = res("pulumi:providers:aws", { region: "ap-south-1", defaultTags: JSON.stringify({ tags: defaultTags }) }, { name: "aws", outputs: { id: "provider-id" } });
    const aws = (type: string, inputs: Record<string, unknown>, o: ResOptions & { id: string }): ExportedResource =>
        res(type, { ...inputs, tagsAll: { ...defaultTags, ...(inputs["tags"] as Record<string, string> | undefined) } }, { ...o, provider, outputs: { id: o.id, ...o.outputs } });

    const network = res("ecommerce:network:Network", {}, { name: "network" });
    const awsxVpc = res("awsx:ec2:Vpc", {}, { name: "vpc", parent: network, outputs: { vpcId: "vpc-1" } });
    const vpc = aws("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16", enableDnsHostnames: true }, { name: "vpc", parent: awsxVpc, id: "vpc-1" });
    const subnet = (kind: "public" | "private", i: number) =>
        aws(
            "aws:ec2/subnet:Subnet",
            { vpcId: "vpc-1", availabilityZone: zones[i], cidrBlock: `10.0.${kind === "public" ? i : 32 + i}.0/22`, mapPublicIpOnLaunch: kind === "public", tags: { Name: `vpc-${kind}-${i + 1}` } },
            { name: `vpc-${kind}-${i + 1}`, parent: vpc, id: `subnet-${kind}-${i + 1}` },
        );
    const publicSubnets = zones.map((_, i) => subnet("public", i));
    const privateSubnets = zones.map((_, i) => subnet("private", i));
    const nats = Array.from({ length: natCount }, (_, i) =>
        aws("aws:ec2/natGateway:NatGateway", { subnetId: publicSubnets[i].outputs!["id"], connectivityType: "public" }, { name: `vpc-${i + 1}`, parent: publicSubnets[i], id: `nat-${i + 1}` }),
    );
    const flowLog = aws("aws:ec2/flowLog:FlowLog", { vpcId: "vpc-1", trafficType: "ALL", logDestinationType: "cloud-watch-logs" }, { name: "flow-logs", parent: network, dependsOn: [awsxVpc], id: "fl-1" });
    const defaultSecurityGroup = aws("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", { vpcId: "vpc-1", ingress: [], egress: [] }, { name: "default-sg", parent: network, dependsOn: [awsxVpc], id: "sg-default" });

    const clusterComponent = res("eks:index:Cluster", {}, { name: "cluster", outputs: { kubeconfig: "{}" } });
    const nodeSubnets = opts.nodesInPublicSubnets ? publicSubnets : privateSubnets;
    const eksCluster = aws(
        "aws:eks/cluster:Cluster",
        {
            roleArn: "arn:aws:iam::1:role/cluster",
            vpcConfig: {
                subnetIds: [...privateSubnets, ...publicSubnets].map((s) => s.outputs!["id"]),
                endpointPrivateAccess: true,
                endpointPublicAccess: opts.endpointPublicAccess ?? true,
                ...(opts.publicAccessCidrs ? { publicAccessCidrs: opts.publicAccessCidrs } : opts.endpointPublicAccess === undefined ? { publicAccessCidrs: ["203.0.113.0/24"] } : {}),
            },
            encryptionConfig: { resources: ["secrets"], provider: { keyArn: "arn:aws:kms:ap-south-1:1:key/k" } },
            enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
            accessConfig: { authenticationMode: "API" },
        },
        { name: "cluster-eksCluster", parent: clusterComponent, id: "cluster" },
    );
    const nodeGroupComponent = res("eks:index:ManagedNodeGroup", {}, { name: "system", parent: clusterComponent });
    const template = aws(
        "aws:ec2/launchTemplate:LaunchTemplate",
        {
            metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2, httpEndpoint: "enabled" },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", volumeType: "gp3", volumeSize: 50 } }],
        },
        { name: "system-launchTemplate", parent: nodeGroupComponent, id: "lt-1" },
    );
    const nodeGroup = aws(
        "aws:eks/nodeGroup:NodeGroup",
        { clusterName: "cluster", subnetIds: nodeSubnets.map((s) => s.outputs!["id"]), amiType: "AL2023_ARM_64_STANDARD", launchTemplate: { id: "lt-1", version: "1" } },
        { name: "system", parent: nodeGroupComponent, dependsOn: [template], id: "cluster:system" },
    );
    return [provider, network, awsxVpc, vpc, ...publicSubnets, ...privateSubnets, ...nats, flowLog, defaultSecurityGroup, clusterComponent, eksCluster, nodeGroupComponent, template, nodeGroup];
}
