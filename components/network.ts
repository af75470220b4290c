import * as pulumi from "@pulumi/pulumi";
import * as awsx from "@pulumi/awsx";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import { eksAvailabilityZoneNames } from "./availability-zones";
import { assumeRolePolicy } from "./iam-documents";
import { networkSizeProblem, platformSubnetSpecs, subnetMasks, type SubnetMasks } from "./network-layout";
import { explicitAwsProvider } from "./remote-providers";

export interface NetworkArgs {
    /**
     * IPv4 range of the VPC, e.g. 10.0.0.0/16. Give each region its own range so regions can be peered later.
     * Subnets are sized from its prefix and the zone count (components/network-layout.ts, `subnetMasks`):
     * zone block = /(prefix + ceil(log2(zones))) as awsx cuts it; private = /(zone block + 1), half of it, because with
     * the VPC CNI every pod takes a private address; public = /max(zone block + 4, 22), small, for NAT gateways and
     * load balancer nodes. Private must be /22 or larger and public /26 or larger, so a /16 holds up to 6 zones and a
     * /20 two (see `networkSizeProblem`); the constructor throws for a combination that does not fit.
     */
    cidrBlock: string;
    /** AWS region; used for the S3 gateway endpoint's service name and the AWS-owned buckets its policy admits. */
    region: string;
    /** The account the VPC lives in: the S3 gateway endpoint admits this account's buckets (and the AWS-owned ones below). */
    accountId: pulumi.Input<string>;
    /**
     * Buckets outside this account that the VPC may still reach through the S3 gateway endpoint, as bucket names or
     * name patterns ("vendor-artifacts-*"), in this region. Default []: only the AWS-owned buckets nodes need
     * (S3_SERVICE_BUCKETS). Traffic to buckets in other regions does not use the endpoint and is not affected.
     */
    s3EndpointExternalBuckets?: string[];
    /**
     * Availability zones to spread subnets over; more zones make each zone's subnets smaller (see cidrBlock). They are
     * the region's first zones where EKS accepts a cluster's subnets (components/availability-zones.ts). Default 3.
     */
    availabilityZoneCount?: number;
    /** "single" NAT gateway (dev, cheap) or "one-per-az" (prod, survives a zone outage). Default "one-per-az". */
    natGateways?: "single" | "one-per-az";
    /** Retention of the VPC flow logs in CloudWatch. Default 30 days. */
    flowLogRetentionDays?: number;
    /** Cluster name for the subnet discovery tags of the load balancer controller and Karpenter. */
    clusterName: string;
    /**
     * Pulumi `protect` on the awsx VPC: a replacement or deletion fails until `pulumi state unprotect`. The engine hands it to awsx's Construct and
     * every child (VPC, subnets, gateways, routes) inherits it, so a change that would replace any of them stops too. Default false
     * (the composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

/**
 * The regional network: a VPC over several zones with public subnets (load balancers, NAT) and private subnets
 * (nodes, databases), an S3 gateway endpoint so image layers and data-lake traffic skip the NAT gateways, and flow
 * logs for incident response.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /**
     * The route table of each private subnet, zone by zone (awsx gives every subnet its own): what a peering routes the
     * other region's private ranges through. Read back by subnet (after the VPC component, whose children include the
     * subnets' route table associations), since awsx returns its route tables only as resources.
     */
    readonly privateRouteTableIds: pulumi.Output<string>[];
    /**
     * The awsx VPC, whose children include those route tables: what a route added to them waits for. Explicit, because in
     * a preview the read above has unknown inputs and its result carries no dependency at all.
     */
    readonly routeTablesReady: pulumi.Resource;
    readonly availabilityZoneCount: number;
    readonly cidrBlock: string;
    /** The subnet prefix lengths handed to awsx, derived from cidrBlock and availabilityZoneCount. */
    readonly subnetMasks: SubnetMasks;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:network:Network", name, {}, opts);
        this.availabilityZoneCount = args.availabilityZoneCount ?? 3;
        this.cidrBlock = args.cidrBlock;
        // stacks/config.ts refuses these combinations with the config keys named; this guards other callers, since
        // awsx would otherwise fail mid-deploy (or AWS, for subnets pushed past the end of the VPC).
        const sizeProblem = networkSizeProblem(args.cidrBlock, this.availabilityZoneCount);
        if (sizeProblem) throw new Error(`${name}: ${sizeProblem}`);
        this.subnetMasks = subnetMasks(Number(args.cidrBlock.split("/")[1]), this.availabilityZoneCount);
        const [publicSpec, privateSpec] = platformSubnetSpecs(this.subnetMasks);
        const awsProviders = explicitAwsProvider(this);

