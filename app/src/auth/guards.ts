import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from "fastify";
import { forbidden, unauthorized } from "../http/http-error";
import { TokenRejectedError, type Principal, type TokenVerifier } from "./principal";

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

const TOKEN_GUARD = Symbol("shop-api.token-guard");

/** Whether a route hook is the bearer-token guard (the OpenAPI document marks such routes as secured). */
export function requiresToken(hook: unknown): boolean {
  return typeof hook === "function" && TOKEN_GUARD in hook;
}

export function authenticate(verifier: TokenVerifier): onRequestAsyncHookHandler {
  return Object.assign(async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    if (!header) {
      reply.header("www-authenticate", 'Bearer realm="shop"');
      throw unauthorized("missing bearer token");
    }
    const match = BEARER.exec(header);
    if (!match?.[1]) throw unauthorized("authorization header must be 'Bearer <jwt>'");
    try {
      request.principal = await verifier.verify(match[1]);
    } catch (error) {
      if (error instanceof TokenRejectedError) throw unauthorized(error.message);
      throw error;
    }
  }, { [TOKEN_GUARD]: true });
}

export function requireRole(role: string): onRequestAsyncHookHandler {
  return async (request: FastifyRequest) => {
    if (!request.principal?.roles.includes(role)) throw forbidden(`requires role "${role}"`);
  };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized("not authenticated");
  return request.principal;
}
