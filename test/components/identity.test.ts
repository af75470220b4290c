import { expect } from "chai";
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import { CHARTS } from "../../components/catalogue";
import { BOOTSTRAP_SCRIPT, PASSWORD_SHA256_ANNOTATION } from "../../components/database-bootstrap";
import { CLIENT_SECRET_SHA256_ANNOTATION, Identity, type IdentityArgs, keycloakIssuerUrl, REALM_SETTINGS_SCRIPT } from "../../components/identity";
import { API_CLIENT_ID, REALM_SECURITY, WEB_CLIENT_ID, shopRealm } from "../../components/shop-realm";
import { canonicalJson } from "../../components/workload-defaults";
import { rdsCaBundle } from "../../components/rds-ca";
import { validateCustomResource } from "../support/crd-validator";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const SECRET_ARN = "arn:aws:secretsmanager:ap-south-1:000000000000:secret:rds!db-test";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function declareIdentity(name: string, replicas: number, hostname: string, extra: Partial<IdentityArgs> = {}): Promise<Registered> {
    return declared(name, () => new Identity(name, {
        signingKey: new tls.PrivateKey(`${name}-realm-signing`, { algorithm: "RSA", rsaBits: 2048 }),
        // Stands in for the gateway's Kong release (what installs Kong's CRDs).
        gatewayReady: new k8s.core.v1.ConfigMap(`${name}-gateway-ready`, { metadata: { name: "gateway-ready" } }),
        namespace: `${name}-ns`,
        replicas,
        adminPassword: pulumi.secret("keycloak-admin-test-password"),
        hostname,
        database: { address: "db.example.internal", port: 5432, maintenanceDatabase: "shop", masterUserSecretArn: SECRET_ARN, kmsKeyArn: "arn:aws:kms:ap-south-1:000000000000:key/test", arn: "arn:aws:rds:ap-south-1:000000000000:db:shop", resourceId: "db-TEST" },
        region: "ap-south-1",
        oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.example", providerUrl: "oidc.example" },
        vpcCidr: "10.20.0.0/16",
        ...extra,
    }));
}

