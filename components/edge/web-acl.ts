import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as wafv2 from "@pulumi/aws/wafv2";

export interface EdgeWebAclArgs {
    /** Requests one client IP may make in any 5-minute window before it is blocked. Default 2000. */
    rateLimitPer5Minutes?: number;
    /** Days the WAF log group keeps its records. Default 30. */
    logRetentionDays?: number;
    /** An aws provider for us-east-1: web ACLs with scope CLOUDFRONT exist only there. */
    usEast1: pulumi.ProviderResource;
}

/**
 * AWS managed rule groups, cheapest first (WCUs: IP reputation 25, known bad inputs 200, SQL injection 200, core
 * rule set 700). With the rate rule the ACL stays under 1,500 WCUs, the capacity a web ACL's base price (and a Shield
 * Advanced subscription) covers.
 */
export const MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
    "AWSManagedRulesCommonRuleSet",
] as const;

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName });

/**
 * The web ACL in front of CloudFront: a per-IP rate limit first (at the edge it sees the viewer's own address, which
 * Kong behind CloudFront and the NLB cannot: Kong's limit counts CloudFront's edge addresses), then the managed rule
 * groups, blocking; every rule with metrics and sampled requests; full logs in an `aws-waf-logs-` log group (WAF
 * accepts no other name) with the Authorization header and cookies redacted.
 */
export class EdgeWebAcl extends pulumi.ComponentResource {
    readonly arn: pulumi.Output<string>;
    readonly logGroupArn: pulumi.Output<string>;

    constructor(name: string, args: EdgeWebAclArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:EdgeWebAcl", name, {}, opts);
        const inUsEast1 = { parent: this, provider: args.usEast1 };
        const limit = args.rateLimitPer5Minutes ?? 2000;

        const acl = new wafv2.WebAcl(name, {
            name,
            description: `Edge protection of ${name}: per-IP rate limit and AWS managed rule groups`,
            scope: "CLOUDFRONT",
            defaultAction: { allow: {} },
            rules: [
                {
                    name: "rate-limit-per-ip",
                    priority: 0,
                    action: { block: {} },
                    statement: { rateBasedStatement: { limit, aggregateKeyType: "IP", evaluationWindowSec: 300 } },
                    visibilityConfig: visibility(`${name}-rate-limit-per-ip`),
                },
                ...MANAGED_RULE_GROUPS.map((group, i) => ({
                    name: group,
                    priority: i + 1,
                    overrideAction: { none: {} },
                    statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
                    visibilityConfig: visibility(`${name}-${group}`),
                })),
            ],
            visibilityConfig: visibility(name),
        }, inUsEast1);

        const logGroup = new cloudwatch.LogGroup(`${name}-logs`, {
            name: `aws-waf-logs-${name}`,
            retentionInDays: args.logRetentionDays ?? 30,
        }, inUsEast1);
        new wafv2.WebAclLoggingConfiguration(name, {
            resourceArn: acl.arn,
            logDestinationConfigs: [logGroup.arn],
            // Tokens and session cookies must not end up in a log anyone with log access can read.
            redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
        }, inUsEast1);

        this.arn = acl.arn;
        this.logGroupArn = logGroup.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
