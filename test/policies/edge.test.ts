import { expect } from "chai";
import { judge, passes, res, UNKNOWN, violates } from "./helpers";

const DIST = "aws:cloudfront/distribution:Distribution";
const ACL = "aws:wafv2/webAcl:WebAcl";

const secureDistribution = {
    enabled: true,
    webAclId: "arn:aws:wafv2:us-east-1:1:global/webacl/shop/abc",
    viewerCertificate: { acmCertificateArn: "arn:aws:acm:us-east-1:1:certificate/x", sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
    origins: [
        { originId: "static", domainName: "shop-static.s3.ap-south-1.amazonaws.com", originAccessControlId: "oac-1" },
        {
            originId: "api",
            domainName: "api.shop.example",
            customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] },
        },
    ],
    defaultCacheBehavior: { targetOriginId: "static", viewerProtocolPolicy: "redirect-to-https", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] },
    orderedCacheBehaviors: [{ pathPattern: "/api/*", targetOriginId: "api", viewerProtocolPolicy: "https-only" }],
    restrictions: { geoRestriction: { restrictionType: "none" } },
};
const dist = (overrides: Record<string, unknown>) => res(DIST, { ...secureDistribution, ...overrides });

const managed = (name: string, count = false) => ({
    name,
    priority: 1,
    statement: { managedRuleGroupStatement: { name, vendorName: "AWS" } },
    overrideAction: count ? { count: {} } : { none: {} },
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true },
});
const rate = { name: "rate", priority: 0, action: { block: {} }, statement: { rateBasedStatement: { limit: 2000, aggregateKeyType: "IP" } } };

