/**
 * The global edge: CloudFront (HTTPS everywhere, modern TLS, WAF, origin access control), WAFv2 (managed rules,
 * rate limiting, logging) and Route 53 latency routing that drops a failed region.
 */
import type { ReportViolation } from "@pulumi/policy";
import { refersTo } from "../lib/companions";
import { Rule, resourceRule, stackRule } from "../lib/policy";
import { asArray, asBool, asRecord, asString, asStringList, forEachKnown, isRecord, isUnknownValueError, itemReaders, parseJsonDocument, Props, readForMatching } from "../lib/values";

const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
const WEB_ACL_LOGGING = "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration";
const RECORD = "aws:route53/record:Record";

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
    description: "Every CloudFront distribution is protected by a WAFv2 web ACL (webAclId).",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        if ((asString(props["webAclId"]) ?? "") === "") report("webAclId is not set.");
    },
});

export const cloudfrontS3OriginAccessControl = resourceRule({
    name: "cloudfront-s3-origin-access-control",
    description: "S3 origins are reached through origin access control (originAccessControlId), so the bucket stays private; no website endpoints, no legacy OAI.",
    enforcementLevel: "mandatory",
    types: [DISTRIBUTION],
    validate: (props, _args, report) => {
        for (const o of asArray(props["origins"]).filter(isRecord)) {
            const id = asString(o["originId"]) ?? "?";
            // A VPC origin (private ALB, NLB or instance) is neither S3 nor reachable from the internet.
            if (asArray(o["vpcOriginConfig"]).length > 0) continue;
            const hasOac = (asString(o["originAccessControlId"]) ?? "") !== "";
            if (asArray(o["customOriginConfig"]).length > 0) {
                // A custom origin pointing at an S3 website endpoint needs a public bucket. The domain is read only to
                // classify the origin, so an unknown domain (preview) does not abort the rule.
                const domain = readForMatching(() => asString(o["domainName"])) ?? "";
                if (/\.s3-website[.-]/.test(domain)) report(`Origin ${id} is an S3 website endpoint, which requires a public bucket; use the REST endpoint with origin access control.`);
                continue;
            }
            if (!hasOac) {
                const oai = (asString(asRecord(asArray(o["s3OriginConfig"])[0])?.["originAccessIdentity"]) ?? "") !== "";
                report(`S3 origin ${id} has no originAccessControlId${oai ? " (legacy origin access identity in use)" : ""}.`);
            }
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
    wafManagedRules,
    wafRateBasedRule,
    wafLogging,
    route53LatencyHealthCheck,
];
