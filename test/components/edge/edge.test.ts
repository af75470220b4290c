import { expect } from "chai";
import * as aws from "@pulumi/aws/provider";
import { Edge } from "../../../components/edge/edge";
import { API_PATH_REWRITE_CODE } from "../../../components/edge/api-path-rewrite";
import { MANAGED_POLICIES } from "../../../components/edge/managed-policies";
import { MANAGED_RULE_GROUPS } from "../../../components/edge/web-acl";
import type { CapturedResource } from "../../../tools/capture";
import { declared, Registered } from "../../support/mock-runtime";

interface Behaviour {
    pathPattern?: string; viewerProtocolPolicy: string; cachePolicyId: string; originRequestPolicyId?: string;
    allowedMethods: string[]; compress: boolean; targetOriginId: string; functionAssociations?: { eventType: string; functionArn: string }[];
}
interface Statement { Sid: string; Effect: string; Principal: Record<string, string>; Action: string; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> }

const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";

describe("components/edge/edge", () => {
    let edge: Registered;
    let shielded: Registered;
    const regionOf = (r: Registered, resource: CapturedResource) => {
        const provider = r.resources.find((p) => resource.provider?.startsWith(`${p.urn}::`));
        return provider?.inputs.region;
    };
    before(async () => {
        edge = await declared("edgetest-a", () => {
            const usEast1 = new aws.Provider("edgetest-a-use1", { region: "us-east-1" });
            new Edge("edgetest-a", { domain: "shop.example.com", zoneId: "ZTEST", originHostname: "origin.shop.example.com", usEast1, priceClass: "PriceClass_200", rateLimitPer5Minutes: 1500 });
        });
        shielded = await declared("edgetest-b", () => {
            const usEast1 = new aws.Provider("edgetest-b-use1", { region: "us-east-1" });
            new Edge("edgetest-b", {
                domain: "dev.shop.example.com", zoneId: "ZTESTDEV", originHostname: "origin.dev.shop.example.com", usEast1,
                shieldAdvanced: true, shieldProtectedResources: [{ name: "nlb-ap-south-1", arn: "arn:aws:elasticloadbalancing:ap-south-1:000000000000:loadbalancer/net/k8s-kong/abc" }],
            });
        });
    });
    const distribution = () => edge.one(DISTRIBUTION);
    const behaviours = () => distribution().inputs.orderedCacheBehaviors as Behaviour[];
    const apiBehaviour = () => behaviours().find((b) => b.pathPattern === "/api/*")!;

    it("issues the certificate and the web ACL (and CloudFront's own pieces) through a us-east-1 provider", () => {
        for (const type of ["aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation", "aws:wafv2/webAcl:WebAcl", DISTRIBUTION, "aws:cloudwatch/logDeliverySource:LogDeliverySource"]) {
            expect(regionOf(edge, edge.one(type)), type).to.equal("us-east-1");
        }
        const cert = edge.one("aws:acm/certificate:Certificate").inputs;
        expect(cert).to.include({ domainName: "shop.example.com", validationMethod: "DNS" });
        // Validated in the zone: a CNAME per name, and CloudFront takes the ARN only once ACM has issued it.
        const validation = edge.ofType("aws:route53/record:Record").find((r) => r.inputs.type === "CNAME")!;
        expect(validation.inputs).to.include({ zoneId: "ZTEST" });
        expect(String(validation.inputs.name)).to.match(/\.shop\.example\.com\.$/);
        expect((distribution().inputs.viewerCertificate as Record<string, unknown>).acmCertificateArn).to.equal(edge.one("aws:acm/certificateValidation:CertificateValidation").outputs.certificateArn);
    });

    it("puts the web ACL on the distribution: CLOUDFRONT scope, a per-IP rate rule from the argument, the four managed groups blocking, metrics and redacted logs", () => {
        const acl = edge.one("aws:wafv2/webAcl:WebAcl");
        expect(distribution().inputs.webAclId).to.equal(acl.outputs.arn);
        expect(acl.inputs.scope).to.equal("CLOUDFRONT");
        const rules = acl.inputs.rules as { name: string; statement: Record<string, Record<string, unknown>>; overrideAction?: unknown; visibilityConfig: Record<string, unknown> }[];
        expect(rules[0].statement.rateBasedStatement).to.include({ limit: 1500, aggregateKeyType: "IP" });
        expect(rules.slice(1).map((r) => r.statement.managedRuleGroupStatement.name)).to.have.members([...MANAGED_RULE_GROUPS]);
        expect(MANAGED_RULE_GROUPS).to.include.members(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList"]);
        for (const r of rules.slice(1)) expect(r.overrideAction).to.deep.equal({ none: {} });
        for (const v of [...rules.map((r) => r.visibilityConfig), acl.inputs.visibilityConfig as Record<string, unknown>]) expect(v).to.include({ cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true });
        const logging = edge.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs;
        expect(logging.resourceArn).to.equal(acl.outputs.arn);
        const group = edge.ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => String(g.inputs.name).startsWith("aws-waf-logs-"))!;
        expect(logging.logDestinationConfigs).to.deep.equal([group.outputs.arn]);
        expect(regionOf(edge, group)).to.equal("us-east-1");
        expect(logging.redactedFields).to.deep.include({ singleHeader: { name: "authorization" } });
    });

    it("serves viewers over HTTPS only, TLSv1.2_2021 with SNI, HTTP/2 and HTTP/3, under the domain, at the price class given", () => {
        const d = distribution().inputs;
        expect(d).to.include({ httpVersion: "http2and3", priceClass: "PriceClass_200", isIpv6Enabled: true });
        expect(d.aliases).to.deep.equal(["shop.example.com"]);
        expect(d.viewerCertificate).to.include({ minimumProtocolVersion: "TLSv1.2_2021", sslSupportMethod: "sni-only" });
        expect((d.defaultCacheBehavior as Behaviour).viewerProtocolPolicy).to.equal("redirect-to-https");
        for (const b of behaviours()) expect(b.viewerProtocolPolicy, b.pathPattern).to.equal("https-only");
    });

    it("caches the storefront from S3 (CachingOptimized, compressed) and reaches the API origin by its name over TLS 1.2", () => {
        const d = distribution().inputs;
        const def = d.defaultCacheBehavior as Behaviour;
        expect(def).to.include({ targetOriginId: "static", cachePolicyId: MANAGED_POLICIES.cachingOptimized, compress: true });
        const api = (d.origins as { originId: string; domainName: string; customOriginConfig?: Record<string, unknown> }[]).find((o) => o.originId === "api")!;
        expect(api.domainName).to.equal("origin.shop.example.com");
        expect(api.customOriginConfig).to.deep.include({ originProtocolPolicy: "https-only", originSslProtocols: ["TLSv1.2"] });
    });

    it("sends /api/* and /auth/* to the origin uncached with every method, Authorization, cookies and query strings", () => {
        for (const path of ["/api/*", "/auth/*"]) {
            const b = behaviours().find((x) => x.pathPattern === path)!;
            expect(b.targetOriginId).to.equal("api");
            // Caches nothing, so no response for one caller's token is served to another.
            expect(b.cachePolicyId).to.equal(MANAGED_POLICIES.cachingDisabled);
            // The managed AllViewerExceptHostHeader policy forwards every viewer header but Host (Authorization
            // included: allowed with CachingDisabled), all cookies and all query strings.
            expect(b.originRequestPolicyId).to.equal("b689b0a8-53d0-40ab-baf2-68738e2966ac");
            expect(b.allowedMethods).to.have.members(["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]);
        }
    });

    it("rewrites /api/v1/... to /v1/... on viewer requests to the API, and leaves /auth/* alone", () => {
        const fn = edge.one("aws:cloudfront/function:Function");
        expect(fn.inputs).to.include({ runtime: "cloudfront-js-2.0", publish: true });
        expect(apiBehaviour().functionAssociations).to.deep.equal([{ eventType: "viewer-request", functionArn: fn.outputs.arn }]);
        expect(behaviours().find((b) => b.pathPattern === "/auth/*")!.functionAssociations).to.deep.equal([]);
        const handler = new Function(`${API_PATH_REWRITE_CODE}; return handler;`)() as (e: { request: { uri: string } }) => { uri: string };
        const rewrite = (uri: string) => handler({ request: { uri } }).uri;
        expect(rewrite("/api/v1/products")).to.equal("/v1/products");
        expect(rewrite("/api/")).to.equal("/");
        expect(rewrite("/api")).to.equal("/");
        expect(rewrite("/apix/v1")).to.equal("/apix/v1");
    });

    it("keeps the static bucket private and encrypted, readable only by this distribution through origin access control", () => {
        const bucket = edge.one("aws:s3/bucket:Bucket");
        const name = bucket.outputs.bucket;
        expect(edge.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs).to.include({ bucket: name, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(edge.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
        expect(edge.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }]);
        expect((edge.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration as Record<string, string>).status).to.equal("Enabled");

        const oac = edge.one("aws:cloudfront/originAccessControl:OriginAccessControl");
        expect(oac.inputs).to.include({ originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" });
        const origin = (distribution().inputs.origins as { originId: string; domainName: string; originAccessControlId?: string }[]).find((o) => o.originId === "static")!;
        expect(origin).to.include({ originAccessControlId: oac.id, domainName: bucket.outputs.bucketRegionalDomainName });

        const statements = JSON.parse(String(edge.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy)).Statement as Statement[];
        const allows = statements.filter((s) => s.Effect === "Allow");
        expect(allows).to.have.length(1);
        expect(allows[0]).to.deep.include({ Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${name}/*` });
        expect(allows[0].Condition).to.deep.equal({ StringEquals: { "AWS:SourceArn": distribution().outputs.arn } });
        expect(statements.find((s) => s.Effect === "Deny")?.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": false } });
    });

    it("points A and AAAA alias records of the domain at the distribution in CloudFront's zone", () => {
        const aliases = edge.ofType("aws:route53/record:Record").filter((r) => r.inputs.aliases);
        expect(aliases.map((r) => r.inputs.type)).to.have.members(["A", "AAAA"]);
        for (const r of aliases) {
            expect(r.inputs).to.include({ zoneId: "ZTEST", name: "shop.example.com" });
            expect(r.inputs.aliases).to.deep.equal([{ name: distribution().outputs.domainName, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }]);
        }
        expect(String(distribution().outputs.domainName)).to.match(/^d[a-z0-9]+\.cloudfront\.net$/);
    });

    it("delivers access logs (standard logging v2) to a log group the delivery service alone may write, for this account", () => {
        const source = edge.one("aws:cloudwatch/logDeliverySource:LogDeliverySource").inputs;
        expect(source).to.include({ logType: "ACCESS_LOGS", resourceArn: distribution().outputs.arn });
        const destination = edge.one("aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination");
        const group = edge.ofType("aws:cloudwatch/logGroup:LogGroup").find((g) => String(g.inputs.name).startsWith("/aws/cloudfront/"))!;
        expect(destination.inputs.deliveryDestinationConfiguration).to.deep.equal({ destinationResourceArn: group.outputs.arn });
        expect(edge.one("aws:cloudwatch/logDelivery:LogDelivery").inputs).to.include({ deliverySourceName: source.name, deliveryDestinationArn: destination.outputs.arn });
        const policy = JSON.parse(String(edge.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy").inputs.policyDocument)).Statement[0] as Statement;
        expect(policy.Principal).to.deep.equal({ Service: "delivery.logs.amazonaws.com" });
        expect(policy.Resource).to.have.length(2);
        expect(policy.Condition?.StringEquals).to.deep.equal({ "aws:SourceAccount": "000000000000" });
    });

    it("protects nothing with Shield Advanced unless asked; then the distribution, the zone and the given load balancers", () => {
        expect(edge.ofType("aws:shield/protection:Protection")).to.have.length(0);
        const protections = shielded.ofType("aws:shield/protection:Protection");
        expect(protections.map((p) => p.inputs.resourceArn)).to.have.members([
            shielded.one(DISTRIBUTION).outputs.arn,
            "arn:aws:route53:::hostedzone/ZTESTDEV",
            "arn:aws:elasticloadbalancing:ap-south-1:000000000000:loadbalancer/net/k8s-kong/abc",
        ]);
        for (const p of protections) expect(regionOf(shielded, p)).to.equal("us-east-1");
    });
});
