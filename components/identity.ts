import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { IMAGES, imageParts } from "./catalogue";
import type { DatabaseEndpoint } from "./database";
import { DatabaseBootstrap, PASSWORD_SHA256_ANNOTATION } from "./database-bootstrap";
import { helmRelease } from "./helm-release";
import { platformNamespace } from "./namespace";
import { API_CLIENT_ID, REALM_SECURITY, SHOP_REALM_ROLES, shopRealm } from "./shop-realm";
import { RDS_CA_FILE, rdsCaConfigMap, rdsCaVolume } from "./rds-ca";
import { zoneSpread } from "./scheduling";
import { OidcIdentity } from "./service-account-role";
import { needsDisruptionBudget, resources, restrictedContainerSecurityContext, restrictedPodSecurityContext, secretChecksum } from "./workload-defaults";

export interface IdentityArgs {
    /** Namespace of Keycloak and its bootstrap Job. Default "identity". */
    namespace?: string;
    /** Keycloak replicas (Infinispan cache over JDBC_PING; more than one gets a PDB). Default 1. */
    replicas?: number;
    /** Bootstrap admin password (a Pulumi secret from config). */
    adminPassword: pulumi.Input<string>;
    /** Public host name Keycloak is reached at through Kong; empty uses the in-cluster service address. Default "". */
    hostname?: string;
    /**
     * Host names Kong publishes the realm on (the Host header requests arrive with): the public name and the names the
     * region's load balancer answers for, since CloudFront sends its origin's name. Default: [hostname], or any host
     * when hostname is empty.
     */
    publicHosts?: string[];
    /** Realm of the shop. Default "shop". */
    realm?: string;
    /** Where the storefront may redirect after login. Default: the public host, or none. */
    redirectUris?: string[];
    /** The shared RDS instance; Keycloak gets its own database and role on it. */
    database: DatabaseEndpoint;
    region: string;
    /** The database's region when it is not this one (a writer in the primary region). Default: region. */
    databaseRegion?: pulumi.Input<string>;
    /** Keycloak's own database and role on the instance. Default "keycloak"; each region's Keycloak has its own. */
    databaseName?: string;
    oidc: OidcIdentity;
    /** Kong's ingress class, for the route to Keycloak. Default "kong". */
    ingressClassName?: string;
    /**
     * CIDR of the VPC: Kong's pods (VPC CNI addresses) are the only proxy in front of Keycloak, so only they may set
     * X-Forwarded-* headers (Keycloak's proxy-trusted-addresses).
     */
    vpcCidr: string;
    /** Whether shoppers may create their own accounts in the shop realm. Default false. */
    selfRegistration?: boolean;
    /**
     * URL of the admin console (Keycloak's hostname-admin). The gateway never routes /auth/admin, so the console is
     * reached through `kubectl -n <namespace> port-forward svc/keycloak-http 8080:80`. Default "http://localhost:8080/auth".
     */
    adminConsoleUrl?: string;
    /** Spread replicas over zones with DoNotSchedule (prod). Default false. */
    strictZoneSpread?: boolean;
    /** Changing this value generates its passwords anew (RandomPassword keeper; config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    /**
     * The realm's RS256 signing key (a `tls.PrivateKey`). The composition generates it, because the gateway verifies
     * tokens with its public half and Keycloak's Kong objects must wait for the gateway: owning it here would be a cycle.
     */
    signingKey: RealmSigningKey;
    /**
     * What installs Kong's CRDs (the gateway's Helm release): the KongPlugins and Kong Ingresses of Keycloak wait for
     * it, as the API server refuses a KongPlugin before its CRD exists ("no matches for kind KongPlugin").
     */
    gatewayReady: pulumi.Resource;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The parts of a `tls.PrivateKey` the realm needs. */
export interface RealmSigningKey {
    privateKeyPemPkcs8: pulumi.Output<string>;
    publicKeyPem: pulumi.Output<string>;
}

/** Where Keycloak's token issuer lives; the gateway needs it before Identity exists (see IdentityArgs.gatewayReady). */
export interface IssuerLocation {
    /** Default "identity". */
    namespace?: string;
    /** Default "" (the in-cluster service address). */
    hostname?: string;
    /** Default "shop". */
    realm?: string;
}

const RELEASE = "keycloak";
const HTTP_PATH = "/auth";
/** Paths of Keycloak the gateway publishes: the shop realm's endpoints and the static resources its pages load. */
export function publishedPaths(realm: string): string[] {
    return [`${HTTP_PATH}/realms/${realm}`, `${HTTP_PATH}/resources`];
}
/** Paths the gateway answers with 404 on every host: the admin console and REST API, and the master realm. */
export const REFUSED_PATHS = [`${HTTP_PATH}/admin`, `${HTTP_PATH}/realms/master`];
const KONG_API = "configuration.konghq.com/v1";
/** Placeholders Keycloak resolves from its environment when it imports the realm (so the realm file holds no secret). */
const REALM_ENV = { signingKey: "SHOP_REALM_SIGNING_KEY", apiClientSecret: "SHOP_API_CLIENT_SECRET" } as const;
const RDS_CA_DIR = "/opt/keycloak/rds-ca";
/** The RDS CA bundle's ConfigMap in Keycloak's namespace (see components/rds-ca.ts). */
const RDS_CA_CONFIGMAP = "keycloak-rds-ca";

const serviceHostOf = (namespace: string) => `${RELEASE}-http.${namespace}.svc.cluster.local`;
const baseUrlOf = (namespace: string, hostname: string | undefined) => (hostname ? `https://${hostname}${HTTP_PATH}` : `http://${serviceHostOf(namespace)}${HTTP_PATH}`);

/** Token issuer of a realm (the `iss` claim): what Identity.issuerUrl will be for the same arguments. */
export function keycloakIssuerUrl({ namespace = "identity", hostname, realm = "shop" }: IssuerLocation): string {
    return `${baseUrlOf(namespace, hostname)}/realms/${realm}`;
}

/**
 * Keycloak for identity and SSO (codecentric keycloakx chart, quay.io/keycloak image): its own database and role on
 * the RDS instance (DatabaseBootstrap Job), the bootstrap admin from a Pulumi secret via a Kubernetes Secret, and the
 * shop realm imported at start from a Secret: a public storefront client (PKCE) whose tokens are issued for the
 * API's audience, a confidential API client, and the realm's RS256 signing key, generated here so the gateway can
 * verify tokens with its public half (see ApiGateway). Reached through Kong at <host>/auth.
 */
export class Identity extends pulumi.ComponentResource {
    readonly namespace: string;
    /** Token issuer of the shop realm (the `iss` claim). */
    readonly issuerUrl: string;
    /**
     * The realm's signing keys (JWKS) at the in-cluster Service address: plain HTTP that never leaves the cluster
     * network, whatever host the issuer names (Keycloak serves the same keys on every host).
     */
    readonly jwksUrl: string;
    /** Public key of the realm's active RS256 signing key (PEM). */
    readonly realmPublicKeyPem: pulumi.Output<string>;
    readonly serviceHost: string;
    /** The namespace object: what resources placed in it (its NetworkPolicies) wait for. */
    readonly namespaceResource: k8s.core.v1.Namespace;

