/**
 * The global edge: CloudFront (HTTPS everywhere, modern TLS, WAF, origin access control), WAFv2 (managed rules,
 * rate limiting, logging) and Route 53 latency routing that drops a failed region.
 */
import type { ReportViolation } from "@pulumi/policy";
import { refersTo } from "../lib/companions";
import { forEachStatement } from "../lib/iam";
import { Rule, resourceRule, stackRule } from "../lib/policy";
import { asArray, asBool, asRecord, asString, asStringList, forEachKnown, isRecord, isUnknownValueError, itemReaders, parseJsonDocument, Props, readForMatching } from "../lib/values";

const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
const WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration";
const RECORD = "aws:route53/record:Record";
const ORIGIN_ACCESS_CONTROL = "aws:cloudfront/originAccessControl:OriginAccessControl";
const LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource";
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com, <bucket>.s3-<region>.amazonaws.com, dual-stack. */
const S3_REST_ENDPOINT = /\.s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/i;

/**
 * Whether a reference (a web ACL's ARN, an origin access control's id) is set. A first preview does not know the
 * value the program wires from the resource it creates, but it is set: a reference the program never wired is absent
 * or empty, which the preview knows too.
 */
function isWired(read: () => unknown): boolean {
    try {
        return (asString(read()) ?? "") !== "";
    } catch (e) {
        if (isUnknownValueError(e)) return true;
        throw e;
    }
}

const SECURE_VIEWER_POLICIES = ["https-only", "redirect-to-https"];

/** Every cache behaviour, each read on its own: one unknown policy must not hide an allow-all beside it. */
function behaviours(props: Props): (() => { where: string; policy: string | undefined })[] {
    return [
        () => ({ where: "defaultCacheBehavior", policy: asString(asRecord(asArray(props["defaultCacheBehavior"])[0])?.["viewerProtocolPolicy"]) }),
        ...itemReaders(props["orderedCacheBehaviors"]).map((behaviour, i) => () => {
            const rec = asRecord(behaviour()) ?? {};
            const path = readForMatching(() => asString(rec["pathPattern"])) ?? "?";
            return { where: `orderedCacheBehaviors[${i}] (${path})`, policy: asString(rec["viewerProtocolPolicy"]) };
        }),
    ];
}

export const cloudfrontHttpsOnly = resourceRule({
    name: "cloudfront-https-only",
    description: "Every CloudFront cache behaviour (default and ordered) serves viewers over HTTPS only (https-only or redirect-to-https).",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    validate: (props, _args, report) =>
        forEachKnown(behaviours(props), (read) => {
            const b = read();
            if (!b.policy || !SECURE_VIEWER_POLICIES.includes(b.policy)) report(`${b.where} viewerProtocolPolicy is ${b.policy ?? "unset"}.`);
        }),
});

const WEAK_ORIGIN_PROTOCOLS = ["SSLv3", "TLSv1", "TLSv1.1"];

export const cloudfrontOriginHttps = resourceRule({
    name: "cloudfront-origin-https",
    description: "CloudFront reaches custom origins over HTTPS (not http-only) with TLS 1.2 or later.",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        for (const o of asArray(props["origins"]).filter(isRecord)) {
            const custom = asRecord(asArray(o["customOriginConfig"])[0]);
            if (!custom) continue;
            const id = asString(o["originId"]) ?? "?";
            if (asString(custom["originProtocolPolicy"]) === "http-only") report(`Origin ${id} uses originProtocolPolicy http-only: traffic to the origin is unencrypted.`);
            const weak = asStringList(custom["originSslProtocols"]).filter((p) => WEAK_ORIGIN_PROTOCOLS.includes(p));
            if (weak.length > 0) report(`Origin ${id} allows ${weak.join(", ")}.`);
        }
    },
});

interface TlsConfig {
    allowedMinimumProtocolVersions: string[];
}

