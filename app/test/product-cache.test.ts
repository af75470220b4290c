import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { Redis } from "ioredis";
import { createPgDb } from "../src/db/pg-db";
import type { Db } from "../src/db/db";
import { migrate } from "../src/db/migrate";
import type { Product } from "../src/products/product";
import { RedisProductCache, type CachedProduct, type ProductCache } from "../src/products/product-cache";
import { ProductRepository } from "../src/products/product-repository";
import { ProductService } from "../src/products/product-service";
import { requireServiceUrl } from "./support/external-services";
import { createTestSchema } from "./support/integration-schema";
import { waitFor } from "./support/wait-for";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

/** Records every fill so a test can wait until the fire-and-forget writes have landed. */
class TrackedCache implements ProductCache {
  readonly fills: Array<Promise<boolean>> = [];
  constructor(private readonly inner: ProductCache) {}
  get(id: string) {
    return this.inner.get(id);
  }
  fill(id: string, entry: CachedProduct) {
    const filled = this.inner.fill(id, entry);
    this.fills.push(filled);
    return filled;
  }
  invalidate(id: string, version: number) {
    return this.inner.invalidate(id, version);
  }
}

/**
 * The product cache against real PostgreSQL and Redis: fresh stock after orders, fills that cannot
 * undo an invalidation, the in-process layer kept current across processes by pub/sub, and a Redis
 * outage that neither fails readiness nor slows reads for long.
 */
