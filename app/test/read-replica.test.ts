import { randomBytes, randomUUID } from "node:crypto";
import { expect } from "chai";
import type { InjectOptions } from "fastify";
import { Client } from "pg";
import { DatabaseUnavailableError } from "../src/db/database-roles";
import type { Db } from "../src/db/db";
import { migrate } from "../src/db/migrate";
import { createPgDb } from "../src/db/pg-db";
import { problemType } from "../src/http/problem";
import { createProductCacheStack, type ProductCacheStack } from "../src/products/product-cache-setup";
import { RedisProductCache } from "../src/products/product-cache";
import { closeRedis, connectRedis, type RedisClient } from "../src/redis-client";
import { ProductIndex } from "../src/search/product-index";
import { indexProductEvents, supersedeInCache, type ProductEventMessage } from "../src/search/search-indexer";
import { requireServiceUrl } from "./support/external-services";
import { FakeElasticsearch } from "./support/fake-elasticsearch";
import { freePort, spawnBundledServer } from "./support/spawned-server";
import { TcpProxy } from "./support/tcp-proxy";
import { bearer, silentLog, startTestApp, type TestApp } from "./support/test-app";
import { waitFor } from "./support/wait-for";

/**
 * Two databases on the local PostgreSQL stand in for the primary (writer) and the region's replica (reader), each
 * behind a TCP forwarder the tests stop to lose it. Their rows differ on purpose (the replica "lags": an older version
 * of the lamp, no orders), so every answer tells which database it came from.
 */
const LAMP = "00000000-0000-4000-8000-00000000000a";
const READ_ONLY = problemType("read-only");

interface ServerAddress {
  host: string;
  port: number;
  user: string;
  password: string;
}

function databaseUrl(server: ServerAddress, database: string, port = server.port): string {
  return `postgres://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${server.host}:${port}/${database}`;
}

