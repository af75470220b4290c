import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from "jose";
import { createOidcVerifier } from "../src/auth/oidc-verifier";
import { TokenRejectedError } from "../src/auth/principal";
import { HttpError } from "../src/http/http-error";
import { DevIssuer } from "../src/auth/dev-issuer";
import { ConfigError, loadConfig } from "../src/config";
import { createRuntime } from "../src/runtime";
import pino from "pino";
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

describe("OIDC key set: Keycloak outages and key rotation", () => {
  let server: Server;
  let jwksUrl: string;
  let up = true;
  let fetches = 0;
  let published: JWK[] = [];
  const keys: Record<string, CryptoKey> = {};
  const issuer = "https://sso.example.com/realms/shop";
  const audience = "shop-api";

  const addKey = async (kid: string) => {
    const pair = await generateKeyPair("RS256");
    keys[kid] = pair.privateKey;
    return { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
  };
  const sign = (kid: string) =>
    new SignJWT({ realm_access: { roles: [] } })
      .setProtectedHeader({ alg: "RS256", kid })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject("kc-user-2")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(keys[kid]!);

  before(async () => {
    server = createServer((_request, response) => {
      fetches += 1;
      // Down: what a crashed Keycloak behind its Service looks like to the client.
      if (!up) return void response.destroy();
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: published }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/shop/protocol/openid-connect/certs`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(async () => {
    up = true;
    fetches = 0;
    published = [await addKey("k1")];
  });

  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      () => "accepted",
      (error: unknown) => (error instanceof HttpError ? `${error.statusCode}` : error instanceof TokenRejectedError ? error.message : `unexpected ${String(error)}`),
    );
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

  it("keeps verifying with the last good key set through an outage longer than ten minutes, up to 24 h", async () => {
    let clock = 1_000_000;
    const verifier = createOidcVerifier({ issuer, audience, jwksUrl }, { keySet: { now: () => clock } });
    expect(await outcome(verifier.verify(await sign("k1")))).to.equal("accepted");
    up = false;
    clock += 11 * 60_000;
    expect(await outcome(verifier.verify(await sign("k1"))), "11 minutes into the outage").to.equal("accepted");
    await settle();
    clock += 5 * 3_600_000;
    expect(await outcome(verifier.verify(await sign("k1"))), "5 hours into the outage").to.equal("accepted");
    await settle();
    expect(fetches, "the background refreshes were tried").to.be.greaterThan(1);
    clock += 20 * 3_600_000;
    expect(await outcome(verifier.verify(await sign("k1"))), "past the 24 h bound").to.equal("503");
    up = true;
    expect(await outcome(verifier.verify(await sign("k1"))), "Keycloak back").to.equal("accepted");
  });

  it("refetches on an unknown kid (key rotation), at most once per 30 s", async () => {
    let clock = 5_000_000;
    const verifier = createOidcVerifier({ issuer, audience, jwksUrl }, { keySet: { now: () => clock } });
    expect(await outcome(verifier.verify(await sign("k1")))).to.equal("accepted");
    expect(fetches).to.equal(1);
    clock += 31_000;
    published = [...published, await addKey("k2")];
    expect(await outcome(verifier.verify(await sign("k2"))), "the rotated key is fetched").to.equal("accepted");
    expect(fetches).to.equal(2);
    await addKey("forged");
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expect(await outcome(verifier.verify(await sign("forged")))).to.equal("token was signed by an unknown key");
    }
    expect(fetches, "unknown kids within 30 s cost no fetch").to.equal(2);
    clock += 31_000;
    expect(await outcome(verifier.verify(await sign("forged")))).to.equal("token was signed by an unknown key");
    expect(fetches).to.equal(3);
  });

  it("answers 503 when the key set was never fetched", async () => {
    up = false;
    const verifier = createOidcVerifier({ issuer, audience, jwksUrl });
    expect(await outcome(verifier.verify(await sign("k1")))).to.equal("503");
  });
});

describe("dev tokens (embedded mode)", () => {
  it("POST /dev/token mints a token the same process accepts, with DEV_TOKENS=enabled", async () => {
    const t = await startTestApp({ DEV_TOKENS: "enabled" });
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

  it("is off unless explicitly enabled: no route, and tokens from another process's key do not verify", async () => {
    const settings: Record<string, string>[] = [{}, { DEV_TOKENS: "disabled" }, { NODE_ENV: "production" }];
    for (const env of settings) {
      const t = await startTestApp(env);
      try {
        const minted = await t.app.inject({ method: "POST", url: "/dev/token", payload: { sub: "alice", roles: ["admin"] } });
        expect(minted.statusCode, JSON.stringify(env)).to.equal(404);
        const stranger = await DevIssuer.create("shop-api");
        const forged = await stranger.issue({ subject: "alice", roles: ["admin"], ttlSeconds: 60 });
        const write = await t.app.inject({ method: "DELETE", url: "/v1/products/00000000-0000-4000-8000-000000000000", headers: { authorization: `Bearer ${forged}` } });
        expect(write.statusCode).to.equal(401);
      } finally {
        await t.close();
      }
    }
  });

  it("refuses DEV_TOKENS=enabled next to a real DATABASE_URL (naming both), OIDC_ISSUER or NODE_ENV=production", () => {
    expect(() => loadConfig({ DEV_TOKENS: "enabled", DATABASE_URL: "postgres://shop@db:5432/shop" })).to.throw(ConfigError, /DEV_TOKENS=enabled and DATABASE_URL/);
    expect(() => loadConfig({ DEV_TOKENS: "enabled", OIDC_ISSUER: "https://sso.example.com/realms/shop" })).to.throw(/DEV_TOKENS=enabled and OIDC_ISSUER/);
    expect(() => loadConfig({ DEV_TOKENS: "enabled", NODE_ENV: "production" })).to.throw(/DEV_TOKENS=enabled and NODE_ENV=production/);
    expect(() => loadConfig({ DEV_TOKENS: "yes" })).to.throw(/DEV_TOKENS must be one of enabled, disabled/);
    expect(loadConfig({ DEV_TOKENS: "enabled" }).devTokens).to.equal(true);
    expect(loadConfig({}).devTokens).to.equal(false);
  });

  it("says so at start-up with a warning when enabled", async () => {
    const lines: string[] = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(line) });
    const runtime = await createRuntime(loadConfig({ DEV_TOKENS: "enabled" }), log, { processMetrics: false });
    await runtime.close();
    const warnings = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level === 40);
    expect(warnings.map((entry) => entry.msg).join("\n")).to.match(/DEV_TOKENS=enabled: POST \/dev\/token mints tokens for any user and role/);
  });
});
