import type { Redis } from "ioredis";
import type { BaseLogger } from "pino";
import type { Product } from "./product";

/** Cache of single products by id. A cache failure must never fail a request: it only costs latency. */
export interface ProductCache {
  get(id: string): Promise<Product | undefined>;
  set(product: Product): Promise<void>;
  invalidate(id: string): Promise<void>;
}

export const noProductCache: ProductCache = {
  get: async () => undefined,
  set: async () => undefined,
  invalidate: async () => undefined,
};

export class RedisProductCache implements ProductCache {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
    private readonly log: BaseLogger,
  ) {}

  private key(id: string): string {
    return `shop:product:v1:${id}`;
  }

  async get(id: string): Promise<Product | undefined> {
    try {
      const cached = await this.redis.get(this.key(id));
      return cached === null ? undefined : (JSON.parse(cached) as Product);
    } catch (error) {
      this.log.warn({ err: error }, "product cache read failed; falling back to the database");
      return undefined;
    }
  }

  async set(product: Product): Promise<void> {
    try {
      await this.redis.set(this.key(product.id), JSON.stringify(product), "EX", this.ttlSeconds);
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
