import { SignJWT, exportJWK, generateKeyPair, jwtVerify, type CryptoKey, type JWK } from "jose";
import { describeJoseFailure, principalFromClaims } from "./claims";
import type { Principal, TokenVerifier } from "./principal";

export const DEV_ISSUER = "urn:shop-api:dev";

export interface DevTokenRequest {
  subject: string;
  roles: string[];
  ttlSeconds: number;
  /** Put in the token as a verified `email` claim, as Keycloak does for a user with a verified address. */
  email?: string;
}

/**
 * A throwaway signing key made at start, for trying the API without Keycloak. Tokens look like
 * Keycloak's (realm_access.roles) and die with the process. Only wired up when no OIDC_ISSUER is set.
 */
export class DevIssuer implements TokenVerifier {
  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly publicJwk: JWK,
    private readonly audience: string,
  ) {}

  static async create(audience: string): Promise<DevIssuer> {
    const { privateKey, publicKey } = await generateKeyPair("ES256");
    return new DevIssuer(privateKey, publicKey, await exportJWK(publicKey), audience);
  }

  issue(request: DevTokenRequest): Promise<string> {
    const email = request.email ? { email: request.email, email_verified: true } : {};
    return new SignJWT({ realm_access: { roles: request.roles }, ...email })
      .setProtectedHeader({ alg: "ES256", typ: "JWT" })
      .setIssuer(DEV_ISSUER)
      .setAudience(this.audience)
      .setSubject(request.subject)
      .setIssuedAt()
      .setExpirationTime(`${request.ttlSeconds}s`)
      .sign(this.privateKey);
  }

  async verify(token: string): Promise<Principal> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        issuer: DEV_ISSUER,
        audience: this.audience,
        algorithms: ["ES256"],
      });
      return principalFromClaims(payload);
    } catch (error) {
      throw describeJoseFailure(error);
    }
  }
}
