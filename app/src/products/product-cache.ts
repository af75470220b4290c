import type { BaseLogger } from "pino";
import type { RedisClient } from "../redis-client";

/**
 * Cache of single products by id, holding each product's JSON document exactly as the API returns
 * it: a hit is sent to the client without parsing and re-serialising. A cache failure must never
 * fail a request: it only costs latency.
 */
export interface ProductCache {
  get(id: string): Promise<string | undefined>;
  set(id: string, json: string): Promise<void>;
  invalidate(id: string): Promise<void>;
}

export const noProductCache: ProductCache = {
  get: async () => undefined,
  set: async () => undefined,
  invalidate: async () => undefined,
};

export class RedisProductCache implements ProductCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly ttlSeconds: number,
    private readonly log: BaseLogger,
  ) {}

  private key(id: string): string {
    return `shop:product:v1:${id}`;
  }

  async get(id: string): Promise<string | undefined> {
    try {
      return (await this.redis.get(this.key(id))) ?? undefined;
    } catch (error) {
      this.log.warn({ err: error }, "product cache read failed; falling back to the database");
      return undefined;
    }
  }

  async set(id: string, json: string): Promise<void> {
    try {
      await this.redis.set(this.key(id), json, "EX", this.ttlSeconds);
    } catch (error) {
      this.log.warn({ err: error }, "product cache write failed");
    }
  }

  async invalidate(id: string): Promise<void> {
    try {
      await this.redis.del(this.key(id));
    } catch (error) {
      // The TTL bounds how long a stale entry can survive a failed invalidation.
      this.log.error({ err: error, productId: id }, "product cache invalidation failed");
    }
  }
}
