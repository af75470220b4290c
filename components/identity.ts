import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { IMAGES, imageParts } from "./catalogue";
import type { DatabaseEndpoint } from "./database";
import { DatabaseBootstrap } from "./database-bootstrap";
import { helmRelease } from "./helm-release";
import { platformNamespace } from "./namespace";
import { zoneSpread } from "./scheduling";
import { OidcIdentity } from "./service-account-role";
import { needsDisruptionBudget, resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./workload-defaults";

export interface IdentityArgs {
    /** Namespace of Keycloak and its bootstrap Job. Default "identity". */
    namespace?: string;
    /** Keycloak replicas (Infinispan cache over JDBC_PING; more than one gets a PDB). Default 1. */
    replicas?: number;
    /** Bootstrap admin password (a Pulumi secret from config). */
    adminPassword: pulumi.Input<string>;
    /** Public host name Keycloak is reached at through Kong; empty uses the in-cluster service address. Default "". */
    hostname?: string;
    /** Realm of the shop. Default "shop". */
    realm?: string;
    /** Where the storefront may redirect after login. Default: the public host, or none. */
    redirectUris?: string[];
    /** The shared RDS instance; Keycloak gets its own database and role on it. */
    database: DatabaseEndpoint;
    region: string;
    oidc: OidcIdentity;
    /** Kong's ingress class, for the route to Keycloak. Default "kong". */
    ingressClassName?: string;
    /** Spread replicas over zones with DoNotSchedule (prod). Default false. */
    strictZoneSpread?: boolean;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const RELEASE = "keycloak";
const HTTP_PATH = "/auth";
export const API_CLIENT_ID = "shop-api";
export const WEB_CLIENT_ID = "shop-web";

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
        this.serviceHost = `${RELEASE}-http.${this.namespace}.svc.cluster.local`;
        const baseUrl = args.hostname ? `https://${args.hostname}${HTTP_PATH}` : `http://${this.serviceHost}${HTTP_PATH}`;
        this.issuerUrl = `${baseUrl}/realms/${realm}`;

        const namespace = platformNamespace(this.namespace, "restricted", child, `${name}-namespace`);
        this.namespaceResource = namespace;
        const inNamespace = { ...child, dependsOn: [namespace] };

        const database = new DatabaseBootstrap(`${name}-db`, {
            namespace: this.namespace, databaseName: "keycloak", database: args.database, region: args.region, oidc: args.oidc,
            dependsOn: [namespace, ...(args.dependsOn ?? [])],
        }, child);

        const admin = new k8s.core.v1.Secret(`${name}-admin`, {
            metadata: { name: "keycloak-admin", namespace: this.namespace },
            type: "Opaque",
            stringData: { username: "admin", password: pulumi.secret(args.adminPassword) },
        }, inNamespace);

        // The realm's signing key: generated once, kept in Pulumi state as a secret, imported with the realm.
        const signingKey = new tls.PrivateKey(`${name}-realm-signing`, { algorithm: "RSA", rsaBits: 2048 }, child);
        const apiClientSecret = new random.RandomPassword(`${name}-api-client`, { length: 40, special: false }, child);
        const realmJson = pulumi.all([signingKey.privateKeyPemPkcs8, apiClientSecret.result]).apply(([key, clientSecret]) =>
            JSON.stringify(shopRealm({ realm, signingKeyPem: key, apiClientSecret: clientSecret, redirectUris: args.redirectUris ?? (args.hostname ? [`https://${args.hostname}/*`] : []) })));
        const realmSecret = new k8s.core.v1.Secret(`${name}-realm`, {
            metadata: { name: "keycloak-realm-import", namespace: this.namespace },
            type: "Opaque",
            stringData: { [`${realm}-realm.json`]: pulumi.secret(realmJson) },
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
            { name: "KC_DB_URL_PROPERTIES", value: "?sslmode=require" },
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
                    { name: "realm-import", secret: { secretName: "keycloak-realm-import" } },
                    { name: "tmp", emptyDir: { sizeLimit: "256Mi" } },
                ]),
                extraVolumeMounts: JSON.stringify([
                    { name: "realm-import", mountPath: "/opt/keycloak/data/import", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
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
            },
        }, { ...child, dependsOn: [database.job, admin, realmSecret] });

        // Reachable through Kong: the public host's /auth path goes to Keycloak's HTTP service.
        new k8s.networking.v1.Ingress(`${name}-route`, {
            metadata: { name: RELEASE, namespace: this.namespace, annotations: { "konghq.com/strip-path": "false" } },
            spec: {
                ingressClassName: args.ingressClassName ?? "kong",
                rules: [{
                    ...(args.hostname ? { host: args.hostname } : {}),
                    http: { paths: [{ path: HTTP_PATH, pathType: "Prefix", backend: { service: { name: `${RELEASE}-http`, port: { name: "http" } } } }] },
                }],
            },
        }, { ...child, dependsOn: [release] });

        this.realmPublicKeyPem = signingKey.publicKeyPem;
        this.registerOutputs({ issuerUrl: this.issuerUrl });
    }
}

interface RealmInputs { realm: string; signingKeyPem: string; apiClientSecret: string; redirectUris: string[] }

/** The shop realm as Keycloak's import format. */
export function shopRealm({ realm, signingKeyPem, apiClientSecret, redirectUris }: RealmInputs): Record<string, unknown> {
    return {
        realm,
        enabled: true,
        sslRequired: "external",
        registrationAllowed: true,
        loginWithEmailAllowed: true,
        bruteForceProtected: true,
        accessTokenLifespan: 300,
        clients: [
            {
                clientId: WEB_CLIENT_ID,
                name: "Storefront",
                publicClient: true,
                standardFlowEnabled: true,
                directAccessGrantsEnabled: false,
                redirectUris,
                webOrigins: ["+"],
                attributes: { "pkce.code.challenge.method": "S256" },
                protocolMappers: [{
                    name: "api-audience", protocol: "openid-connect", protocolMapper: "oidc-audience-mapper",
                    config: { "included.client.audience": API_CLIENT_ID, "access.token.claim": "true", "id.token.claim": "false" },
                }],
            },
            {
                clientId: API_CLIENT_ID,
                name: "Shop API",
                publicClient: false,
                clientAuthenticatorType: "client-secret",
                secret: apiClientSecret,
                standardFlowEnabled: false,
                directAccessGrantsEnabled: false,
                // Machine-to-machine tokens for the API's jobs and workers.
                serviceAccountsEnabled: true,
            },
        ],
        roles: { realm: [{ name: "customer" }, { name: "shop-admin" }] },
        components: {
            "org.keycloak.keys.KeyProvider": [{
                name: "shop-rs256",
                providerId: "rsa",
                subComponents: {},
                config: { priority: ["200"], enabled: ["true"], active: ["true"], algorithm: ["RS256"], privateKey: [signingKeyPem] },
            }],
        },
    };
}