export const cloudfrontTlsMinVersion = resourceRule<TlsConfig>({
    name: "cloudfront-tls-min-version",
    description: "CloudFront viewers negotiate TLS 1.2+ (minimumProtocolVersion TLSv1.2_2021 or newer) on a custom certificate, not the default *.cloudfront.net certificate (TLSv1).",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    configSchema: {
        properties: {
            allowedMinimumProtocolVersions: { type: "array", items: { type: "string" }, default: ["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"] },
        },
    },
    validate: (props, _args, report, config) => {
        const cert = asRecord(asArray(props["viewerCertificate"])[0]) ?? {};
        if (asBool(cert["cloudfrontDefaultCertificate"]) === true) {
            report("Uses the default CloudFront certificate, which accepts TLSv1; use an ACM certificate with TLSv1.2_2021.");
            return;
        }
        const version = asString(cert["minimumProtocolVersion"]);
        if (!version || !config.allowedMinimumProtocolVersions.includes(version)) {
            report(`minimumProtocolVersion is ${version ?? "unset (TLSv1)"}; allowed: ${config.allowedMinimumProtocolVersions.join(", ")}.`);
        }
    },
});

export const cloudfrontWafAttached = resourceRule({
    name: "cloudfront-waf-attached",
    description: "Every CloudFront distribution is protected by a WAFv2 web ACL (webAclId; an ARN the program wires from its web ACL counts during a preview).",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        if (!isWired(() => props["webAclId"])) report("webAclId is not set: the distribution is served without a web ACL.");
    },
});

export const cloudfrontS3OriginAccessControl = resourceRule({
    name: "cloudfront-s3-origin-access-control",
    description: "S3 origins are reached through origin access control (originAccessControlId), so the bucket stays private; no website or S3 endpoints as custom origins (they need a public bucket), no legacy OAI.",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        for (const o of asArray(props["origins"]).filter(isRecord)) {
            const id = asString(o["originId"]) ?? "?";
            // A VPC origin (private ALB, NLB or instance) is neither S3 nor reachable from the internet.
            if (asArray(o["vpcOriginConfig"]).length > 0) continue;
            const hasOac = isWired(() => o["originAccessControlId"]);
            if (asArray(o["customOriginConfig"]).length > 0) {
                // A custom origin pointing at an S3 endpoint (website or REST) is fetched unsigned: it only works on a
                // public bucket. The domain is read only to classify the origin, so an unknown domain does not abort.
                const domain = readForMatching(() => asString(o["domainName"])) ?? "";
                if (/\.s3-website[.-]/.test(domain)) report(`Origin ${id} is an S3 website endpoint, which requires a public bucket; use the REST endpoint with origin access control.`);
                else if (S3_REST_ENDPOINT.test(domain)) report(`Origin ${id} reaches the S3 endpoint ${domain} as a custom origin (unsigned, so the bucket must be public); make it an S3 origin with origin access control.`);
                continue;
            }
            if (!hasOac) {
                const oai = (asString(asRecord(asArray(o["s3OriginConfig"])[0])?.["originAccessIdentity"]) ?? "") !== "";
                report(`S3 origin ${id} has no originAccessControlId${oai ? " (legacy origin access identity in use)" : ""}.`);
            }
        }
    },
});

export const cloudfrontOriginAccessControlSigns = resourceRule({
    name: "cloudfront-origin-access-control-signs",
    description: "Origin access controls sign CloudFront's requests to the origin (signingBehavior always or no-override): one that never signs only works on a public bucket.",
    enforcementLevel: "mandatory",
    types: [ORIGIN_ACCESS_CONTROL],
    validate: (props, _args, report) => {
        const behaviour = asString(props["signingBehavior"]);
        if (behaviour !== "always" && behaviour !== "no-override") report(`signingBehavior is ${behaviour ?? "unset"}: CloudFront's requests are not signed, so the origin must accept anonymous reads.`);
    },
});

/** arn:aws:cloudfront::<account>:distribution/<id>, with neither part a wildcard. */
const DISTRIBUTION_ARN = /^arn:aws[a-z-]*:cloudfront::\d{12}:distribution\/[A-Z0-9]+$/i;
const SOURCE_ARN_OPERATORS = /^(StringEquals|ArnEquals|StringLike|ArnLike)$/i;