describe("integration: product cache (real PostgreSQL and Redis)", function () {
  this.timeout(120_000);
  let redisUrl: string;
  let databaseUrl: string;
  let dropSchema: (() => Promise<void>) | undefined;
  let redis: Redis;
  let t: TestApp;
  let admin: string;

  before(async function () {
    const baseUrl = requireServiceUrl(this, "TEST_DATABASE_URL");
    redisUrl = requireServiceUrl(this, "TEST_REDIS_URL");
    const created = await createTestSchema(baseUrl, "cache");
    databaseUrl = created.databaseUrl;
    dropSchema = created.drop;
    redis = new Redis(redisUrl);
    t = await startTestApp({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl });
    admin = await t.tokenFor("ops", ["admin"]);
  });

  after(async () => {
    await t?.close();
    redis?.disconnect();
    await dropSchema?.();
  });

  const createProduct = async (app: TestApp, sku: string, stock: number) => {
    const response = await app.app.inject({
      method: "POST",
      url: "/v1/products",
      headers: bearer(admin),
      payload: { sku, name: `Product ${sku}`, priceCents: 1000, stock },
    });
    expect(response.statusCode, response.body).to.equal(201);
    return response.json<Product>();
  };

  const order = async (app: TestApp, productId: string, quantity: number, key: string) => {
    const response = await app.app.inject({
      method: "POST",
      url: "/v1/orders",
      headers: { ...bearer(await app.tokenFor("buyer")), "idempotency-key": key },
      payload: { items: [{ productId, quantity }] },
    });
    expect(response.statusCode, response.body).to.equal(201);
  };

  const stockSeenBy = async (app: TestApp, id: string) => (await app.app.inject({ url: `/v1/products/${id}` })).json<Product>().stock;

  describe("stale stock after orders (defect 1)", () => {
    it("shows the stock an order left at once, although the product was cached", async () => {
      const product = await createProduct(t, "CACHE-STOCK-1", 10);
      expect(await stockSeenBy(t, product.id)).to.equal(10);
      await waitFor(() => redis.exists(RedisProductCache.key(product.id)), (found) => found === 1);
      expect(await stockSeenBy(t, product.id)).to.equal(10);
      await order(t, product.id, 3, "cache-stock-1-key");
      expect(await stockSeenBy(t, product.id)).to.equal(7);
    });

    it("shows it on every API process: the in-process copies are dropped through Redis pub/sub", async () => {
      // A long in-process TTL: only the pub/sub message can make the new stock visible there.
      const other = await startTestApp({ DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, CACHE_LOCAL_TTL_MS: "60000" });
      try {
        const product = await createProduct(t, "CACHE-STOCK-2", 10);
        // Both processes hold the product in memory (and in Redis).
        expect(await stockSeenBy(t, product.id)).to.equal(10);
        expect(await stockSeenBy(other, product.id)).to.equal(10);
        // The other process answers from its own memory: not even Redis' copy is needed.
        await waitFor(() => redis.exists(RedisProductCache.key(product.id)), (found) => found === 1);
        await redis.del(RedisProductCache.key(product.id));
        await t.runtime.db.query("UPDATE products SET name = 'changed directly' WHERE id = $1", [product.id]);
        expect((await other.app.inject({ url: `/v1/products/${product.id}` })).json<Product>().name).to.equal("Product CACHE-STOCK-2");
        await order(t, product.id, 4, "cache-stock-2-key");
        await waitFor(() => stockSeenBy(other, product.id), (stock) => stock === 6);
        expect(await stockSeenBy(t, product.id)).to.equal(6);
      } finally {
        await other.close();
      }
    });
  });

  describe("a cache fill cannot undo an invalidation (defect 2)", () => {
    let db: Db;
    let cacheRedis: Redis;
    let repository: ProductRepository;
    let shared: RedisProductCache;

    before(async () => {
      db = createPgDb(databaseUrl, 10);
      await migrate(db);
      cacheRedis = new Redis(redisUrl);
      repository = new ProductRepository(db);
      shared = new RedisProductCache(cacheRedis, { ttlSeconds: 60 });
    });

    after(async () => {
      cacheRedis?.disconnect();
      await db?.close();
    });

    it("refuses a slow reader's fill of the version an update replaced meanwhile", async () => {
      const { product } = await repository.create({ sku: "RACE-1", name: "Before", description: "", priceCents: 100, stock: 5 });
      let releaseReader: () => void = () => undefined;
      const readerPaused = new Promise<void>((resolve) => {
        releaseReader = resolve;
      });
      let readerReachedFill: () => void = () => undefined;
      const readerAtFill = new Promise<void>((resolve) => {
        readerReachedFill = resolve;
      });
      const tracked = new TrackedCache(shared);
      const slowReader = new ProductService(repository, tracked, {
        beforeCacheFill: async () => {
          readerReachedFill();
          await readerPaused;
        },
      });
      const writer = new ProductService(repository, shared);

      // The reader misses and reads version 1 from the database, then stalls before writing the cache.
      const read = await slowReader.get(product.id);
      expect(JSON.parse(read?.json ?? "{}")).to.include({ name: "Before" });
      await readerAtFill;
      // Meanwhile an update commits version 2 and invalidates.
      await writer.patch(product.id, { name: "After" }, undefined);
      releaseReader();
      await waitFor(async () => tracked.fills.length, (count) => count === 1);
      expect(await tracked.fills[0], "the stale fill was stored").to.equal(false);
      expect(await cacheRedis.get(RedisProductCache.key(product.id))).to.equal("2|");
      const fresh = await writer.get(product.id);
      expect(JSON.parse(fresh?.json ?? "{}")).to.include({ name: "After" });
    });

    it("never leaves a stale value cached: 150 rounds of 30 cold reads racing one update", async () => {
      const { product } = await repository.create({ sku: "RACE-STRESS", name: "v0", description: "", priceCents: 100, stock: 5 });
      const tracked = new TrackedCache(shared);
      // A random pause of 0-2 ms between a reader's database read and its fill (event-loop lag, a GC
      // pause, a slow network) widens the window that production hits only now and then.
      const readers = new ProductService(repository, tracked, {
        beforeCacheFill: () => new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3))),
      });
      const key = RedisProductCache.key(product.id);
      const stale: number[] = [];
      for (let round = 1; round <= 150; round += 1) {
        await cacheRedis.del(key);
        tracked.fills.length = 0;
        const reads = Array.from({ length: 30 }, async (_, index) => {
          // Spread the reads around the write.
          if (index % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
          return readers.get(product.id);
        });
        const update = (async () => {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
          return readers.patch(product.id, { name: `v${round}` }, undefined);
        })();
        await Promise.all([...reads, update]);
        await Promise.all(tracked.fills);
        const current = await repository.get(product.id);
        const cached = await cacheRedis.get(key);
        const cachedVersion = cached === null ? undefined : Number(cached.slice(0, cached.indexOf("|")));
        const cachedDocument = cached?.slice(cached.indexOf("|") + 1);
        // Either nothing, a tombstone, or exactly the current version.
        if (cachedDocument && (cachedVersion !== current?.version || JSON.parse(cachedDocument).name !== `v${round}`)) {
          stale.push(round);
        }
        const served = await readers.get(product.id);
        if (JSON.parse(served?.json ?? "{}").name !== `v${round}`) stale.push(round);
      }
      expect(stale, "rounds that left or served a stale product").to.deep.equal([]);
    });

    it("does not make a response wait for the cache write", async () => {
      const { product } = await repository.create({ sku: "FILL-HANGS", name: "n", description: "", priceCents: 1, stock: 1 });
      const hanging: ProductCache = {
        get: async () => undefined,
        fill: () => new Promise<boolean>(() => undefined),
        invalidate: async () => undefined,
      };
      const found = await new ProductService(repository, hanging).get(product.id);
      expect(found?.version).to.equal(1);
    });
  });

  describe("a Redis outage (defect 4)", () => {
    it("keeps the pod ready and serves products from the database when Redis refuses connections", async () => {
      const product = await createProduct(t, "NOREDIS-1", 1);
      const degraded = await startTestApp({ DATABASE_URL: databaseUrl, REDIS_URL: "redis://127.0.0.1:1" });
      try {
        for (let index = 0; index < 8; index += 1) {
          const response = await degraded.app.inject({ url: `/v1/products/${product.id}` });
          expect(response.statusCode).to.equal(200);
        }
        const ready = await degraded.app.inject({ url: "/readyz" });
        expect(ready.statusCode).to.equal(200);
        expect(ready.json()).to.deep.equal({ status: "ready", checks: { database: "ok" } });
        const metrics = (await degraded.app.inject({ url: "/metrics" })).body;
        expect(metrics).to.match(/^redis_circuit_state 2$/m);
        expect(metrics).to.match(/^product_cache_errors_total\{operation="get"\} [1-9]/m);
      } finally {
        await degraded.close();
      }
    });

    it("stops sending commands to a Redis that accepts connections but never answers", async () => {
      const product = await createProduct(t, "STALLED-1", 1);
      const stalled = await startStalledRedis();
      const degraded = await startTestApp({ DATABASE_URL: databaseUrl, REDIS_URL: `redis://127.0.0.1:${stalled.port}` });
      try {
        // Each of the first reads waits for the breaker's deadline; the fifth failure opens the circuit.
        for (let index = 0; index < 5; index += 1) {
          expect((await degraded.app.inject({ url: `/v1/products/${product.id}` })).statusCode).to.equal(200);
        }
        const commandsWhenOpened = stalled.commands();
        const errorsWhenOpened = cacheErrors((await degraded.app.inject({ url: "/metrics" })).body);
        const responses = await Promise.all(Array.from({ length: 50 }, () => degraded.app.inject({ url: `/v1/products/${product.id}` })));
        expect(responses.every((response) => response.statusCode === 200)).to.equal(true);
        // With the circuit open, reads go straight to the database: not one more command reached Redis.
        expect(stalled.commands()).to.equal(commandsWhenOpened);
        expect(cacheErrors((await degraded.app.inject({ url: "/metrics" })).body), "cache calls attempted").to.equal(errorsWhenOpened);
        expect((await degraded.app.inject({ url: "/metrics" })).body).to.match(/^redis_circuit_state 2$/m);
        expect((await degraded.app.inject({ url: "/readyz" })).statusCode).to.equal(200);
      } finally {
        await degraded.close();
        await stalled.close();
      }
    });
  });
});

function cacheErrors(metrics: string): number {
  return [...metrics.matchAll(/^product_cache_errors_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** A TCP server that accepts connections and reads commands but never replies: a hung Redis. */
async function startStalledRedis(): Promise<{ port: number; commands(): number; close(): Promise<void> }> {
  let received = "";
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    // RESP arrays start with "*<n>\r\n": one per command sent.
    commands: () => (received.match(/(^|\n)\*\d+\r\n/g) ?? []).length,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
