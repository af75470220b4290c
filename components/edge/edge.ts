import * as pulumi from "@pulumi/pulumi";
import * as cloudfront from "@pulumi/aws/cloudfront";
import * as route53 from "@pulumi/aws/route53";
import { PrivateBucket } from "../private-bucket";
import { EdgeAccessLogs } from "./access-logs";
import { API_PATH_PREFIX, API_PATH_REWRITE_CODE } from "./api-path-rewrite";
import { EdgeCertificate } from "./certificate";
import { CLOUDFRONT_HOSTED_ZONE_ID, MANAGED_POLICIES } from "./managed-policies";
import { ShieldProtectedResource, ShieldProtections } from "./shield-protections";
import { EdgeWebAcl } from "./web-acl";

export type CloudFrontPriceClass = "PriceClass_100" | "PriceClass_200" | "PriceClass_All";

export interface EdgeArgs {
    /** The shop's public name (e.g. shop.example.com): CloudFront's only alias and the certificate's subject. */
    domain: string;
    /** The public hosted zone of `domain`: certificate validation and the alias records go there. */
    zoneId: pulumi.Input<string>;
    /**
     * The API and Keycloak origin (origin.<domain>): latency-routed to each region's load balancer, which presents a
     * certificate for this name over HTTPS.
     */
    originHostname: string;
    /** An aws provider for us-east-1 (certificate, web ACL, logs, Shield), with the platform's default tags. */
    usEast1: pulumi.ProviderResource;
    /** Default PriceClass_100 (North America, Europe, Israel). */
    priceClass?: CloudFrontPriceClass;
    /** WAF per-IP limit per 5 minutes. Default 2000. */
    rateLimitPer5Minutes?: number;
    /** Days the access and WAF log groups keep records. Default 30. */
    logRetentionDays?: number;
    /** Protect the distribution and the hosted zone with Shield Advanced (subscription required). Default false. */
    shieldAdvanced?: boolean;
    /** Further resources Shield Advanced protects with the edge's (e.g. this region's NLB). Default none. */
    shieldProtectedResources?: ShieldProtectedResource[];
    /**
     * Pulumi `protect` on the static-site bucket: a replacement or deletion fails until `pulumi state unprotect`. Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const STATIC_ORIGIN = "static";
const API_ORIGIN = "api";
const ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"];

/**
 * The global edge of one environment: CloudFront serving the storefront from a private S3 bucket (through origin
 * access control) and sending /api/* and /auth/* uncached to the regional origins over TLS, behind a WAF web ACL,
 * with an ACM certificate from us-east-1, standard logging v2, alias records in the zone and optional Shield Advanced.
 */
export class Edge extends pulumi.ComponentResource {
    readonly distributionId: pulumi.Output<string>;
    readonly distributionArn: pulumi.Output<string>;
    /** The distribution's own host name (d…cloudfront.net). */
    readonly distributionDomainName: pulumi.Output<string>;
    readonly staticBucketName: pulumi.Output<string>;
    readonly webAclArn: pulumi.Output<string>;
    readonly accessLogGroupName: pulumi.Output<string>;
    readonly url: string;

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:Edge", name, {}, opts);
        const child = { parent: this };
        const inUsEast1 = { parent: this, provider: args.usEast1 };
        const retention = args.logRetentionDays ?? 30;