describe("components/identity (Keycloak)", () => {
    let prod: Registered;
    let dev: Registered;
    let rotated: Registered;
    before(async () => {
        prod = await declareIdentity("idtest-prod", 2, "auth.example.com");
        dev = await declareIdentity("idtest-dev", 1, "");
        rotated = await declareIdentity("idtest-rotated", 1, "", { rotationEpoch: "2", selfRegistration: true });
    });
    const values = (r: Registered) => r.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
    const secret = (r: Registered, name: string) => r.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Spec).name === name)!.inputs as Spec;
    const configMap = (r: Registered, name: string) => r.ofType("kubernetes:core/v1:ConfigMap").find((c) => (c.inputs.metadata as Spec).name === name)!.inputs as Spec;
    const env = (r: Registered) => JSON.parse(values(r).extraEnv) as Spec[];
    const envValue = (r: Registered, name: string) => env(r).find((e) => e.name === name)?.value;
    const ingresses = (r: Registered) => r.ofType("kubernetes:networking.k8s.io/v1:Ingress").map((i) => i.inputs as Spec);
    const jobNamed = (r: Registered, label: string) => r.ofType("kubernetes:batch/v1:Job").find((j) => (j.inputs as Spec).metadata.labels["app.kubernetes.io/name"] === label)!.inputs as Spec;

    it("deploys the pinned keycloakx chart with the quay.io Keycloak image", () => {
        expect(prod.one("kubernetes:helm.sh/v3:Release").inputs).to.include({ chart: "keycloakx", version: CHARTS.keycloak.version });
        expect(values(prod).image.repository).to.equal("quay.io/keycloak/keycloak");
        expect(values(prod).args).to.deep.equal(["start", "--import-realm"]);
    });

    it("persists to its own database on RDS, verifying the server certificate against the region's RDS CA bundle", () => {
        expect(values(prod).database).to.include({ vendor: "postgres", hostname: "db.example.internal", database: "keycloak", username: "keycloak", existingSecret: "keycloak-db", existingSecretKey: "password" });
        expect(envValue(prod, "KC_DB_URL_PROPERTIES")).to.equal("?sslmode=verify-full&sslrootcert=/opt/keycloak/rds-ca/rds-ca.pem");
        // The bundle ships in the plan as a ConfigMap: Keycloak's pods have no internet egress to fetch it at start.
        expect(values(prod).extraInitContainers).to.equal(undefined);
        expect(JSON.parse(values(prod).extraVolumes)).to.deep.include({ name: "rds-ca", configMap: { name: "keycloak-rds-ca", items: [{ key: "rds-ca.pem", path: "rds-ca.pem" }] } });
        expect(JSON.parse(values(prod).extraVolumeMounts)).to.deep.include({ name: "rds-ca", mountPath: "/opt/keycloak/rds-ca", readOnly: true });
        const bundle = configMap(prod, "keycloak-rds-ca");
        expect(bundle.metadata.namespace).to.equal("idtest-prod-ns");
        expect(bundle.data["rds-ca.pem"]).to.equal(rdsCaBundle("ap-south-1"));
        expect(prod.one("kubernetes:helm.sh/v3:Release").dependencies).to.include(prod.named("idtest-prod-rds-ca").urn);
    });

    it("trusts X-Forwarded-* only from the VPC (Kong's pods), and serves the admin console on an internal URL", () => {
        expect(values(prod).proxy).to.include({ enabled: true, mode: "xforwarded" });
        expect(envValue(prod, "KC_PROXY_TRUSTED_ADDRESSES")).to.equal("10.20.0.0/16");
        expect(envValue(prod, "KC_HOSTNAME_ADMIN")).to.equal("http://localhost:8080/auth");
    });

    it("creates that database with an idempotent Job that reads the RDS master secret through IRSA", () => {
        const job = jobNamed(prod, "keycloak-db-bootstrap");
        const pod = job.spec.template.spec;
        expect(pod.initContainers[0].env).to.deep.include({ name: "SECRET_ARN", value: SECRET_ARN });
        expect(pod.containers[0].command[2]).to.equal(BOOTSTRAP_SCRIPT);
        expect(BOOTSTRAP_SCRIPT).to.match(/WHERE NOT EXISTS \(SELECT FROM pg_roles/).and.match(/WHERE NOT EXISTS \(SELECT FROM pg_database/);
        expect(pod.containers[0].env).to.deep.include({ name: "PGSSLMODE", value: "verify-full" });
        expect(pod.containers[0].env).to.deep.include({ name: "PGSSLROOTCERT", value: "/etc/rds-ca/rds-ca.pem" });
        expect(pod.containers[0].volumeMounts).to.deep.include({ name: "rds-ca", mountPath: "/etc/rds-ca", readOnly: true });
        expect(pod.volumes).to.deep.include({ name: "rds-ca", configMap: { name: "keycloak-db-bootstrap-rds-ca", items: [{ key: "rds-ca.pem", path: "rds-ca.pem" }] } });
        expect(configMap(prod, "keycloak-db-bootstrap-rds-ca").data["rds-ca.pem"]).to.equal(rdsCaBundle("ap-south-1"));
        // Only the master secret is read before psql runs: nothing is downloaded.
        expect(pod.initContainers.map((c: Spec) => c.name)).to.deep.equal(["read-master-secret"]);
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

    it("imports the shop realm from a ConfigMap whose secrets (signing key, client secret) come from a Secret through placeholders", () => {
        const realm = JSON.parse(configMap(prod, "keycloak-realm-import").data["shop-realm.json"]) as Spec;
        expect(realm.clients.find((c: Spec) => c.clientId === API_CLIENT_ID).secret).to.equal("${SHOP_API_CLIENT_SECRET}");
        expect(realm.components["org.keycloak.keys.KeyProvider"][0].config.privateKey).to.deep.equal(["${SHOP_REALM_SIGNING_KEY}"]);
        expect(JSON.stringify(secret(prod, "keycloak-realm-secrets").stringData)).to.include("ciphertext");
        expect(env(prod)).to.deep.include({ name: "SHOP_REALM_SIGNING_KEY", valueFrom: { secretKeyRef: { name: "keycloak-realm-secrets", key: "signingKey" } } });
        expect(env(prod)).to.deep.include({ name: "SHOP_API_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "keycloak-realm-secrets", key: "apiClientSecret" } } });
        expect(JSON.parse(values(prod).extraVolumes)).to.deep.include({ name: "realm-import", configMap: { name: "keycloak-realm-import" } });
        expect(JSON.parse(values(prod).extraVolumeMounts)).to.deep.include({ name: "realm-import", mountPath: "/opt/keycloak/data/import", readOnly: true });
    });

    it("imports a realm with brute-force detection, a password policy and no self-registration by default", () => {
        const realm = JSON.parse(configMap(prod, "keycloak-realm-import").data["shop-realm.json"]) as Spec;
        expect(realm).to.include({ bruteForceProtected: true, registrationAllowed: false });
        expect(realm.passwordPolicy).to.include("length(12)").and.include("notUsername");
    });

    it("applies the same security settings to every realm, the master realm included, with a Job that reruns when they change", () => {
        const settings = configMap(prod, "keycloak-realm-settings").data as Record<string, string>;
        expect(Object.keys(settings).sort()).to.deep.equal(["master.json", "shop.json"]);
        expect(JSON.parse(settings["master.json"])).to.deep.equal(REALM_SECURITY);
        expect(JSON.parse(settings["shop.json"])).to.deep.equal({ ...REALM_SECURITY, registrationAllowed: false });
        const job = jobNamed(prod, "keycloak-realm-settings");
        const container = job.spec.template.spec.containers[0];
        expect(container.command[2]).to.equal(REALM_SETTINGS_SCRIPT);
        expect(REALM_SETTINGS_SCRIPT).to.include('update "realms/$realm"').and.include("--realm master");
        expect(container.env).to.deep.include({ name: "KC_SERVER", value: "http://keycloak-http.idtest-prod-ns.svc.cluster.local/auth" });
        expect(container.env).to.deep.include({ name: "SHOP_ROLES", value: "customer admin" });
        expect(job.spec.template.metadata.annotations["ecommerce-platform/settings-sha256"]).to.match(/^[0-9a-f]{16}$/);
        expect(container.securityContext).to.include({ runAsNonRoot: true, readOnlyRootFilesystem: true });
    });

    it("issues tokens for the public host in prod and the service address without one", async () => {
        const issuer = (r: Registered) => r.one("ecommerce:identity:Identity").outputs.issuerUrl;
        expect(issuer(prod)).to.equal("https://auth.example.com/auth/realms/shop");
        expect(issuer(dev)).to.equal("http://keycloak-http.idtest-dev-ns.svc.cluster.local/auth/realms/shop");
        // What the gateway is given before Identity exists.
        expect(keycloakIssuerUrl({ namespace: "idtest-prod-ns", hostname: "auth.example.com" })).to.equal(issuer(prod));
        expect(keycloakIssuerUrl({ namespace: "idtest-dev-ns", hostname: "" })).to.equal(issuer(dev));
    });

    it("creates its KongPlugins and Kong Ingresses only after the gateway's release (which installs Kong's CRDs)", () => {
        const gateway = prod.named("idtest-prod-gateway-ready").urn;
        const kongObjects = [...prod.ofType("kubernetes:configuration.konghq.com/v1:KongPlugin"), ...prod.ofType("kubernetes:networking.k8s.io/v1:Ingress")];
        expect(kongObjects).to.have.length(4);
        for (const object of kongObjects) expect(object.dependencies, object.urn).to.include(gateway);
    });

    it("publishes only the shop realm and static resources through Kong, and refuses the admin side and the master realm", () => {
        const toKeycloak = ingresses(prod).filter((i) => i.metadata.annotations["konghq.com/plugins"] !== "keycloak-deny");
        const published = toKeycloak.flatMap((i) => i.spec.rules.flatMap((r: Spec) => r.http.paths.map((p: Spec) => `${r.host ?? "*"}${p.path} ${p.pathType}`)));
        expect(published).to.deep.equal(["auth.example.com/auth/realms/shop Prefix", "auth.example.com/auth/resources Prefix"]);
        for (const ingress of ingresses(prod)) expect(ingress.spec.ingressClassName).to.equal("kong");
        const refused = ingresses(prod).find((i) => i.metadata.annotations["konghq.com/plugins"] === "keycloak-deny")!;
        expect(refused.spec.rules).to.have.length(1);
        expect(refused.spec.rules[0].host, "refused on every host").to.equal(undefined);
        expect(refused.spec.rules[0].http.paths.map((p: Spec) => p.path)).to.deep.equal(["/auth/admin", "/auth/realms/master"]);
        const plugins = prod.ofType("kubernetes:configuration.konghq.com/v1:KongPlugin");
        const deny = plugins.find((p) => (p.inputs.metadata as Spec).name === "keycloak-deny")!.inputs as Spec;
        expect(deny).to.deep.include({ plugin: "request-termination", config: { status_code: 404, message: "Not Found" } });
        const forwarded = plugins.find((p) => (p.inputs.metadata as Spec).name === "keycloak-forwarded-for")!.inputs as Spec;
        expect(forwarded.plugin).to.equal("post-function");
        expect(toKeycloak[0].metadata.annotations["konghq.com/plugins"]).to.equal("keycloak-forwarded-for");
        for (const plugin of plugins) expect(validateCustomResource(plugin.inputs), plugin.urn).to.deep.equal([]);
    });

    it("is reachable through Kong and has a PDB when replicated", () => {
        expect(values(prod).podDisruptionBudget).to.deep.equal({ maxUnavailable: 1 });
        expect(values(dev).podDisruptionBudget).to.deep.equal({});
        expect(values(prod).securityContext).to.include({ runAsNonRoot: true, allowPrivilegeEscalation: false });
    });

    it("defines the shop realm: a PKCE storefront client with the API as audience, a confidential API client, our RS256 key", () => {
        const realm = shopRealm({ realm: "shop", signingKeyPem: "PEM", apiClientSecret: "s", redirectUris: ["https://shop.example.com/*"], selfRegistration: true }) as Spec;
        expect(realm.registrationAllowed).to.equal(true);
        const web = realm.clients.find((c: Spec) => c.clientId === WEB_CLIENT_ID);
        expect(web).to.include({ publicClient: true, directAccessGrantsEnabled: false });
        expect(web.attributes["pkce.code.challenge.method"]).to.equal("S256");
        expect(web.protocolMappers[0].config["included.client.audience"]).to.equal(API_CLIENT_ID);
        expect(realm.clients.find((c: Spec) => c.clientId === API_CLIENT_ID)).to.include({ publicClient: false, secret: "s" });
        const key = realm.components["org.keycloak.keys.KeyProvider"][0];
        expect(key).to.include({ providerId: "rsa" });
        expect(key.config).to.deep.include({ algorithm: ["RS256"], privateKey: ["PEM"] });
    });

    describe("rotation (secretRotationEpoch)", () => {
        const password = (r: Registered, name: string) => String(r.ofType("random:index/randomPassword:RandomPassword").find((p) => p.urn.endsWith(`::${name}`))!.outputs.result);
        const bootstrapJob = (r: Registered) => jobNamed(r, "keycloak-db-bootstrap");

        it("re-runs the database bootstrap Job when Keycloak's password changes: its template carries the password's SHA-256", () => {
            for (const [r, name] of [[prod, "idtest-prod"], [rotated, "idtest-rotated"]] as const) {
                const annotations = bootstrapJob(r).spec.template.metadata.annotations;
                expect(annotations[PASSWORD_SHA256_ANNOTATION], name).to.equal(sha256(password(r, `${name}-db-password`)));
            }
            // Another epoch is another password, so another template: Kubernetes Jobs are immutable, Pulumi replaces it.
            expect(rotated.ofType("random:index/randomPassword:RandomPassword").find((p) => p.urn.endsWith("::idtest-rotated-db-password"))!.inputs.keepers).to.deep.equal({ rotationEpoch: "2" });
            expect(bootstrapJob(rotated).spec.template.metadata.annotations[PASSWORD_SHA256_ANNOTATION])
                .to.not.equal(bootstrapJob(prod).spec.template.metadata.annotations[PASSWORD_SHA256_ANNOTATION]);
            // Only the hash: the password itself is nowhere in the Job.
            expect(JSON.stringify(bootstrapJob(prod))).to.not.include(password(prod, "idtest-prod-db-password"));
        });

        it("rolls Keycloak with the same hash, and only after the bootstrap Job has given PostgreSQL the new password", () => {
            for (const [r, name] of [[prod, "idtest-prod"], [rotated, "idtest-rotated"]] as const) {
                expect(values(r).podAnnotations, name).to.deep.equal({ [PASSWORD_SHA256_ANNOTATION]: sha256(password(r, `${name}-db-password`)) });
                const job = r.ofType("kubernetes:batch/v1:Job").find((j) => j.urn.endsWith(`::${name}-db-bootstrap`))!;
                expect(r.one("kubernetes:helm.sh/v3:Release").dependencies, name).to.include(job.urn);
            }
        });

        it("re-runs the realm-settings Job when the API client's secret changes, and that Job sets the secret on the existing client", () => {
            for (const [r, name] of [[prod, "idtest-prod"], [rotated, "idtest-rotated"]] as const) {
                const job = jobNamed(r, "keycloak-realm-settings");
                expect(job.spec.template.metadata.annotations[CLIENT_SECRET_SHA256_ANNOTATION], name).to.equal(sha256(password(r, `${name}-api-client`)));
                expect(job.spec.template.spec.containers[0].env).to.deep.include.members([
                    { name: "API_CLIENT_ID", value: API_CLIENT_ID },
                    { name: "API_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "keycloak-realm-secrets", key: "apiClientSecret" } } },
                ]);
            }
            // Looked up by clientId, updated by id, the value on standard input (never on a command line).
            expect(REALM_SETTINGS_SCRIPT).to.include('get clients -r "$SHOP_REALM" --config "$CONFIG" -q "clientId=$API_CLIENT_ID" --fields id --format csv --noquotes');
            expect(REALM_SETTINGS_SCRIPT).to.match(/printf '\{"secret":"%s"\}' "\$API_CLIENT_SECRET" \| "\$KCADM" update "clients\/\$client" -r "\$SHOP_REALM" --config "\$CONFIG" -f -/);
            expect(REALM_SETTINGS_SCRIPT).to.not.match(/-s "?secret=/);
        });

        it("applies self-registration to the existing shop realm too (the import only reaches a new realm)", () => {
            expect(JSON.parse(configMap(rotated, "keycloak-realm-settings").data["shop.json"])).to.include({ registrationAllowed: true });
            expect(JSON.parse(configMap(rotated, "keycloak-realm-settings").data["master.json"])).to.not.have.property("registrationAllowed");
        });

        it("opens the bootstrap role's access to the master secret only for two hours after the Job's template last changed", () => {
            const offset = prod.one("time:index/offset:Offset");
            expect(offset.inputs.offsetHours).to.equal(2);
            // The window opens once the Job's prerequisites exist (its namespace here), not while they are still created.
            expect(offset.dependencies).to.include(prod.one("kubernetes:core/v1:Namespace").urn);
            expect(offset.inputs.triggers).to.deep.equal({ jobTemplate: sha256(canonicalJson(bootstrapJob(prod).spec.template)) });
            const policy = JSON.parse(String(prod.ofType("aws:iam/rolePolicy:RolePolicy")[0].inputs.policy)) as { Statement: Spec[] };
            expect(policy.Statement).to.have.length(2);
            for (const statement of policy.Statement) {
                expect(statement.Condition.DateLessThan, statement.Sid).to.deep.equal({ "aws:CurrentTime": offset.outputs.rfc3339 });
            }
            expect(offset.outputs.rfc3339).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        });
    });
});
