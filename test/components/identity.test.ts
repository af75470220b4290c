import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/catalogue";
import { BOOTSTRAP_SCRIPT } from "../../components/database-bootstrap";
import { API_CLIENT_ID, Identity, WEB_CLIENT_ID, shopRealm } from "../../components/identity";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SECRET_ARN = "arn:aws:secretsmanager:ap-south-1:000000000000:secret:rds!db-test";

function declareIdentity(name: string, replicas: number, hostname: string): Promise<Registered> {
    return declared(name, () => new Identity(name, {
        namespace: `${name}-ns`,
        replicas,
        adminPassword: pulumi.secret("keycloak-admin-test-password"),
        hostname,
        database: { address: "db.example.internal", port: 5432, maintenanceDatabase: "shop", masterUserSecretArn: SECRET_ARN, kmsKeyArn: "arn:aws:kms:ap-south-1:000000000000:key/test" },
        region: "ap-south-1",
        oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.example", providerUrl: "oidc.example" },
    }));
}

describe("components/identity (Keycloak)", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declareIdentity("idtest-prod", 2, "auth.example.com");
        dev = await declareIdentity("idtest-dev", 1, "");
    });
    const values = (r: Registered) => r.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
    const secret = (r: Registered, name: string) => r.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Spec).name === name)!.inputs as Spec;

    it("deploys the pinned keycloakx chart with the quay.io Keycloak image", () => {
        expect(prod.one("kubernetes:helm.sh/v3:Release").inputs).to.include({ chart: "keycloakx", version: CHARTS.keycloak.version });
        expect(values(prod).image.repository).to.equal("quay.io/keycloak/keycloak");
        expect(values(prod).args).to.deep.equal(["start", "--import-realm"]);
    });

    it("persists to its own database on RDS, with the password from the bootstrap Secret", () => {
        expect(values(prod).database).to.include({ vendor: "postgres", hostname: "db.example.internal", database: "keycloak", username: "keycloak", existingSecret: "keycloak-db", existingSecretKey: "password" });
        expect(JSON.parse(values(prod).extraEnv)).to.deep.include({ name: "KC_DB_URL_PROPERTIES", value: "?sslmode=require" });
    });

    it("creates that database with an idempotent Job that reads the RDS master secret through IRSA", () => {
        const job = prod.one("kubernetes:batch/v1:Job").inputs as Spec;
        const pod = job.spec.template.spec;
        expect(pod.initContainers[0].env).to.deep.include({ name: "SECRET_ARN", value: SECRET_ARN });
        expect(pod.containers[0].command[2]).to.equal(BOOTSTRAP_SCRIPT);
        expect(BOOTSTRAP_SCRIPT).to.match(/WHERE NOT EXISTS \(SELECT FROM pg_roles/).and.match(/WHERE NOT EXISTS \(SELECT FROM pg_database/);
        expect(pod.containers[0].env).to.deep.include({ name: "PGSSLMODE", value: "require" });
        const policy = JSON.parse(String(prod.ofType("aws:iam/rolePolicy:RolePolicy")[0].inputs.policy));
        expect(policy.Statement[0]).to.include({ Action: "secretsmanager:GetSecretValue", Resource: SECRET_ARN });
        const trust = String(prod.one("aws:iam/role:Role").inputs.assumeRolePolicy);
        expect(trust).to.include("system:serviceaccount:idtest-prod-ns:keycloak-db-bootstrap");
    });

    it("creates the bootstrap's credentials Secret and ServiceAccount only after its namespace", () => {
        const namespace = prod.one("kubernetes:core/v1:Namespace").urn;
        expect(prod.one("kubernetes:core/v1:ServiceAccount").dependencies).to.include(namespace);
        expect(prod.named("idtest-prod-db-credentials").dependencies).to.include(namespace);
    });

    it("takes the admin credentials from the Pulumi secret through a Kubernetes Secret, never in plain inputs", () => {
        expect(JSON.stringify(secret(prod, "keycloak-admin").stringData)).to.include("ciphertext");
        expect(JSON.parse(values(prod).extraEnv)).to.deep.include({ name: "KC_BOOTSTRAP_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "keycloak-admin", key: "password" } } });
        const everything = JSON.stringify(prod.resources.map((r) => r.inputs));
        expect(everything).to.not.include("keycloak-admin-test-password");
        for (const password of prod.ofType("random:index/randomPassword:RandomPassword").map((r) => String(r.outputs.result))) {
            expect(everything).to.not.include(password);
        }
    });

    it("imports the shop realm (with its signing key) from a Secret", () => {
        expect(JSON.stringify(secret(prod, "keycloak-realm-import").stringData)).to.include("ciphertext");
        expect(JSON.parse(values(prod).extraVolumeMounts)).to.deep.include({ name: "realm-import", mountPath: "/opt/keycloak/data/import", readOnly: true });
    });

    it("issues tokens for the public host in prod and the service address without one", async () => {
        const issuer = (r: Registered) => r.one("ecommerce:identity:Identity").outputs.issuerUrl;
        expect(issuer(prod)).to.equal("https://auth.example.com/auth/realms/shop");
        expect(issuer(dev)).to.equal("http://keycloak-http.idtest-dev-ns.svc.cluster.local/auth/realms/shop");
    });

    it("is reachable through Kong and has a PDB when replicated", () => {
        const ingress = prod.one("kubernetes:networking.k8s.io/v1:Ingress").inputs as Spec;
        expect(ingress.spec.ingressClassName).to.equal("kong");
        expect(ingress.spec.rules[0]).to.include({ host: "auth.example.com" });
        expect(values(prod).podDisruptionBudget).to.deep.equal({ maxUnavailable: 1 });
        expect(values(dev).podDisruptionBudget).to.deep.equal({});
        expect(values(prod).securityContext).to.include({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    });

    it("defines the shop realm: a PKCE storefront client with the API as audience, a confidential API client, our RS256 key", () => {
        const realm = shopRealm({ realm: "shop", signingKeyPem: "PEM", apiClientSecret: "s", redirectUris: ["https://shop.example.com/*"] }) as Spec;
        const web = realm.clients.find((c: Spec) => c.clientId === WEB_CLIENT_ID);
        expect(web).to.include({ publicClient: true, directAccessGrantsEnabled: false });
        expect(web.attributes["pkce.code.challenge.method"]).to.equal("S256");
        expect(web.protocolMappers[0].config["included.client.audience"]).to.equal(API_CLIENT_ID);
        expect(realm.clients.find((c: Spec) => c.clientId === API_CLIENT_ID)).to.include({ publicClient: false, secret: "s" });
        const key = realm.components["org.keycloak.keys.KeyProvider"][0];
        expect(key).to.include({ providerId: "rsa" });
        expect(key.config).to.deep.include({ algorithm: ["RS256"], privateKey: ["PEM"] });
    });
});
