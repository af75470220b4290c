import { errors, type JWTPayload } from "jose";
import { isEmailAddress } from "../email-address";
import { TokenRejectedError, type Principal } from "./principal";

/** Keycloak puts realm roles under `realm_access.roles`; the dev issuer mints the same shape. */
export function principalFromClaims(payload: JWTPayload): Principal {
  if (typeof payload.sub !== "string" || payload.sub === "") throw new TokenRejectedError("token has no subject");
  const realmAccess = payload["realm_access"];
  const roles =
    typeof realmAccess === "object" && realmAccess !== null && "roles" in realmAccess && Array.isArray(realmAccess.roles)
      ? realmAccess.roles.filter((role): role is string => typeof role === "string")
      : [];
  const email = verifiedEmail(payload);
  return { subject: payload.sub, roles, ...(email ? { email } : {}) };
}

/**
 * Only an address the identity provider verified receives order mail: an unverified one could be anyone's. A
 * malformed claim is ignored (no mail), never an error: the token is still valid for everything else.
 */
function verifiedEmail(payload: JWTPayload): string | undefined {
  const email = payload["email"];
  if (typeof email !== "string" || payload["email_verified"] !== true) return undefined;
  return isEmailAddress(email) ? email : undefined;
}

/** Turns jose's failures into a reason a client can act on; unexpected failures propagate as 5xx. */
export function describeJoseFailure(error: unknown): TokenRejectedError {
  if (error instanceof TokenRejectedError) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejectedError("token expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new TokenRejectedError(`token claim "${error.claim}" is invalid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejectedError("token signature is invalid");
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenRejectedError("token was signed by an unknown key");
  // Chosen before any signature check, so any client can send one; Keycloak's tokens always carry a kid.
  if (error instanceof errors.JWKSMultipleMatchingKeys) return new TokenRejectedError("token does not say which key signed it (no kid)");
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRejectedError("token algorithm is not allowed");
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid || error instanceof errors.JOSENotSupported) {
    return new TokenRejectedError("token is malformed");
  }
  throw error;
}
