import type { ProductCache } from "../products/product-cache";
import type { ProductInput } from "../products/product";
import type { ProductRepository } from "../products/product-repository";

export interface ImportSummary {
  created: number;
  updated: number;
  unchanged: number;
}

/**
 * Upserts every entry by sku. Unchanged products are not written (no event, no cache eviction), so
 * running the same feed twice changes nothing: the job is safe to retry after any failure. Stock of
 * existing products moves by the feed's change since its last import, so units sold meanwhile stay sold
 * (ProductRepository.upsertBySku).
 */
export async function importCatalogue(
  repository: ProductRepository,
  cache: ProductCache,
  entries: ProductInput[],
): Promise<ImportSummary> {
  const summary: ImportSummary = { created: 0, updated: 0, unchanged: 0 };
  for (const entry of entries) {
    const outcome = await repository.upsertBySku(entry);
    summary[outcome.change] += 1;
    if (outcome.change === "updated") await cache.invalidate(outcome.id, outcome.version);
  }
  return summary;
}
