import type { BaseLogger } from "pino";
import type { CacheMetrics } from "../cache/cache-metrics";
import { CircuitBreaker } from "../cache/circuit-breaker";
import type { RedisClient } from "../redis-client";
import { NearProductCache } from "./near-product-cache";
import { RedisProductCache, type ProductCache } from "./product-cache";
import { followProductInvalidations } from "./product-invalidations";

const SUBSCRIBE_WAIT_MS = 1000;

export interface ProductCacheSettings {
  ttlSeconds: number;
  /** 0: no in-process layer (jobs, which only invalidate). */
  nearTtlMs: number;
}

export interface ProductCacheStack {
  cache: ProductCache;
  breaker: CircuitBreaker;
  close(): Promise<void>;
}

/** Redis behind a circuit breaker, with the in-process layer and its invalidation subscription in front when enabled. */
export async function createProductCacheStack(
  redis: RedisClient,
  settings: ProductCacheSettings,
  log: BaseLogger,
  metrics?: CacheMetrics,
): Promise<ProductCacheStack> {
  const breaker = new CircuitBreaker({
    name: "redis",
    onStateChange: (state) => {
      metrics?.circuitState(state);
      log.warn({ state }, state === "open" ? "redis circuit opened: the cache is skipped" : `redis circuit ${state}`);
    },
  });
  const shared = new RedisProductCache(redis, {
    ttlSeconds: settings.ttlSeconds,
    breaker,
    onError: (operation, error) => {
      metrics?.cacheError(operation);
      log.warn({ err: error, operation }, "product cache operation failed");
    },
  });
  if (settings.nearTtlMs <= 0) return { cache: shared, breaker, close: async () => breaker.close() };
  const near = new NearProductCache(shared, { ttlMs: settings.nearTtlMs });
  const invalidations = await followProductInvalidations(redis, near, log);
  // Briefly, so a pod starts with its in-process layer on; a Redis that is down must not hold up the
  // start for longer (the layer switches on whenever the subscription comes up).
  await Promise.race([invalidations.subscribed, new Promise((resolve) => setTimeout(resolve, SUBSCRIBE_WAIT_MS).unref())]);
  return {
    cache: near,
    breaker,
    async close() {
      await invalidations.close();
      breaker.close();
    },
  };
}
