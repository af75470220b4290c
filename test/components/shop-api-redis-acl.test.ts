import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { Cluster } from "ioredis";
import pino from "pino";
import { createProductCacheStack } from "../../app/src/products/product-cache-setup";
import { RedisProductCache } from "../../app/src/products/product-cache";
import { connectRedis } from "../../app/src/redis-client";
import { SHOP_API_REDIS_ACL } from "../../components/shop-api-environment";
import { withRedisAclUser } from "../support/redis-acl-user";

/**
 * The API's Redis ACL user (SHOP_API_REDIS_ACL, rendered by aclLine as the operator loads it) against a real Redis
 * Cluster: everything the API's product cache sends must pass it (scripts, their GET/SET/PUBLISH, SUBSCRIBE), so an
 * ACL that plans also serves. .ci/start-services.sh starts the three-shard cluster and exports TEST_REDIS_CLUSTER_URL.
 */
describe("components/shop-api-environment: the API's Redis ACL user against a real Redis Cluster", function () {
    this.timeout(60_000);
    const user = withRedisAclUser(this, SHOP_API_REDIS_ACL, "acl/test\\pass");

    it("lets the product cache fill, read, invalidate and follow invalidations, and nothing else", async () => {
        const redis = connectRedis(user.url(), true) as Cluster;
        const errors: string[] = [];
        const log = pino({ level: "warn" }, { write: (line: string) => void errors.push(line) });
        const stack = await createProductCacheStack(redis, { ttlSeconds: 60, nearTtlMs: 60_000 }, log);
        const id = randomUUID();
        try {
            const entry = { json: '{"id":"acl"}', version: 1, etag: '"v1"' };
            expect(await stack.cache.fill(id, entry)).to.equal(true);
            expect(await new RedisProductCache(redis, { ttlSeconds: 60 }).get(id)).to.deep.equal(entry);
            // The in-process copy is served until the published invalidation arrives through the subscription.
            expect(await stack.cache.get(id)).to.deep.equal(entry);
            await stack.cache.invalidate(id, 2);
            expect(await redis.get(RedisProductCache.key(id))).to.equal("2|");
            expect(await stack.cache.get(id)).to.equal(undefined);
            expect(errors, "cache operations refused").to.deep.equal([]);
            expect(stack.breaker.currentState).to.equal("closed");
            // Least privilege: other keys and commands stay refused.
            expect(await redis.set("not-shop:x", "1").catch((error: Error) => error.message)).to.match(/NOPERM/);
            expect(await redis.call("FLUSHALL").catch((error: Error) => error.message)).to.match(/NOPERM/);
        } finally {
            await stack.close();
            redis.disconnect();
        }
    });
});
