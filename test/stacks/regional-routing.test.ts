import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NLB_HOSTED_ZONE_IDS } from "../../components/edge/load-balancer-zones";
import type { CapturedResource } from "../../tools/capture";
import { dependencyClosure, ofType, plannedStack, runPlan, type PlannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

const ROOT = join(__dirname, "..", "..");
type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const RECORD = "aws:route53/record:Record";
const HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck";

const outputs = (stack: PlannedStack) => ofType(stack, "pulumi:pulumi:Stack")[0].outputs as Record<string, string>;
const regionOf = (stack: PlannedStack) => outputs(stack).awsRegion;
const latencyRecords = (stack: PlannedStack) => ofType(stack, RECORD).filter((r) => Array.isArray(r.inputs.latencyRoutingPolicies));
const kong = (stack: PlannedStack) => ofType(stack, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "kong")!;

/**
 * A stack file without its peerStacks: a new region plans on its own first; it joins the peered mesh once the other prod
 * stacks list it too (stacks/region-mesh.ts; a listed primary must hold a Kafka mirror user for it).
 */
const withoutPeers = (file: string) => file.replace(/\n {2}ecommerce-platform:peerStacks:\n( {4}- .*\n)+/, "\n");

/** A throwaway stack file in the project root (the plan reads stacks there, as the Pulumi CLI does). */
function withStackFile(body: string, check: (stack: string) => void): void {
    const stack = `test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const file = join(ROOT, `Pulumi.${stack}.yaml`);
    writeFileSync(file, body);
    try {
        check(stack);
    } finally {
        rmSync(file, { force: true });
    }
}

describe("stacks: global routing across regions (latency records, health checks, TLS on the load balancer)", function () {
    this.timeout(240_000);

    for (const name of allStacks()) {
        describe(name, () => {
            it("joins latency routing for origin.<domain> in its own region only, aliasing its NLB with target health and its own health check", () => {
                const planned = plannedStack(name);
                const region = regionOf(planned);
                const { domain } = outputs(planned);
                const records = latencyRecords(planned);
                expect(records, "one latency record per stack").to.have.length(1);
                const [origin] = records;
                const [check] = ofType(planned, HEALTH_CHECK);
                expect(origin.inputs).to.deep.include({ name: `origin.${domain}`, type: "A", setIdentifier: region, latencyRoutingPolicies: [{ region }], healthCheckId: check.id });
                expect(origin.inputs.aliases).to.have.length(1);
                expect((origin.inputs.aliases as Spec[])[0]).to.include({ zoneId: NLB_HOSTED_ZONE_IDS[region], evaluateTargetHealth: true });
                expect((origin.inputs.aliases as Spec[])[0].name).to.match(new RegExp(`\\.elb\\.${region}\\.amazonaws\\.com$`));
                expect(origin.inputs.zoneId).to.equal(outputs(planned).hostedZoneId);
            });

            it("health-checks its own name over HTTPS on /healthz, which Kong routes (GET only) to the API", () => {
                const planned = plannedStack(name);
                const region = regionOf(planned);
                const checks = ofType(planned, HEALTH_CHECK);
                expect(checks).to.have.length(1);
                expect(checks[0].inputs).to.include({ type: "HTTPS", port: 443, resourcePath: "/healthz", fqdn: `api.${region}.${outputs(planned).domain}`, enableSni: true });
                const regional = ofType(planned, RECORD).find((r) => r.inputs.name === `api.${region}.${outputs(planned).domain}`)!;
                expect((regional.inputs.aliases as Spec[])[0]).to.include({ zoneId: NLB_HOSTED_ZONE_IDS[region] });
                const health = ofType(planned, "kubernetes:networking.k8s.io/v1:Ingress").find((i) => (i.inputs.metadata as Spec).name === "shop-api-health")!;
                expect((health.inputs.metadata as Spec).annotations).to.include({ "konghq.com/methods": "GET" });
                expect((health.inputs.spec as Spec).rules[0].http.paths).to.deep.equal([{ path: "/healthz", pathType: "Exact", backend: { service: { name: "shop-api", port: { name: "http" } } } }]);
                expect(outputs(planned).healthCheckId).to.equal(checks[0].id);
            });

            it("listens only on TLS: the NLB's one port is 443 with the region's validated certificate and a TLS 1.2+ policy; no port 80", () => {
                const planned = plannedStack(name);
                const proxy = (kong(planned).inputs.values as Spec).proxy;
                const validation = ofType(planned, "aws:acm/certificateValidation:CertificateValidation")[0];
                expect(proxy.annotations).to.include({
                    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": validation.inputs.certificateArn,
                    "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "443",
                    "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "service.beta.kubernetes.io/aws-load-balancer-backend-protocol": "tcp",
                });
                // The chart renders a Service port per enabled listener (kong 3.4.1 templates/service-kong-proxy.yaml).
                const servicePorts = [proxy.http, proxy.tls].filter((listener) => listener.enabled).map((listener) => listener.servicePort);
                expect(servicePorts).to.deep.equal([443]);
                // The NLB gets the certificate only once ACM issued it.
                expect(dependencyClosure(planned, kong(planned))).to.include(validation.urn);
            });

            it("certifies its own name and the shared origin name, validated by DNS in the environment's zone", () => {
                const planned = plannedStack(name);
                const { domain, hostedZoneId } = outputs(planned);
                // The edge owner also holds CloudFront's certificate (us-east-1, for the domain): this is the region's own.
                const [certificate] = ofType(planned, "aws:acm/certificate:Certificate").filter((c) => c.inputs.domainName === `api.${regionOf(planned)}.${domain}`);
                expect(certificate.inputs).to.deep.include({ subjectAlternativeNames: [`origin.${domain}`], validationMethod: "DNS" });
                const names = [`api.${regionOf(planned)}.${domain}`, `origin.${domain}`];
                const validation = ofType(planned, RECORD).filter((r) => r.inputs.type === "CNAME" && names.some((n) => String(r.inputs.name).endsWith(`${n}.`) || String(r.inputs.name).endsWith(n)));
                expect(validation.map((r) => r.inputs.zoneId)).to.deep.equal([hostedZoneId, hostedZoneId]);
                expect(validation.every((r) => r.inputs.allowOverwrite === true)).to.equal(true);
            });
        });
    }

    describe("one environment, three regions", () => {
        const prodRegions = ["prod", "prod-us-east-1", "prod-eu-west-1"];

        it("only prod owns the zone; the other regions hold no zone and no CloudFront distribution, and write into prod's zone", () => {
            const prod = plannedStack("prod");
            expect(ofType(prod, "aws:route53/zone:Zone")).to.have.length(1);
            for (const name of ["prod-us-east-1", "prod-eu-west-1"]) {
                const region = plannedStack(name);
                expect(ofType(region, "aws:cloudfront/distribution:Distribution"), name).to.deep.equal([]);
                expect(ofType(region, "aws:route53/zone:Zone"), name).to.deep.equal([]);
                expect(ofType(region, HEALTH_CHECK), name).to.have.length(1);
                expect(latencyRecords(region).map((r) => r.inputs.setIdentifier), name).to.deep.equal([regionOf(region)]);
                expect(outputs(region).hostedZoneId, `${name} reads prod's zone`).to.equal(outputs(prod).hostedZoneId);
            }
        });

        it("each region answers for a different latency region; one issuer, one public URL", () => {
            const planned = prodRegions.map((name) => plannedStack(name));
            expect(planned.map((p) => latencyRecords(p)[0].inputs.setIdentifier)).to.deep.equal(["ap-south-1", "us-east-1", "eu-west-1"]);
            expect(new Set(planned.map((p) => outputs(p).tokenIssuer))).to.deep.equal(new Set(["https://shop.example.com/auth/realms/shop"]));
            expect(new Set(planned.map((p) => outputs(p).publicUrl))).to.deep.equal(new Set(["https://shop.example.com"]));
            // Kong's credential is keyed on the same issuer everywhere, and Keycloak's hostname agrees.
            for (const p of planned) {
                const keycloak = ofType(p, "kubernetes:helm.sh/v3:Release").find((r) => String(r.inputs.chart).includes("keycloak"))!;
                const env = JSON.parse(String((keycloak.inputs.values as Spec).extraEnv)) as { name: string; value?: string }[];
                expect(env.find((e) => e.name === "KC_HOSTNAME")?.value).to.equal("https://shop.example.com/auth");
                const credential = ofType(p, "kubernetes:core/v1:Secret").find((r) => (r.inputs.metadata as Spec).name === "keycloak-realm-jwt")!;
                expect(credential.inputs.stringData, "Kong's JWT credential (a secret) is written").to.not.equal(undefined);
                // Kong publishes the realm on every name a request arrives with: the public one, CloudFront's origin name
                // and the region's own name; the admin side stays refused on every host.
                const realmRoute = ofType(p, "kubernetes:networking.k8s.io/v1:Ingress").find((i) => (i.inputs.metadata as Spec).name === "keycloak")!;
                expect(((realmRoute.inputs.spec as Spec).rules as Spec[]).map((rule) => rule.host))
                    .to.deep.equal(["shop.example.com", "origin.shop.example.com", `api.${regionOf(p)}.shop.example.com`]);
            }
        });

        it("dev owns its own small edge under its own subdomain", () => {
            const dev = plannedStack("dev");
            expect(outputs(dev)).to.include({ domain: "dev.shop.example.com", originHostname: "origin.dev.shop.example.com", publicUrl: "https://dev.shop.example.com" });
            expect(ofType(dev, "aws:route53/zone:Zone").map((z) => z.inputs.name)).to.deep.equal(["dev.shop.example.com"]);
            expect(outputs(dev).hostedZoneId).to.not.equal(outputs(plannedStack("prod")).hostedZoneId);
        });

        it("a region previews alone, before or without any other plan: the edge owner's outputs arrive in preview too", () => {
            const preview = plannedStack("prod-eu-west-1", "preview");
            expect(preview.exitCode).to.equal(0);
            expect(latencyRecords(preview)[0].inputs.zoneId).to.equal(outputs(plannedStack("prod")).hostedZoneId);
        });
    });

    describe("adding a region is one copied stack file", () => {
        it("Pulumi.prod-eu-west-1.yaml copied for eu-central-1 with its own CIDR plans, and joins latency routing there", () => {
            const copy = withoutPeers(readFileSync(join(ROOT, "Pulumi.prod-eu-west-1.yaml"), "utf8"))
                .replace("aws:region: eu-west-1", "aws:region: eu-central-1")
                .replace("vpcCidr: 10.2.0.0/16", "vpcCidr: 10.3.0.0/16");
            expect(copy).to.include("eu-central-1").and.to.include("10.3.0.0/16");
            withStackFile(copy, (stack) => {
                const planned = plannedStack(stack);
                expect(planned.exitCode, planned.stdout).to.equal(0);
                expect(planned.report.violations).to.deep.equal([]);
                expect(latencyRecords(planned)[0].inputs).to.deep.include({ setIdentifier: "eu-central-1", latencyRoutingPolicies: [{ region: "eu-central-1" }] });
                expect((latencyRecords(planned)[0].inputs.aliases as Spec[])[0].zoneId).to.equal("Z3F0SRJ5LGBH90");
                expect(ofType(planned, "aws:ec2/vpc:Vpc")[0].inputs.cidrBlock).to.equal("10.3.0.0/16");
                expect(runPlan(stack, ["--preview"]).exitCode).to.equal(0);
            });
        });

        it("a region whose edge stack does not exist, or whose domain differs from the owner's, stops with exit 2 naming why", () => {
            const base = withoutPeers(readFileSync(join(ROOT, "Pulumi.prod-eu-west-1.yaml"), "utf8"));
            expect(base).to.not.include("peerStacks");
            withStackFile(base.replace("edgeStack: prod", "edgeStack: prod-nowhere"), (stack) => {
                const run = runPlan(stack);
                expect(run.exitCode).to.equal(2);
                expect(run.stderr).to.include("no stack prod-nowhere (no Pulumi.prod-nowhere.yaml beside Pulumi.yaml)");
            });
            withStackFile(base.replace("domain: shop.example.com", "domain: shop.example.org"), (stack) => {
                const run = runPlan(stack, ["--preview"]);
                expect(run.exitCode).to.equal(2);
                expect(run.stderr).to.include("ecommerce-platform:domain: shop.example.org differs from shop.example.com, the domain of its edge stack prod");
            });
        });

        it("an edge owner given an existing zone looks it up by id instead of creating one", () => {
            const owner = readFileSync(join(ROOT, "Pulumi.dev.yaml"), "utf8").replace("domain: dev.shop.example.com", "domain: dev.shop.example.com\n  ecommerce-platform:hostedZoneId: Z0EXISTING0DEV0ZONE");
            withStackFile(owner, (stack) => {
                const planned = plannedStack(stack);
                expect(planned.exitCode, planned.stdout).to.equal(0);
                expect(ofType(planned, "aws:route53/zone:Zone")).to.deep.equal([]);
                expect(new Set(ofType(planned, RECORD).map((r: CapturedResource) => r.inputs.zoneId))).to.deep.equal(new Set(["Z0EXISTING0DEV0ZONE"]));
                expect(outputs(planned).hostedZoneId).to.equal("Z0EXISTING0DEV0ZONE");
            });
        });
    });
});
