import { expect } from "chai";
import { NearProductCache } from "../src/products/near-product-cache";
import type { CachedProduct, ProductCache } from "../src/products/product-cache";

describe("in-process product cache", () => {
  const entry = (version: number): CachedProduct => ({ json: `{"v":${version}}`, version, etag: `"v${version}"` });

  function sharedWith(value: CachedProduct | undefined): ProductCache & { gets: number } {
    return {
      gets: 0,
      async get() {
        this.gets += 1;
        return value;
      },
      fill: async () => true,
      invalidate: async () => undefined,
    };
  }

  it("serves its copy without asking Redis while the invalidation subscription is live, and stops when it is not", async () => {
    const shared = sharedWith(entry(1));
    const near = new NearProductCache(shared, { ttlMs: 1000 });
    near.setLive(true);
    await near.get("p");
    await near.get("p");
    expect(shared.gets).to.equal(1);
    near.setLive(false);
    await near.get("p");
    expect(shared.gets).to.equal(2);
  });

  it("neither keeps nor serves a copy older than an invalidation it has seen", async () => {
    const shared = sharedWith(entry(1));
    const near = new NearProductCache(shared, { ttlMs: 1000 });
    near.setLive(true);
    near.evicted("p", 2);
    // Redis still answers version 1 (its own invalidation is on the way): the caller must read the database.
    expect(await near.get("p")).to.equal(undefined);
    await near.fill("p", entry(1));
    expect(await near.get("p")).to.equal(undefined);
    await near.fill("p", entry(2));
    expect(await near.get("p")).to.deep.equal(entry(2));
  });

  it("expires copies after its TTL and keeps at most maxEntries", async () => {
    let clock = 0;
    const shared = sharedWith(entry(1));
    const near = new NearProductCache(shared, { ttlMs: 100, maxEntries: 2, now: () => clock });
    near.setLive(true);
    await near.get("a");
    clock += 101;
    await near.get("a");
    expect(shared.gets).to.equal(2);
    await near.get("b");
    await near.get("c");
    expect(near.size).to.equal(2);
  });
});
