import type * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws/provider";
import { Analytics } from "../components/analytics/analytics";
import { Edge } from "../components/edge/edge";
import type { ShieldProtectedResource } from "../components/edge/shield-protections";
import type { PlatformConfig } from "./config";
import { awsProviderArgs } from "./tags";

export interface EdgeInputs {
    config: PlatformConfig;
    /** The public hosted zone of `domain` (created or looked up by the edge-owning stack). */
    zoneId: pulumi.Input<string>;
    /** The shop's public name, e.g. shop.example.com. */
    domain: string;
    /** origin.<domain>: latency-routed to every region's load balancer, which serves a certificate for it. */
    originHostname: string;
    /** Further resources Shield Advanced protects when `shieldAdvanced` is on (this region's NLB). Default none. */
    shieldProtectedResources?: ShieldProtectedResource[];
    /** The stack's regional aws provider (static and data-lake buckets, Glue, Athena, DNS records live there). */
    opts: pulumi.ComponentResourceOptions;
}

/** What the edge-owning stack exports. */
export interface EdgeOutputs {
    url: string;
    distributionId: pulumi.Output<string>;
    /** The distribution's own host name (d…cloudfront.net), the alias target of `domain`. */
    distributionDomainName: pulumi.Output<string>;
    /** Where the storefront's build is uploaded (aws s3 sync ... s3://<bucket>/). */
    staticBucketName: pulumi.Output<string>;
    webAclArn: pulumi.Output<string>;
    accessLogGroupName: pulumi.Output<string>;
    analyticsBucketName: pulumi.Output<string>;
    analyticsDatabase: pulumi.Output<string>;
    athenaWorkgroup: pulumi.Output<string>;
}

/**
 * The global half of one environment, composed only in the stack that owns the edge: CloudFront with its WAF,
 * certificate and logs (us-east-1 where CloudFront requires it), and the analytics data lake.
 */
export function composeEdge({ config, zoneId, domain, originHostname, shieldProtectedResources, opts }: EdgeInputs): EdgeOutputs {
    const prefix = config.environment;
    // CloudFront takes certificates and web ACLs only from us-east-1; same default tags as every other resource.
    const usEast1 = new aws.Provider(`${prefix}-aws-us-east-1`, awsProviderArgs(config, "us-east-1"));
    const edge = new Edge(`${prefix}-edge`, {
        domain,
        zoneId,
        originHostname,
        usEast1,
        priceClass: config.cdn.priceClass,
        rateLimitPer5Minutes: config.cdn.wafRateLimitPer5Minutes,
        logRetentionDays: config.cluster.logRetentionDays,
        shieldAdvanced: config.cdn.shieldAdvanced,
        shieldProtectedResources,
        protect: config.lifecycle.protectStatefulResources,
    }, opts);
    const analytics = new Analytics(`${prefix}-analytics`, {
        bytesScannedCutoffMib: config.analytics.athenaBytesScannedCutoffMib,
        protect: config.lifecycle.protectStatefulResources,
    }, opts);
    return {
        url: edge.url,
        distributionId: edge.distributionId,
        distributionDomainName: edge.distributionDomainName,
        staticBucketName: edge.staticBucketName,
        webAclArn: edge.webAclArn,
        accessLogGroupName: edge.accessLogGroupName,
        analyticsBucketName: analytics.bucketName,
        analyticsDatabase: analytics.databaseName,
        athenaWorkgroup: analytics.workgroupName,
    };
}
