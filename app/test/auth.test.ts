import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { createOidcVerifier } from "../src/auth/oidc-verifier";
import { TokenRejectedError } from "../src/auth/principal";
import { HttpError } from "../src/http/http-error";
import { startTestApp } from "./support/test-app";

/**
 * The Keycloak path, against a local server that publishes a realm's JWKS at Keycloak's URL layout
 * (/realms/<realm>/protocol/openid-connect/certs). No Keycloak runs here; jose's real remote key set
 * fetching, caching and claim checks do.
 */
describe("OIDC verification against a JWKS endpoint (Keycloak layout)", () => {
  let server: Server;
  let issuer: string;
  let signingKey: CryptoKey;
  let publishedJwk: JWK;
  const audience = "shop-api";

  before(async () => {
    const pair = await generateKeyPair("RS256");
    signingKey = pair.privateKey;
    publishedJwk = { ...(await exportJWK(pair.publicKey)), kid: "realm-key-1", alg: "RS256", use: "sig" };
    server = createServer((request, response) => {
      if (request.url === "/realms/shop/protocol/openid-connect/certs") {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publishedJwk] }));
      } else if (request.url === "/realms/rotating/protocol/openid-connect/certs") {
        // Mid-rotation Keycloak publishes the new and the old RS256 key side by side.
        const keys = [publishedJwk, { ...publishedJwk, kid: "realm-key-0" }];
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/shop`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const sign = (claims: { iss?: string; aud?: string; exp?: string; kid?: string; roles?: string[]; key?: CryptoKey }) =>
    new SignJWT({ realm_access: { roles: claims.roles ?? ["customer"] } })
      .setProtectedHeader({ alg: "RS256", kid: claims.kid ?? "realm-key-1" })
      .setIssuer(claims.iss ?? issuer)
      .setAudience(claims.aud ?? audience)
      .setSubject("kc-user-1")
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? "5m")
      .sign(claims.key ?? signingKey);

  const rejection = async (token: string) =>
    createOidcVerifier({ issuer, audience })
      .verify(token)
      .then(
        () => "accepted",
        (error: unknown) => (error instanceof TokenRejectedError ? error.message : `unexpected ${String(error)}`),
      );

  it("accepts a realm token and reads roles from realm_access.roles", async () => {
    const principal = await createOidcVerifier({ issuer, audience }).verify(await sign({ roles: ["admin", "customer"] }));
    expect(principal).to.deep.equal({ subject: "kc-user-1", roles: ["admin", "customer"] });
  });

  it("rejects another issuer, another audience, an expired token and an unknown key", async () => {
    expect(await rejection(await sign({ iss: "http://evil.example/realms/shop" }))).to.equal('token claim "iss" is invalid');
    expect(await rejection(await sign({ aud: "account" }))).to.equal('token claim "aud" is invalid');
    expect(await rejection(await sign({ exp: "-10m" }))).to.equal("token expired");
    const { privateKey } = await generateKeyPair("RS256");
    expect(await rejection(await sign({ kid: "realm-key-1", key: privateKey }))).to.equal("token signature is invalid");
    expect(await rejection(await sign({ kid: "rotated-away" }))).to.equal("token was signed by an unknown key");
  });

  it("rejects a token that names no key (kid) when the realm publishes several, instead of answering 503", async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const rotatingIssuer = issuer.replace("/realms/shop", "/realms/rotating");
    const unsigned = `${encode({ alg: "RS256" })}.${encode({ iss: rotatingIssuer, aud: audience, sub: "x" })}.c2ln`;
    const outcome = await createOidcVerifier({ issuer: rotatingIssuer, audience })
      .verify(unsigned)
      .then(
        () => "accepted",
        (error: unknown) => (error instanceof TokenRejectedError ? error.message : `unexpected ${String(error)}`),
      );
    expect(outcome).to.equal("token does not say which key signed it (no kid)");
  });

  it("answers 503 (not 401, not 500) when the key set cannot be fetched", async () => {
    const verifier = createOidcVerifier({ issuer: "http://127.0.0.1:1/realms/shop", audience });
    const outcome = await verifier.verify(await sign({})).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(outcome).to.be.instanceOf(HttpError);
    expect((outcome as HttpError).statusCode).to.equal(503);
  });

  it("protects the API routes with it when OIDC_ISSUER is set, and offers no /dev/token", async () => {
    const t = await startTestApp({ OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience });
    try {
      const token = await sign({});
      const order = await t.app.inject({ url: "/v1/orders/00000000-0000-4000-8000-000000000000", headers: { authorization: `Bearer ${token}` } });
      expect(order.statusCode).to.equal(404);
      const devToken = await t.app.inject({ method: "POST", url: "/dev/token", payload: { sub: "x" } });
      expect(devToken.statusCode).to.equal(404);
    } finally {
      await t.close();
    }
  });
});

describe("dev tokens (embedded mode)", () => {
  it("POST /dev/token mints a token the same process accepts", async () => {
    const t = await startTestApp();
    try {
      const minted = await t.app.inject({ method: "POST", url: "/dev/token", payload: { sub: "alice", roles: ["admin"] } });
      expect(minted.statusCode).to.equal(200);
      const { access_token: token } = minted.json<{ access_token: string }>();
      const created = await t.app.inject({
        method: "POST",
        url: "/v1/products",
        headers: { authorization: `Bearer ${token}` },
        payload: { sku: "DEV-TOKEN-1", name: "Minted", priceCents: 1 },
      });
      expect(created.statusCode).to.equal(201);
    } finally {
      await t.close();
    }
  });

  it("is not available when NODE_ENV=production", async () => {
    const t = await startTestApp({ NODE_ENV: "production" });
    try {
      const minted = await t.app.inject({ method: "POST", url: "/dev/token", payload: { sub: "alice", roles: ["admin"] } });
      expect(minted.statusCode).to.equal(404);
    } finally {
      await t.close();
    }
  });
});
