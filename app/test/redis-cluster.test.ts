import { expect } from "chai";
import { Cluster } from "ioredis";
import type { Product } from "../src/products/product";
import { RedisProductCache } from "../src/products/product-cache";
import { connectRedis } from "../src/redis-client";
import { requireServiceUrl } from "./support/external-services";
import { startTestApp, type TestApp } from "./support/test-app";
import { waitFor } from "./support/wait-for";

/**
 * The platform runs Redis in cluster mode (three shards in every region). This runs the API's cache against a real
 * three-shard Redis Cluster started by .ci/start-services.sh: keys land on different shards and the client follows
 * the cluster's redirects.
 */
describe("integration: product cache on a real Redis Cluster", function () {
  this.timeout(30_000);
  let t: TestApp;
  let inspector: Cluster;
  let clusterUrl: string;

  before(async function () {
    clusterUrl = requireServiceUrl(this, "TEST_REDIS_CLUSTER_URL");
    t = await startTestApp({ REDIS_URL: clusterUrl, REDIS_CLUSTER: "true" });
    inspector = connectRedis(clusterUrl, true) as Cluster;
  });

  after(async () => {
    await t?.close();
    inspector?.disconnect();
  });

  it("caches product reads across the shards and evicts on writes", async () => {
    const list = await t.app.inject({ method: "GET", url: "/v1/products?limit=12" });
    const products = list.json<{ items: Product[] }>().items;
    for (const product of products) {
      expect((await t.app.inject({ method: "GET", url: `/v1/products/${product.id}` })).statusCode).to.equal(200);
    }
    const keys = products.map((p) => RedisProductCache.key(p.id));
    // Fills do not hold up responses: they land a moment later.
    const cached = await waitFor(() => Promise.all(keys.map((key) => inspector.exists(key))), (found) => found.every((one) => one === 1));
    expect(cached.every((found) => found === 1), "every read product is cached").to.equal(true);
    const shards = new Set(keys.map((key) => inspector.slots[clusterSlot(key)]?.[0]));
    expect(shards.size, "keys spread over more than one shard").to.be.greaterThan(1);

    const admin = await t.tokenFor("ops", ["admin"]);
    const first = products[0];
    const update = await t.app.inject({
      method: "PATCH", url: `/v1/products/${first.id}`, headers: { authorization: `Bearer ${admin}` },
      payload: { name: `${first.name} (renamed)` },
    });
    expect(update.statusCode, update.body).to.equal(200);
    // The invalidation script ran on the key's shard: a tombstone at the new version.
    expect(await inspector.get(keys[0])).to.equal(`${String(update.headers.etag).slice(2, -1)}|`);
    const reread = await t.app.inject({ method: "GET", url: `/v1/products/${first.id}` });
    expect(reread.json<Product>().name).to.equal(`${first.name} (renamed)`);
  });

  it("drops in-process copies on invalidations published from every shard", async () => {
    // A long in-process TTL: only the pub/sub message can make the new stock visible.
    const near = await startTestApp({ REDIS_URL: clusterUrl, REDIS_CLUSTER: "true", CACHE_LOCAL_TTL_MS: "60000" });
    const writer = new RedisProductCache(inspector, { ttlSeconds: 60 });
    try {
      const products = (await near.app.inject({ method: "GET", url: "/v1/products?limit=12" })).json<{ items: Product[] }>().items;
      const shards = new Set(products.map((p) => inspector.slots[clusterSlot(RedisProductCache.key(p.id))]?.[0]));
      expect(shards.size, "keys spread over more than one shard").to.be.greaterThan(1);
      for (const product of products) {
        expect((await near.app.inject({ method: "GET", url: `/v1/products/${product.id}` })).json<Product>().stock).to.equal(product.stock);
        // A change made elsewhere (another process, the import job), not yet announced: the copy in this
        // process still answers, even with Redis' copy gone.
        const changed = await near.runtime.db.query<{ version: string }>(
          "UPDATE products SET stock = stock + 1, version = version + 1 WHERE id = $1 RETURNING version::text",
          [product.id],
        );
        await inspector.del(RedisProductCache.key(product.id));
        expect((await near.app.inject({ method: "GET", url: `/v1/products/${product.id}` })).json<Product>().stock).to.equal(product.stock);
        // Announced by the script on the key's shard.
        await writer.invalidate(product.id, Number(changed.rows[0]?.version));
        await waitFor(
          async () => (await near.app.inject({ method: "GET", url: `/v1/products/${product.id}` })).json<Product>().stock,
          (stock) => stock === product.stock + 1,
        );
      }
    } finally {
      await near.close();
    }
  });

  it("reports ready whether or not the cluster answers (reads fall back to the database)", async () => {
    expect((await t.app.inject({ method: "GET", url: "/readyz" })).statusCode).to.equal(200);
  });
});

/** Redis Cluster's key slot: CRC16 (XMODEM) of the key (or its {hash tag}) modulo 16384. */
function clusterSlot(key: string): number {
  const open = key.indexOf("{");
  const close = open >= 0 ? key.indexOf("}", open + 1) : -1;
  const hashed = open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of Buffer.from(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