        // awsx's own default (numberOfAvailabilityZones) takes the region's first zones, whichever EKS refuses among
        // them (use1-az3 may be us-east-1a..c in an account). awsx types the names as a plain list: the SDK resolves
        // this promise before it registers the component, and the invoke answers in a preview too, so awsx always
        // receives the list itself.
        const zoneNames = eksAvailabilityZoneNames(this.availabilityZoneCount, { parent: this, provider: awsProviders[0] });
        const vpc = new awsx.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: args.cidrBlock,
            availabilityZoneNames: zoneNames as unknown as string[],
            enableDnsHostnames: true,
            enableDnsSupport: true,
            subnetStrategy: "Auto",
            natGateways: { strategy: args.natGateways === "single" ? "Single" : "OnePerAz" },
            subnetSpecs: [
                // Small public subnets: only load balancers and NAT gateways live here. Public comes first: awsx aligns
                // the private subnet up to the zone block's second half, which leaves the rest of the first half free.
                { type: "Public", cidrMask: publicSpec.cidrMask, tags: { "kubernetes.io/role/elb": "1" } },
                // Large private subnets: with the VPC CNI every pod takes an address from them.
                {
                    type: "Private",
                    cidrMask: privateSpec.cidrMask,
                    tags: { "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": args.clusterName },
                },
            ],
            vpcEndpointStrategy: "Auto",
            vpcEndpointSpecs: [{
                serviceName: `com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                // Without a policy the endpoint admits every bucket of every account: a stolen pod credential could
                // copy data to an attacker's bucket in this region through it, unseen by any NAT-level control.
                policy: s3GatewayEndpointPolicy(args.region, args.accountId, args.s3EndpointExternalBuckets ?? []),
            }],
            tags: { Name: `${name}-vpc` },
        }, { parent: this, providers: awsProviders, protect: args.protect });

        // AWS gives every VPC a default security group that admits all traffic between its members and all egress;
        // anything launched without a group lands in it. Adopting it with no rules closes it (CIS AWS 5.4, FSBP EC2.2).
        new ec2.DefaultSecurityGroup(`${name}-default`, {
            vpcId: vpc.vpcId,
            ingress: [],
            egress: [],
            tags: { Name: `${name}-default-closed` },
        }, { parent: this });

        const flowLogGroup = new cloudwatch.LogGroup(`${name}-flow-logs`, {
            name: `/vpc/${name}/flow-logs`,
            retentionInDays: args.flowLogRetentionDays ?? 30,
        }, { parent: this });
        const flowLogRole = new iam.Role(`${name}-flow-logs`, {
            assumeRolePolicy: assumeRolePolicy({ Service: "vpc-flow-logs.amazonaws.com" }),
        }, { parent: this });
        new iam.RolePolicy(`${name}-flow-logs`, {
            role: flowLogRole.id,
            policy: flowLogGroup.arn.apply((arn) => JSON.stringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    Resource: [arn, `${arn}:*`],
                }],
            })),
        }, { parent: this });
        new ec2.FlowLog(`${name}-flow-logs`, {
            vpcId: vpc.vpcId,
            trafficType: "ALL",
            logDestinationType: "cloud-watch-logs",
            logDestination: flowLogGroup.arn,
            iamRoleArn: flowLogRole.arn,
            maxAggregationInterval: 600,
        }, { parent: this });

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.routeTablesReady = vpc;
        this.privateRouteTableIds = Array.from({ length: this.availabilityZoneCount }, (_, zone) =>
            ec2.getRouteTableOutput({ subnetId: this.privateSubnetId(zone) }, { parent: this, provider: awsProviders[0], dependsOn: [vpc] }).id);
        this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }

    /** The id of the i-th private subnet, for resources that need one per zone (mount targets). */
    privateSubnetId(index: number): pulumi.Output<string> {
        return this.privateSubnetIds.apply((ids) => ids[index]);
    }
}

/**
 * AWS-owned buckets the VPC's nodes read through the S3 gateway endpoint (s3:GetObject only), as the AWS guides
 * that tell endpoint-policy authors to admit them name them:
 *   - ECR image layers: `prod-<region>-starport-layer-bucket` (Amazon ECR User Guide, minimum S3 bucket permissions
 *     for ECR behind an S3 gateway endpoint); every image from the platform's own ECR repositories comes from it;
 *   - Amazon Linux 2023 package repositories for dnf on the nodes: `al2023-repos-<region>-<suffix>` (a pattern: the
 *     suffix is AWS's);
 *   - SSM Agent (the Session Manager path to the private API endpoint, agent self-updates): `aws-ssm-<region>`,
 *     `amazon-ssm-<region>`, `amazon-ssm-packages-<region>`, `<region>-birdwatcher-prod`,
 *     `aws-ssm-document-attachments-<region>` (Systems Manager User Guide, "SSM Agent communications with AWS managed
 *     S3 buckets").
 * A bucket missing here fails closed (AccessDenied through the endpoint), visible at once; add it with
 * NetworkArgs.s3EndpointExternalBuckets.
 */
export function s3ServiceBuckets(region: string): string[] {
    return [
        `prod-${region}-starport-layer-bucket`,
        `al2023-repos-${region}-*`,
        `aws-ssm-${region}`, `amazon-ssm-${region}`, `amazon-ssm-packages-${region}`, `${region}-birdwatcher-prod`, `aws-ssm-document-attachments-${region}`,
    ];
}

/**
 * The S3 gateway endpoint's policy: every action on buckets this account owns (aws:ResourceAccount; IAM still decides
 * who may do what), read-only on the AWS-owned buckets nodes need, and the caller's named extra buckets. Everything
 * else through the endpoint is refused, so it is no exfiltration path to other accounts' buckets.
 */
export function s3GatewayEndpointPolicy(region: string, accountId: pulumi.Input<string>, externalBuckets: string[]): pulumi.Output<string> {
    return pulumi.output(accountId).apply((account) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ThisAccountsBuckets", Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "*",
                Condition: { StringEquals: { "aws:ResourceAccount": account } },
            },
            {
                Sid: "AwsServiceBuckets", Effect: "Allow", Principal: "*", Action: "s3:GetObject",
                Resource: s3ServiceBuckets(region).map((bucket) => `arn:aws:s3:::${bucket}/*`),
            },
            ...(externalBuckets.length === 0 ? [] : [{
                Sid: "NamedExternalBuckets", Effect: "Allow", Principal: "*", Action: ["s3:GetObject", "s3:ListBucket"],
                Resource: externalBuckets.flatMap((bucket) => [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]),
            }]),
        ],
    }));
}
