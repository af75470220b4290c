import { Cluster } from "ioredis";
import type { BaseLogger } from "pino";
import { closeRedis, type RedisClient } from "../redis-client";
import type { NearProductCache } from "./near-product-cache";
import { PRODUCT_INVALIDATION_CHANNEL } from "./product-cache";

const MESSAGE = /^([0-9a-f-]{36}) (\d{1,15})$/;

/**
 * Follows the invalidations every writer publishes (in the same Redis script that leaves the tombstone)
 * on a connection of its own: a subscribed connection can run no other command. Ordinary PUBLISH/
 * SUBSCRIBE, not the sharded kind: in a Redis Cluster a PUBLISH reaches subscribers on every node, so
 * one subscription sees the invalidations of all shards. The near cache serves copies only while the
 * subscription is up and drops them all whenever it goes down (messages sent meanwhile are lost).
 */
export async function followProductInvalidations(
  redis: RedisClient,
  near: NearProductCache,
  log: BaseLogger,
): Promise<{ subscribed: Promise<void>; close(): Promise<void> }> {
  const subscriber: RedisClient = redis instanceof Cluster ? redis.duplicate() : redis.duplicate();
  const down = () => near.setLive(false);
  subscriber.on("error", (error: Error) => log.debug({ err: error }, "product invalidation subscriber error"));
  subscriber.on("close", down);
  subscriber.on("end", down);
  subscriber.on("reconnecting", down);
  subscriber.on("message", (channel: string, message: string) => {
    if (channel !== PRODUCT_INVALIDATION_CHANNEL) return;
    const parsed = MESSAGE.exec(message);
    if (parsed) near.evicted(parsed[1] as string, Number(parsed[2]));
  });
  let markSubscribed: () => void = () => undefined;
  const subscribed = new Promise<void>((resolve) => {
    markSubscribed = resolve;
  });
  const subscribe = () =>
    subscriber.subscribe(PRODUCT_INVALIDATION_CHANNEL).then(
      () => {
        near.setLive(true);
        markSubscribed();
      },
      (error: unknown) => log.warn({ err: error }, "product invalidation subscription failed; the in-process cache is off"),
    );
  // ioredis subscribes again by itself after a reconnect (autoResubscribe); "ready" follows it.
  subscriber.on("ready", () => void subscribe());
  void subscribe();
  return {
    subscribed,
    async close() {
      near.setLive(false);
      await closeRedis(subscriber);
    },
  };
}
