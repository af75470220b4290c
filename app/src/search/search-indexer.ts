import type { Logger } from "pino";
import type { Product } from "../products/product";
import type { ProductCache } from "../products/product-cache";
import type { ProductPosition, ProductRepository } from "../products/product-repository";
import type { ApplyOutcome, ProductChange, ProductIndex } from "./product-index";

/** The parts of a Kafka message the indexer reads (kafkajs' KafkaMessage has them all). */
export interface ProductEventMessage {
  value: Buffer | null;
  /** Broker timestamp in milliseconds, as a string. */
  timestamp: string;
  offset: string;
}

/**
 * `supersedes`: the product version the event makes current (a deletion: the version after the last), which the
 * product caches are invalidated with; absent in events written before the outbox carried versions.
 */
export type ParsedEvent = { change: ProductChange; supersedes?: number } | { skip: string };

/** A product whose cached copies older than `version` an event superseded. */
export interface SupersededProduct {
  id: string;
  version: number;
}

function versionField(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function isProduct(value: unknown): value is Product {
  if (typeof value !== "object" || value === null) return false;
  const product = value as Record<string, unknown>;
  return typeof product.id === "string" && typeof product.sku === "string" && typeof product.name === "string"
    && typeof product.description === "string" && typeof product.priceCents === "number" && typeof product.stock === "number"
    && typeof product.updatedAt === "string" && !Number.isNaN(Date.parse(product.updatedAt));
}

/**
 * Reads one message of the products topic (written by the API's outbox: `product.created`, `product.updated`,
 * `product.deleted`). Anything else is skipped with the reason: a malformed message must not stall its partition.
 */
export function parseProductEvent(message: ProductEventMessage): ParsedEvent {
  if (!message.value) return { skip: "empty message" };
  let event: { type?: unknown; product?: unknown; productId?: unknown; deletedAt?: unknown; version?: unknown };
  try {
    event = JSON.parse(message.value.toString("utf8")) as typeof event;
  } catch {
    return { skip: "not JSON" };
  }
  if (typeof event !== "object" || event === null) return { skip: "not an event object" };
  switch (event.type) {
    case "product.created":
    case "product.updated": {
      if (!isProduct(event.product)) return { skip: `${event.type} without a valid product` };
      const version = versionField(event.version);
      return { change: { kind: "upsert", product: event.product }, ...(version ? { supersedes: version } : {}) };
    }
    case "product.deleted": {
      if (typeof event.productId !== "string") return { skip: "product.deleted without a productId" };
      // Events written before deletedAt existed fall back to the broker's timestamp, which is never earlier.
      const deletedAtMs = typeof event.deletedAt === "string" ? Date.parse(event.deletedAt) : Number(message.timestamp);
      if (!Number.isFinite(deletedAtMs)) return { skip: "product.deleted without a valid time" };
      const lastVersion = versionField(event.version);
      return { change: { kind: "delete", productId: event.productId, deletedAtMs }, ...(lastVersion ? { supersedes: lastVersion + 1 } : {}) };
    }
    default:
      return { skip: `unknown event type ${JSON.stringify(event.type)}` };
  }
}

function changedProductId(change: ProductChange): string {
  return change.kind === "upsert" ? change.product.id : change.productId;
}

/**
 * The product cache's own invalidation (ProductCache.invalidate: a tombstone at the version, and the PUBLISH every
 * API process's in-process layer follows) for each superseded product. A tombstone rather than a deletion: a reader
 * that fetched the older row from a lagging replica cannot put it back.
 */
export function supersedeInCache(cache: ProductCache): (products: SupersededProduct[]) => Promise<void> {
  return async (products) => void (await Promise.all(products.map((product) => cache.invalidate(product.id, product.version))));
}

export interface IndexProductEventsOptions {
  /**
   * Runs before the batch goes to Elasticsearch (so a search outage does not hold cache invalidations back) with the
   * newest version per product the batch names: the caller invalidates the product caches. Never rejects.
   */
  supersede?: (products: SupersededProduct[]) => Promise<void>;
}

/**
 * Applies a batch of product events to the index. Events of one product share a key and so a partition, and arrive
 * in order; only the last change per product in a batch is sent. Resolves once Elasticsearch holds them all, so the
 * caller may commit the batch's offsets; rejects otherwise, and the batch is delivered again.
 */
export async function indexProductEvents(
  index: ProductIndex,
  messages: ProductEventMessage[],
  log: Logger,
  options: IndexProductEventsOptions = {},
): Promise<ApplyOutcome & { skipped: number }> {
  const latest = new Map<string, ProductChange>();
  const superseded = new Map<string, number>();
  let skipped = 0;
  for (const message of messages) {
    const parsed = parseProductEvent(message);
    if ("skip" in parsed) {
      skipped += 1;
      log.error({ offset: message.offset, reason: parsed.skip }, "product event skipped");
      continue;
    }
    const id = changedProductId(parsed.change);
    latest.delete(id); // keep batch order for the remaining changes
    latest.set(id, parsed.change);
    if (parsed.supersedes !== undefined) superseded.set(id, Math.max(parsed.supersedes, superseded.get(id) ?? 0));
  }
  if (options.supersede && superseded.size > 0) await options.supersede([...superseded].map(([id, version]) => ({ id, version })));
  return { ...(await index.apply([...latest.values()])), skipped };
}

/**
 * Writes every product of the database into the index, page by page: fills a new index, or repairs one after the
 * topic's retention dropped events nobody consumed. Safe next to the running consumer thanks to external versions.
 */
export async function reindexProducts(repository: ProductRepository, index: ProductIndex, pageSize = 500): Promise<ApplyOutcome> {
  const total: ApplyOutcome = { indexed: 0, deleted: 0, stale: 0 };
  let after: ProductPosition | undefined;
  do {
    const page = await repository.list(pageSize, after);
    const outcome = await index.apply(page.items.map((product) => ({ kind: "upsert" as const, product })));
    total.indexed += outcome.indexed;
    total.stale += outcome.stale;
    after = page.next;
  } while (after !== undefined);
  return total;
}
