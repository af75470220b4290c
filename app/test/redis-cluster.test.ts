import { expect } from "chai";
import { Cluster } from "ioredis";
import type { Product } from "../src/products/product";
import { connectRedis } from "../src/redis-client";
import { requireServiceUrl } from "./support/external-services";
import { startTestApp, type TestApp } from "./support/test-app";

/**
 * The platform runs Redis in cluster mode (three shards in every region). This runs the API's cache against a real
 * three-shard Redis Cluster started by .ci/start-services.sh: keys land on different shards and the client follows
 * the cluster's redirects.
 */
describe("integration: product cache on a real Redis Cluster", function () {
  this.timeout(30_000);
  let t: TestApp;
  let inspector: Cluster;

  before(async function () {
    const clusterUrl = requireServiceUrl(this, "TEST_REDIS_CLUSTER_URL");
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
    const keys = products.map((p) => `shop:product:v1:${p.id}`);
    const cached = await Promise.all(keys.map((key) => inspector.exists(key)));
    expect(cached.every((found) => found === 1), "every read product is cached").to.equal(true);
    const shards = new Set(keys.map((key) => inspector.slots[clusterSlot(key)]?.[0]));
    expect(shards.size, "keys spread over more than one shard").to.be.greaterThan(1);

    const admin = await t.tokenFor("ops", ["admin"]);
    const first = products[0];
    const update = await t.app.inject({
      method: "PUT", url: `/v1/products/${first.id}`, headers: { authorization: `Bearer ${admin}` },
      payload: { sku: first.sku, name: `${first.name} (renamed)`, description: first.description, priceCents: first.priceCents, stock: first.stock },
    });
    expect(update.statusCode, update.body).to.equal(200);
    expect(await inspector.exists(keys[0])).to.equal(0);
    const reread = await t.app.inject({ method: "GET", url: `/v1/products/${first.id}` });
    expect(reread.json<Product>().name).to.equal(`${first.name} (renamed)`);
  });

  it("reports ready only while the cluster answers", async () => {
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
