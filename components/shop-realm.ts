/**
 * The shop realm as Keycloak imports it: its clients, roles, signing key and the security settings every realm gets.
 * A plain document (no resources), so the Identity component, the gateway and the contract tests read one definition.
 */
export const API_CLIENT_ID = "shop-api";
export const WEB_CLIENT_ID = "shop-web";
/**
 * Realm roles of the shop realm. The API requires these names (app/src/auth/roles.ts); test/stacks/realm-contract.test.ts
 * keeps the two equal, because the app and the platform are separate packages that share no code.
 */
export const SHOP_REALM_ROLES = { customer: "customer", admin: "admin" } as const;
/**
 * Settings every realm gets, the master realm included: brute-force detection (temporary lockout after failures,
 * growing wait) and a password policy. Applied at import to the shop realm and by the realm-settings Job to every realm,
 * since Keycloak does not import the master realm and skips the import of a realm that exists.
 */
export const REALM_SECURITY = {
    bruteForceProtected: true,
    permanentLockout: false,
    failureFactor: 5,
    waitIncrementSeconds: 60,
    maxFailureWaitSeconds: 900,
    maxDeltaTimeSeconds: 43200,
    quickLoginCheckMilliSeconds: 1000,
    minimumQuickLoginWaitSeconds: 60,
    passwordPolicy: "length(12) and notUsername and notEmail and passwordHistory(3) and maxLength(128)",
} as const;

interface RealmInputs { realm: string; signingKeyPem: string; apiClientSecret: string; redirectUris: string[]; selfRegistration: boolean }

/** The shop realm as Keycloak's import format. */
export function shopRealm({ realm, signingKeyPem, apiClientSecret, redirectUris, selfRegistration }: RealmInputs): Record<string, unknown> {
    return {
        realm,
        enabled: true,
        sslRequired: "external",
        registrationAllowed: selfRegistration,
        loginWithEmailAllowed: true,
        ...REALM_SECURITY,
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
        roles: { realm: Object.values(SHOP_REALM_ROLES).map((role) => ({ name: role })) },
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