export const s3CloudFrontGrantScoped = resourceRule({
    name: "s3-cloudfront-grant-scoped",
    description: "A bucket policy that lets CloudFront (cloudfront.amazonaws.com) read names the one distribution allowed (a positive AWS:SourceArn condition on a distribution ARN without wildcards); otherwise any distribution of any account with origin access control can read the bucket.",
    enforcementLevel: "mandatory",
    types: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2", BUCKET_POLICY],
    validate: (props, _args, report) =>
        forEachStatement(props["policy"], (s) => {
            if (s.effect !== "Allow" || !s.principals.some((p) => p.toLowerCase() === "cloudfront.amazonaws.com")) return;
            const arns = Object.entries(s.condition)
                .filter(([op]) => SOURCE_ARN_OPERATORS.test(op))
                .flatMap(([, keys]) => Object.entries(keys).filter(([key]) => key.toLowerCase() === "aws:sourcearn").flatMap(([, values]) => values));
            if (arns.length === 0) report("A statement allows cloudfront.amazonaws.com without an AWS:SourceArn condition: every distribution, in any account, may use it.");
            for (const arn of arns.filter((a) => !DISTRIBUTION_ARN.test(a))) report(`AWS:SourceArn ${arn} is not one distribution's ARN (wildcards admit other distributions).`);
        }),
});

export const cloudfrontAccessLogging = stackRule({
    name: "cloudfront-access-logging",
    description: "Every CloudFront distribution records its access logs: standard logging v2 (a CloudWatch Logs delivery source of type ACCESS_LOGS for it) or legacy logging (loggingConfig.bucket).",
    enforcementLevel: "advisory",
    validate: (args, report: ReportViolation) => {
        const distributions = args.resources.filter((r) => r.type === DISTRIBUTION);
        if (distributions.length === 0) args.notApplicable("no CloudFront distribution in the stack");
        const sources = args.resources.filter((r) => r.type === LOG_DELIVERY_SOURCE && readForMatching(() => asString(r.props["logType"])) === "ACCESS_LOGS");
        for (const d of distributions) {
            const legacy = readForMatching(() => asString(asRecord(asArray(d.props["loggingConfig"])[0])?.["bucket"])) ?? "";
            if (legacy !== "") continue;
            if (!sources.some((s) => refersTo(s, d, "resourceArn", ["arn"]))) report(`Distribution ${d.name} has no access logging (no ACCESS_LOGS delivery source, no loggingConfig).`, d.urn);
        }
    },
});

// ---------- WAF ----------

interface ManagedRulesConfig {
    requiredManagedRuleGroups: string[];
}

interface WafRule {
    name: string;
    managedGroup?: string;
    rateBased: boolean;
    countOnly: boolean;
}

/** Rules from `rules` (SDK casing) or `ruleJson` (AWS API casing). */
function wafRules(props: Props): WafRule[] {
    const fromSdk = asArray(props["rules"])
        .filter(isRecord)
        .map((r) => {
            const statement = asRecord(asArray(r["statement"])[0]) ?? {};
            const managed = asRecord(asArray(statement["managedRuleGroupStatement"])[0]);
            const override = asRecord(asArray(r["overrideAction"])[0]);
            return {
                name: asString(r["name"]) ?? "?",
                managedGroup: managed ? asString(managed["name"]) : undefined,
                rateBased: asArray(statement["rateBasedStatement"]).length > 0,
                countOnly: override !== undefined && override["count"] !== undefined,
            };
        });
    const fromJson = asArray(parseJsonDocument(props["ruleJson"]))
        .filter(isRecord)
        .map((r) => {
            const statement = asRecord(r["Statement"]) ?? {};
            const managed = asRecord(statement["ManagedRuleGroupStatement"]);
            const override = asRecord(r["OverrideAction"]);
            return {
                name: asString(r["Name"]) ?? "?",
                managedGroup: managed ? asString(managed["Name"]) : undefined,
                rateBased: statement["RateBasedStatement"] !== undefined,
                countOnly: override !== undefined && override["Count"] !== undefined,
            };
        });
    return [...fromSdk, ...fromJson];
}

