import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import { policyDocument } from "../iam-documents";

export interface EdgeAccessLogsArgs {
    /** The distribution whose access logs are delivered. */
    distributionArn: pulumi.Input<string>;
    /** Further log groups the log delivery service writes to (the WAF's), covered by the same resource policy. */
    otherLogGroupArns?: pulumi.Input<string>[];
    /** Days the access log group keeps records. Default 30. */
    retentionDays?: number;
    /** An aws provider for us-east-1: CloudFront delivers its logs from there. */
    usEast1: pulumi.ProviderResource;
}

/**
 * CloudFront standard logging v2 into a CloudWatch log group (JSON records; Logs Insights queries them; retention
 * applies). Legacy logging writes into S3 through an ACL grant to the awslogsdelivery account, which a bucket with
 * ACLs disabled (BucketOwnerEnforced, as every bucket of the platform) refuses; v2 needs no ACL. The log delivery
 * service may write only into these groups, only for this account (an account-level CloudWatch Logs resource policy,
 * one of the 10 a region allows, declared here rather than left for AWS to add behind Pulumi's back).
 */
export class EdgeAccessLogs extends pulumi.ComponentResource {
    readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: EdgeAccessLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:EdgeAccessLogs", name, {}, opts);
        const inUsEast1 = { parent: this, provider: args.usEast1 };

        const logGroup = new cloudwatch.LogGroup(name, {
            name: `/aws/cloudfront/${name}`,
            retentionInDays: args.retentionDays ?? 30,
        }, inUsEast1);
        const groups = [logGroup.arn, ...(args.otherLogGroupArns ?? [])];
        const policy = new cloudwatch.LogResourcePolicy(name, {
            policyName: `${name}-log-delivery`,
            policyDocument: pulumi.all(groups).apply((arns) => {
                // arn:aws:logs:<region>:<account>:log-group:<name>
                const [, partition, , region, account] = arns[0].split(":");
                return policyDocument([{
                    Sid: "LogDeliveryWrite",
                    Effect: "Allow",
                    Principal: { Service: "delivery.logs.amazonaws.com" },
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: arns.map((arn) => `${arn}:log-stream:*`),
                    Condition: {
                        StringEquals: { "aws:SourceAccount": account },
                        ArnLike: { "aws:SourceArn": `arn:${partition}:logs:${region}:${account}:*` },
                    },
                }]);
            }),
        }, inUsEast1);

        const source = new cloudwatch.LogDeliverySource(name, {
            name,
            logType: "ACCESS_LOGS",
            resourceArn: args.distributionArn,
        }, inUsEast1);
        const destination = new cloudwatch.LogDeliveryDestination(name, {
            name,
            outputFormat: "json",
            deliveryDestinationConfiguration: { destinationResourceArn: logGroup.arn },
        }, inUsEast1);
        new cloudwatch.LogDelivery(name, {
            deliverySourceName: source.name,
            deliveryDestinationArn: destination.arn,
        }, { ...inUsEast1, dependsOn: [policy] });

        this.logGroupName = logGroup.name;
        this.registerOutputs({ logGroupName: this.logGroupName });
    }
}
