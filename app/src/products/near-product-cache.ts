import type { CachedProduct, ProductCache } from "./product-cache";

interface NearEntry {
  /** undefined: a tombstone, refusing anything older than `version` until it expires. */
  entry: CachedProduct | undefined;
  version: number;
  expiresAt: number;
}

export interface NearProductCacheOptions {
  /** How long a copy is served without asking Redis; bounds staleness when an invalidation message is lost. */
  ttlMs: number;
  /** Oldest entries are dropped beyond this. Default 10 000. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * An in-process layer in front of the shared cache: a hit costs no Redis round trip. Every process
 * subscribes to the invalidations the writers publish (PRODUCT_INVALIDATION_CHANNEL) and drops its copy;
 * copies are served only while that subscription is live (`setLive`), and all of them are dropped
 * whenever it goes down, because messages sent meanwhile are lost. Versions order everything, as in
 * Redis: an invalidation leaves a local tombstone, so a read that fetched an older copy before the
 * message arrived neither stores nor serves it.
 */
export class NearProductCache implements ProductCache {
  private readonly entries = new Map<string, NearEntry>();
  private live = false;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly shared: ProductCache,
    private readonly options: NearProductCacheOptions,
  ) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Whether invalidation messages are being received; copies are kept and served only then. */
  setLive(live: boolean): void {
    if (live !== this.live) this.entries.clear();
    this.live = live;
  }

  get size(): number {
    return this.entries.size;
  }

  async get(id: string): Promise<CachedProduct | undefined> {
    const near = this.entries.get(id);
    if (near?.entry && near.expiresAt > this.now()) return near.entry;
    const found = await this.shared.get(id);
    if (!found) return undefined;
    // Older than an invalidation this process has seen: the caller must read the database.
    if (!this.remember(id, found)) return undefined;
    return found;
  }

  async fill(id: string, entry: CachedProduct): Promise<boolean> {
    this.remember(id, entry);
    return this.shared.fill(id, entry);
  }

  async invalidate(id: string, version: number): Promise<void> {
    this.evicted(id, version);
    await this.shared.invalidate(id, version);
  }

  /** An invalidation published by any process (this one included). */
  evicted(id: string, version: number): void {
    const near = this.entries.get(id);
    if (near && near.version > version && near.expiresAt > this.now()) return;
    this.store(id, { entry: undefined, version, expiresAt: this.now() + this.options.ttlMs });
  }

  /** Keeps `entry` unless something newer is known; false when `entry` is older than that. */
  private remember(id: string, entry: CachedProduct): boolean {
    const near = this.entries.get(id);
    if (near && near.expiresAt > this.now()) {
      if (near.version > entry.version) return false;
      if (near.entry && near.version === entry.version) return true;
    }
    if (this.live) this.store(id, { entry, version: entry.version, expiresAt: this.now() + this.options.ttlMs });
    return true;
  }

  private store(id: string, near: NearEntry): void {
    this.entries.delete(id);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, near);
  }
}
