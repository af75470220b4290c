import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "chai";
import type { LightMyRequestResponse } from "fastify";
import { problemType, type ProblemDetails } from "../src/http/problem";
import type { Order } from "../src/orders/order";
import type { Product } from "../src/products/product";
import { generateOpenApiDocument, OPENAPI_PATH } from "../scripts/openapi";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

interface Page<T> {
  items: T[];
  nextCursor: string | null;
  next: string | null;
}

describe("API contract: problem details, 405, CORS, pagination, OpenAPI", () => {
  let t: TestApp;
  let admin: string;
  const storefront = "https://shop.example.com";

  before(async () => {
    t = await startTestApp({ CORS_ALLOWED_ORIGINS: `${storefront}, http://localhost:3000` });
    admin = await t.tokenFor("ops", ["admin"]);
  });
  after(() => t?.close());

  const problemOf = (response: { headers: Record<string, unknown>; json: <T>() => T }) => {
    expect(response.headers["content-type"]).to.match(/^application\/problem\+json/);
    return response.json<ProblemDetails>();
  };

  describe("RFC 9457 problem details with a type per cause", () => {
    it("tells a duplicate SKU from a product in use, and both from out of stock", async () => {
      const product = await t.app.inject({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku: "PD-1", name: "Problem lamp", priceCents: 100, stock: 1 } });
      const id = product.json<Product>().id;
      const duplicate = await t.app.inject({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku: "PD-1", name: "Again", priceCents: 1 } });
      expect(problemOf(duplicate)).to.deep.include({ type: problemType("duplicate-sku"), status: 409, instance: "/v1/products", title: "A product with this SKU already exists" });

      const order = (key: string, quantity: number) =>
        t.app.inject({ method: "POST", url: "/v1/orders", headers: { ...bearer(admin), "idempotency-key": key }, payload: { items: [{ productId: id, quantity }] } });
      expect((await order("problem-order-1", 1)).statusCode).to.equal(201);
      expect(problemOf(await order("problem-order-2", 1)).type).to.equal(problemType("out-of-stock"));
      const inUse = await t.app.inject({ method: "DELETE", url: `/v1/products/${id}`, headers: bearer(admin) });
      expect(problemOf(inUse)).to.deep.include({ type: problemType("product-in-use"), status: 409, instance: `/v1/products/${id}` });
    });

    it("gives conditional product writes their own types: precondition-required, precondition-failed, insufficient-stock", async () => {
      const created = await t.app.inject({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku: "PD-2", name: "Problem shelf", priceCents: 100, stock: 2 } });
      const { id } = created.json<Product>();
      const etag = String(created.headers.etag);
      const full = { sku: "PD-2", name: "Problem shelf", description: "", priceCents: 100, stock: 5 };
      const write = (method: "PUT" | "PATCH", payload: object, ifMatch?: string) =>
        t.app.inject({ method, url: `/v1/products/${id}`, headers: { ...bearer(admin), ...(ifMatch ? { "if-match": ifMatch } : {}) }, payload });
      expect(problemOf(await write("PUT", full))).to.deep.include({ type: problemType("precondition-required"), status: 428 });
      expect((await write("PATCH", { name: "Problem shelf 2" }, etag)).statusCode).to.equal(200);
      expect(problemOf(await write("PUT", full, etag))).to.deep.include({ type: problemType("precondition-failed"), status: 412 });
      expect(problemOf(await write("PATCH", { stockDelta: -3 }))).to.deep.include({ type: problemType("insufficient-stock"), status: 409 });
    });

    it("answers unauthorized, forbidden, not found and validation with their own types and the request id", async () => {
      const customer = await t.tokenFor("carl");
      const cases: [{ method?: "GET" | "DELETE"; url: string; headers?: Record<string, string> }, string, number][] = [
        [{ url: "/v1/orders" }, problemType("unauthorized"), 401],
        [{ method: "DELETE", url: "/v1/products/00000000-0000-4000-8000-000000000000", headers: bearer(customer) }, problemType("forbidden"), 403],
        [{ url: "/v1/orders/00000000-0000-4000-8000-000000000000", headers: bearer(customer) }, problemType("not-found"), 404],
        [{ url: "/v1/products?limit=0" }, problemType("validation"), 400],
      ];
      for (const [request, type, status] of cases) {
        const response = await t.app.inject({ ...request, headers: { ...request.headers, "x-request-id": "trace-1234" } });
        const problem = problemOf(response);
        expect(problem, JSON.stringify(request)).to.deep.include({ type, status, requestId: "trace-1234" });
        expect(problem.instance).to.equal(request.url.split("?")[0]);
      }
    });
  });

  describe("405 with Allow", () => {
    it("answers an unsupported method on a known path with 405 and the methods it supports", async () => {
      const orders = await t.app.inject({ method: "DELETE", url: "/v1/orders" });
      expect(orders.statusCode).to.equal(405);
      expect(orders.headers.allow).to.equal("GET, HEAD, POST");
      expect(problemOf(orders).type).to.equal(problemType("method-not-allowed"));
      const order = await t.app.inject({ method: "POST", url: "/v1/orders/00000000-0000-4000-8000-000000000000" });
      expect(order.statusCode).to.equal(405);
      expect(order.headers.allow).to.equal("GET, HEAD");
      const product = await t.app.inject({ method: "POST", url: "/v1/products/00000000-0000-4000-8000-000000000000" });
      expect(product.statusCode).to.equal(405);
      expect(product.headers.allow).to.equal("DELETE, GET, HEAD, PATCH, PUT");
      const catalogue = await t.app.inject({ method: "PATCH", url: "/v1/products" });
      expect(catalogue.statusCode).to.equal(405);
      expect(catalogue.headers.allow).to.equal("GET, HEAD, POST");
      expect((await t.app.inject({ method: "GET", url: "/v1/nothing-here" })).statusCode).to.equal(404);
    });
  });

  describe("CORS from the configured origins", () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: "OPTIONS",
        url: "/v1/orders",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type, idempotency-key" },
      });

    it("answers a preflight from a configured origin, allowing the headers the routes read", async () => {
      const answer = await preflight(storefront);
      expect(answer.statusCode).to.equal(204);
      expect(answer.headers["access-control-allow-origin"]).to.equal(storefront);
      expect(String(answer.headers["access-control-allow-methods"])).to.contain("POST");
      const allowed = String(answer.headers["access-control-allow-headers"]).toLowerCase();
      for (const header of ["authorization", "content-type", "idempotency-key", "if-match", "if-none-match"]) expect(allowed).to.contain(header);
      const read = await t.app.inject({ url: "/v1/products?limit=1", headers: { origin: storefront } });
      expect(read.headers["access-control-allow-origin"]).to.equal(storefront);
      expect(String(read.headers["access-control-expose-headers"]).toLowerCase()).to.contain("etag").and.contain("location").and.contain("link");
    });

    it("lets a storefront's admin tool send a conditional PATCH (preflight for PATCH with If-Match)", async () => {
      const answer = await t.app.inject({
        method: "OPTIONS",
        url: "/v1/products/00000000-0000-4000-8000-000000000000",
        headers: { origin: storefront, "access-control-request-method": "PATCH", "access-control-request-headers": "authorization, content-type, if-match" },
      });
      expect(answer.statusCode).to.equal(204);
      expect(answer.headers["access-control-allow-origin"]).to.equal(storefront);
      expect(String(answer.headers["access-control-allow-methods"])).to.contain("PATCH");
    });

    it("gives no Access-Control-Allow-Origin to another origin", async () => {
      for (const origin of ["https://evil.example.com", "https://shop.example.com.evil.example", "null"]) {
        const answer = await preflight(origin);
        expect(answer.headers["access-control-allow-origin"], origin).to.equal(undefined);
      }
    });

    it("allows no origin at all when none is configured", async () => {
      const plain = await startTestApp();
      try {
        const answer = await plain.app.inject({ method: "OPTIONS", url: "/v1/orders", headers: { origin: storefront, "access-control-request-method": "POST" } });
        expect(answer.headers["access-control-allow-origin"]).to.equal(undefined);
      } finally {
        await plain.close();
      }
    });
  });

  describe("pagination with a next link, in an order that means something", () => {
    it("lists the catalogue by name, following next (and the Link header) to the end", async () => {
      const names: string[] = [];
      let url: string | null = "/v1/products?limit=7";
      let pages = 0;
      while (url) {
        const response: LightMyRequestResponse = await t.app.inject({ url });
        const page: Page<Product> = response.json<Page<Product>>();
        names.push(...page.items.map((product) => product.name));
        if (page.next) expect(response.headers.link).to.equal(`<${page.next}>; rel="next"`);
        else expect(response.headers.link).to.equal(undefined);
        url = page.next;
        pages += 1;
      }
      expect(pages).to.be.greaterThan(3);
      const total = (await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM products")).rows[0]?.n;
      expect(names).to.have.length(total!);
      const sorted = (await t.runtime.db.query<{ name: string }>("SELECT name FROM products ORDER BY name, id")).rows.map((row) => row.name);
      expect(names).to.deep.equal(sorted);
    });

    it("revalidates a page by its weak ETag (304 with the same Link), and changes the tag when the page's order does", async () => {
      const first = await t.app.inject({ url: "/v1/products?limit=3" });
      const page = first.json<Page<Product>>();
      const etag = String(first.headers.etag);
      expect(etag).to.match(/^W\/"/);
      expect(page.next).to.be.a("string");
      const again = await t.app.inject({ url: "/v1/products?limit=3", headers: { "if-none-match": etag } });
      expect(again.statusCode).to.equal(304);
      expect(again.body).to.equal("");
      expect(again.headers).to.include({ etag, link: `<${page.next}>; rel="next"` });
      // Another page (another URL) has another tag.
      const second = await t.app.inject({ url: page.next! });
      expect(second.headers.etag).to.not.equal(etag);

      // Renaming the page's first product moves it to the end of the catalogue: the page, its next link and its tag change.
      const moved = page.items[0]!;
      const renamed = await t.app.inject({ method: "PATCH", url: `/v1/products/${moved.id}`, headers: bearer(admin), payload: { name: "zzzz moved last" } });
      expect(renamed.statusCode, renamed.body).to.equal(200);
      const after = await t.app.inject({ url: "/v1/products?limit=3", headers: { "if-none-match": etag } });
      expect(after.statusCode).to.equal(200);
      expect(after.headers.etag).to.not.equal(etag);
      const afterPage = after.json<Page<Product>>();
      expect(afterPage.items.map((product) => product.id)).to.not.include(moved.id);
      expect(afterPage.next).to.not.equal(page.next);
    });

    it("lists a customer's own orders newest first, paginated, and nobody else's", async () => {
      const products = (await t.app.inject({ url: "/v1/products?limit=5" })).json<Page<Product>>().items;
      const dora = await t.tokenFor("dora");
      const placed: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const response = await t.app.inject({
          method: "POST",
          url: "/v1/orders",
          headers: { ...bearer(dora), "idempotency-key": `dora-order-${index}` },
          payload: { items: [{ productId: products[index]!.id, quantity: 1 }] },
        });
        placed.push(response.json<Order>().id);
      }
      await t.app.inject({ method: "POST", url: "/v1/orders", headers: { ...bearer(await t.tokenFor("eve")), "idempotency-key": "eve-order-1" }, payload: { items: [{ productId: products[0]!.id, quantity: 1 }] } });

      const seen: Order[] = [];
      let url: string | null = "/v1/orders?limit=2";
      while (url) {
        const page: Page<Order> = (await t.app.inject({ url, headers: bearer(dora) })).json<Page<Order>>();
        seen.push(...page.items);
        url = page.next;
      }
      expect(seen.map((order) => order.id)).to.deep.equal([...placed].reverse());
      expect(seen[0]!.items[0]).to.include({ productId: products[4]!.id, quantity: 1 });
      const garbage = await t.app.inject({ url: "/v1/orders?cursor=bm90LWEtY3Vyc29y", headers: bearer(dora) });
      expect(problemOf(garbage)).to.include({ status: 400 });
    });
  });

  describe("OpenAPI", () => {
    it("serves /openapi.json generated from the route schemas, with problem details and security", async () => {
      const response = await t.app.inject({ url: "/openapi.json" });
      expect(response.statusCode).to.equal(200);
      const document = response.json<{ openapi: string; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: Record<string, unknown> }> }>> }>();
      expect(document.openapi).to.equal("3.1.0");
      expect(Object.keys(document.paths)).to.include.members(["/v1/products", "/v1/products/{id}", "/v1/orders", "/v1/orders/{id}", "/v1/search"]);
      expect(document.paths["/v1/orders"]!.post!.security).to.deep.equal([{ bearer: [] }]);
      expect(document.paths["/v1/orders"]!.post!.responses["409"]!.content).to.have.key("application/problem+json");
      expect(document.paths["/v1/products"]!.get!.security).to.equal(undefined);
      expect(JSON.stringify(document)).to.not.contain("storableText");
    });

    it("matches the committed app/openapi.json (run `npm run openapi -w app` after changing a route)", async () => {
      const committed = await readFile(OPENAPI_PATH, "utf8").catch(() => "(missing)");
      const generated = await generateOpenApiDocument();
      if (committed !== generated) {
        const committedLines = committed.split("\n");
        const generatedLines = generated.split("\n");
        const first = generatedLines.findIndex((line, index) => line !== committedLines[index]);
        expect.fail(
          `${join("app", "openapi.json")} is out of date: run \`npm run openapi -w app\` and commit it.\n` +
            `first difference at line ${first + 1}:\n  committed: ${committedLines[first] ?? "(end of file)"}\n  generated: ${generatedLines[first] ?? "(end of file)"}`,
        );
      }
    });
  });
});
