import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, PlannedStack, single } from "../support/plans";


function providerOf(stack: PlannedStack, resource: CapturedResource): CapturedResource {
    const provider = stack.resources.find((p) => resource.provider?.startsWith(`${p.urn}::`));
    expect(provider, `provider of ${resource.urn}`).to.not.equal(undefined);
    return provider!;
}

/** CloudFront's certificate (us-east-1, for the domain), beside the region's own certificate for its load balancer. */
function cloudFrontCertificate(stack: PlannedStack) {
    const found = ofType(stack, "aws:acm/certificate:Certificate").filter((c) => c.urn.includes("ecommerce:edge:Edge"));
    expect(found, "CloudFront's certificate").to.have.length(1);
    return found[0];
}

describe("stacks/edge (the edge-owning stacks' plans)", function () {
    this.timeout(180_000);
    let prod: PlannedStack;
    let dev: PlannedStack;
    before(() => {
        prod = plannedStack("prod");
        dev = plannedStack("dev");
    });

    it("prod holds CloudFront with its web ACL, the certificate, origin access control, the Glue database and the Athena workgroup", () => {
        const distribution = single(prod, "aws:cloudfront/distribution:Distribution");
        const acl = single(prod, "aws:wafv2/webAcl:WebAcl");
        expect(distribution.inputs.webAclId).to.equal(acl.outputs.arn);
        expect(acl.inputs.scope).to.equal("CLOUDFRONT");
        expect((acl.inputs.rules as { statement: Record<string, unknown> }[]).some((r) => r.statement.rateBasedStatement)).to.equal(true);
        for (const type of ["aws:cloudfront/originAccessControl:OriginAccessControl", "aws:glue/catalogDatabase:CatalogDatabase", "aws:athena/workgroup:Workgroup"]) single(prod, type);
        cloudFrontCertificate(prod);
        expect(distribution.inputs.priceClass).to.equal("PriceClass_200");
        expect(single(dev, "aws:cloudfront/distribution:Distribution").inputs.priceClass).to.equal("PriceClass_100");
        expect(ofType(prod, "aws:shield/protection:Protection")).to.have.length(0);
    });

    it("creates CloudFront's certificate and web ACL through a us-east-1 provider carrying the stack's own default tags", () => {
        const regional = providerOf(prod, single(prod, "aws:rds/instance:Instance"));
        for (const [type, resource] of [["aws:acm/certificate:Certificate", cloudFrontCertificate(prod)], ["aws:wafv2/webAcl:WebAcl", single(prod, "aws:wafv2/webAcl:WebAcl")]] as const) {
            const provider = providerOf(prod, resource);
            expect(provider.inputs.region, type).to.equal("us-east-1");
            expect(JSON.parse(String(provider.inputs.defaultTags))).to.deep.equal(JSON.parse(String(regional.inputs.defaultTags)));
        }
        expect(regional.inputs.region).to.equal("ap-south-1");
    });

    it("caps every Athena query at the configured cutoff, enforced", () => {
        const config = single(prod, "aws:athena/workgroup:Workgroup").inputs.configuration as Record<string, unknown>;
        expect(config).to.include({ enforceWorkgroupConfiguration: true, bytesScannedCutoffPerQuery: 1024 * 1024 * 1024 });
    });

    it("hands the data lake to the API: the analyse job writes there, and its role may put objects only where the job writes", async () => {
        const { aggregateObjectKey } = await import("../../app/src/jobs/analytics-sink");
        const table = single(prod, "aws:glue/catalogTable:CatalogTable");
        const lake = String(table.inputs.storageDescriptor && (table.inputs.storageDescriptor as { location: string }).location).replace(/^s3:\/\/([^/]+)\/.*$/, "$1");
        const analyse = ofType(prod, "kubernetes:batch/v1:CronJob").find((c) => c.urn.endsWith("-analyse"))!;
        const env = (analyse.inputs as { spec: { jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } } } })
            .spec.jobTemplate.spec.template.spec.containers[0].env;
        expect(env.find((e) => e.name === "ANALYTICS_BUCKET")?.value).to.equal(lake);
        const grant = ofType(prod, "aws:iam/rolePolicy:RolePolicy")
            .flatMap((p) => JSON.parse(String(p.inputs.policy)).Statement as { Sid?: string; Action: string; Resource: string }[])
            .find((s) => s.Sid === "WriteDailyAggregates")!;
        const pattern = new RegExp(`^${grant.Resource.replace(/[.]/g, "\\.").replace("*", ".*")}$`);
        expect(`arn:aws:s3:::${lake}/${aggregateObjectKey("2026-11-25")}`).to.match(pattern);
    });

    it("a first preview of prod judges CloudFront and the WAF (references wired from created resources count as set)", () => {
        const preview = plannedStack("prod", "preview");
        expect(preview.exitCode).to.equal(0);
        // Bucket policies are built from autonamed buckets' ARNs: their rules wait for the values (advisory), as
        // every policy document built from ARNs does in a first preview.
        const edge = preview.report.violations.filter((v) => /^(cloudfront|waf)-/.test(v.policy));
        expect(edge).to.deep.equal([]);
    });
});
