import { expect } from "chai";
import { Redis } from "ioredis";
import { problemType } from "../src/http/problem";
import { parseFeed } from "../src/jobs/catalogue-feed";
import { importCatalogue } from "../src/jobs/import-catalogue";
import type { Product } from "../src/products/product";
import { RedisProductCache } from "../src/products/product-cache";
import { ProductRepository } from "../src/products/product-repository";
import { requireServiceUrl } from "./support/external-services";
import { createTestSchema } from "./support/integration-schema";
import { bearer, startTestApp, type TestApp } from "./support/test-app";
import { waitFor } from "./support/wait-for";

/**
 * Admin writes next to concurrent orders, and conditional requests (ETag, If-None-Match, If-Match),
 * against real PostgreSQL and Redis.
 */
describe("integration: product writes and conditional requests (real PostgreSQL and Redis)", function () {
  this.timeout(60_000);
  let dropSchema: (() => Promise<void>) | undefined;
  let t: TestApp;
  let admin: string;
  let redisUrl: string;

  before(async function () {
    const baseUrl = requireServiceUrl(this, "TEST_DATABASE_URL");
    redisUrl = requireServiceUrl(this, "TEST_REDIS_URL");
    const created = await createTestSchema(baseUrl, "writes");
    dropSchema = created.drop;
    t = await startTestApp({ DATABASE_URL: created.databaseUrl, REDIS_URL: redisUrl, DATABASE_POOL_MAX: "20" });
    admin = await t.tokenFor("ops", ["admin"]);
  });

  after(async () => {
    await t?.close();
    await dropSchema?.();
  });

  const createProduct = async (sku: string, stock: number) => {
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/products",
      headers: bearer(admin),
      payload: { sku, name: `Product ${sku}`, description: "d", priceCents: 1000, stock },
    });
    expect(response.statusCode, response.body).to.equal(201);
    return { product: response.json<Product>(), etag: String(response.headers.etag) };
  };

  const read = (id: string, headers: Record<string, string> = {}) => t.app.inject({ url: `/v1/products/${id}`, headers });
  const stockOf = async (id: string) => (await read(id)).json<Product>().stock;

  const placeOrders = (id: string, count: number, prefix: string) =>
    Promise.all(
      Array.from({ length: count }, async (_, index) =>
        t.app.inject({
          method: "POST",
          url: "/v1/orders",
          headers: { ...bearer(await t.tokenFor(`${prefix}-buyer-${index}`)), "idempotency-key": `${prefix}-order-${index}` },
          payload: { items: [{ productId: id, quantity: 1 }] },
        }),
      ),
    );

  const write = (method: "PUT" | "PATCH" | "DELETE", id: string, payload?: object, ifMatch?: string) =>
    t.app.inject({
      method,
      url: `/v1/products/${id}`,
      headers: { ...bearer(admin), ...(ifMatch === undefined ? {} : { "if-match": ifMatch }) },
      ...(payload ? { payload } : {}),
    });

  describe("admin writes cannot wipe or oversell stock (defect 3)", () => {
    it("a rename-only PATCH keeps the stock", async () => {
      const { product } = await createProduct("W-RENAME-1", 12);
      const renamed = await write("PATCH", product.id, { name: "Renamed" });
      expect(renamed.statusCode, renamed.body).to.equal(200);
      expect(renamed.json<Product>()).to.include({ name: "Renamed", stock: 12, sku: "W-RENAME-1", description: "d" });
      expect(await stockOf(product.id)).to.equal(12);
    });

    it("a PUT must carry the full representation: a rename-only PUT is refused, never a stock of 0", async () => {
      const { product, etag } = await createProduct("W-RENAME-2", 12);
      const partial = await write("PUT", product.id, { sku: product.sku, name: "Renamed", priceCents: 1000 }, etag);
      expect(partial.statusCode).to.equal(400);
      expect(partial.json()).to.include({ type: problemType("validation") });
      expect(partial.json().detail).to.match(/stock|description/);
      expect(await stockOf(product.id)).to.equal(12);
    });

    it("a PUT needs If-Match (428), and a PUT based on a read from before some orders cannot put the sold units back (412)", async () => {
      const { product, etag } = await createProduct("W-PUT-RACE", 10);
      const full = { sku: product.sku, name: "Replaced", description: "d", priceCents: 1000, stock: 10 };
      const unconditional = await write("PUT", product.id, full);
      expect(unconditional.statusCode).to.equal(428);
      expect(unconditional.headers["content-type"]).to.match(/^application\/problem\+json/);
      expect(unconditional.json().type).to.equal(problemType("precondition-required"));

      // The admin read the product (stock 10, ETag v1); then orders sell 4; then the admin's PUT arrives.
      const sold = await placeOrders(product.id, 4, "put-race");
      expect(sold.map((response) => response.statusCode)).to.deep.equal([201, 201, 201, 201]);
      const stale = await write("PUT", product.id, full, etag);
      expect(stale.statusCode).to.equal(412);
      expect(stale.json().type).to.equal(problemType("precondition-failed"));
      expect(await stockOf(product.id)).to.equal(6);

      const current = await read(product.id);
      const replaced = await write("PUT", product.id, { ...full, stock: 20 }, String(current.headers.etag));
      expect(replaced.statusCode, replaced.body).to.equal(200);
      expect(replaced.json<Product>()).to.include({ name: "Replaced", stock: 20 });
      expect(replaced.headers.etag).to.not.equal(current.headers.etag);
    });

    it("a PUT racing orders either wins before them or is refused: the sold units stay sold", async () => {
      const { product, etag } = await createProduct("W-PUT-RACE-2", 50);
      const [orders, put] = await Promise.all([
        placeOrders(product.id, 10, "put-race-2"),
        write("PUT", product.id, { sku: product.sku, name: "Racing", description: "d", priceCents: 1000, stock: 50 }, etag),
      ]);
      const sold = orders.filter((response) => response.statusCode === 201).length;
      expect(sold).to.equal(10);
      // 412: some order came first, and the PUT did not overwrite it. 200: the PUT came first, and every order took from it.
      expect([200, 412]).to.include(put.statusCode);
      expect(await stockOf(product.id)).to.equal(40);
    });

    it("adjusts stock by deltas that compose with concurrent orders, never below zero", async () => {
      const { product } = await createProduct("W-DELTA-1", 20);
      const [orders, restock] = await Promise.all([placeOrders(product.id, 8, "delta"), write("PATCH", product.id, { stockDelta: 5 })]);
      expect(orders.every((response) => response.statusCode === 201)).to.equal(true);
      expect(restock.statusCode, restock.body).to.equal(200);
      expect(await stockOf(product.id)).to.equal(17);

      const tooMuch = await write("PATCH", product.id, { stockDelta: -18 });
      expect(tooMuch.statusCode).to.equal(409);
      expect(tooMuch.json().type).to.equal(problemType("insufficient-stock"));
      expect(await stockOf(product.id)).to.equal(17);

      const both = await write("PATCH", product.id, { stock: 3, stockDelta: 1 });
      expect(both.statusCode).to.equal(400);
      const absoluteWithoutIfMatch = await write("PATCH", product.id, { stock: 3 });
      expect(absoluteWithoutIfMatch.statusCode).to.equal(428);
      expect((await write("PATCH", product.id, {})).statusCode).to.equal(400);
    });

    it("the feed import keeps the units that orders sold since the last import", async () => {
      const repository = new ProductRepository(t.runtime.db);
      // As the fetch-products job does: its invalidations reach the API's in-process copies by pub/sub.
      const jobRedis = new Redis(redisUrl);
      const jobCache = new RedisProductCache(jobRedis, { ttlSeconds: 60 });
      after(() => jobRedis.disconnect());
      const feed = (stock: number) => parseFeed(JSON.stringify([{ sku: "W-FEED-1", name: "Feed Kettle", priceCents: 2500, stock }])).entries;
      expect(await importCatalogue(repository, jobCache, feed(10))).to.deep.equal({ created: 1, updated: 0, unchanged: 0 });
      const listed = await t.runtime.db.query<{ id: string }>("SELECT id FROM products WHERE sku = 'W-FEED-1'");
      const id = listed.rows[0]?.id as string;
      expect(await stockOf(id)).to.equal(10);
      await placeOrders(id, 3, "feed");
      expect(await stockOf(id)).to.equal(7);

      // The same feed again: nothing to change, the 3 sold units stay sold.
      expect(await importCatalogue(repository, jobCache, feed(10))).to.deep.include({ updated: 0, unchanged: 1 });
      expect(await stockOf(id)).to.equal(7);
      // The supplier restocks 5: the shop gets 5 more, relative to what it has now (and sees it at once).
      expect(await importCatalogue(repository, jobCache, feed(15))).to.deep.include({ updated: 1 });
      await waitFor(() => stockOf(id), (stock) => stock === 12);
    });
  });

  describe("conditional requests", () => {
    it("GET a product: a strong ETag from its version, cacheable by CloudFront and browsers, 304 on If-None-Match", async () => {
      const { product, etag } = await createProduct("W-ETAG-1", 5);
      const first = await read(product.id);
      expect(first.headers.etag).to.equal(etag).and.match(/^"v\d+"$/);
      expect(first.headers["cache-control"]).to.equal("public, max-age=5, stale-while-revalidate=30");
      const notModified = await read(product.id, { "if-none-match": `"v999", ${etag}` });
      expect(notModified.statusCode).to.equal(304);
      expect(notModified.body).to.equal("");
      expect(notModified.headers.etag).to.equal(etag);
      // Weak comparison for If-None-Match (RFC 9110 §13.1.2).
      expect((await read(product.id, { "if-none-match": `W/${etag}` })).statusCode).to.equal(304);
      expect((await read(product.id, { "if-none-match": "*" })).statusCode).to.equal(304);

      await placeOrders(product.id, 1, "etag");
      const changed = await read(product.id, { "if-none-match": etag });
      expect(changed.statusCode).to.equal(200);
      expect(changed.json<Product>().stock).to.equal(4);
      expect(changed.headers.etag).to.not.equal(etag);
    });

    it("lists pages with a weak ETag that changes when any product on the page does", async () => {
      const { product } = await createProduct("W-ETAG-LIST", 5);
      const page = await t.app.inject({ url: "/v1/products?limit=100" });
      const etag = String(page.headers.etag);
      expect(etag).to.match(/^W\/"[\w-]+"$/);
      expect(page.headers["cache-control"]).to.contain("public");
      expect((await t.app.inject({ url: "/v1/products?limit=100", headers: { "if-none-match": etag } })).statusCode).to.equal(304);
      await placeOrders(product.id, 1, "etag-list");
      const after = await t.app.inject({ url: "/v1/products?limit=100", headers: { "if-none-match": etag } });
      expect(after.statusCode).to.equal(200);
      expect(after.headers.etag).to.not.equal(etag);
    });

    it("If-Match on PATCH and DELETE: 412 when the product changed, the write when it did not; malformed is a 400", async () => {
      const { product, etag } = await createProduct("W-IFMATCH-1", 5);
      const patched = await write("PATCH", product.id, { priceCents: 1100 }, etag);
      expect(patched.statusCode, patched.body).to.equal(200);
      const newTag = String(patched.headers.etag);
      expect((await write("PATCH", product.id, { priceCents: 1200 }, etag)).statusCode).to.equal(412);
      expect((await write("PATCH", product.id, { priceCents: 1200 }, `W/${newTag}`)).statusCode, "weak tags never match If-Match").to.equal(412);
      expect((await write("PATCH", product.id, { priceCents: 1200 }, "v2")).statusCode).to.equal(400);
      expect((await write("DELETE", product.id, undefined, etag)).statusCode).to.equal(412);
      expect((await write("PATCH", "00000000-0000-4000-8000-000000000000", { name: "x" }, etag)).statusCode).to.equal(404);
      expect((await write("DELETE", product.id, undefined, newTag)).statusCode).to.equal(204);
    });
  });
});