describe("policies/edge", () => {
    it("cloudfront-https-only: every behaviour, including ordered ones", () => {
        violates("cloudfront-https-only", dist({ orderedCacheBehaviors: [{ pathPattern: "/legacy/*", targetOriginId: "api", viewerProtocolPolicy: "allow-all" }] }), /legacy/);
        violates("cloudfront-https-only", dist({ defaultCacheBehavior: { targetOriginId: "static", viewerProtocolPolicy: "allow-all" } }));
        passes("cloudfront-https-only", dist({}));
    });
    it("cloudfront-https-only judges the known behaviours when another one's policy is unknown", () => {
        const mixed = dist({
            orderedCacheBehaviors: [
                { pathPattern: "/a/*", targetOriginId: "api", viewerProtocolPolicy: UNKNOWN },
                { pathPattern: "/b/*", targetOriginId: "api", viewerProtocolPolicy: "allow-all" },
            ],
        });
        violates("cloudfront-https-only", mixed, /\/b\/\*/);
        expect(judge("cloudfront-https-only", mixed).map((v) => v.enforcementLevel).sort()).to.deep.equal(["advisory", "mandatory"]);
    });
    it("cloudfront-origin-https", () => {
        violates("cloudfront-origin-https", dist({ origins: [{ originId: "api", domainName: "x", customOriginConfig: { originProtocolPolicy: "http-only", originSslProtocols: ["TLSv1.2"] } }] }));
        violates("cloudfront-origin-https", dist({ origins: [{ originId: "api", domainName: "x", customOriginConfig: { originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1", "TLSv1.2"] } }] }), /TLSv1/);
        passes("cloudfront-origin-https", dist({}));
    });
    it("cloudfront-tls-min-version", () => {
        violates("cloudfront-tls-min-version", dist({ viewerCertificate: { cloudfrontDefaultCertificate: true } }), /default CloudFront certificate/);
        violates("cloudfront-tls-min-version", dist({ viewerCertificate: { acmCertificateArn: "a", minimumProtocolVersion: "TLSv1.2_2019" } }));
        passes("cloudfront-tls-min-version", [dist({}), dist({ viewerCertificate: { acmCertificateArn: "a", minimumProtocolVersion: "TLSv1.2_2025" } })]);
    });
    it("cloudfront-waf-attached", () => {
        violates("cloudfront-waf-attached", dist({ webAclId: undefined }), /without a web ACL/);
        violates("cloudfront-waf-attached", dist({ webAclId: "" }));
        passes("cloudfront-waf-attached", dist({}));
    });
    it("cloudfront-waf-attached judges a first preview: an ARN wired from the web ACL is unknown yet set, a missing one is known missing", () => {
        passes("cloudfront-waf-attached", dist({ webAclId: UNKNOWN }));
        violates("cloudfront-waf-attached", dist({ webAclId: undefined, origins: [{ originId: "static", domainName: UNKNOWN, originAccessControlId: UNKNOWN }] }));
    });
    it("cloudfront-s3-origin-access-control: OAC required, OAI and website endpoints flagged, unknown domains tolerated", () => {
        violates("cloudfront-s3-origin-access-control", dist({ origins: [{ originId: "static", domainName: "b.s3.amazonaws.com", s3OriginConfig: { originAccessIdentity: "origin-access-identity/cloudfront/X" } }] }), /legacy/);
        violates(
            "cloudfront-s3-origin-access-control",
            dist({ origins: [{ originId: "site", domainName: "b.s3-website-ap-south-1.amazonaws.com", customOriginConfig: { originProtocolPolicy: "http-only" } }] }),
            /website/,
        );
        passes("cloudfront-s3-origin-access-control", [
            dist({}),
            dist({ origins: [{ originId: "static", domainName: UNKNOWN, originAccessControlId: "oac-1" }] }),
            // A VPC origin (private ALB) is neither an S3 bucket nor a public custom origin.
            dist({ origins: [{ originId: "alb", domainName: "internal-shop.ap-south-1.elb.amazonaws.com", vpcOriginConfig: { vpcOriginId: "vo-1" } }] }),
        ]);
    });
    it("cloudfront-s3-origin-access-control: an S3 origin with no access control fails, one wired to an access control passes in a preview", () => {
        violates("cloudfront-s3-origin-access-control", dist({ origins: [{ originId: "static", domainName: "b.s3.ap-south-1.amazonaws.com" }] }), /static has no originAccessControlId/);
        violates("cloudfront-s3-origin-access-control", dist({ origins: [{ originId: "static", domainName: "b.s3.ap-south-1.amazonaws.com", originAccessControlId: "" }] }));
        passes("cloudfront-s3-origin-access-control", dist({ origins: [{ originId: "static", domainName: UNKNOWN, originAccessControlId: UNKNOWN }] }));
    });
    it("cloudfront-s3-origin-access-control: the S3 REST endpoint as a custom origin needs a public bucket", () => {
        for (const domain of ["b.s3.amazonaws.com", "b.s3.ap-south-1.amazonaws.com", "b.s3-ap-south-1.amazonaws.com", "b.s3.dualstack.eu-west-1.amazonaws.com"]) {
            violates("cloudfront-s3-origin-access-control", dist({ origins: [{ originId: "raw", domainName: domain, customOriginConfig: { originProtocolPolicy: "https-only" } }] }), /S3 endpoint/);
        }
        passes("cloudfront-s3-origin-access-control", dist({ origins: [{ originId: "api", domainName: "origin.shop.example.com", customOriginConfig: { originProtocolPolicy: "https-only" } }] }));
    });
    it("cloudfront-origin-access-control-signs: an access control that never signs only works on a public bucket", () => {
        const oac = (signingBehavior?: string) => res("aws:cloudfront/originAccessControl:OriginAccessControl", { name: "static", originAccessControlOriginType: "s3", signingProtocol: "sigv4", signingBehavior });
        violates("cloudfront-origin-access-control-signs", oac("never"), /not signed/);
        violates("cloudfront-origin-access-control-signs", oac(undefined));
        passes("cloudfront-origin-access-control-signs", [oac("always"), oac("no-override")]);
    });
    it("s3-cloudfront-grant-scoped: CloudFront's read names one distribution", () => {
        const grant = (condition?: Record<string, unknown>) => res("aws:s3/bucketPolicy:BucketPolicy", {
            bucket: "static",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::static/*", Condition: condition }],
            }),
        });
        violates("s3-cloudfront-grant-scoped", grant(), /without an AWS:SourceArn/);
        violates("s3-cloudfront-grant-scoped", grant({ StringEquals: { "AWS:SourceAccount": "111122223333" } }), /without an AWS:SourceArn/);
        violates("s3-cloudfront-grant-scoped", grant({ ArnLike: { "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/*" } }), /wildcards/);
        // A negated operator admits every other distribution.
        violates("s3-cloudfront-grant-scoped", grant({ StringNotEquals: { "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E2QWRUHAPOMQZL" } }), /without an AWS:SourceArn/);
        passes("s3-cloudfront-grant-scoped", [
            grant({ StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E2QWRUHAPOMQZL" } }),
            res("aws:s3/bucketPolicy:BucketPolicy", { bucket: "logs", policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: "arn:aws:s3:::logs/*" }] }) }),
        ]);
    });
    it("cloudfront-access-logging: standard logging v2 through a delivery source, or legacy logging", () => {
        const d = res(DIST, secureDistribution, { outputs: { arn: "arn:aws:cloudfront::1:distribution/E1" } });
        violates("cloudfront-access-logging", d, /no access logging/);
        passes("cloudfront-access-logging", [d, res("aws:cloudwatch/logDeliverySource:LogDeliverySource", { name: "edge", logType: "ACCESS_LOGS", resourceArn: UNKNOWN }, { dependsOn: [d] })]);
        passes("cloudfront-access-logging", [d, res("aws:cloudwatch/logDeliverySource:LogDeliverySource", { name: "edge", logType: "ACCESS_LOGS", resourceArn: "arn:aws:cloudfront::1:distribution/E1" })]);
        passes("cloudfront-access-logging", res(DIST, { ...secureDistribution, loggingConfig: { bucket: "logs.s3.amazonaws.com" } }));
        // A delivery source of another distribution, or of another log type, logs nothing for this one.
        violates("cloudfront-access-logging", [d, res("aws:cloudwatch/logDeliverySource:LogDeliverySource", { name: "other", logType: "ACCESS_LOGS", resourceArn: "arn:aws:cloudfront::1:distribution/E2" })]);
    });
    it("waf-managed-rules: required groups present and blocking (not count-only), from rules or ruleJson", () => {
        violates("waf-managed-rules", res(ACL, { scope: "CLOUDFRONT", rules: [rate] }), /AWSManagedRulesCommonRuleSet/);
        violates("waf-managed-rules", res(ACL, { scope: "CLOUDFRONT", rules: [managed("AWSManagedRulesCommonRuleSet", true)] }), /only counts/);
        passes("waf-managed-rules", res(ACL, { scope: "CLOUDFRONT", rules: [managed("AWSManagedRulesCommonRuleSet"), rate] }));
        const json = JSON.stringify([{ Name: "crs", Priority: 1, Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } }, OverrideAction: { None: {} } }]);
        passes("waf-managed-rules", res(ACL, { scope: "CLOUDFRONT", ruleJson: json }));
        violates("waf-managed-rules", res(ACL, { rules: [managed("AWSManagedRulesCommonRuleSet")] }), /KnownBadInputs/, {
            "waf-managed-rules": { requiredManagedRuleGroups: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"] },
        });
    });
    it("waf-rate-based-rule", () => {
        violates("waf-rate-based-rule", res(ACL, { rules: [managed("AWSManagedRulesCommonRuleSet")] }));
        passes("waf-rate-based-rule", res(ACL, { rules: [rate] }));
    });
    it("waf-logging: a logging configuration must refer to each web ACL", () => {
        const acl = res(ACL, { rules: [rate] }, { outputs: { arn: "arn:acl" } });
        violates("waf-logging", acl);
        passes("waf-logging", [acl, res("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", { resourceArn: UNKNOWN, logDestinationConfigs: ["arn:logs"] }, { dependsOn: [acl] })]);
    });
    it("route53-latency-health-check", () => {
        const latency = { zoneId: "Z1", name: "api.shop.example", type: "CNAME", setIdentifier: "ap-south-1", latencyRoutingPolicies: [{ region: "ap-south-1" }], records: ["lb"] };
        violates("route53-latency-health-check", res("aws:route53/record:Record", latency), /healthCheckId/);
        passes("route53-latency-health-check", [
            res("aws:route53/record:Record", { ...latency, healthCheckId: "hc-1" }),
            res("aws:route53/record:Record", { ...latency, records: undefined, aliases: [{ name: "lb", zoneId: "Z2", evaluateTargetHealth: true }] }),
            res("aws:route53/record:Record", { zoneId: "Z1", name: "www", type: "A", records: ["1.2.3.4"] }),
            // A health check declared beside the record: its id is unknown in a first preview, yet present.
            res("aws:route53/record:Record", { ...latency, healthCheckId: UNKNOWN }),
        ]);
    });
    it("route53-latency-health-check: failover primaries need a health check too; secondaries and aliases without target health do not pass for them", () => {
        const primary = { zoneId: "Z1", name: "origin.shop.example", type: "A", setIdentifier: "primary", failoverRoutingPolicies: [{ type: "PRIMARY" }], records: ["192.0.2.1"] };
        violates("route53-latency-health-check", res("aws:route53/record:Record", primary), /Failover PRIMARY record origin.shop.example \(primary\) has no healthCheckId/);
        violates("route53-latency-health-check", res("aws:route53/record:Record", {
            ...primary, records: undefined, latencyRoutingPolicies: [{ region: "eu-west-1" }], failoverRoutingPolicies: undefined,
            aliases: [{ name: "nlb.elb.amazonaws.com", zoneId: "Z2IFOLAFXWLO4F", evaluateTargetHealth: false }],
        }), /Latency record/);
        passes("route53-latency-health-check", [
            res("aws:route53/record:Record", { ...primary, healthCheckId: "hc-1" }),
            res("aws:route53/record:Record", { ...primary, setIdentifier: "secondary", failoverRoutingPolicies: [{ type: "SECONDARY" }] }),
        ]);
    });
    it("judges one distribution with several defects under each rule once", () => {
        const bad = dist({ webAclId: undefined, viewerCertificate: { cloudfrontDefaultCertificate: true } });
        expect(judge("cloudfront-waf-attached", bad)).to.have.length(1);
    });
});
