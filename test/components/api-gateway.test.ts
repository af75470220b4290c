import { expect } from "chai";
import { ApiGateway, jwtCredential } from "../../components/api-gateway";
import { CHARTS } from "../../components/catalogue";
import { validateCustomResource } from "../support/crd-validator";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PLUGIN = "kubernetes:configuration.konghq.com/v1:KongClusterPlugin";
const ISSUER = "https://auth.example.com/auth/realms/shop";
const CERT = "arn:aws:acm:ap-south-1:000000000000:certificate/mock-regional";

describe("components/api-gateway (Kong)", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        const jwtIssuer = { issuer: ISSUER, publicKeyPem: "-----BEGIN PUBLIC KEY-----\nMOCK\n-----END PUBLIC KEY-----\n" };
        prod = await declared("gwtest-prod", () => new ApiGateway("gwtest-prod", { namespace: "kong-prod", minReplicas: 3, maxReplicas: 10, jwtIssuer, tls: { certificateArn: CERT }, vpcCidr: "10.20.0.0/16", strictZoneSpread: true }));
        dev = await declared("gwtest-dev", () => new ApiGateway("gwtest-dev", { namespace: "kong-dev", minReplicas: 1, maxReplicas: 3, jwtIssuer, tls: { certificateArn: CERT, sslPolicy: "ELBSecurityPolicy-TLS13-1-3-2021-06" }, vpcCidr: "10.30.0.0/16" }));
    });
    const values = (r: Registered) => r.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
    const plugin = (r: Registered, name: string) => r.ofType(PLUGIN).find((p) => (p.inputs.metadata as Spec).name === name)!.inputs as Spec;

    it("runs Kong DB-less with the ingress controller from the pinned chart", () => {
        expect(prod.one("kubernetes:helm.sh/v3:Release").inputs).to.include({ chart: "kong", version: CHARTS.kong.version });
        expect(values(prod).env.database).to.equal("off");
        expect(values(prod).ingressController.enabled).to.equal(true);
        expect(values(prod).admin.enabled).to.equal(false);
    });

    it("exposes the proxy through an internet-facing NLB with IP targets (AWS Load Balancer Controller)", () => {
        const proxy = values(prod).proxy;
        expect(proxy.type).to.equal("LoadBalancer");
        expect(proxy.annotations).to.include({
            "service.beta.kubernetes.io/aws-load-balancer-type": "external",
            "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
            "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        });
    });

    it("terminates TLS 1.2+ at the NLB with the regional certificate on 443 only, forwarding plain TCP to Kong's HTTP port", () => {
        const proxy = values(prod).proxy;
        expect(proxy.annotations).to.include({
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": CERT,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-ports": "443",
            "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "service.beta.kubernetes.io/aws-load-balancer-backend-protocol": "tcp",
        });
        expect(values(dev).proxy.annotations["service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy"]).to.equal("ELBSecurityPolicy-TLS13-1-3-2021-06");
        // The chart renders one Service port per enabled listener: only http, as 443 -> 8000. No port 80, no Kong TLS.
        expect(proxy.http).to.deep.equal({ enabled: true, servicePort: 443, containerPort: 8000 });
        expect(proxy.tls).to.deep.equal({ enabled: false });
    });

    it("preserves client IPs at the NLB and trusts X-Forwarded-For only from inside the VPC", () => {
        const attributes = String(values(prod).proxy.annotations["service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"]).split(",");
        expect(attributes).to.include("preserve_client_ip.enabled=true");
        expect(values(prod).env).to.include({ trusted_ips: "10.20.0.0/16", real_ip_header: "X-Forwarded-For", real_ip_recursive: "on" });
        expect(values(dev).env.trusted_ips).to.equal("10.30.0.0/16");
    });

    it("autoscales the proxy with a PDB in prod, and no PDB for a single dev replica", () => {
        expect(values(prod).autoscaling).to.include({ enabled: true, minReplicas: 3, maxReplicas: 10 });
        expect(values(prod).podDisruptionBudget).to.deep.equal({ enabled: true, maxUnavailable: 1 });
        expect(values(dev).podDisruptionBudget.enabled).to.equal(false);
        expect(values(prod).topologySpreadConstraints[0].whenUnsatisfiable).to.equal("DoNotSchedule");
    });

    it("rate-limits every route per client IP with a global KongClusterPlugin", () => {
        const limit = plugin(prod, "rate-limit-per-ip");
        expect(limit.plugin).to.equal("rate-limiting");
        expect(limit.metadata.labels).to.deep.equal({ global: "true" });
        expect(limit.config).to.include({ limit_by: "ip", minute: 600 });
    });

    it("verifies Keycloak JWTs: the jwt plugin keys on iss, a consumer credential holds the realm's public key", () => {
        const jwt = plugin(prod, "jwt-keycloak");
        expect(jwt.plugin).to.equal("jwt");
        // CORS preflights carry no token: the plugin lets OPTIONS through (kong/plugins/jwt/handler.lua checks run_on_preflight).
        expect(jwt.config).to.include({ key_claim_name: "iss", run_on_preflight: false });
        expect(jwt.config.claims_to_verify).to.deep.equal(["exp"]);
        const credential = prod.one("kubernetes:core/v1:Secret").inputs as Spec;
        expect(credential.metadata.labels).to.deep.equal({ "konghq.com/credential": "jwt" });
        expect(JSON.stringify(credential.stringData)).to.include("ciphertext");
        expect(jwtCredential({ issuer: ISSUER, publicKeyPem: "PEM" })).to.deep.equal({ algorithm: "RS256", key: ISSUER, rsa_public_key: "PEM" });
        const consumer = prod.one("kubernetes:configuration.konghq.com/v1:KongConsumer").inputs as Spec;
        expect(consumer.credentials).to.deep.equal(["keycloak-realm-jwt"]);
    });

    it("runs restricted: non-root, no privilege escalation, requests and limits", () => {
        expect(values(prod).containerSecurityContext).to.include({ runAsNonRoot: true, allowPrivilegeEscalation: false });
        expect(values(prod).resources.limits).to.have.keys("cpu", "memory");
        expect((prod.one("kubernetes:core/v1:Namespace").inputs.metadata as Spec).labels["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
    });

    it("writes plugins and consumers the Kong CRDs accept", () => {
        for (const resource of [...prod.ofType(PLUGIN), prod.one("kubernetes:configuration.konghq.com/v1:KongConsumer")]) {
            expect(validateCustomResource(resource.inputs), resource.urn).to.deep.equal([]);
        }
    });
});
