import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { aggregateObjectKey, exportAggregate, s3ObjectStore, type ObjectStore } from "../src/jobs/analytics-sink";
import { parseFeed, readFeedSource } from "../src/jobs/catalogue-feed";
import { computeDailyAggregate, previousUtcDay } from "../src/jobs/daily-aggregates";
import { importCatalogue } from "../src/jobs/import-catalogue";
import { noProductCache } from "../src/products/product-cache";
import type { Product } from "../src/products/product";
import { ProductRepository } from "../src/products/product-repository";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

const FEED = [
  { sku: "FEED-001", name: "Feed Kettle", description: "from the feed", priceCents: 2500, stock: 4, imageUrl: "ignored" },
  { sku: "FEED-002", name: "Feed Mug", priceCents: 900 },
  { sku: "bad sku!", name: "Broken", priceCents: 1 },
  { sku: "FEED-003", name: "No price" },
  { sku: "FEED-001", name: "Duplicate in feed", priceCents: 1 },
];

describe("jobs", () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  describe("fetch-products", () => {
    it("parses a feed, keeps valid entries and explains each rejection", () => {
      const parsed = parseFeed(JSON.stringify({ products: FEED }));
      expect(parsed.entries.map((entry) => entry.sku)).to.deep.equal(["FEED-001", "FEED-002"]);
      expect(parsed.entries[0]).to.not.have.property("imageUrl");
      expect(parsed.entries[1]).to.include({ description: "", stock: 0 });
      expect(parsed.rejected.map((rejection) => rejection.index)).to.deep.equal([2, 3, 4]);
      expect(parsed.rejected[1]?.reason).to.contain("priceCents");
      expect(() => parseFeed('{"items": 1}')).to.throw(/products/);
    });

    it("rejects entries whose text PostgreSQL cannot store, instead of failing the import", () => {
      const parsed = parseFeed('[{"sku":"FEED-NUL","name":"a\\u0000b","priceCents":1},{"sku":"FEED-SUR","name":"\\ud800","priceCents":1}]');
      expect(parsed.entries).to.be.empty;
      expect(parsed.rejected.map((rejection) => rejection.reason)).to.deep.equal([
        "/name must not contain NUL (U+0000) or unpaired surrogate characters",
        "/name must not contain NUL (U+0000) or unpaired surrogate characters",
      ]);
    });

    it("imports idempotently: a second run of the same feed changes nothing", async () => {
      const feedFile = join(tmpdir(), `feed-${process.pid}.json`);
      await writeFile(feedFile, JSON.stringify(FEED));
      const { entries } = parseFeed(await readFeedSource(feedFile));
      const repository = new ProductRepository(t.runtime.db);
      expect(await importCatalogue(repository, noProductCache, entries)).to.deep.equal({ created: 2, updated: 0, unchanged: 0 });
      const eventsAfterFirst = await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox");
      expect(await importCatalogue(repository, noProductCache, entries)).to.deep.equal({ created: 0, updated: 0, unchanged: 2 });
      const eventsAfterSecond = await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox");
      expect(eventsAfterSecond.rows[0]?.n).to.equal(eventsAfterFirst.rows[0]?.n);
      const changed = entries.map((entry) => (entry.sku === "FEED-002" ? { ...entry, priceCents: 950 } : entry));
      expect(await importCatalogue(repository, noProductCache, changed)).to.deep.equal({ created: 0, updated: 1, unchanged: 1 });
    });
  });

  describe("analyse", () => {
    it("computes orders, revenue and top products for a UTC day and stores them (reruns replace)", async () => {
      const token = await t.tokenFor("analyst");
      // Products are listed in id (random UUID) order and the feed test above adds some with little or no stock.
      const listed = (await t.app.inject({ url: "/v1/products?limit=100" })).json<{ items: Product[] }>().items;
      const [first, second] = listed.filter((product) => product.stock >= 10) as [Product, Product];
      const place = async (key: string, items: Array<{ productId: string; quantity: number }>) => {
        const response = await t.app.inject({ method: "POST", url: "/v1/orders", headers: { ...bearer(token), "idempotency-key": key }, payload: { items } });
        expect(response.statusCode, response.body).to.equal(201);
      };
      await place("analyse-0001", [{ productId: first.id, quantity: 3 }]);
      await place("analyse-0002", [{ productId: first.id, quantity: 1 }, { productId: second.id, quantity: 2 }]);
      // Orders that took no money: declined, cancelled (refunded), and one whose authorisation never settled.
      const unsold = (key: string, paymentToken?: string) =>
        t.app.inject({ method: "POST", url: "/v1/orders", headers: { ...bearer(token), "idempotency-key": key }, payload: { items: [{ productId: second.id, quantity: 5 }], ...(paymentToken ? { paymentToken } : {}) } });
      expect((await unsold("analyse-declined-0001", "tok_test_declined")).statusCode).to.equal(402);
      const placedId = async (key: string) => (await unsold(key)).json<{ id: string }>().id;
      const cancelled = await t.app.inject({ method: "POST", url: `/v1/orders/${await placedId("analyse-cancelled-0001")}/cancel`, headers: bearer(token) });
      expect(cancelled.json<{ status: string }>().status, cancelled.body).to.equal("cancelled");
      await t.runtime.db.query("UPDATE orders SET status = 'pending_payment' WHERE id = $1", [await placedId("analyse-pending-0001")]);
      const today = new Date().toISOString().slice(0, 10);

      const aggregate = await computeDailyAggregate(t.runtime.db, today);
      expect(aggregate.orders).to.equal(2);
      expect(aggregate.revenueCents).to.equal(first.priceCents * 4 + second.priceCents * 2);
      expect(aggregate.topProducts[0]).to.deep.include({ productId: first.id, units: 4 });

      await computeDailyAggregate(t.runtime.db, today);
      const stored = await t.runtime.db.query<{ orders: number }>("SELECT orders FROM daily_aggregates WHERE day = $1", [today]);
      expect(stored.rows).to.deep.equal([{ orders: 2 }]);
      expect((await computeDailyAggregate(t.runtime.db, "2001-01-01")).orders).to.equal(0);
    });

    it("defaults to the previous UTC day", () => {
      expect(previousUtcDay(new Date("2026-03-01T00:30:00Z"))).to.equal("2026-02-28");
    });

    it("exports NDJSON under a dt=YYYY-MM-DD partition so Athena can read it", async () => {
      const written: Array<{ key: string; body: string; contentType: string }> = [];
      const store: ObjectStore = { put: async (key, body, contentType) => void written.push({ key, body, contentType }) };
      const key = await exportAggregate(store, { day: "2026-11-25", orders: 2, revenueCents: 500, topProducts: [] });
      expect(key).to.equal("daily_aggregates/dt=2026-11-25/aggregates.ndjson");
      expect(written[0]?.body.trim().split("\n")).to.have.length(1);
      expect(JSON.parse(written[0]!.body)).to.include({ day: "2026-11-25", orders: 2, revenueCents: 500 });
    });

    it("writes to S3 with a PutObject on the configured bucket", async () => {
      const sent: PutObjectCommand[] = [];
      const client = { send: async (command: PutObjectCommand) => void sent.push(command) } as unknown as S3Client;
      await s3ObjectStore("shop-analytics", client).put(aggregateObjectKey("2026-11-25"), "{}\n", "application/x-ndjson");
      expect(sent[0]).to.be.instanceOf(PutObjectCommand);
      expect(sent[0]?.input).to.include({ Bucket: "shop-analytics", Key: "daily_aggregates/dt=2026-11-25/aggregates.ndjson" });
    });
  });
});
