import { expect } from "chai";
import { Client } from "pg";
import pino from "pino";
import type { Db } from "../src/db/db";
import { migrate } from "../src/db/migrate";
import { createPgDb } from "../src/db/pg-db";
import { createMetrics } from "../src/http/metrics";
import { registerOutboxGauges } from "../src/outbox/outbox-metrics";
import { OutboxRelay, type RelayOptions } from "../src/outbox/outbox-relay";
import { appendEvent } from "../src/outbox/outbox-writer";
import { BrokerUnavailableError, type OutboxMessage, type Publisher } from "../src/outbox/publisher";
import { requireServiceUrl } from "./support/external-services";
import { createTestSchema, type TestSchema } from "./support/integration-schema";

const silent = pino({ level: "silent" });
const APPLICATION_NAME = "outbox-relay-under-test";

/** A broker stand-in; `refuse` decides per call whether Kafka rejects the batch. */
class FakeProducer implements Publisher {
  readonly delivered: OutboxMessage[] = [];
  readonly batches: OutboxMessage[][] = [];
  constructor(private readonly refuse: (messages: OutboxMessage[]) => Error | undefined = () => undefined, private readonly duringSend?: () => Promise<void>) {}
  async publish(messages: OutboxMessage[]): Promise<void> {
    this.batches.push(messages);
    await this.duringSend?.();
    const error = this.refuse(messages);
    if (error) throw error;
    this.delivered.push(...messages);
  }
  async close(): Promise<void> {}
}