async function admin(server: ServerAddress, sql: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl(server, "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The same schema and catalogue in both, with the replica one version behind on the lamp. */
async function seed(db: Db, role: "writer" | "reader"): Promise<void> {
  await migrate(db);
  await db.exec("TRUNCATE order_items, orders, outbox, products CASCADE");
  await db.query(
    "INSERT INTO products (id, sku, name, description, price_cents, stock, version) VALUES ($1, 'GD-LAMP', $2, 'a desk lamp', 2500, 10, $3)",
    [LAMP, role === "writer" ? "Lamp" : "Lamp replica copy", role === "writer" ? 2 : 1],
  );
}

describe("integration: writer and read replica (two PostgreSQL databases)", function () {
  this.timeout(120_000);
  let server: ServerAddress;
  const names = { writer: `gd_writer_${randomBytes(4).toString("hex")}`, reader: `gd_reader_${randomBytes(4).toString("hex")}` };
  let writerDb: Db;
  let readerDb: Db;
  let writerProxy: TcpProxy;
  let readerProxy: TcpProxy;
  let t: TestApp | undefined;

  const env = () => ({
    DATABASE_URL: databaseUrl(server, names.writer, writerProxy.port),
    DATABASE_READER_URL: databaseUrl(server, names.reader, readerProxy.port),
    DATABASE_POOL_MAX: "4",
  });

  before(async function () {
    requireServiceUrl(this, "TEST_DATABASE_URL");
    server = {
      host: process.env.TEST_PG_HOST ?? "127.0.0.1",
      port: Number(process.env.TEST_PG_PORT ?? 5432),
      user: requireServiceUrl(this, "TEST_PG_ADMIN_USER"),
      password: requireServiceUrl(this, "TEST_PG_ADMIN_PASSWORD"),
    };
    await admin(server, `CREATE DATABASE ${names.writer}`);
    await admin(server, `CREATE DATABASE ${names.reader}`);
    writerDb = createPgDb(databaseUrl(server, names.writer), 2);
    readerDb = createPgDb(databaseUrl(server, names.reader), 2);
    writerProxy = new TcpProxy(server.host, server.port);
    readerProxy = new TcpProxy(server.host, server.port);
  });

  after(async () => {
    await writerDb?.close();
    await readerDb?.close();
    if (server) for (const name of Object.values(names)) await admin(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  beforeEach(async () => {
    await seed(writerDb, "writer");
    await seed(readerDb, "reader");
    await writerProxy.start();
    await readerProxy.start();
    t = await startTestApp(env());
  });

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await writerProxy.stop();
    await readerProxy.stop();
  });

  const app = () => {
    if (!t) throw new Error("no app");
    return t;
  };
  const inject = (options: InjectOptions) => app().app.inject(options);
  const adminHeaders = async () => bearer(await app().tokenFor("ada", ["admin"]));
  const metric = async (name: string) => {
    const line = (await inject({ url: "/metrics" })).body.split("\n").find((entry) => entry.startsWith(`${name} `));
    return Number(line?.split(" ")[1]);
  };

  it("serves catalogue reads and search from the replica, and writes and the If-Match check on the writer", async () => {
    const lamp = await inject({ url: `/v1/products/${LAMP}` });
    expect(lamp.statusCode).to.equal(200);
    expect(lamp.json()).to.include({ name: "Lamp replica copy" });
    expect(lamp.headers.etag).to.equal('"v1"');
    expect((await inject({ url: "/v1/products" })).json().items.map((item: { name: string }) => item.name)).to.deep.equal(["Lamp replica copy"]);
    expect((await inject({ url: "/v1/search?q=replica" })).json().items).to.have.length(1);

    // The replica's ETag is one version behind the primary: the precondition is judged on the primary.
    const headers = await adminHeaders();
    const put = await inject({
      method: "PUT",
      url: `/v1/products/${LAMP}`,
      headers: { ...headers, "if-match": String(lamp.headers.etag) },
      payload: { sku: "GD-LAMP", name: "Lamp", description: "a desk lamp", priceCents: 2600, stock: 10 },
    });
    expect(put.statusCode, put.body).to.equal(412);

    const created = await inject({ method: "POST", url: "/v1/products", headers, payload: { sku: "GD-NEW", name: "Chair", description: "", priceCents: 100, stock: 1 } });
    expect(created.statusCode, created.body).to.equal(201);
    expect((await writerDb.query("SELECT 1 FROM products WHERE sku = 'GD-NEW'")).rowCount).to.equal(1);
    expect((await readerDb.query("SELECT 1 FROM products WHERE sku = 'GD-NEW'")).rowCount).to.equal(0);
  });

  it("reads the caller's orders from the writer: an order just placed is there at once (read-your-own-writes)", async () => {
    const headers = bearer(await app().tokenFor("bob"));
    const placed = await inject({ method: "POST", url: "/v1/orders", headers: { ...headers, "idempotency-key": "gd-order-0001" }, payload: { items: [{ productId: LAMP, quantity: 1 }] } });
    expect(placed.statusCode, placed.body).to.equal(201);
    const id = placed.json<{ id: string }>().id;
    expect((await inject({ url: `/v1/orders/${id}`, headers })).statusCode).to.equal(200);
    expect((await inject({ url: "/v1/orders", headers })).json().items.map((order: { id: string }) => order.id)).to.deep.equal([id]);
    expect((await readerDb.query("SELECT 1 FROM orders")).rowCount).to.equal(0);
  });

  it("never writes through the reader: its sessions are read-only, and a refused write is not retried on the writer", async () => {
    const attempt = app().runtime.databases.reader.query("UPDATE products SET stock = 0 WHERE id = $1", [LAMP]);
    await attempt.then(
      () => expect.fail("the reader took a write"),
      (error: { code?: string }) => expect(error.code).to.equal("25006"),
    );
    expect((await writerDb.query<{ stock: number }>("SELECT stock FROM products WHERE id = $1", [LAMP])).rows[0]?.stock).to.equal(10);
  });

  it("writer lost: every write is a 503 read-only with Retry-After, reads answer 200, /readyz stays ready; writes resume when it is back", async () => {
    const headers = await adminHeaders();
    await writerProxy.stop();
    const writes = [
      { method: "POST" as const, url: "/v1/products", headers, payload: { sku: "GD-X", name: "X", description: "", priceCents: 1, stock: 1 } },
      { method: "PUT" as const, url: `/v1/products/${LAMP}`, headers: { ...headers, "if-match": '"v2"' }, payload: { sku: "GD-LAMP", name: "L", description: "", priceCents: 1, stock: 1 } },
      { method: "PATCH" as const, url: `/v1/products/${LAMP}`, headers, payload: { stockDelta: 1 } },
      { method: "DELETE" as const, url: `/v1/products/${LAMP}`, headers },
      { method: "POST" as const, url: "/v1/orders", headers: { ...headers, "idempotency-key": "gd-order-0002" }, payload: { items: [{ productId: LAMP, quantity: 1 }] } },
    ];
    // Twice: first as connection failures, then with the writer's circuit open (failing at once).
    for (const round of [1, 2]) {
      for (const write of writes) {
        const response = await inject(write);
        expect(response.statusCode, `${write.method} ${write.url} (round ${round}): ${response.body}`).to.equal(503);
        expect(response.headers["content-type"]).to.match(/^application\/problem\+json/);
        expect(response.json()).to.include({ type: READ_ONLY, status: 503 });
        expect(response.headers["retry-after"]).to.equal("5");
      }
    }
    expect(await metric("database_writer_circuit_state")).to.equal(2);
    for (const url of [`/v1/products/${LAMP}`, "/v1/products", "/v1/search?q=lamp"]) {
      expect((await inject({ url })).statusCode, url).to.equal(200);
    }
    // The caller's orders come from the replica while the writer is out (it has none of them here).
    const orders = await inject({ url: "/v1/orders", headers });
    expect(orders.statusCode).to.equal(200);
    expect(orders.json().items).to.deep.equal([]);
    const ready = await inject({ url: "/readyz" });
    expect(ready.statusCode).to.equal(200);
    expect(ready.json().checks.database).to.equal("ok");
    expect(ready.json().checks["database-writer"]).to.not.equal("ok");

    await writerProxy.start();
    const resumed = await waitFor(
      () => inject({ method: "POST", url: "/v1/products", headers, payload: { sku: "GD-BACK", name: "Back", description: "", priceCents: 1, stock: 1 } }),
      (response) => response.statusCode === 201,
      15_000,
    );
    expect(resumed.statusCode).to.equal(201);
    expect((await inject({ url: "/readyz" })).json().checks["database-writer"]).to.equal("ok");
  });

  it("a connection lost between two statements of a transaction fails that transaction as unreachable, not the process", async () => {
    const outcome = await app()
      .runtime.db.transaction(async (tx) => {
        await tx.query("SELECT 1");
        await writerProxy.stop();
        // The socket's close is handled while no statement runs: pg then reports it as an "error" event.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await tx.query("SELECT 1");
      })
      .then(() => "committed", (error: unknown) => error);
    expect(outcome).to.be.instanceOf(DatabaseUnavailableError);
  });

  it("starts with the writer unreachable: serves reads from the replica and answers writes 503 read-only", async () => {
    await t?.close();
    t = await startTestApp({ ...env(), DATABASE_URL: databaseUrl(server, names.writer, await freePort()) });
    expect((await inject({ url: `/v1/products/${LAMP}` })).statusCode).to.equal(200);
    const write = await inject({ method: "PATCH", url: `/v1/products/${LAMP}`, headers: await adminHeaders(), payload: { stockDelta: 1 } });
    expect(write.statusCode).to.equal(503);
    expect(write.json().type).to.equal(READ_ONLY);
  });

  it("writer demoted (failover, stale DNS: the writer's name reaches a read-only server): writes answer 503 read-only and open the circuit", async () => {
    await t?.close();
    // Every session of the writer read-only: what a demoted primary answers to each write (SQLSTATE 25006).
    const demoted = `${databaseUrl(server, names.writer, writerProxy.port)}?options=${encodeURIComponent("-c default_transaction_read_only=on")}`;
    t = await startTestApp({ ...env(), DATABASE_URL: demoted });
    const headers = await adminHeaders();
    for (const round of [1, 2]) {
      const writes = [
        { method: "PATCH" as const, url: `/v1/products/${LAMP}`, headers, payload: { stockDelta: 1 } },
        { method: "POST" as const, url: "/v1/orders", headers: { ...headers, "idempotency-key": `gd-demoted-000${round}` }, payload: { items: [{ productId: LAMP, quantity: 1 }] } },
      ];
      for (const write of writes) {
        const response = await inject(write);
        expect(response.statusCode, `${write.method} ${write.url} (round ${round}): ${response.body}`).to.equal(503);
        expect(response.json()).to.include({ type: READ_ONLY, status: 503 });
        expect(response.headers["retry-after"]).to.equal("5");
      }
    }
    expect(await metric("database_writer_circuit_state"), "the circuit is open").to.equal(2);
    expect((await inject({ url: `/v1/products/${LAMP}` })).statusCode).to.equal(200);
  });

  it("discards a writer connection that answered read-only inside a transaction, so the pool reconnects to the new primary", async () => {
    const pool = createPgDb(databaseUrl(server, names.writer), 1);
    try {
      // This session turns read-only, as a connection to a primary that was demoted under it.
      await pool.transaction((tx) => tx.exec("SET SESSION default_transaction_read_only = on"));
      const refused = await pool.transaction((tx) => tx.query("UPDATE products SET stock = stock WHERE id = $1", [LAMP])).catch((error: { code?: string }) => error);
      expect(refused).to.include({ code: "25006" });
      // The only connection of the pool was discarded: the next transaction runs on a fresh, writable session.
      const updated = await pool.transaction((tx) => tx.query("UPDATE products SET stock = stock WHERE id = $1", [LAMP]));
      expect(updated.rowCount).to.equal(1);
    } finally {
      await pool.close();
    }
  });

  it("replica lost: reads are served by the writer and counted", async () => {
    await readerProxy.stop();
    const lamp = await inject({ url: `/v1/products/${LAMP}` });
    expect(lamp.statusCode).to.equal(200);
    expect(lamp.json()).to.include({ name: "Lamp" });
    expect((await inject({ url: "/v1/products" })).statusCode).to.equal(200);
    expect((await inject({ url: "/readyz" })).statusCode).to.equal(200);
    expect(await metric("database_reader_fallbacks_total")).to.be.at.least(2);
  });

  it("OUTBOX_RELAY=disabled: the process publishes nothing; enabled, it publishes the writer's outbox", async () => {
    await t?.close();
    t = undefined;
    const eventId = randomUUID();
    await writerDb.query("INSERT INTO outbox (id, topic, message_key, event_type, payload) VALUES ($1, 'orders', 'k', 'order.placed', '{}')", [eventId]);
    const published = async () => (await writerDb.query<{ published_at: Date | null }>("SELECT published_at FROM outbox WHERE id = $1", [eventId])).rows[0]?.published_at ?? null;
    const serverEnv = { ...env(), OUTBOX_POLL_INTERVAL_MS: "20", NODE_ENV: "production" };

    const secondary = await spawnBundledServer({ ...serverEnv, OUTBOX_RELAY: "disabled" });
    try {
      await waitFor(async () => secondary.output(), (output) => output.includes("outbox relay disabled"));
      // Many poll intervals: an enabled relay publishes within one.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await published()).to.equal(null);
    } finally {
      secondary.child.kill("SIGTERM");
      await secondary.exited;
    }
    const primary = await spawnBundledServer(serverEnv);
    try {
      await waitFor(published, (value) => value !== null, 10_000);
    } finally {
      primary.child.kill("SIGTERM");
      await primary.exited;
    }
  });
});

describe("integration: the search indexer supersedes the product cache (a secondary region)", () => {
  let redis: RedisClient;
  let apiRedis: RedisClient;
  let indexer: ProductCacheStack;
  let api: ProductCacheStack;
  let es: FakeElasticsearch;
  let index: ProductIndex;

  before(async function () {
    const url = requireServiceUrl(this, "TEST_REDIS_URL");
    redis = connectRedis(url, false);
    apiRedis = connectRedis(url, false);
    // As `jobs index-search` builds it (no in-process layer), and an API process of the region (with one).
    indexer = await createProductCacheStack(redis, { ttlSeconds: 60, nearTtlMs: 0 }, silentLog);
    api = await createProductCacheStack(apiRedis, { ttlSeconds: 60, nearTtlMs: 60_000 }, silentLog);
    es = await new FakeElasticsearch({ username: "u", password: "p" }).start();
    index = new ProductIndex({ baseUrl: es.baseUrl, credentials: { username: "u", password: "p" } }, "products");
    await index.ensure();
  });
  after(async () => {
    await indexer?.close();
    await api?.close();
    if (redis) await closeRedis(redis);
    if (apiRedis) await closeRedis(apiRedis);
    await es?.stop();
  });

  const entry = (version: number) => ({ json: JSON.stringify({ version }), version, etag: `"v${version}"` });
  const message = (payload: Record<string, unknown>): ProductEventMessage => ({ value: Buffer.from(JSON.stringify(payload)), timestamp: String(Date.now()), offset: "0" });
  const product = (id: string) => ({ id, sku: `S-${id.slice(0, 8)}`, name: "Lamp", description: "", priceCents: 1, stock: 1, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });

  it("a mirrored product.updated drops the region's Redis entry and every in-process copy; a lagging replica's older row cannot come back", async () => {
    const id = randomUUID();
    await api.cache.fill(id, entry(1));
    expect((await api.cache.get(id))?.version).to.equal(1);

    await indexProductEvents(index, [message({ type: "product.updated", product: product(id), version: 2 })], silentLog, { supersede: supersedeInCache(indexer.cache) });

    expect(await redis.get(RedisProductCache.key(id))).to.equal("2|");
    await waitFor(() => api.cache.get(id), (found) => found === undefined);
    expect(await api.cache.fill(id, entry(1))).to.equal(false);
    expect(es.documents("products").has(id)).to.equal(true);
  });

  it("a deletion supersedes the last version; the cache is invalidated even when Elasticsearch refuses the batch", async () => {
    const id = randomUUID();
    await api.cache.fill(id, entry(4));
    es.failNext = { count: 10, status: 503 };
    const outcome = await indexProductEvents(index, [message({ type: "product.deleted", productId: id, deletedAt: new Date().toISOString(), version: 4 })], silentLog, {
      supersede: supersedeInCache(indexer.cache),
    }).then(() => "indexed", () => "redelivered");
    es.failNext = { count: 0, status: 503 };
    expect(outcome).to.equal("redelivered");
    expect(await redis.get(RedisProductCache.key(id))).to.equal("5|");
    await waitFor(() => api.cache.get(id), (found) => found === undefined);
  });
});
