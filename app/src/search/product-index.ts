import type { Product } from "../products/product";
import { elasticsearchRequest, type ElasticsearchConnection } from "./elasticsearch-http";

/** One change to apply to the search index, versioned so that a stale change never overwrites a newer one. */
export type ProductChange =
  | { kind: "upsert"; product: Product }
  | { kind: "delete"; productId: string; /** Milliseconds since the epoch of the deletion. */ deletedAtMs: number };

export interface ApplyOutcome {
  indexed: number;
  deleted: number;
  /** Changes older than what the index already holds (a replay, or a reindex racing the consumer). */
  stale: number;
}

/** The product document: what /v1/search returns, plus what ranks and filters it. */
export type ProductDocument = Omit<Product, "createdAt">;

export const PRODUCT_INDEX_MAPPINGS = {
  dynamic: "strict",
  properties: {
    id: { type: "keyword" },
    sku: { type: "keyword" },
    name: { type: "text", analyzer: "english", fields: { raw: { type: "keyword", ignore_above: 256 } } },
    description: { type: "text", analyzer: "english" },
    priceCents: { type: "long" },
    stock: { type: "integer" },
    updatedAt: { type: "date" },
  },
} as const;

export class IndexingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IndexingError";
  }
}

interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string };
}

export function toProductDocument(product: Product): ProductDocument {
  const { id, sku, name, description, priceCents, stock, updatedAt } = product;
  return { id, sku, name, description, priceCents, stock, updatedAt };
}

/** The document version: the change's time in milliseconds (Elasticsearch external versions are longs). */
export function changeVersion(change: ProductChange): number {
  return change.kind === "upsert" ? Date.parse(change.product.updatedAt) : change.deletedAtMs;
}

/**
 * The products index in Elasticsearch. Writes use external versions (the change's time), so applying a batch
 * twice, or an older change after a newer one, leaves the newest state: the indexer may deliver at least once and
 * a full reindex may run next to it.
 */
export class ProductIndex {
  constructor(
    private readonly connection: ElasticsearchConnection,
    readonly name: string,
  ) {}

  /** Creates the index with its mappings unless it exists. Tells which, so a new index can be filled first. */
  async ensure(): Promise<"created" | "exists"> {
    const path = `/${encodeURIComponent(this.name)}`;
    const head = await elasticsearchRequest(this.connection, "HEAD", path);
    if (head.status === 200) return "exists";
    if (head.status !== 404) throw new IndexingError(`checking index ${this.name}: Elasticsearch answered ${head.status}`);
    const created = await elasticsearchRequest(this.connection, "PUT", path, {
      json: { settings: { number_of_shards: 1 }, mappings: PRODUCT_INDEX_MAPPINGS },
    });
    if (created.status === 200) return "created";
    // Another indexer replica created it between our HEAD and PUT.
    if (created.status === 400 && JSON.stringify(created.body).includes("resource_already_exists_exception")) return "exists";
    throw new IndexingError(`creating index ${this.name}: Elasticsearch answered ${created.status} ${JSON.stringify(created.body)}`);
  }

  /** Applies the changes in one bulk request; rejects (so the caller retries) unless every change took or was stale. */
  async apply(changes: ProductChange[]): Promise<ApplyOutcome> {
    const outcome: ApplyOutcome = { indexed: 0, deleted: 0, stale: 0 };
    if (changes.length === 0) return outcome;
    const lines: string[] = [];
    for (const change of changes) {
      const target = { _index: this.name, version: changeVersion(change), version_type: "external_gte" };
      if (change.kind === "upsert") {
        lines.push(JSON.stringify({ index: { ...target, _id: change.product.id } }), JSON.stringify(toProductDocument(change.product)));
      } else {
        lines.push(JSON.stringify({ delete: { ...target, _id: change.productId } }));
      }
    }
    const answer = await elasticsearchRequest({ ...this.connection, timeoutMs: this.connection.timeoutMs ?? 30_000 }, "POST", "/_bulk", {
      ndjson: lines.join("\n") + "\n",
    });
    if (answer.status !== 200) throw new IndexingError(`bulk request answered ${answer.status} ${JSON.stringify(answer.body)}`);
    const items = (answer.body as { items?: Array<Record<string, BulkItemResult>> }).items ?? [];
    if (items.length !== changes.length) throw new IndexingError(`bulk answer has ${items.length} results for ${changes.length} changes`);
    items.forEach((item, position) => {
      const change = changes[position]!;
      const result = Object.values(item)[0] ?? { status: 0 };
      if (result.status === 409) outcome.stale += 1;
      else if (change.kind === "delete" && (result.status === 200 || result.status === 404)) outcome.deleted += 1;
      else if (change.kind === "upsert" && (result.status === 200 || result.status === 201)) outcome.indexed += 1;
      else {
        const id = change.kind === "upsert" ? change.product.id : change.productId;
        throw new IndexingError(`indexing product ${id} failed with ${result.status}: ${result.error?.type ?? "?"} ${result.error?.reason ?? ""}`.trim());
      }
    });
    return outcome;
  }
}
