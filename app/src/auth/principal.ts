export interface Principal {
  /** The token's `sub`: the stable user id orders are owned by. */
  subject: string;
  roles: string[];
  /** The token's `email` when `email_verified` is true (Keycloak's email scope): where order notifications go. */
  email?: string;
}

export class TokenRejectedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "TokenRejectedError";
  }
}

/** Checks a bearer token and says who it belongs to; throws TokenRejectedError for any bad token. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}