    constructor(name: string, args: IdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:identity:Identity", name, {}, opts);
        const child = { parent: this };
        this.namespace = args.namespace ?? "identity";
        const realm = args.realm ?? "shop";
        const replicas = args.replicas ?? 1;
        this.serviceHost = serviceHostOf(this.namespace);
        const baseUrl = baseUrlOf(this.namespace, args.hostname);
        this.issuerUrl = keycloakIssuerUrl({ namespace: this.namespace, hostname: args.hostname, realm });
        this.jwksUrl = `http://${this.serviceHost}${HTTP_PATH}/realms/${realm}/protocol/openid-connect/certs`;

        const namespace = platformNamespace(this.namespace, "restricted", child, `${name}-namespace`);
        this.namespaceResource = namespace;
        const inNamespace = { ...child, dependsOn: [namespace] };

        const database = new DatabaseBootstrap(`${name}-db`, {
            namespace: this.namespace, databaseName: args.databaseName ?? "keycloak", database: args.database, region: args.databaseRegion ?? args.region, oidc: args.oidc, rotationEpoch: args.rotationEpoch,
            dependsOn: [namespace, ...(args.dependsOn ?? [])],
        }, child);

        const admin = new k8s.core.v1.Secret(`${name}-admin`, {
            metadata: { name: "keycloak-admin", namespace: this.namespace },
            type: "Opaque",
            stringData: { username: "admin", password: pulumi.secret(args.adminPassword) },
        }, inNamespace);

        // The realm's signing key (args.signingKey) reaches Keycloak's import through environment placeholders, so the
        // realm file itself is plain configuration that tests and reviews can read.
        const signingKey = args.signingKey;
        const apiClientSecret = new random.RandomPassword(`${name}-api-client`, { length: 40, special: false, keepers: { rotationEpoch: args.rotationEpoch ?? "1" } }, child);
        const realmJson = JSON.stringify(shopRealm({
            realm,
            signingKeyPem: `\${${REALM_ENV.signingKey}}`,
            apiClientSecret: `\${${REALM_ENV.apiClientSecret}}`,
            redirectUris: args.redirectUris ?? (args.hostname ? [`https://${args.hostname}/*`] : []),
            selfRegistration: args.selfRegistration ?? false,
        }));
        const realmImport = new k8s.core.v1.ConfigMap(`${name}-realm`, {
            metadata: { name: "keycloak-realm-import", namespace: this.namespace },
            data: { [`${realm}-realm.json`]: realmJson },
        }, inNamespace);
        // Shipped with the plan: Keycloak's namespace has no internet egress to download it from.
        const rdsCa = rdsCaConfigMap(`${name}-rds-ca`, { namespace: this.namespace, configMapName: RDS_CA_CONFIGMAP, region: args.databaseRegion ?? args.region }, inNamespace);
        const realmSecrets = new k8s.core.v1.Secret(`${name}-realm-secrets`, {
            metadata: { name: "keycloak-realm-secrets", namespace: this.namespace },
            type: "Opaque",
            stringData: {
                // One line of base64 (the PEM body): a JSON string cannot hold the PEM's line breaks; Keycloak reads both.
                signingKey: pulumi.secret(signingKey.privateKeyPemPkcs8.apply(pemBody)),
                apiClientSecret: pulumi.secret(apiClientSecret.result),
            },
        }, inNamespace);
        new k8s.core.v1.Secret(`${name}-api-client`, {
            metadata: { name: `${API_CLIENT_ID}-client`, namespace: this.namespace },
            type: "Opaque",
            stringData: { clientId: API_CLIENT_ID, clientSecret: pulumi.secret(apiClientSecret.result), issuer: this.issuerUrl },
        }, inNamespace);

        const image = imageParts(IMAGES.keycloak);
        const env = [
            { name: "KC_HOSTNAME", value: baseUrl },
            { name: "KC_HOSTNAME_STRICT", value: args.hostname ? "true" : "false" },
            // The console's own URL; Keycloak 26 documents that this does not block the admin REST API on the public
            // host, which is why the gateway refuses /auth/admin (REFUSED_PATHS).
            { name: "KC_HOSTNAME_ADMIN", value: args.adminConsoleUrl ?? "http://localhost:8080/auth" },
            // The chart sets KC_PROXY_HEADERS from proxy.mode; only Kong (pod addresses in the VPC) may set them.
            { name: "KC_PROXY_TRUSTED_ADDRESSES", value: args.vpcCidr },
            // verify-full: the chain up to the region's RDS CA and the endpoint's host name (pgjdbc reads a PEM bundle).
            { name: "KC_DB_URL_PROPERTIES", value: `?sslmode=verify-full&sslrootcert=${RDS_CA_DIR}/${RDS_CA_FILE}` },
            { name: REALM_ENV.signingKey, valueFrom: { secretKeyRef: { name: "keycloak-realm-secrets", key: "signingKey" } } },
            { name: REALM_ENV.apiClientSecret, valueFrom: { secretKeyRef: { name: "keycloak-realm-secrets", key: "apiClientSecret" } } },
            { name: "KC_BOOTSTRAP_ADMIN_USERNAME", valueFrom: { secretKeyRef: { name: "keycloak-admin", key: "username" } } },
            { name: "KC_BOOTSTRAP_ADMIN_PASSWORD", valueFrom: { secretKeyRef: { name: "keycloak-admin", key: "password" } } },
            { name: "JAVA_OPTS_APPEND", value: "-XX:MaxRAMPercentage=70 -Djava.io.tmpdir=/tmp" },
        ];
        const selector = { "app.kubernetes.io/name": "keycloakx", "app.kubernetes.io/instance": RELEASE };
        // The chart renders these keys through `tpl` as YAML strings; JSON is YAML, so typed objects are serialised.
        const release = helmRelease(`${name}-keycloak`, {
            releaseName: RELEASE,
            chart: "keycloak",
            namespace: this.namespace,
            values: {
                fullnameOverride: RELEASE,
                replicas,
                image: { repository: image.repository, tag: image.tag },
                args: ["start", "--import-realm"],
                http: { relativePath: HTTP_PATH },
                proxy: { enabled: true, mode: "xforwarded" },
                database: {
                    vendor: "postgres",
                    hostname: args.database.address,
                    port: args.database.port,
                    database: database.databaseName,
                    username: database.username,
                    existingSecret: database.secretName,
                    existingSecretKey: "password",
                },
                extraEnv: JSON.stringify(env),
                extraVolumes: JSON.stringify([
                    { name: "realm-import", configMap: { name: "keycloak-realm-import" } },
                    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                    rdsCaVolume("rds-ca", RDS_CA_CONFIGMAP),
                ]),
                extraVolumeMounts: JSON.stringify([
                    { name: "realm-import", mountPath: "/opt/keycloak/data/import", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                    { name: "rds-ca", mountPath: RDS_CA_DIR, readOnly: true },
                ]),
                podSecurityContext: restrictedPodSecurityContext(1000),
                // Keycloak writes its build and cache state under /opt/keycloak/data: the root filesystem stays writable.
                securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false, uid: 1000 }),
                resources: resources("500m", "1536Mi", { memory: "1536Mi" }),
                podDisruptionBudget: needsDisruptionBudget(replicas) ? { maxUnavailable: 1 } : {},
                topologySpreadConstraints: JSON.stringify(zoneSpread(selector, args.strictZoneSpread ?? false)),
                serviceAccount: { automountServiceAccountToken: false },
                metrics: { enabled: true },
                health: { enabled: true },
                // Keycloak reads its database password at start: a rotated one rolls the pods. The release waits for
                // the bootstrap Job (dependsOn below), which a new password re-runs, so PostgreSQL has it first.
                ...(database.passwordSha256 ? { podAnnotations: { [PASSWORD_SHA256_ANNOTATION]: database.passwordSha256 } } : {}),
            },
        }, { ...child, dependsOn: [database.job, admin, realmImport, realmSecrets, rdsCa] });

