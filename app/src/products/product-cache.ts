import type { Result } from "ioredis";
import { CircuitBreaker } from "../cache/circuit-breaker";
import type { RedisClient } from "../redis-client";
import { productEntityTag } from "./entity-tags";
import type { VersionedProduct } from "./product";

/** A product's JSON document exactly as the API returns it (a hit is sent without re-serialising), and its version. */
export interface CachedProduct {
  json: string;
  version: number;
  /** Its ETag, made once per cache entry rather than once per request. */
  etag: string;
}

export type CacheOperation = "get" | "fill" | "invalidate";

/**
 * Cache of single products by id. A cache failure never fails a request: it only costs latency. Every
 * entry carries the product's version, and a cache only ever moves forward: a fill older than what the
 * cache holds or last invalidated is refused, so a slow reader cannot put back what a writer replaced.
 */
export interface ProductCache {
  get(id: string): Promise<CachedProduct | undefined>;
  /** Never rejects; resolves whether the entry was stored. Callers on the read path do not wait for it. */
  fill(id: string, entry: CachedProduct): Promise<boolean>;
  /** Records that `version` (or a deletion, as the version after the last) supersedes every older entry. Never rejects. */
  invalidate(id: string, version: number): Promise<void>;
}

export const noProductCache: ProductCache = {
  get: async () => undefined,
  fill: async () => false,
  invalidate: async () => undefined,
};

export function toCachedProduct(versioned: VersionedProduct): CachedProduct {
  // Product holds exactly the response's fields, so JSON.stringify yields the API's document.
  return { json: JSON.stringify(versioned.product), version: versioned.version, etag: productEntityTag(versioned.version) };
}

/** Carries `id version` to every API process so each drops its in-process copy (see NearProductCache). */
export const PRODUCT_INVALIDATION_CHANNEL = "shop:product:invalidations";

// Entries are "<version>|<json>"; an invalidation leaves a tombstone "<version>|" (no document) that
// refuses older fills until it expires. The version prefix is parsed by the scripts below.
// Each script touches one key, so it runs on the key's shard of a Redis Cluster. PUBLISH names no key:
// in a cluster it reaches subscribers on every node.
const FILL_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current then
  local held = tonumber(string.match(current, '^(%d+)|'))
  if held and held > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1`;

const INVALIDATE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local held = current and tonumber(string.match(current, '^(%d+)|'))
if not held or held < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1] .. '|', 'EX', ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1`;

declare module "ioredis" {
  interface RedisCommander<Context> {
    shopProductFill(key: string, version: string, value: string, ttlSeconds: string): Result<number, Context>;
    shopProductInvalidate(key: string, version: string, ttlSeconds: string, channel: string, message: string): Result<number, Context>;
  }
}

export interface RedisProductCacheOptions {
  ttlSeconds: number;
  /** Calls to Redis go through it; a default one (5 failures, 5 s cool-down, 500 ms timeout) otherwise. */
  breaker?: CircuitBreaker;
  /** Each failed operation (counted in metrics, logged at a limited rate). */
  onError?: (operation: CacheOperation, error: unknown) => void;
}

export class RedisProductCache implements ProductCache {
  private readonly breaker: CircuitBreaker;
  private readonly ttl: string;
  private readonly onError: (operation: CacheOperation, error: unknown) => void;

  constructor(
    private readonly redis: RedisClient,
    options: RedisProductCacheOptions,
  ) {
    this.breaker = options.breaker ?? new CircuitBreaker({ name: "redis" });
    this.ttl = String(options.ttlSeconds);
    this.onError = options.onError ?? (() => undefined);
    redis.defineCommand("shopProductFill", { numberOfKeys: 1, lua: FILL_SCRIPT });
    redis.defineCommand("shopProductInvalidate", { numberOfKeys: 1, lua: INVALIDATE_SCRIPT });
  }

  /** v2: the value format with the version prefix; v1 entries (plain JSON) of older pods are never read. */
  static key(id: string): string {
    return `shop:product:v2:${id}`;
  }

  async get(id: string): Promise<CachedProduct | undefined> {
    // An open circuit skips Redis without creating a rejected promise per request.
    if (!this.breaker.allowsCalls()) return undefined;
    try {
      const value = await this.breaker.call(() => this.redis.get(RedisProductCache.key(id)));
      return value === null ? undefined : parseEntry(value);
    } catch (error) {
      this.onError("get", error);
      return undefined;
    }
  }

  async fill(id: string, entry: CachedProduct): Promise<boolean> {
    if (!this.breaker.allowsCalls()) return false;
    try {
      const version = String(entry.version);
      const stored = await this.breaker.call(() =>
        this.redis.shopProductFill(RedisProductCache.key(id), version, `${version}|${entry.json}`, this.ttl),
      );
      return stored === 1;
    } catch (error) {
      this.onError("fill", error);
      return false;
    }
  }

  async invalidate(id: string, version: number): Promise<void> {
    try {
      // Not skipped while the circuit is open: the call then fails at once and is counted, and the
      // entry expires with its TTL, which bounds how long a missed invalidation can leave it stale.
      await this.breaker.call(() =>
        this.redis.shopProductInvalidate(RedisProductCache.key(id), String(version), this.ttl, PRODUCT_INVALIDATION_CHANNEL, `${id} ${version}`),
      );
    } catch (error) {
      this.onError("invalidate", error);
    }
  }
}

/** "<version>|<json>" → the entry; a tombstone ("<version>|") or a foreign value → a miss. */
function parseEntry(value: string): CachedProduct | undefined {
  const bar = value.indexOf("|");
  if (bar <= 0 || bar === value.length - 1) return undefined;
  const version = Number(value.slice(0, bar));
  if (!Number.isSafeInteger(version)) return undefined;
  return { json: value.slice(bar + 1), version, etag: productEntityTag(version) };
}
