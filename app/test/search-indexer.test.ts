import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import type { EachBatchPayload, Consumer } from "kafkajs";
import { toKafkaMessage } from "../src/outbox/kafka-publisher";
import type { OutboxMessage } from "../src/outbox/publisher";
import { PRODUCTS_TOPIC } from "../src/outbox/topics";
import type { Product } from "../src/products/product";
import { ProductRepository } from "../src/products/product-repository";
import { IndexingError, ProductIndex } from "../src/search/product-index";
import { indexProductEvents, parseProductEvent, reindexProducts, type ProductEventMessage } from "../src/search/search-indexer";
import { startSearchIndexerWorker, type ConsumerLike } from "../src/search/search-indexer-worker";
import { FakeElasticsearch } from "./support/fake-elasticsearch";
import { FlakyPublisher } from "./support/flaky-publisher";
import { bearer, silentLog, startTestApp, type TestApp } from "./support/test-app";

const INDEX = "products";
const CREDENTIALS = { username: "shop-api", password: "index-pw" };

/** What the consumer receives for what the outbox relay published. */
function asKafkaMessages(published: OutboxMessage[]): ProductEventMessage[] {
  return published
    .filter((message) => message.topic === PRODUCTS_TOPIC)
    .map((message, offset) => ({ value: Buffer.from(String(toKafkaMessage(message).value)), timestamp: String(Date.now()), offset: String(offset) }));
}

const event = (payload: unknown, offset = 0): ProductEventMessage => ({ value: Buffer.from(JSON.stringify(payload)), timestamp: "1795700000000", offset: String(offset) });