const quick: RelayOptions = { batchSize: 20, pollIntervalMs: 10, backoff: { baseMs: 1, maxMs: 2 }, maxAttempts: 3 };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("outbox relay against real PostgreSQL: leases, poison rows, backlog gauge, retention", function () {
  let schema: TestSchema;
  let db: Db;
  let relayDb: Db;
  let observer: Client;

  before(async function () {
    const baseUrl = requireServiceUrl(this, "TEST_DATABASE_URL");
    schema = await createTestSchema(baseUrl, "outbox");
    db = createPgDb(schema.databaseUrl, 4);
    await migrate(db);
    relayDb = createPgDb(`${schema.databaseUrl}&application_name=${APPLICATION_NAME}`, 2);
    observer = new Client({ connectionString: baseUrl });
    await observer.connect();
  });
  after(async () => {
    await relayDb?.close();
    await db?.close();
    await observer?.end();
    await schema?.drop();
  });
  beforeEach(() => db?.query("DELETE FROM outbox"));

  const append = (topic: string, key: string, type = "test.event") =>
    db.transaction((tx) => appendEvent(tx, { topic, key, type, payload: { key } }));
  const rows = () =>
    db.query<{ id: string; message_key: string; attempts: number; published: boolean; dead: boolean; last_error: string | null; lease_until: Date | null }>(
      "SELECT id, message_key, attempts, published_at IS NOT NULL AS published, dead_at IS NOT NULL AS dead, last_error, lease_until FROM outbox ORDER BY created_at",
    );
  const drain = async (relay: OutboxRelay, rounds: number) => {
    for (let round = 0; round < rounds; round += 1) {
      await relay.round().catch(() => undefined);
      await pause(5);
    }
  };

  it("holds no transaction open while the broker is called", async () => {
    for (let index = 0; index < 5; index += 1) await append("orders", `order-${index}`);
    const openTransactions: number[] = [];
    const producer = new FakeProducer(undefined, async () => {
      const active = await observer.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL",
        [APPLICATION_NAME],
      );
      openTransactions.push(active.rows[0]!.n);
    });
    const outcome = await new OutboxRelay(relayDb, producer, quick, silent).round();
    expect(outcome.published).to.equal(5);
    expect(openTransactions, "transactions of the relay's pool open during publish").to.deep.equal([0]);
    expect((await rows()).rows.every((row) => row.published && row.lease_until === null && row.attempts === 1)).to.equal(true);
  });

  it("sets a row Kafka keeps refusing aside after N attempts with the reason, and publishes everything else", async () => {
    await append("orders", "o-1");
    const poison = await append("products", "p-1", "product.updated");
    const behindPoison = await append("products", "p-1", "product.updated");
    await append("products", "p-2");
    await append("orders", "o-2");
    const producer = new FakeProducer((messages) =>
      messages.some((message) => message.id === poison) ? new Error("This server does not host this topic-partition") : undefined,
    );
    const relay = new OutboxRelay(relayDb, producer, quick, silent);
    await drain(relay, 12);

    const byId = new Map((await rows()).rows.map((row) => [row.id, row]));
    expect(byId.get(poison)).to.include({ dead: true, published: false, attempts: 3, last_error: "This server does not host this topic-partition" });
    expect([...byId.values()].filter((row) => row.id !== poison).every((row) => row.published), "every other row went out").to.equal(true);
    const deliveredIds = producer.delivered.map((message) => message.id);
    expect(deliveredIds, "per-key order: the row behind the poison waited until it was set aside").to.include(behindPoison);
    const batchesWith = (id: string) => producer.batches.flatMap((batch, index) => (batch.some((message) => message.id === id) ? [index] : []));
    expect(Math.min(...batchesWith(behindPoison))).to.be.greaterThan(Math.max(...batchesWith(poison)));
  });

  it("sets nothing aside during a broker outage, and publishes everything once the broker is back", async () => {
    for (let index = 0; index < 6; index += 1) await append(index % 2 ? "orders" : "products", `k-${index}`);
    let down = true;
    const producer = new FakeProducer(() => (down ? new BrokerUnavailableError("Connection error: connect ECONNREFUSED") : undefined));
    const relay = new OutboxRelay(relayDb, producer, quick, silent);
    await drain(relay, 15);
    const during = (await rows()).rows;
    expect(during.filter((row) => row.dead)).to.have.length(0);
    expect(during.filter((row) => row.published)).to.have.length(0);
    expect(producer.batches.length / 15, "publish calls per outage round stay bounded").to.be.at.most(3);
    down = false;
    await drain(relay, 3);
    expect((await rows()).rows.every((row) => row.published)).to.equal(true);
  });

  it("exports the age of the oldest unpublished row and the dead count as gauges", async () => {
    const metrics = createMetrics({ processMetrics: false });
    registerOutboxGauges(metrics.registry, db);
    const gauge = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(await metrics.registry.metrics())?.[1]);
    expect(await gauge("outbox_oldest_unpublished_age_seconds")).to.equal(0);
    const old = await append("orders", "late-1");
    await db.query("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE id = $1", [old]);
    await append("orders", "late-2");
    const age = await gauge("outbox_oldest_unpublished_age_seconds");
    expect(age).to.be.within(90, 100);
    await db.query("UPDATE outbox SET dead_at = now() WHERE id = $1", [old]);
    expect(await gauge("outbox_dead_events")).to.equal(1);
    expect(await gauge("outbox_oldest_unpublished_age_seconds")).to.be.below(10);
  });

  it("purges published rows past the retention, keeping recent, pending and dead ones", async () => {
    const [expired, recent, pending, dead] = [await append("orders", "a"), await append("orders", "b"), await append("orders", "c"), await append("orders", "d")];
    await db.query("UPDATE outbox SET published_at = now() - interval '8 days' WHERE id = $1", [expired]);
    await db.query("UPDATE outbox SET published_at = now() - interval '1 day' WHERE id = $1", [recent]);
    await db.query("UPDATE outbox SET dead_at = now() - interval '30 days' WHERE id = $1", [dead]);
    const relay = new OutboxRelay(relayDb, new FakeProducer(), { ...quick, retentionMs: 7 * 24 * 3_600_000 }, silent);
    expect(await relay.purgePublished()).to.equal(1);
    expect((await rows()).rows.map((row) => row.id).sort()).to.deep.equal([recent, pending, dead].sort());
  });
});
