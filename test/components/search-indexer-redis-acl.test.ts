import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { Cluster } from "ioredis";
import { PRODUCT_INVALIDATION_CHANNEL, RedisProductCache } from "../../app/src/products/product-cache";
import { connectRedis } from "../../app/src/redis-client";
import { SEARCH_INDEXER_REDIS_ACL } from "../../components/shop-api-environment";
import { withRedisAclUser } from "../support/redis-acl-user";

/**
 * The search indexer's Redis ACL user (SEARCH_INDEXER_REDIS_ACL, secondary regions) against a real Redis Cluster: the
 * API's own invalidation path (RedisProductCache.invalidate: the script's GET/SET tombstone and PUBLISH) and a DEL of a
 * product key pass; every other key, SUBSCRIBE and admin commands are refused. .ci/start-services.sh starts the cluster.
 */
describe("components/shop-api-environment: the search indexer's Redis ACL user against a real Redis Cluster", function () {
    this.timeout(60_000);
    const user = withRedisAclUser(this, SEARCH_INDEXER_REDIS_ACL, "indexer/acl-test");

    it("invalidates a product (tombstone, published invalidation) and deletes product keys, and nothing else", async () => {
        const redis = connectRedis(user.url(), true) as Cluster;
        const admin = connectRedis(process.env.TEST_REDIS_CLUSTER_URL as string, true) as Cluster;
        const subscriber = admin.duplicate();
        const id = randomUUID();
        try {
            const heard = new Promise<string>((resolve) => subscriber.on("message", (_channel: string, message: string) => resolve(message)));
            await subscriber.subscribe(PRODUCT_INVALIDATION_CHANNEL);
            await new RedisProductCache(redis, { ttlSeconds: 60, onError: (operation, error) => { throw new Error(`${operation}: ${String(error)}`); } }).invalidate(id, 3);
            expect(await admin.get(RedisProductCache.key(id))).to.equal("3|");
            expect(await heard).to.equal(`${id} 3`);
            expect(await redis.del(RedisProductCache.key(id))).to.equal(1);
            // Least privilege: the API's other keys, subscriptions and admin commands stay refused.
            expect(await redis.set("shop:cart:x", "1").catch((error: Error) => error.message)).to.match(/NOPERM/);
            expect(await redis.call("FLUSHALL").catch((error: Error) => error.message)).to.match(/NOPERM/);
            expect(await redis.duplicate().subscribe(PRODUCT_INVALIDATION_CHANNEL).catch((error: Error) => error.message)).to.match(/NOPERM/);
        } finally {
            subscriber.disconnect();
            admin.disconnect();
            redis.disconnect();
        }
    });
});