        // One name: the storefront, the API and Keycloak share an origin for cookies and CORS. A www alias would
        // split them (and needs a redirect to stay one site); add it here and to the certificate if it is ever wanted.
        const aliases = [args.domain];
        const certificate = new EdgeCertificate(`${name}-cert`, { domains: aliases, zoneId: args.zoneId, usEast1: args.usEast1 }, child);
        const webAcl = new EdgeWebAcl(`${name}-waf`, { rateLimitPer5Minutes: args.rateLimitPer5Minutes, logRetentionDays: retention, usEast1: args.usEast1 }, child);
        // Versioned: a bad deploy of the storefront is rolled back by restoring the previous versions.
        const assets = new PrivateBucket(`${name}-static`, {
            versioning: true,
            grantLater: true,
            lifecycleRules: [{ id: "expire-old-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: 30 } }],
            protect: args.protect,
        }, child);

        const accessControl = new cloudfront.OriginAccessControl(`${name}-static`, {
            name: `${name}-static`,
            description: `CloudFront ${name} reads the storefront bucket with signed requests`,
            originAccessControlOriginType: "s3",
            signingBehavior: "always",
            signingProtocol: "sigv4",
        }, inUsEast1);
        const rewrite = new cloudfront.Function(`${name}-api-path`, {
            name: `${name}-api-path`,
            runtime: "cloudfront-js-2.0",
            comment: "Strips /api so /api/v1/... reaches the API's /v1/...",
            code: API_PATH_REWRITE_CODE,
            publish: true,
        }, inUsEast1);

        const apiBehaviour = (pathPattern: string, rewritten: boolean) => ({
            pathPattern,
            targetOriginId: API_ORIGIN,
            // Not redirect-to-https: a token or credentials sent over http would already be exposed before a redirect.
            viewerProtocolPolicy: "https-only",
            allowedMethods: ALL_METHODS,
            cachedMethods: ["GET", "HEAD"],
            compress: true,
            cachePolicyId: MANAGED_POLICIES.cachingDisabled,
            originRequestPolicyId: MANAGED_POLICIES.allViewerExceptHostHeader,
            functionAssociations: rewritten ? [{ eventType: "viewer-request", functionArn: rewrite.arn }] : [],
        });

        const distribution = new cloudfront.Distribution(name, {
            enabled: true,
            comment: `${args.domain}: storefront, API and identity`,
            aliases,
            priceClass: args.priceClass ?? "PriceClass_100",
            httpVersion: "http2and3",
            isIpv6Enabled: true,
            defaultRootObject: "index.html",
            webAclId: webAcl.arn,
            origins: [
                { originId: STATIC_ORIGIN, domainName: assets.regionalDomainName, originAccessControlId: accessControl.id },
                {
                    originId: API_ORIGIN,
                    domainName: args.originHostname,
                    customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
                },
            ],
            defaultCacheBehavior: {
                targetOriginId: STATIC_ORIGIN,
                viewerProtocolPolicy: "redirect-to-https",
                allowedMethods: ["GET", "HEAD", "OPTIONS"],
                cachedMethods: ["GET", "HEAD"],
                compress: true,
                cachePolicyId: MANAGED_POLICIES.cachingOptimized,
                responseHeadersPolicyId: MANAGED_POLICIES.securityHeaders,
            },
            // No custom error responses: they would apply to the API's answers too (a 404 JSON body turned into HTML).
            orderedCacheBehaviors: [apiBehaviour(`${API_PATH_PREFIX}/*`, true), apiBehaviour("/auth/*", false)],
            restrictions: { geoRestriction: { restrictionType: "none" } },
            viewerCertificate: { acmCertificateArn: certificate.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
        }, { ...inUsEast1, dependsOn: [...assets.ready] });

        // Only this distribution, signing as CloudFront, may read; nothing may write through it.
        assets.grant((bucketArn) => pulumi.all([bucketArn, distribution.arn]).apply(([bucket, distributionArn]) => [{
            Sid: "CloudFrontReadsThroughOriginAccessControl",
            Effect: "Allow" as const,
            Principal: { Service: "cloudfront.amazonaws.com" },
            Action: "s3:GetObject",
            Resource: `${bucket}/*`,
            Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
        }]));

        for (const type of ["A", "AAAA"]) {
            new route53.Record(`${name}-${type.toLowerCase()}`, {
                zoneId: args.zoneId,
                name: args.domain,
                type,
                aliases: [{ name: distribution.domainName, zoneId: CLOUDFRONT_HOSTED_ZONE_ID, evaluateTargetHealth: false }],
            }, child);
        }

        const logs = new EdgeAccessLogs(`${name}-access`, {
            distributionArn: distribution.arn,
            otherLogGroupArns: [webAcl.logGroupArn],
            retentionDays: retention,
            usEast1: args.usEast1,
        }, child);

        if (args.shieldAdvanced) {
            const zoneArn = pulumi.output(args.zoneId).apply((id) => `arn:aws:route53:::hostedzone/${id}`);
            new ShieldProtections(`${name}-shield`, {
                resources: [
                    { name: "distribution", arn: distribution.arn },
                    { name: "hosted-zone", arn: zoneArn },
                    ...(args.shieldProtectedResources ?? []),
                ],
                usEast1: args.usEast1,
            }, child);
        }

        this.distributionId = distribution.id;
        this.distributionArn = distribution.arn;
        this.distributionDomainName = distribution.domainName;
        this.staticBucketName = assets.name;
        this.webAclArn = webAcl.arn;
        this.accessLogGroupName = logs.logGroupName;
        this.url = `https://${args.domain}`;
        this.registerOutputs({ distributionDomainName: this.distributionDomainName, staticBucketName: this.staticBucketName, webAclArn: this.webAclArn });
    }
}
