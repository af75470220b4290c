import { jwtVerify } from "jose";
import type { BaseLogger } from "pino";
import type { OidcConfig } from "../config";
import { describeJoseFailure, principalFromClaims } from "./claims";
import { HttpError } from "../http/http-error";
import { ResilientKeySet, type KeySetOptions } from "./resilient-key-set";
import { TokenRejectedError, type Principal, type TokenVerifier } from "./principal";

export interface OidcVerifierOptions {
  log?: BaseLogger;
  /** Key-set cache tuning (defaults: refresh after 10 min, stale-if-error 24 h, at most one fetch per 30 s). */
  keySet?: KeySetOptions;
}

/**
 * Verifies Keycloak access tokens against the realm's published keys. The key set is cached and refreshed in the
 * background; while Keycloak is down the last good set keeps verifying (see ResilientKeySet), and a token naming an
 * unknown key id triggers a refetch, so key rotation needs no restart.
 */
export function createOidcVerifier(oidc: OidcConfig, options: OidcVerifierOptions = {}): TokenVerifier {
  const keys = new ResilientKeySet(new URL(oidc.jwksUrl ?? `${oidc.issuer}/protocol/openid-connect/certs`), {
    onRefreshFailed: (error, staleForMs) =>
      options.log?.warn({ err: error, keySetAgeSeconds: Math.round(staleForMs / 1000) }, "JWKS refresh failed; verifying with the last good key set"),
    ...options.keySet,
  });
  return {
    async verify(token: string): Promise<Principal> {
      try {
        const { payload } = await jwtVerify(token, keys.getKey, {
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
          throw new HttpError(503, "identity-provider-unavailable", "cannot verify tokens right now");
        }
      }
    },
  };
}
