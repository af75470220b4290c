import type { ProductInput, ProductPatch, VersionedProduct } from "./product";
import { toCachedProduct, type CachedProduct, type ProductCache } from "./product-cache";
import type { ProductPage, ProductPosition, ProductRepository, VersionCondition } from "./product-repository";

export interface ProductServiceOptions {
  recordLookup?: (result: "hit" | "miss") => void;
  /**
   * Runs between a cache miss's database read and its cache fill. A test seam: a delay here makes the
   * race between a slow reader and a writer deterministic.
   */
  beforeCacheFill?: (id: string) => Promise<void>;
}

/** A product version that replaced an older one (an order took stock): its cached copies are superseded. */
export interface ProductVersionChange {
  id: string;
  version: number;
}

/**
 * Cache-aside reads of single products. Writes go to the database first, then supersede the cached
 * copies with the new version (which also stops any slower reader from caching the old one).
 */
export class ProductService {
  private readonly recordLookup: (result: "hit" | "miss") => void;
  private readonly beforeCacheFill: ((id: string) => Promise<void>) | undefined;

  constructor(
    private readonly repository: ProductRepository,
    private readonly cache: ProductCache,
    options: ProductServiceOptions = {},
  ) {
    this.recordLookup = options.recordLookup ?? (() => undefined);
    this.beforeCacheFill = options.beforeCacheFill;
  }

  list(limit: number, after: ProductPosition | undefined): Promise<ProductPage> {
    return this.repository.list(limit, after);
  }

  /** The product's JSON document and version, or undefined when there is no such product. */
  async get(id: string): Promise<CachedProduct | undefined> {
    const cached = await this.cache.get(id);
    this.recordLookup(cached === undefined ? "miss" : "hit");
    if (cached !== undefined) return cached;
    const found = await this.repository.get(id);
    if (!found) return undefined;
    const entry = toCachedProduct(found);
    if (this.beforeCacheFill) {
      const hook = this.beforeCacheFill;
      void hook(id).then(() => this.cache.fill(id, entry));
    } else {
      // Not awaited: the response never waits on the cache (fill never rejects; failures are counted).
      void this.cache.fill(id, entry);
    }
    return entry;
  }

  create(input: ProductInput): Promise<VersionedProduct> {
    return this.repository.create(input);
  }

  async replace(id: string, input: ProductInput, condition: VersionCondition): Promise<VersionedProduct | undefined> {
    return this.superseding(id, await this.repository.replace(id, input, condition));
  }

  async patch(id: string, patch: ProductPatch, condition: VersionCondition): Promise<VersionedProduct | undefined> {
    return this.superseding(id, await this.repository.patch(id, patch, condition));
  }

  async delete(id: string, condition: VersionCondition): Promise<boolean> {
    const deletedVersion = await this.repository.delete(id, condition);
    if (deletedVersion === undefined) return false;
    // The deletion is the state after the last version: no copy of any earlier one may be cached again.
    await this.cache.invalidate(id, deletedVersion + 1);
    return true;
  }

  /** Called after a transaction that changed products elsewhere (an order's stock) has committed. */
  async changed(changes: ProductVersionChange[]): Promise<void> {
    await Promise.all(changes.map((change) => this.cache.invalidate(change.id, change.version)));
  }

  private async superseding(id: string, written: VersionedProduct | undefined): Promise<VersionedProduct | undefined> {
    if (written) await this.cache.invalidate(id, written.version);
    return written;
  }
}