        this.routes(name, realm, args, { ...child, dependsOn: [release, args.gatewayReady] });
        this.realmSettingsJob(name, {
            realm,
            serverUrl: args.hostname ? `http://${this.serviceHost}${HTTP_PATH}` : baseUrl,
            selfRegistration: args.selfRegistration ?? false,
            apiClientSecretSha256: secretChecksum(apiClientSecret.result),
        }, { ...child, dependsOn: [release, realmSecrets] });

        this.realmPublicKeyPem = signingKey.publicKeyPem;
        this.registerOutputs({ issuerUrl: this.issuerUrl, jwksUrl: this.jwksUrl });
    }

    /**
     * Kong publishes only what shoppers need (publishedPaths) on the public host, and refuses the admin console and
     * REST API and the master realm on every host with 404, so a broader route added later (longer prefixes win in
     * Kong's router) cannot expose them. KIC turns a Prefix path `/p` into the Kong paths `/p/` and `~/p$`, so
     * `/auth/realms/shop` never matches `/auth/realms/shopping` (kubernetes-ingress-controller, PathsFromIngressPaths).
     */
    private routes(name: string, realm: string, args: IdentityArgs, opts: pulumi.CustomResourceOptions): void {
        const ingressClassName = args.ingressClassName ?? "kong";
        const classAnnotation = { "kubernetes.io/ingress.class": ingressClassName };
        const backend = { service: { name: `${RELEASE}-http`, port: { name: "http" } } };
        const deny = new k8s.apiextensions.CustomResource(`${name}-deny`, {
            apiVersion: KONG_API,
            kind: "KongPlugin",
            metadata: { name: "keycloak-deny", namespace: this.namespace, annotations: classAnnotation },
            plugin: "request-termination",
            config: { status_code: 404, message: "Not Found" },
        }, opts);
        // Kong appends the client's own X-Forwarded-For to what it sends upstream, and Keycloak (Quarkus) reads the
        // leftmost entry: without this, a caller would choose the address Keycloak logs and judges. Kong's remote_addr
        // is the client once real_ip has walked back through the trusted hops (ApiGateway's trusted_ips).
        const forwardedFor = new k8s.apiextensions.CustomResource(`${name}-forwarded-for`, {
            apiVersion: KONG_API,
            kind: "KongPlugin",
            metadata: { name: "keycloak-forwarded-for", namespace: this.namespace, annotations: classAnnotation },
            plugin: "post-function",
            config: { access: ["ngx.var.upstream_x_forwarded_for = ngx.var.remote_addr"] },
        }, opts);
        const ingress = (id: string, paths: string[], plugin: k8s.apiextensions.CustomResource, pluginName: string, hosts: (string | undefined)[]) =>
            new k8s.networking.v1.Ingress(`${name}-${id}`, {
                metadata: {
                    name: id === "route" ? RELEASE : `${RELEASE}-${id}`,
                    namespace: this.namespace,
                    annotations: { "konghq.com/strip-path": "false", "konghq.com/plugins": pluginName },
                },
                spec: {
                    ingressClassName,
                    rules: hosts.map((host) => ({ ...(host ? { host } : {}), http: { paths: paths.map((path) => ({ path, pathType: "Prefix", backend })) } })),
                },
            }, { ...opts, dependsOn: [...(opts.dependsOn as pulumi.Resource[]), plugin] });
        const hosts = args.publicHosts ?? (args.hostname ? [args.hostname] : [undefined]);
        ingress("route", publishedPaths(realm), forwardedFor, "keycloak-forwarded-for", [...new Set(hosts)]);
        // The backend is never reached: request-termination answers in the access phase.
        ingress("refused", REFUSED_PATHS, deny, "keycloak-deny", [undefined]);
    }

