import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

interface StoredDocument {
  version: number;
  /** Undefined once deleted: the version stays as a tombstone, as Elasticsearch keeps it for a while. */
  source: Record<string, unknown> | undefined;
}

/**
 * A stand-in for the slice of Elasticsearch the API and the indexer use (no Elasticsearch runs here): index
 * existence and creation, _bulk with external_gte versions (409 for an older version, tombstones for deletes),
 * and a _search that matches every query word against name and description. Failures can be injected.
 */
export class FakeElasticsearch {
  readonly indices = new Map<string, { mappings: unknown; documents: Map<string, StoredDocument> }>();
  readonly requests: Array<{ method: string; url: string; authorization: string | undefined }> = [];
  /** Answer the next N requests with this status (e.g. 503 or 429). */
  failNext: { count: number; status: number } = { count: 0, status: 503 };
  /** Ids whose index operations fail with a mapping error (a poison document). */
  readonly rejectIds = new Set<string>();
  private server: Server | undefined;
  baseUrl = "";

  constructor(private readonly credentials?: { username: string; password: string }) {}

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The live documents of an index, by id. */
  documents(index: string): Map<string, Record<string, unknown>> {
    const live = new Map<string, Record<string, unknown>>();
    for (const [id, stored] of this.indices.get(index)?.documents ?? []) if (stored.source) live.set(id, stored.source);
    return live;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://fake");
    this.requests.push({ method, url: url.pathname, authorization: request.headers.authorization });
    const reply = (status: number, payload?: unknown): void => {
      response.writeHead(status, { "content-type": "application/json" }).end(payload === undefined ? undefined : JSON.stringify(payload));
    };

    if (this.credentials) {
      const expected = `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString("base64")}`;
      if (request.headers.authorization !== expected) return reply(401, { error: { type: "security_exception" }, status: 401 });
    }
    if (this.failNext.count > 0) {
      this.failNext.count -= 1;
      return reply(this.failNext.status, { error: { type: "unavailable" }, status: this.failNext.status });
    }
    const segments = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (segments.length === 1 && segments[0] === "_bulk" && method === "POST") return reply(200, this.bulk(body));
    if (segments.length === 1 && method === "HEAD") return reply(this.indices.has(segments[0]!) ? 200 : 404);
    if (segments.length === 1 && method === "PUT") {
      if (this.indices.has(segments[0]!)) return reply(400, { error: { type: "resource_already_exists_exception" }, status: 400 });
      this.indices.set(segments[0]!, { mappings: (JSON.parse(body) as { mappings: unknown }).mappings, documents: new Map() });
      return reply(200, { acknowledged: true, index: segments[0] });
    }
    if (segments.length === 2 && segments[1] === "_search" && method === "POST") {
      if (!this.indices.has(segments[0]!)) return reply(404, { error: { type: "index_not_found_exception" }, status: 404 });
      const query = (JSON.parse(body) as { size: number; query: { multi_match: { query: string } } });
      const words = query.query.multi_match.query.toLowerCase().split(/\s+/).filter(Boolean);
      const hits = [...this.documents(segments[0]!)]
        .filter(([, source]) => words.every((word) => `${String(source.name)} ${String(source.description)}`.toLowerCase().includes(word)))
        .slice(0, query.size)
        .map(([id, source]) => ({ _id: id, _source: source }));
      return reply(200, { hits: { hits } });
    }
    return reply(400, { error: { type: "unsupported_by_fake", method, path: url.pathname } });
  }

  private bulk(ndjson: string): { errors: boolean; items: unknown[] } {
    const lines = ndjson.split("\n").filter((line) => line !== "");
    const items: unknown[] = [];
    for (let position = 0; position < lines.length; position += 1) {
      const action = JSON.parse(lines[position]!) as Record<string, { _index: string; _id: string; version: number; version_type: string }>;
      const [operation, target] = Object.entries(action)[0]!;
      const source = operation === "index" ? (JSON.parse(lines[(position += 1)]!) as Record<string, unknown>) : undefined;
      const index = this.indices.get(target._index);
      if (!index) {
        items.push({ [operation]: { status: 404, error: { type: "index_not_found_exception" } } });
        continue;
      }
      if (target.version_type !== "external_gte") throw new Error("the fake only implements external_gte versioning");
      if (this.rejectIds.has(target._id)) {
        items.push({ [operation]: { status: 400, error: { type: "document_parsing_exception", reason: "rejected by test" } } });
        continue;
      }
      const current = index.documents.get(target._id);
      if (current && current.version > target.version) {
        items.push({ [operation]: { status: 409, error: { type: "version_conflict_engine_exception" } } });
        continue;
      }
      index.documents.set(target._id, { version: target.version, source });
      const status = operation === "index" ? (current?.source ? 200 : 201) : current?.source ? 200 : 404;
      items.push({ [operation]: { status, _id: target._id, _version: target.version } });
    }
    return { errors: items.some((item) => Object.values(item as Record<string, { status: number }>)[0]!.status >= 300), items };
  }
}
