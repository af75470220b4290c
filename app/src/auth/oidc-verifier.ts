import { createRemoteJWKSet, jwtVerify } from "jose";
import type { OidcConfig } from "../config";
import { describeJoseFailure, principalFromClaims } from "./claims";
import { HttpError } from "../http/http-error";
import { TokenRejectedError, type Principal, type TokenVerifier } from "./principal";

/**
 * Verifies Keycloak access tokens against the realm's published keys. jose caches the key set and
 * refetches it when a token names an unknown key id, so Keycloak key rotation needs no restart.
 */
export function createOidcVerifier(oidc: OidcConfig): TokenVerifier {
  const keys = createRemoteJWKSet(new URL(oidc.jwksUrl ?? `${oidc.issuer}/protocol/openid-connect/certs`), {
    timeoutDuration: 3000,
    cooldownDuration: 30_000,
  });
  return {
    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = await jwtVerify(token, keys, {
          issuer: oidc.issuer,
          audience: oidc.audience,
          algorithms: ["RS256", "ES256", "PS256"],
          clockTolerance: 5,
        });
        return principalFromClaims(payload);
      } catch (error) {
        try {
          throw describeJoseFailure(error);
        } catch (described) {
          if (described instanceof TokenRejectedError) throw described;
          // The key set could not be fetched: our dependency failed, not the client's token.
          throw new HttpError(503, "identity_provider_unavailable", "cannot verify tokens right now");
        }
      }
    },
  };
}