export const wafManagedRules = resourceRule<ManagedRulesConfig>({
    name: "waf-managed-rules",
    description: "Web ACLs enforce the required AWS managed rule groups (AWSManagedRulesCommonRuleSet by default), not in count-only mode.",
    enforcementLevel: "mandatory",
    types: [WEB_ACL],
    configSchema: {
        properties: { requiredManagedRuleGroups: { type: "array", items: { type: "string" }, default: ["AWSManagedRulesCommonRuleSet"] } },
    },
    validate: (props, _args, report, config) => {
        const rules = wafRules(props);
        for (const group of config.requiredManagedRuleGroups) {
            const found = rules.filter((r) => r.managedGroup === group);
            if (found.length === 0) report(`Managed rule group ${group} is not used.`);
            else if (found.every((r) => r.countOnly)) report(`Managed rule group ${group} only counts (overrideAction count): nothing is blocked.`);
        }
    },
});

export const wafRateBasedRule = resourceRule({
    name: "waf-rate-based-rule",
    description: "Web ACLs include a rate-based rule to blunt floods and credential stuffing.",
    enforcementLevel: "advisory",
    types: [WEB_ACL],
    validate: (props, _args, report) => {
        if (!wafRules(props).some((r) => r.rateBased)) report("No rateBasedStatement rule.");
    },
});

export const wafLogging = stackRule({
    name: "waf-logging",
    description: "Every web ACL has a logging configuration (WebAclLoggingConfiguration), so blocked requests can be investigated.",
    enforcementLevel: "advisory",
    validate: (args, report: ReportViolation) => {
        const acls = args.resources.filter((r) => r.type === WEB_ACL);
        if (acls.length === 0) args.notApplicable("no web ACL in the stack");
        const logging = args.resources.filter((r) => r.type === WEB_ACL_LOGGING);
        for (const acl of acls) {
            if (!logging.some((l) => refersTo(l, acl, "resourceArn", ["arn"]))) report(`Web ACL ${acl.name} has no logging configuration.`, acl.urn);
        }
    },
});

// ---------- Route 53 ----------

/**
 * Whether a value is present. An unknown value counts as present: in a preview, a health check id is unknown because
 * the HealthCheck the program declares beside the record is not created yet, not because it is missing.
 */
function isPresent(read: () => unknown): boolean {
    try {
        return (asString(read()) ?? "") !== "";
    } catch (e) {
        if (isUnknownValueError(e)) return true;
        throw e;
    }
}

/**
 * Advisory: availability, not exposure, encryption, privilege or data loss (DESIGN.md levels). Latency routing and
 * failover primaries are the policies where Route 53 answers with another record only when it knows this one is
 * unhealthy; without a health check a failed region keeps its share of clients.
 */
export const route53LatencyHealthCheck = resourceRule({
    name: "route53-latency-health-check",
    description: "Latency-routed records and failover PRIMARY records carry a Route 53 health check (healthCheckId), or alias an AWS target with evaluateTargetHealth, so a failed region drops out of DNS.",
    enforcementLevel: "advisory",
    types: [RECORD],
    validate: (props, _args, report) => {
        const latency = asArray(props["latencyRoutingPolicies"]).length > 0;
        const primary = asArray(props["failoverRoutingPolicies"]).some((p) => isRecord(p) && asString(p["type"]) === "PRIMARY");
        if (!latency && !primary) return;
        if (isPresent(() => props["healthCheckId"])) return;
        const aliasHealth = asArray(props["aliases"]).some((a) => isRecord(a) && asBool(a["evaluateTargetHealth"]) === true);
        if (aliasHealth) return;
        const kind = latency ? "Latency" : "Failover PRIMARY";
        report(`${kind} record ${asString(props["name"]) ?? ""} (${asString(props["setIdentifier"]) ?? "no set id"}) has no healthCheckId and no alias evaluating target health: Route 53 keeps answering with it when its region fails.`);
    },
});

export const edgeRules: Rule[] = [
    cloudfrontHttpsOnly,
    cloudfrontOriginHttps,
    cloudfrontTlsMinVersion,
    cloudfrontWafAttached,
    cloudfrontS3OriginAccessControl,
    cloudfrontOriginAccessControlSigns,
    s3CloudFrontGrantScoped,
    cloudfrontAccessLogging,
    wafManagedRules,
    wafRateBasedRule,
    wafLogging,
    route53LatencyHealthCheck,
];
