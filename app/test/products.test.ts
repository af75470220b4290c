import { expect } from "chai";
import { DEMO_PRODUCT_COUNT } from "../src/db/demo-catalogue";
import type { Product } from "../src/products/product";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

interface Page {
  items: Product[];
  nextCursor: string | null;
}

describe("products (embedded PGlite, fastify.inject)", () => {
  let t: TestApp;
  let adminToken: string;
  let shopperToken: string;

  before(async () => {
    t = await startTestApp();
    adminToken = await t.tokenFor("ada", ["admin"]);
    shopperToken = await t.tokenFor("sam", ["customer"]);
  });
  after(() => t.close());

  it("pages through the whole demo catalogue with cursors, each product exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=7&cursor=${cursor}` : "?limit=7";
      const response = await t.app.inject({ method: "GET", url: `/v1/products${query}` });
      expect(response.statusCode).to.equal(200);
      const page = response.json<Page>();
      expect(page.items.length).to.be.at.most(7);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).to.have.length(DEMO_PRODUCT_COUNT);
    expect(new Set(seen).size).to.equal(DEMO_PRODUCT_COUNT);
  });

  it("defaults to 20 items and caps the page size at 100", async () => {
    const page = (await t.app.inject({ url: "/v1/products" })).json<Page>();
    expect(page.items).to.have.length(20);
    const tooMany = await t.app.inject({ url: "/v1/products?limit=101" });
    expect(tooMany.statusCode).to.equal(400);
    expect(tooMany.json().detail).to.contain("limit");
  });

  it("gets one product by id and answers 404 for an unknown id", async () => {
    const [first] = (await t.app.inject({ url: "/v1/products?limit=1" })).json<Page>().items;
    const found = await t.app.inject({ url: `/v1/products/${first?.id}` });
    expect(found.statusCode).to.equal(200);
    expect(found.json<Product>().sku).to.equal(first?.sku);
    const missing = await t.app.inject({ url: "/v1/products/00000000-0000-4000-8000-000000000000" });
    expect(missing.statusCode).to.equal(404);
    expect(missing.json().type).to.equal("tag:shop-api,2026:problems/not-found");
  });

  it("lets only admins create, update and delete products", async () => {
    const input = { sku: "TEST-CRUD-1", name: "Test Kettle", description: "for tests", priceCents: 999, stock: 3 };
    const anonymous = await t.app.inject({ method: "POST", url: "/v1/products", payload: input });
    expect(anonymous.statusCode).to.equal(401);
    const shopper = await t.app.inject({ method: "POST", url: "/v1/products", payload: input, headers: bearer(shopperToken) });
    expect(shopper.statusCode).to.equal(403);

    const created = await t.app.inject({ method: "POST", url: "/v1/products", payload: input, headers: bearer(adminToken) });
    expect(created.statusCode).to.equal(201);
    const product = created.json<Product>();
    expect(created.headers.location).to.equal(`/v1/products/${product.id}`);
    expect(product).to.include({ sku: "TEST-CRUD-1", priceCents: 999, stock: 3 });

    const duplicate = await t.app.inject({ method: "POST", url: "/v1/products", payload: input, headers: bearer(adminToken) });
    expect(duplicate.statusCode).to.equal(409);

    const updated = await t.app.inject({
      method: "PUT",
      url: `/v1/products/${product.id}`,
      payload: { ...input, priceCents: 1299 },
      headers: { ...bearer(adminToken), "if-match": String(created.headers.etag) },
    });
    expect(updated.statusCode).to.equal(200);
    expect(updated.json<Product>().priceCents).to.equal(1299);
    expect((await t.app.inject({ url: `/v1/products/${product.id}` })).json<Product>().priceCents).to.equal(1299);

    const deleted = await t.app.inject({ method: "DELETE", url: `/v1/products/${product.id}`, headers: bearer(adminToken) });
    expect(deleted.statusCode).to.equal(204);
    expect((await t.app.inject({ url: `/v1/products/${product.id}` })).statusCode).to.equal(404);
    const again = await t.app.inject({ method: "DELETE", url: `/v1/products/${product.id}`, headers: bearer(adminToken) });
    expect(again.statusCode).to.equal(404);
  });

  it("records every product change as an outbox event in the same transaction", async () => {
    const created = await t.app.inject({
      method: "POST",
      url: "/v1/products",
      payload: { sku: "TEST-EVENT-1", name: "Evented", priceCents: 1 },
      headers: bearer(adminToken),
    });
    const id = created.json<Product>().id;
    const events = await t.runtime.db.query<{ event_type: string }>(
      "SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY created_at",
      [id],
    );
    expect(events.rows.map((row) => row.event_type)).to.deep.equal(["product.created"]);
  });
});
