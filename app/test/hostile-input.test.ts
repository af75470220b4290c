import { expect } from "chai";
import type { InjectOptions } from "fastify";
import { SignJWT, generateKeyPair } from "jose";
import { problemType, type ProblemDetails } from "../src/http/problem";
import type { Product } from "../src/products/product";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

/**
 * Every request here is a client fault. The contract: a 4xx as RFC 9457 problem details (a problem type
 * and a human-readable reason), never a 5xx, never a stack trace.
 */
describe("hostile input never causes a 5xx", () => {
  let t: TestApp;
  let token: string;
  let admin: string;
  let productId: string;

  before(async () => {
    t = await startTestApp();
    token = await t.tokenFor("mallory");
    admin = await t.tokenFor("root", ["admin"]);
    productId = (await t.app.inject({ url: "/v1/products?limit=1" })).json<{ items: Product[] }>().items[0]!.id;
  });
  after(() => t.close());

  const orderHeaders = () => ({ ...bearer(token), "idempotency-key": `hostile-${Math.random().toString(36).slice(2)}`, "content-type": "application/json" });

  const cases: Array<[title: string, request: () => Promise<InjectOptions>, expected?: number]> = [
    ["malformed JSON", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: '{"items": [' }), 400],
    ["JSON that is not an object", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: "[1,2,3]" }), 400],
    ["empty JSON body", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: "" }), 400],
    ["wrong types (quantity as string)", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: "2" }] }) }), 400],
    ["negative quantity", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: -5 }] }) }), 400],
    ["huge quantity", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: 1e300 }] }) }), 400],
    ["empty basket", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [] }) }), 400],
    ["duplicate lines", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: 1 }, { productId, quantity: 1 }] }) }), 400],
    ["unknown top-level field", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: 1 }], discount: 100 }) }), 400],
    ["unknown nested field", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: 1, priceCents: 0 }] }) }), 400],
    ["prototype pollution", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: '{"items":[],"__proto__":{"admin":true}}' }), 400],
    ["oversized body", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: 1 }], pad: "x".repeat(200_000) }) }), 413],
    ["wrong content-type", async () => ({ method: "POST", url: "/v1/orders", headers: { ...orderHeaders(), "content-type": "text/plain" }, payload: "items=1" }), 415],
    ["form-encoded body", async () => ({ method: "POST", url: "/v1/orders", headers: { ...orderHeaders(), "content-type": "application/x-www-form-urlencoded" }, payload: "items=1" }), 415],
    ["missing Idempotency-Key", async () => ({ method: "POST", url: "/v1/orders", headers: bearer(token), payload: { items: [{ productId, quantity: 1 }] } }), 400],
    ["Idempotency-Key with control characters", async () => ({ method: "POST", url: "/v1/orders", headers: { ...bearer(token), "idempotency-key": "abc\tdefghij" }, payload: { items: [{ productId, quantity: 1 }] } }), 400],
    ["limit=1e9", async () => ({ url: "/v1/products?limit=1e9" }), 400],
    ["limit=-1", async () => ({ url: "/v1/products?limit=-1" }), 400],
    ["limit=abc", async () => ({ url: "/v1/products?limit=abc" }), 400],
    ["unknown query parameter", async () => ({ url: "/v1/products?sort=price" }), 400],
    ["garbage cursor", async () => ({ url: "/v1/products?cursor=%27%3B%20DROP%20TABLE%20products%3B--" }), 400],
    ["non-UUID product id", async () => ({ url: "/v1/products/42" }), 400],
    ["SQL injection in the product id", async () => ({ url: `/v1/products/${encodeURIComponent("' OR 1=1 --")}` }), 400],
    ["very long product id", async () => ({ url: `/v1/products/${"a".repeat(5000)}` }), 414],
    ["badly percent-encoded URL", async () => ({ url: "/v1/products/%E0%A4%A" }), 400],
    ["non-UUID order id", async () => ({ url: "/v1/orders/not-an-id", headers: bearer(token) }), 400],
    ["SQL injection in a product id inside the body", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId: "1'; DELETE FROM orders; --", quantity: 1 }] }) }), 400],
    ["search without q", async () => ({ url: "/v1/search" }), 400],
    ["search with an over-long q", async () => ({ url: `/v1/search?q=${"x".repeat(1000)}` }), 400],
    ["admin write with wrong types", async () => ({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku: "X-1", name: "n", priceCents: "free" } }), 400],
    ["admin write with a float price", async () => ({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku: "X-1", name: "n", priceCents: 9.99 } }), 400],
    ["missing token", async () => ({ method: "POST", url: "/v1/orders", payload: { items: [] } }), 401],
    ["not a bearer token", async () => ({ url: `/v1/orders/${productId}`, headers: { authorization: "Basic YWxpY2U6c2VjcmV0" } }), 401],
    ["token that is not a JWT", async () => ({ url: `/v1/orders/${productId}`, headers: { authorization: "Bearer abc.def.ghi" } }), 401],
    ["forged token (foreign key)", async () => ({ url: `/v1/orders/${productId}`, headers: bearer(await forgedToken(t.config.tokenAudience)) }), 401],
    ["unsigned token (alg none)", async () => ({ url: `/v1/orders/${productId}`, headers: bearer(unsignedToken()) }), 401],
    ["expired token", async () => ({ url: `/v1/orders/${productId}`, headers: bearer(await expiredToken(t)) }), 401],
    ["unknown route", async () => ({ url: "/v1/../../etc/passwd" }), 404],
    ["unsupported method on a known path", async () => ({ method: "PUT", url: "/v1/orders" }), 405],
    // PostgreSQL text cannot hold U+0000, and UTF-8 has no form for an unpaired surrogate.
    ["NUL character in a product name", async () => ({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku: "NUL-1", name: "a\u0000b", priceCents: 1 } }), 400],
    ["NUL character in a replacement description", async () => ({ method: "PUT", url: `/v1/products/${productId}`, headers: bearer(admin), payload: { sku: "NUL-2", name: "n", description: "\u0000", priceCents: 1 } }), 400],
    ["unpaired surrogate in a product name", async () => ({ method: "POST", url: "/v1/products", headers: { ...bearer(admin), "content-type": "application/json" }, payload: '{"sku":"SUR-1","name":"a\\ud800b","priceCents":1}' }), 400],
    ["NUL character in a search query", async () => ({ url: "/v1/search?q=lamp%00" }), 400],
    ["body that is not valid UTF-8", async () => ({ method: "POST", url: "/v1/products", headers: { ...bearer(admin), "content-type": "application/json" }, payload: Buffer.concat([Buffer.from('{"sku":"UTF-1","name":"caf'), Buffer.from([0xe9]), Buffer.from('","priceCents":1}')]) }), 400],
    ["JSON declared in another charset", async () => ({ method: "POST", url: "/v1/orders", headers: { ...orderHeaders(), "content-type": "application/json; charset=latin1" }, payload: JSON.stringify({ items: [{ productId, quantity: 1 }] }) }), 415],
    ["compressed body", async () => ({ method: "POST", url: "/v1/orders", headers: { ...orderHeaders(), "content-encoding": "gzip" }, payload: JSON.stringify({ items: [{ productId, quantity: 1 }] }) }), 415],
    ["limit that is not a decimal integer (0x10)", async () => ({ url: "/v1/products?limit=0x10" }), 400],
    ["limit padded with a space", async () => ({ url: "/v1/products?limit=%205" }), 400],
    ["a token subject the database cannot store", async () => ({ method: "POST", url: "/v1/orders", headers: { ...orderHeaders(), ...bearer(await t.tokenFor("mal\u0000lory")) }, payload: JSON.stringify({ items: [{ productId, quantity: 1 }] }) }), 400],
    ["the same product twice, in two letter cases", async () => ({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: JSON.stringify({ items: [{ productId, quantity: 1 }, { productId: productId.toUpperCase(), quantity: 1 }] }) }), 400],
  ];

  for (const [title, build, expected] of cases) {
    it(`${title} → ${expected ?? "4xx"}`, async () => {
      const response = await t.app.inject(await build());
      expect(response.statusCode, response.body).to.be.within(400, 499);
      if (expected) expect(response.statusCode, response.body).to.equal(expected);
      expect(response.headers["content-type"]).to.match(/^application\/problem\+json/);
      const body = response.json<ProblemDetails>();
      expect(body.type).to.be.a("string").and.match(/^tag:shop-api,2026:problems\//).and.not.equal(problemType("internal"));
      expect(body.status).to.equal(response.statusCode);
      expect(body.title).to.be.a("string");
      expect(body.detail).to.be.a("string").and.have.length.greaterThan(3);
      expect(body.instance).to.be.a("string").and.match(/^\//);
      expect(response.body).to.not.match(/at .*\.ts:\d+|node_modules/);
    });
  }

  it("still has every table after the injection attempts", async () => {
    const products = await t.app.inject({ url: "/v1/products?limit=1" });
    expect(products.json<{ items: Product[] }>().items).to.have.length(1);
  });

  // Each of these got past validation and reached PostgreSQL, which refused it (or would have).
  const validationCases: Array<[title: string, url: string]> = [
    ["limit=1e309 (Infinity after coercion)", "/v1/products?limit=1e309"],
    ["limit=Infinity", "/v1/products?limit=Infinity"],
    ["search limit=Infinity", "/v1/search?q=lamp&limit=Infinity"],
    ["search limit=1e1", "/v1/search?q=lamp&limit=1e1"],
    ["a product id with a urn:uuid: prefix", "/v1/products/urn:uuid:00000000-0000-4000-8000-000000000000"],
  ];
  for (const [title, url] of validationCases) {
    it(`rejects ${title} in validation, before the database`, async () => {
      const response = await t.app.inject({ url });
      expect(response.statusCode, response.body).to.equal(400);
      expect(response.json<ProblemDetails>().type).to.equal(problemType("validation"));
    });
  }

  it("names the forbidden key instead of calling valid JSON invalid", async () => {
    const proto = await t.app.inject({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: '{"items":[],"__proto__":{"admin":true}}' });
    expect(proto.statusCode).to.equal(400);
    expect(proto.json<ProblemDetails>().detail).to.contain("__proto__");
    const escaped = await t.app.inject({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: '{"items":[{"\\u005f_proto__":{}}]}' });
    expect(escaped.json<ProblemDetails>().detail).to.contain("__proto__");
    const constructor = await t.app.inject({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: '{"items":[],"constructor":{"prototype":{"admin":true}}}' });
    expect(constructor.statusCode).to.equal(400);
    expect(constructor.json<ProblemDetails>().detail).to.contain("constructor");
    const syntax = await t.app.inject({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: '{"items": [' });
    expect(syntax.json<ProblemDetails>().detail).to.match(/not valid JSON/);
  });

  it("still accepts UTF-8 JSON with an explicit charset or a byte order mark", async () => {
    const items = [{ productId, quantity: 1 }];
    const charset = await t.app.inject({ method: "POST", url: "/v1/orders", headers: { ...orderHeaders(), "content-type": "application/json; charset=UTF-8" }, payload: JSON.stringify({ items }) });
    expect(charset.statusCode, charset.body).to.equal(201);
    const bom = await t.app.inject({ method: "POST", url: "/v1/orders", headers: orderHeaders(), payload: `\ufeff${JSON.stringify({ items })}` });
    expect(bom.statusCode, bom.body).to.equal(201);
  });

  it("treats product ids case-insensitively, answering with the canonical lower-case form", async () => {
    const upper = productId.toUpperCase();
    expect((await t.app.inject({ url: `/v1/products/${upper}` })).json<Product>().id).to.equal(productId);
    const headers = orderHeaders();
    const first = await t.app.inject({ method: "POST", url: "/v1/orders", headers, payload: { items: [{ productId: upper, quantity: 1 }] } });
    expect(first.statusCode, first.body).to.equal(201);
    expect(first.json<{ items: Array<{ productId: string }> }>().items[0]?.productId).to.equal(productId);
    // A retry that spells the id differently is the same request, not a different body.
    const retry = await t.app.inject({ method: "POST", url: "/v1/orders", headers, payload: { items: [{ productId, quantity: 1 }] } });
    expect(retry.statusCode, retry.body).to.equal(201);
    expect(retry.headers["idempotent-replayed"]).to.equal("true");
  });

  it("treats SQL in a search query as plain words", async () => {
    const response = await t.app.inject({ url: `/v1/search?q=${encodeURIComponent("'); DROP TABLE products; -- \" & | ! :*")}` });
    expect(response.statusCode).to.equal(200);
  });
});

async function forgedToken(audience: string): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  return new SignJWT({ realm_access: { roles: ["admin"] } })
    .setProtectedHeader({ alg: "ES256" })
    .setIssuer("urn:shop-api:dev")
    .setAudience(audience)
    .setSubject("mallory")
    .setExpirationTime("1h")
    .sign(privateKey);
}

function unsignedToken(): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode({ sub: "mallory", realm_access: { roles: ["admin"] } })}.`;
}

async function expiredToken(t: TestApp): Promise<string> {
  const token = await t.tokenFor("mallory", [], 1);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  return token;
}
