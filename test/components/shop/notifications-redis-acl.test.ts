import { randomUUID } from "node:crypto";
import { expect } from "chai";
import type { Cluster } from "ioredis";
import { connectRedis } from "../../../app/src/redis-client";
import { NOTIFICATIONS_REDIS_ACL } from "../../../components/shop/notifications-worker";
import { withRedisAclUser } from "../../support/redis-acl-user";

/**
 * The worker's Redis ACL user (NOTIFICATIONS_REDIS_ACL, rendered by aclLine as the operator loads it) against a real
 * Redis Cluster, through the app's own cluster client: the dedupe claim (SET NX PX, GET, EXISTS, PEXPIRE, DEL on
 * notifications:<event id>) passes, any other key or command is refused. .ci/start-services.sh starts the cluster.
 */
describe("components/shop/notifications-worker: the worker's Redis ACL user against a real Redis Cluster", function () {
    this.timeout(60_000);
    const user = withRedisAclUser(this, NOTIFICATIONS_REDIS_ACL, "acl/test\\pass");

    it("lets the worker claim, read, extend and release an event's dedupe key, and nothing else", async () => {
        const redis = connectRedis(user.url(), true) as Cluster;
        const key = `notifications:${randomUUID()}`;
        try {
            expect(await redis.ping()).to.equal("PONG");
            expect(await redis.set(key, "claimed", "PX", 60_000, "NX")).to.equal("OK");
            // A redelivered event finds the claim: the second SET NX does nothing.
            expect(await redis.set(key, "claimed", "PX", 60_000, "NX")).to.equal(null);
            expect(await redis.get(key)).to.equal("claimed");
            expect(await redis.exists(key)).to.equal(1);
            expect(await redis.pexpire(key, 120_000)).to.equal(1);
            expect(await redis.del(key)).to.equal(1);
            // Least privilege: the API's keys, scripts, Pub/Sub and admin commands stay refused.
            expect(await redis.get("shop:product:v2:1").catch((error: Error) => error.message)).to.match(/NOPERM/);
            expect(await redis.eval("return 1", 0).catch((error: Error) => error.message)).to.match(/NOPERM/);
            expect(await redis.publish("shop:product:invalidations", "x").catch((error: Error) => error.message)).to.match(/NOPERM/);
            expect(await redis.call("FLUSHALL").catch((error: Error) => error.message)).to.match(/NOPERM/);
        } finally {
            await redis.del(key).catch(() => undefined);
            redis.disconnect();
        }
    });
});
