import * as pulumi from "@pulumi/pulumi";
import { PolicyStatement, policyDocument } from "./iam-documents";

export interface KarpenterPolicyArgs {
    clusterName: string;
    region: string;
    accountId: pulumi.Input<string>;
    nodeRoleArn: pulumi.Input<string>;
    interruptionQueueArn: pulumi.Input<string>;
}

/**
 * The Karpenter v1 controller's permissions, scoped the way upstream scopes them: it may only launch, tag and
 * terminate instances and launch templates that carry this cluster's ownership tags, in this region, and only pass
 * its own node role.
 *
 * Reference: aws/karpenter-provider-aws v1.14.1,
 * website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml. Left out on purpose,
 * for opt-in features this cluster does not use: placement groups (ec2:DescribePlacementGroups, placement-group/*)
 * and zonal shift (arc-zonal-shift:GetManagedResource, only with ENABLE_ZONAL_SHIFT).
 */
export function karpenterControllerPolicy(args: KarpenterPolicyArgs): pulumi.Output<string> {
    return pulumi.all([args.accountId, args.nodeRoleArn, args.interruptionQueueArn]).apply(([account, nodeRoleArn, queueArn]) => {
        const ec2 = (resource: string) => `arn:aws:ec2:${args.region}:*:${resource}`;
        const owned = { [`aws:RequestTag/kubernetes.io/cluster/${args.clusterName}`]: "owned", "aws:RequestTag/eks:eks-cluster-name": args.clusterName };
        const ownedResource = { [`aws:ResourceTag/kubernetes.io/cluster/${args.clusterName}`]: "owned" };
        const launched = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map(ec2);
        const inRegion = { StringEquals: { "aws:RequestedRegion": args.region } };
        const profile = `arn:aws:iam::${account}:instance-profile/*`;
        const ownedProfile = { [`aws:ResourceTag/kubernetes.io/cluster/${args.clusterName}`]: "owned", "aws:ResourceTag/topology.kubernetes.io/region": args.region };
        const ownedProfileRequest = { ...owned, "aws:RequestTag/topology.kubernetes.io/region": args.region };
        const statements: PolicyStatement[] = [
            {
                Sid: "LaunchFromSharedResources", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet"],
                Resource: [`arn:aws:ec2:${args.region}::image/*`, `arn:aws:ec2:${args.region}::snapshot/*`, ...["security-group/*", "subnet/*", "capacity-reservation/*"].map(ec2)],
            },
            {
                Sid: "LaunchFromOwnLaunchTemplates", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet"], Resource: ec2("launch-template/*"),
                Condition: { StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
            },
            {
                Sid: "CreateOwnedResources", Effect: "Allow", Action: ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"], Resource: launched,
                Condition: { StringEquals: owned, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
            },
            {
                Sid: "TagOnCreate", Effect: "Allow", Action: "ec2:CreateTags", Resource: launched,
                Condition: { StringEquals: { ...owned, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] }, StringLike: { "aws:RequestTag/karpenter.sh/nodepool": "*" } },
            },
            {
                // After launch Karpenter only (re)writes these three tags; without the key list it could rewrite the
                // ownership tags the other statements rely on (upstream AllowScopedResourceTagging).
                Sid: "TagOwnedInstances", Effect: "Allow", Action: "ec2:CreateTags", Resource: ec2("instance/*"),
                Condition: {
                    StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" },
                    StringEqualsIfExists: { "aws:RequestTag/eks:eks-cluster-name": args.clusterName },
                    "ForAllValues:StringEquals": { "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"] },
                },
            },
            {
                Sid: "DeleteOwned", Effect: "Allow", Action: ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"], Resource: [ec2("instance/*"), ec2("launch-template/*")],
                Condition: { StringEquals: ownedResource, StringLike: { "aws:ResourceTag/karpenter.sh/nodepool": "*" } },
            },
            {
                Sid: "ReadRegion", Effect: "Allow", Resource: "*", Condition: inRegion,
                // DescribeInstanceStatus: required since 1.12 by the interruption controller's instance health checks.
                Action: ["ec2:DescribeImages", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeInstanceTypeOfferings",
                    "ec2:DescribeInstanceTypes", "ec2:DescribeLaunchTemplates", "ec2:DescribeSecurityGroups", "ec2:DescribeSpotPriceHistory",
                    "ec2:DescribeSubnets", "ec2:DescribeCapacityReservations"],
            },
            { Sid: "ReadAmiParameters", Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${args.region}::parameter/aws/service/*` },
            { Sid: "ReadPrices", Effect: "Allow", Action: "pricing:GetProducts", Resource: "*" },
            { Sid: "ConsumeInterruptions", Effect: "Allow", Action: ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"], Resource: queueArn },
            {
                Sid: "PassNodeRole", Effect: "Allow", Action: "iam:PassRole", Resource: nodeRoleArn,
                Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } },
            },
            // Instance profiles: create only with this cluster's tags, tag only profiles that already carry them (so
            // no foreign profile can be claimed by tagging it), and change roles only on profiles that carry them.
            {
                Sid: "CreateOwnInstanceProfiles", Effect: "Allow", Action: "iam:CreateInstanceProfile", Resource: profile,
                Condition: { StringEquals: ownedProfileRequest, StringLike: { "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
            },
            {
                Sid: "TagOwnInstanceProfiles", Effect: "Allow", Action: "iam:TagInstanceProfile", Resource: profile,
                Condition: {
                    StringEquals: { ...ownedProfile, ...ownedProfileRequest },
                    StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*", "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*" },
                },
            },
            {
                Sid: "ManageOwnInstanceProfiles", Effect: "Allow", Resource: profile,
                Action: ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
                Condition: { StringEquals: ownedProfile, StringLike: { "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*" } },
            },
            // Upstream grants ListInstanceProfiles on "*"; IAM authorises it against instance-profile/<path prefix>, which this matches.
            { Sid: "ReadInstanceProfiles", Effect: "Allow", Action: ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"], Resource: profile },
            { Sid: "DiscoverApiEndpoint", Effect: "Allow", Action: "eks:DescribeCluster", Resource: `arn:aws:eks:${args.region}:${account}:cluster/${args.clusterName}` },
        ];
        return policyDocument(statements);
    });
}