describe("search indexer: the products topic into Elasticsearch", () => {
  let es: FakeElasticsearch;
  let index: ProductIndex;
  let t: TestApp;
  let publisher: FlakyPublisher;
  let admin: Record<string, string>;

  /** Publishes whatever the outbox holds and returns it as the consumer would receive it. */
  async function drainOutbox(): Promise<ProductEventMessage[]> {
    const before = publisher.delivered.length;
    while ((await t.runtime.relay.relayOnce()) > 0);
    return asKafkaMessages(publisher.delivered.slice(before));
  }

  async function write(method: "POST" | "PUT", url: string, payload: Omit<Product, "id" | "createdAt" | "updatedAt">): Promise<Product> {
    // A PUT replaces the stock, so it names the version it replaces (If-Match).
    const ifMatch = method === "PUT" ? { "if-match": String((await t.app.inject({ url })).headers.etag) } : {};
    const response = await t.app.inject({ method, url, headers: { ...admin, ...ifMatch }, payload });
    expect(response.statusCode, response.body).to.be.oneOf([200, 201]);
    return response.json<Product>();
  }

  beforeEach(async () => {
    es = await new FakeElasticsearch(CREDENTIALS).start();
    index = new ProductIndex({ baseUrl: es.baseUrl, credentials: CREDENTIALS }, INDEX);
    publisher = new FlakyPublisher(0);
    t = await startTestApp({}, publisher);
    admin = bearer(await t.tokenFor("ada", ["admin"]));
    await drainOutbox();
  });
  afterEach(async () => {
    await t.close();
    await es.stop();
  });

  it("creates the index once, with strict mappings, and finds it afterwards", async () => {
    expect(await index.ensure()).to.equal("created");
    expect(await index.ensure()).to.equal("exists");
    expect(es.indices.get(INDEX)?.mappings).to.deep.include({ dynamic: "strict" });
    expect(es.requests.every((request) => request.authorization?.startsWith("Basic "))).to.equal(true);
  });

  it("brings the index to the database's state from the events the API writes (create, update, delete)", async () => {
    await index.ensure();
    const created = await write("POST", "/v1/products", { sku: "IDX-001", name: "Indexed Kettle", description: "stovetop", priceCents: 3000, stock: 5 });
    const doomed = await write("POST", "/v1/products", { sku: "IDX-002", name: "Doomed Mug", description: "", priceCents: 500, stock: 1 });
    await write("PUT", `/v1/products/${created.id}`, { sku: "IDX-001", name: "Indexed Kettle", description: "stovetop, 1.5 l", priceCents: 3200, stock: 5 });
    expect((await t.app.inject({ method: "DELETE", url: `/v1/products/${doomed.id}`, headers: admin })).statusCode).to.equal(204);

    const outcome = await indexProductEvents(index, await drainOutbox(), silentLog);
    // Four events, two products: only the last change of each is sent.
    expect(outcome).to.deep.equal({ indexed: 1, deleted: 1, stale: 0, skipped: 0 });
    const documents = es.documents(INDEX);
    expect(documents.get(created.id)).to.deep.include({ sku: "IDX-001", description: "stovetop, 1.5 l", priceCents: 3200 });
    expect(documents.has(doomed.id)).to.equal(false);
  });

  it("is idempotent: a redelivered batch or an older event after a newer one leaves the newest state", async () => {
    await index.ensure();
    const created = await write("POST", "/v1/products", { sku: "IDX-010", name: "Versioned Pan", description: "v1", priceCents: 1000, stock: 1 });
    const first = await drainOutbox();
    await write("PUT", `/v1/products/${created.id}`, { sku: "IDX-010", name: "Versioned Pan", description: "v2", priceCents: 1100, stock: 1 });
    const second = await drainOutbox();
    await indexProductEvents(index, second, silentLog);
    // The create arrives late (a reindex or a replay): it is older than what the index holds.
    expect(await indexProductEvents(index, first, silentLog)).to.include({ indexed: 0, stale: 1 });
    expect(await indexProductEvents(index, second, silentLog)).to.include({ indexed: 1, stale: 0 });
    expect(es.documents(INDEX).get(created.id)).to.include({ description: "v2", priceCents: 1100 });
  });

  it("skips, with its reason, a message it cannot read, and still indexes the rest of the batch", async () => {
    await index.ensure();
    const product = (await t.app.inject({ url: "/v1/products?limit=1" })).json<{ items: Product[] }>().items[0]!;
    expect(parseProductEvent({ value: Buffer.from("{oops"), timestamp: "0", offset: "0" })).to.deep.equal({ skip: "not JSON" });
    expect(parseProductEvent(event({ type: "product.exploded" }))).to.deep.equal({ skip: 'unknown event type "product.exploded"' });
    expect(parseProductEvent(event({ type: "product.updated", product: { id: 1 } }))).to.have.property("skip");
    expect(parseProductEvent({ value: null, timestamp: "0", offset: "0" })).to.deep.equal({ skip: "empty message" });
    // An old-style deletion without deletedAt is versioned by the broker's timestamp.
    expect(parseProductEvent(event({ type: "product.deleted", productId: "p-1" }))).to.deep.equal({ change: { kind: "delete", productId: "p-1", deletedAtMs: 1795700000000 } });

    const batch = [event("not an object", 0), event({ type: "product.updated", product }, 1), { value: Buffer.from("]"), timestamp: "0", offset: "2" }];
    expect(await indexProductEvents(index, batch, silentLog)).to.deep.equal({ indexed: 1, deleted: 0, stale: 0, skipped: 2 });
    expect(es.documents(INDEX).get(product.id)).to.include({ sku: product.sku });
  });

  it("rejects the batch when Elasticsearch is unavailable or refuses a document, so Kafka delivers it again", async () => {
    await index.ensure();
    const product = (await t.app.inject({ url: "/v1/products?limit=1" })).json<{ items: Product[] }>().items[0]!;
    const batch = [event({ type: "product.updated", product })];
    es.failNext = { count: 1, status: 429 };
    const throttled = await indexProductEvents(index, batch, silentLog).catch((error: unknown) => error);
    expect(throttled).to.be.instanceOf(IndexingError).and.have.property("message").that.contains("429");
    es.rejectIds.add(product.id);
    const refused = await indexProductEvents(index, batch, silentLog).catch((error: unknown) => error);
    expect((refused as Error).message).to.contain(product.id).and.contain("document_parsing_exception");
    es.rejectIds.clear();
    expect(await indexProductEvents(index, batch, silentLog)).to.include({ indexed: 1 });
    const unreachable = new ProductIndex({ baseUrl: "http://127.0.0.1:1", credentials: undefined }, INDEX);
    expect(await unreachable.apply([{ kind: "upsert", product }]).then(() => "resolved", () => "rejected")).to.equal("rejected");
  });

  it("reindexes every product of the database, page by page, and /v1/search then finds them in Elasticsearch", async () => {
    await index.ensure();
    const count = (await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM products")).rows[0]!.n;
    expect(count).to.be.greaterThan(20);
    expect(await reindexProducts(new ProductRepository(t.runtime.db), index, 7)).to.deep.equal({ indexed: count, deleted: 0, stale: 0 });
    expect(es.documents(INDEX).size).to.equal(count);
    expect(es.requests.filter((request) => request.url === "/_bulk")).to.have.length(Math.ceil(count / 7));

    const api = await startTestApp({ ES_URL: es.baseUrl, ES_USERNAME: CREDENTIALS.username, ES_PASSWORD: CREDENTIALS.password });
    try {
      const body = (await api.app.inject({ url: "/v1/search?q=coffee%20beans" })).json<{ engine: string; items: Array<{ name: string }> }>();
      expect(body.engine).to.equal("elasticsearch");
      expect(body.items.map((item) => item.name)).to.have.members(["Coffee Beans Colombia", "Coffee Beans Ethiopia"]);
    } finally {
      await api.close();
    }
  });

  describe("the worker (a fake consumer; no Kafka broker runs here)", () => {
    class FakeConsumer implements ConsumerLike {
      readonly events = { CRASH: "consumer.crash" } as Consumer["events"];
      subscribed: unknown;
      eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
      crashListener: ((event: { payload: { error: Error; restart: boolean } }) => void) | undefined;
      disconnected = false;
      connect = async () => undefined;
      subscribe = async (subscription: unknown) => void (this.subscribed = subscription);
      run = async (config?: { eachBatch?: (payload: EachBatchPayload) => Promise<void> }) => void (this.eachBatch = config?.eachBatch);
      disconnect = async () => void (this.disconnected = true);
      on = ((_event: string, listener: (event: { payload: { error: Error; restart: boolean } }) => void) => {
        this.crashListener = listener;
        return () => undefined;
      }) as unknown as Consumer["on"];
    }

    const batchOf = (messages: ProductEventMessage[]) =>
      ({ batch: { partition: 0, messages, lastOffset: () => String(messages.length - 1) }, heartbeat: async () => undefined }) as unknown as EachBatchPayload;

    it("fills a new index from the database, follows the products topic from its start, and reports its health", async () => {
      const consumer = new FakeConsumer();
      let fills = 0;
      const worker = await startSearchIndexerWorker({ index, consumer, log: silentLog, port: 0, host: "127.0.0.1", fillNewIndex: async () => void (fills += 1) });
      try {
        expect(fills).to.equal(1);
        expect(consumer.subscribed).to.deep.equal({ topics: [PRODUCTS_TOPIC], fromBeginning: true });
        const product = (await t.app.inject({ url: "/v1/products?limit=1" })).json<{ items: Product[] }>().items[0]!;
        await consumer.eachBatch!(batchOf([event({ type: "product.updated", product })]));
        expect(es.documents(INDEX).has(product.id)).to.equal(true);

        // A failing batch rejects, so kafkajs neither resolves nor commits its offsets.
        es.failNext = { count: 1, status: 503 };
        const failed = await consumer.eachBatch!(batchOf([event({ type: "product.updated", product })])).then(() => "committed", () => "redelivered");
        expect(failed).to.equal("redelivered");

        const address = worker.server.address() as { port: number };
        const health = () => fetch(`http://127.0.0.1:${address.port}/healthz`).then((response) => response.status);
        expect(await health()).to.equal(200);
        consumer.crashListener!({ payload: { error: new Error("kafka retries exhausted"), restart: true } });
        expect(await health()).to.equal(200);
        consumer.crashListener!({ payload: { error: new Error("authentication failed"), restart: false } });
        expect(await health()).to.equal(503);
      } finally {
        await worker.stop();
      }
      expect(consumer.disconnected).to.equal(true);

      // The second start finds the index and does not refill it.
      const again = await startSearchIndexerWorker({ index, consumer: new FakeConsumer(), log: silentLog, port: 0, host: "127.0.0.1", fillNewIndex: async () => void (fills += 1) });
      await again.stop();
      expect(fills).to.equal(1);
    });

    it("`jobs reindex-search` fills the index from the embedded database; without ES_URL it names the variable", async () => {
      const run = (env: Record<string, string>) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "..", "src", "jobs.ts"), "reindex-search"], {
          env: { PATH: process.env.PATH, ...env },
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("exit", (code) => resolve({ code, stderr }));
      });
      const ok = await run({ ES_URL: es.baseUrl, ES_USERNAME: CREDENTIALS.username, ES_PASSWORD: CREDENTIALS.password, LOG_LEVEL: "silent" });
      expect(ok.code, ok.stderr).to.equal(0);
      expect(es.documents(INDEX).size).to.be.greaterThan(20);
      const missing = await run({ LOG_LEVEL: "silent" });
      expect(missing.code).to.equal(1);
      expect(missing.stderr).to.contain("ES_URL");
    });
  });
});