    /**
     * Keycloak imports a realm only when it does not exist and never imports the master realm, so the security settings
     * (REALM_SECURITY, and self-registration in the shop realm), the roles the API requires and the API client's
     * current secret reach every realm through its admin REST API, in-cluster: a Job with kcadm.sh from the same image,
     * re-run whenever the settings or the client secret change (their hashes annotate the pod template, so a new
     * template replaces the Job).
     * It logs in with the client credentials in the optional `keycloak-automation` Secret once an operator has created
     * one (README: replacing the startup admin), with the startup admin until then.
     */
    private realmSettingsJob(name: string, job: RealmSettingsInputs, opts: pulumi.CustomResourceOptions): void {
        const { realm, serverUrl } = job;
        const settings: Record<string, string> = {
            "master.json": JSON.stringify(REALM_SECURITY),
            [`${realm}.json`]: JSON.stringify({ ...REALM_SECURITY, registrationAllowed: job.selfRegistration }),
        };
        const checksum = createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);
        const configMap = new k8s.core.v1.ConfigMap(`${name}-realm-settings`, {
            metadata: { name: "keycloak-realm-settings", namespace: this.namespace },
            data: settings,
        }, opts);
        const optionalSecret = (envName: string, secretName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: secretName, key, optional: true } } });
        new k8s.batch.v1.Job(`${name}-realm-settings`, {
            metadata: { namespace: this.namespace, labels: { "app.kubernetes.io/name": "keycloak-realm-settings", "app.kubernetes.io/part-of": "ecommerce-platform" } },
            spec: {
                backoffLimit: 10,
                activeDeadlineSeconds: 1800,
                template: {
                    metadata: {
                        labels: { "app.kubernetes.io/name": "keycloak-realm-settings" },
                        annotations: { "ecommerce-platform/settings-sha256": checksum, [CLIENT_SECRET_SHA256_ANNOTATION]: job.apiClientSecretSha256 },
                    },
                    spec: {
                        restartPolicy: "OnFailure",
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(1000),
                        volumes: [
                            { name: "settings", configMap: { name: configMap.metadata.name } },
                            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
                        ],
                        containers: [{
                            name: "kcadm",
                            image: IMAGES.keycloak,
                            command: ["sh", "-c", REALM_SETTINGS_SCRIPT],
                            env: [
                                { name: "KC_SERVER", value: serverUrl },
                                { name: "SHOP_REALM", value: realm },
                                { name: "SHOP_ROLES", value: Object.values(SHOP_REALM_ROLES).join(" ") },
                                { name: "API_CLIENT_ID", value: API_CLIENT_ID },
                                { name: "API_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "keycloak-realm-secrets", key: "apiClientSecret" } } },
                                { name: "HOME", value: "/tmp" },
                                { name: "JAVA_OPTS_APPEND", value: "-Djava.io.tmpdir=/tmp" },
                                optionalSecret("KC_ADMIN_USER", "keycloak-admin", "username"),
                                optionalSecret("KC_ADMIN_PASSWORD", "keycloak-admin", "password"),
                                optionalSecret("KC_CLIENT_ID", "keycloak-automation", "clientId"),
                                optionalSecret("KC_CLIENT_SECRET", "keycloak-automation", "clientSecret"),
                            ],
                            volumeMounts: [{ name: "settings", mountPath: "/settings", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
                            resources: resources("100m", "256Mi", { memory: "512Mi" }),
                            securityContext: restrictedContainerSecurityContext({ uid: 1000 }),
                        }],
                    },
                },
            },
        }, { ...opts, dependsOn: [...(opts.dependsOn as pulumi.Resource[]), configMap] });
    }
}

/** Pod-template annotation of the realm-settings Job with the SHA-256 of the API client's secret: a rotation re-runs it. */
export const CLIENT_SECRET_SHA256_ANNOTATION = "ecommerce-platform/client-secret-sha256";

interface RealmSettingsInputs {
    realm: string;
    /** Keycloak's in-cluster base URL (with /auth). */
    serverUrl: string;
    selfRegistration: boolean;
    apiClientSecretSha256: pulumi.Output<string>;
}

/**
 * Logs in to the master realm (automation client if its Secret exists, else the startup admin), applies each
 * /settings/<realm>.json to its realm, creates the shop realm's roles that are missing, and sets the API client's
 * secret to the one in the `keycloak-realm-secrets` Secret (the import sets it only when the realm is new). The secret
 * reaches kcadm on standard input, never on a command line (it is alphanumeric: no JSON escaping). Idempotent.
 */
export const REALM_SETTINGS_SCRIPT = `set -eu
KCADM="/opt/keycloak/bin/kcadm.sh"
CONFIG=/tmp/kcadm.config
if [ -n "\${KC_CLIENT_SECRET:-}" ]; then
  "$KCADM" config credentials --config "$CONFIG" --server "$KC_SERVER" --realm master --client "$KC_CLIENT_ID" --secret "$KC_CLIENT_SECRET"
else
  "$KCADM" config credentials --config "$CONFIG" --server "$KC_SERVER" --realm master --user "$KC_ADMIN_USER" --password "$KC_ADMIN_PASSWORD"
fi
for file in /settings/*.json; do
  realm="$(basename "$file" .json)"
  "$KCADM" update "realms/$realm" --config "$CONFIG" -f "$file"
  echo "settings applied to realm $realm"
done
for role in $SHOP_ROLES; do
  "$KCADM" get "roles/$role" -r "$SHOP_REALM" --config "$CONFIG" > /dev/null 2>&1 || "$KCADM" create roles -r "$SHOP_REALM" --config "$CONFIG" -s "name=$role"
done
client="$("$KCADM" get clients -r "$SHOP_REALM" --config "$CONFIG" -q "clientId=$API_CLIENT_ID" --fields id --format csv --noquotes)"
if [ -z "$client" ]; then
  echo "client $API_CLIENT_ID not found in realm $SHOP_REALM" >&2
  exit 1
fi
printf '{"secret":"%s"}' "$API_CLIENT_SECRET" | "$KCADM" update "clients/$client" -r "$SHOP_REALM" --config "$CONFIG" -f -
echo "secret of client $API_CLIENT_ID set"
`;

/** The base64 body of a PEM block on one line. */
function pemBody(pem: string): string {
    return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
}
