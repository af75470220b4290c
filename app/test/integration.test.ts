import { expect } from "chai";
import { Redis } from "ioredis";
import { Client } from "pg";
import type { Db } from "../src/db/db";
import { migrate } from "../src/db/migrate";
import { migrations } from "../src/db/migrations";
import { createPgDb } from "../src/db/pg-db";
import type { Order } from "../src/orders/order";
import { OutboxRelay } from "../src/outbox/outbox-relay";
import type { OutboxMessage, Publisher } from "../src/outbox/publisher";
import type { Product } from "../src/products/product";
import { RedisProductCache } from "../src/products/product-cache";
import { requireServiceUrl } from "./support/external-services";
import { createTestSchema, urlForSchema } from "./support/integration-schema";
import { waitFor } from "./support/wait-for";
import { bearer, silentLog, startTestApp, type TestApp } from "./support/test-app";

/**
 * Against real PostgreSQL 15 and Redis 7 (`eval "$(.ci/start-services.sh)"`). Each run works in a
 * schema of its own, so runs never see each other's rows and leave nothing behind.
 */
describe("integration: real PostgreSQL and Redis", function () {
  let baseUrl: string;
  let redisUrl: string;
  let schema: string;
  let dropSchema: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  let redis: Redis;
  let t: TestApp;
  let admin: string;

  before(async function () {
    baseUrl = requireServiceUrl(this, "TEST_DATABASE_URL");
    redisUrl = requireServiceUrl(this, "TEST_REDIS_URL");
    const created = await createTestSchema(baseUrl);
    ({ schema, databaseUrl, drop: dropSchema } = created);
    redis = new Redis(redisUrl);
    t = await startTestApp({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, DATABASE_POOL_MAX: "20" });
    admin = await t.tokenFor("ops", ["admin"]);
  });

  after(async () => {
    await t?.close();
    redis?.disconnect();
    await dropSchema?.();
  });

  const createProduct = async (sku: string, stock: number, priceCents = 1000) => {
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/products",
      headers: bearer(admin),
      payload: { sku, name: `Product ${sku}`, priceCents, stock },
    });
    expect(response.statusCode, response.body).to.equal(201);
    return response.json<Product>();
  };

  /** PATCH: the product renamed "Renamed" at 700 cents, the rest unchanged. */
  const renameProduct = async (product: Product) => {
    const response = await t.app.inject({
      method: "PATCH",
      url: `/v1/products/${product.id}`,
      headers: bearer(admin),
      payload: { name: "Renamed", priceCents: 700 },
    });
    expect(response.statusCode, response.body).to.equal(200);
  };

  it("migrates a fresh database once, even with several replicas starting together", async () => {
    const freshSchema = `${schema}_fresh`;
    const admin = new Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${freshSchema}`);
    const freshUrl = urlForSchema(baseUrl, freshSchema);
    const replicas: Db[] = [1, 2, 3].map(() => createPgDb(freshUrl, 2));
    try {
      const applied = await Promise.all(replicas.map((db) => migrate(db)));
      const expected = migrations.map((migration) => migration.id);
      expect(applied.flat().sort()).to.deep.equal(expected);
      expect(await migrate(replicas[0]!)).to.deep.equal([]);
      const recorded = await replicas[0]!.query<{ id: string }>("SELECT id FROM schema_migrations ORDER BY id");
      expect(recorded.rows.map((row) => row.id)).to.deep.equal(expected);
    } finally {
      await Promise.all(replicas.map((db) => db.close()));
      await admin.query(`DROP SCHEMA ${freshSchema} CASCADE`);
      await admin.end();
    }
  });

  it("brings existing databases up to date: one at 005_listing_order, and one that ran product versions as 004", async () => {
    const byId = (id: string) => migrations.findIndex((migration) => migration.id === id);
    const upTo005 = migrations.slice(0, byId("005_listing_order") + 1);
    const beforeOutboxLeases = migrations.slice(0, byId("004_outbox_leases"));
    const productVersions = migrations[byId("006_product_versions")]!;
    // Before the merge of the outbox and cache branches, product versions were migration 004 of the cache branch.
    const asOnceNumbered = [...beforeOutboxLeases, { ...productVersions, id: "004_product_versions" }];
    // Migrations added after 006 apply on top in both cases.
    const later = migrations.slice(byId("006_product_versions") + 1).map((migration) => migration.id);
    for (const [label, history, expectedNow] of [
      ["at 005", upTo005, ["006_product_versions", ...later]],
      ["with 004_product_versions", asOnceNumbered, ["004_outbox_leases", "005_listing_order", "006_product_versions", ...later]],
    ] as const) {
      const existing = await createTestSchema(baseUrl, "mig");
      const db = createPgDb(existing.databaseUrl, 2);
      try {
        await migrate(db, [...history]);
        await db.query("INSERT INTO products (sku, name, price_cents, stock) VALUES ('MIG-1', 'Old row', 100, 3)");
        expect(await migrate(db), label).to.deep.equal(expectedNow);
        const row = await db.query<{ version: string; feed_stock: number | null; stock: number }>("SELECT version, feed_stock, stock FROM products");
        expect(row.rows.map((r) => ({ ...r, version: Number(r.version) })), label).to.deep.equal([{ version: 1, feed_stock: null, stock: 3 }]);
        const outboxColumns = await db.query<{ column_name: string }>(
          "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'outbox' AND column_name IN ('lease_until', 'dead_at')",
          [existing.schema],
        );
        expect(outboxColumns.rows, label).to.have.length(2);
      } finally {
        await db.close();
        await existing.drop();
      }
    }
  });

  it("does not seed the demo catalogue into a real database", async () => {
    const demo = await t.runtime.db.query("SELECT 1 FROM products WHERE sku LIKE 'DEMO-%'");
    expect(demo.rows).to.be.empty;
  });

  it("reads products cache-aside from Redis and supersedes them on update and delete", async () => {
    const product = await createProduct("IT-CACHE-1", 10, 500);
    const key = RedisProductCache.key(product.id);
    expect(await redis.exists(key)).to.equal(0);
    await t.app.inject({ url: `/v1/products/${product.id}` });
    // The fill does not hold up the response: it lands a moment later.
    const cached = await waitFor(() => redis.get(key), (value) => value !== null);
    expect(cached).to.match(/^1\|\{/);
    expect(JSON.parse(cached?.slice(2) ?? "{}")).to.include({ priceCents: 500 });

    // Served from the cache: a change behind the API's back is not seen until an invalidation.
    await t.runtime.db.query("UPDATE products SET name = 'changed directly' WHERE id = $1", [product.id]);
    expect((await t.app.inject({ url: `/v1/products/${product.id}` })).json<Product>().name).to.equal("Product IT-CACHE-1");

    await renameProduct(product);
    // A tombstone at the new version: no older copy can be cached again.
    expect(await redis.get(key)).to.equal("2|");
    expect((await t.app.inject({ url: `/v1/products/${product.id}` })).json<Product>()).to.include({ name: "Renamed", priceCents: 700 });

    await t.app.inject({ method: "DELETE", url: `/v1/products/${product.id}`, headers: bearer(admin) });
    expect(await redis.get(key)).to.equal("3|");
    expect((await t.app.inject({ url: `/v1/products/${product.id}` })).statusCode).to.equal(404);
  });

  it("caches a product under one key whatever the letter case of its id, so an update evicts every spelling", async () => {
    const product = await createProduct("IT-CACHE-CASE", 10, 500);
    const upper = product.id.toUpperCase();
    expect((await t.app.inject({ url: `/v1/products/${upper}` })).json<Product>().id).to.equal(product.id);
    await waitFor(() => redis.exists(RedisProductCache.key(product.id)), (found) => found === 1);
    expect(await redis.exists(RedisProductCache.key(upper))).to.equal(0);
    await renameProduct(product);
    expect((await t.app.inject({ url: `/v1/products/${upper}` })).json<Product>()).to.include({ name: "Renamed", priceCents: 700 });
  });

  it("does not make readiness depend on Redis: requests do without it", async () => {
    const ready = await t.app.inject({ url: "/readyz" });
    expect(ready.json()).to.deep.equal({ status: "ready", checks: { database: "ok" } });
  });

  it("places one order for concurrent requests with the same Idempotency-Key on parallel connections", async () => {
    const product = await createProduct("IT-IDEM-1", 100);
    const token = await t.tokenFor("concurrent-carol");
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        t.app.inject({
          method: "POST",
          url: "/v1/orders",
          headers: { ...bearer(token), "idempotency-key": "it-same-key-0001" },
          payload: { items: [{ productId: product.id, quantity: 2 }] },
        }),
      ),
    );
    // The losers wait on the winner's row lock, then replay its committed order.
    expect(responses.map((response) => response.statusCode)).to.deep.equal(Array(12).fill(201));
    expect(new Set(responses.map((response) => response.json<Order>().id)).size).to.equal(1);
    expect(responses.filter((response) => response.headers["idempotent-replayed"] === "false")).to.have.length(1);
    expect((await t.app.inject({ url: `/v1/products/${product.id}` })).json<Product>().stock).to.equal(98);
  });

  it("never oversells: concurrent orders for the last items, exactly the stock succeeds", async () => {
    const product = await createProduct("IT-STOCK-1", 5);
    const responses = await Promise.all(
      Array.from({ length: 20 }, async (_, index) =>
        t.app.inject({
          method: "POST",
          url: "/v1/orders",
          headers: { ...bearer(await t.tokenFor(`buyer-${index}`)), "idempotency-key": `it-stock-${index}-key` },
          payload: { items: [{ productId: product.id, quantity: 1 }] },
        }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses.filter((status) => status === 201)).to.have.length(5);
    expect(statuses.filter((status) => status === 409)).to.have.length(15);
    const stock = await t.runtime.db.query<{ stock: number }>("SELECT stock FROM products WHERE id = $1", [product.id]);
    expect(stock.rows[0]?.stock).to.equal(0);
  });

  it("shares the outbox between two relays (SKIP LOCKED): every event sent once, none lost", async () => {
    const product = await createProduct("IT-RELAY-1", 1000);
    const token = await t.tokenFor("relay-rita");
    for (let index = 0; index < 40; index += 1) {
      await t.app.inject({
        method: "POST",
        url: "/v1/orders",
        headers: { ...bearer(token), "idempotency-key": `it-relay-${index}-key` },
        payload: { items: [{ productId: product.id, quantity: 1 }] },
      });
    }
    const sent: OutboxMessage[] = [];
    const slowBroker: Publisher = {
      publish: async (messages) => {
        await new Promise((resolve) => setTimeout(resolve, 15));
        sent.push(...messages);
      },
      close: async () => undefined,
    };
    const pools = [createPgDb(databaseUrl, 2), createPgDb(databaseUrl, 2)];
    const relays = pools.map((db) => new OutboxRelay(db, slowBroker, { batchSize: 4, pollIntervalMs: 10, backoff: { baseMs: 5, maxMs: 20 } }, silentLog));
    try {
      relays.forEach((relay) => relay.start());
      const deadline = Date.now() + 15_000;
      for (;;) {
        const pending = await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL");
        if (pending.rows[0]?.n === 0 || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } finally {
      await Promise.all(relays.map((relay) => relay.stop()));
      await Promise.all(pools.map((db) => db.close()));
    }
    const all = await t.runtime.db.query<{ id: string }>("SELECT id FROM outbox");
    const sentIds = sent.map((message) => message.id);
    expect(new Set(sentIds).size, "an event was sent twice").to.equal(sentIds.length);
    expect([...sentIds].sort()).to.deep.equal(all.rows.map((row) => row.id).sort());
  });
});
