import { expect } from "chai";
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, type Producer } from "kafkajs";
import type { Order } from "../src/orders/order";
import { backoffDelayMs } from "../src/outbox/backoff";
import { RecentEventIds, processOnce } from "../src/outbox/dedupe";
import { KafkaPublisher, classifyKafkaError, type ProducerLike } from "../src/outbox/kafka-publisher";
import { BrokerUnavailableError } from "../src/outbox/publisher";
import { OutboxRelay } from "../src/outbox/outbox-relay";
import { ORDERS_TOPIC } from "../src/outbox/topics";
import type { Product } from "../src/products/product";
import { FlakyPublisher } from "./support/flaky-publisher";
import { bearer, silentLog, startTestApp, type TestApp } from "./support/test-app";

async function placeOrders(t: TestApp, count: number): Promise<string[]> {
  const token = await t.tokenFor("olivia");
  const products = (await t.app.inject({ url: "/v1/products?limit=10" })).json<{ items: Product[] }>().items;
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/orders",
      headers: { ...bearer(token), "idempotency-key": `outbox-test-${index}-${Math.random()}` },
      payload: { items: [{ productId: products[index % products.length]!.id, quantity: 1 }] },
    });
    expect(response.statusCode).to.equal(201);
    ids.push(response.json<Order>().id);
  }
  return ids;
}

const orderIdsIn = (publisher: FlakyPublisher) =>
  publisher.delivered
    .filter((message) => message.topic === ORDERS_TOPIC && message.type === "order.placed")
    .map((message) => (message.payload as { order: { id: string } }).order.id);

describe("outbox relay: at least once, deduplicated to exactly once", () => {
  let t: TestApp;
  afterEach(() => t?.close());

  it("publishes every order's event after the broker recovers from a run of failures", async () => {
    const publisher = new FlakyPublisher(5);
    t = await startTestApp({}, publisher);
    const orderIds = await placeOrders(t, 20);
    const relay = new OutboxRelay(t.runtime.db, publisher, { batchSize: 7, pollIntervalMs: 10, backoff: { baseMs: 5, maxMs: 20 } }, silentLog);
    relay.start();
    const deadline = Date.now() + 10_000;
    while (orderIdsIn(publisher).length < orderIds.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await relay.stop();

    expect(publisher.calls).to.be.greaterThan(5);
    expect(orderIdsIn(publisher).sort()).to.deep.equal([...orderIds].sort());
    const pending = await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL");
    expect(pending.rows[0]?.n).to.equal(0);
    const retried = await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE attempts > 1");
    expect(retried.rows[0]?.n).to.be.greaterThan(0);
  });

  it("redelivers after a lost ack, and the consumer applies each event id exactly once", async () => {
    const publisher = new FlakyPublisher(3, true);
    t = await startTestApp({}, publisher);
    const orderIds = await placeOrders(t, 12);
    const relay = new OutboxRelay(t.runtime.db, publisher, { batchSize: 5, pollIntervalMs: 10, backoff: { baseMs: 5, maxMs: 20 } }, silentLog);
    for (let round = 0; round < 20; round += 1) {
      await relay.relayOnce().catch(() => undefined);
    }
    const deliveredIds = publisher.delivered.map((message) => message.id);
    expect(deliveredIds.length, "the lost acks caused redeliveries").to.be.greaterThan(new Set(deliveredIds).size);

    // Consumer with a database: the side effect and the processed mark commit together.
    const applied: string[] = [];
    for (const message of publisher.delivered.filter((delivered) => delivered.type === "order.placed")) {
      await processOnce(t.runtime.db, "test-consumer", message.id, async () => {
        applied.push((message.payload as { order: { id: string } }).order.id);
      });
    }
    const placedOrders = applied.filter((id) => orderIds.includes(id));
    expect(placedOrders.sort()).to.deep.equal([...orderIds].sort());

    // Consumer without a database: the in-memory window does the same for close redeliveries.
    const recent = new RecentEventIds();
    const firstSightings = publisher.delivered.filter((message) => recent.firstSighting(message.id));
    expect(firstSightings.map((message) => message.id).sort()).to.deep.equal([...new Set(deliveredIds)].sort());
  });

  it("rolls back the consumer's mark when its handler fails, so the redelivery is processed", async () => {
    t = await startTestApp();
    const eventId = "7d4c1c4e-5b7a-4d8e-9b55-2a0f3c1e9a10";
    const failing = processOnce(t.runtime.db, "fragile", eventId, async () => {
      throw new Error("downstream down");
    });
    const failure = await failing.then(() => undefined, (error: Error) => error.message);
    expect(failure).to.equal("downstream down");
    const retried = await processOnce(t.runtime.db, "fragile", eventId, async () => "done");
    expect(retried).to.deep.equal({ processed: true, result: "done" });
    expect(await processOnce(t.runtime.db, "fragile", eventId, async () => "again")).to.deep.equal({ processed: false });
  });
});

describe("Kafka publisher (kafkajs behind ProducerLike; no broker here)", () => {
  it("sends one batch per call, keyed by aggregate, with the event id in a header, acks from all replicas", async () => {
    const batches: Parameters<Producer["sendBatch"]>[0][] = [];
    let connects = 0;
    const producer: ProducerLike = {
      connect: async () => void (connects += 1),
      disconnect: async () => undefined,
      sendBatch: async (batch) => {
        batches.push(batch);
        return [];
      },
    };
    const publisher = new KafkaPublisher(producer);
    await publisher.publish([
      { id: "e1", topic: "orders", key: "o1", type: "order.placed", payload: { a: 1 } },
      { id: "e2", topic: "products", key: "p1", type: "product.updated", payload: { b: 2 } },
    ]);
    await publisher.publish([{ id: "e3", topic: "orders", key: "o2", type: "order.placed", payload: {} }]);
    expect(connects).to.equal(1);
    expect(batches[0]?.acks).to.equal(-1);
    expect(batches[0]?.topicMessages?.map((entry) => entry.topic)).to.deep.equal(["orders", "products"]);
    expect(batches[0]?.topicMessages?.[0]?.messages[0]).to.deep.equal({
      key: "o1",
      value: JSON.stringify({ a: 1 }),
      headers: { "event-id": "e1", "event-type": "order.placed" },
    });
  });

  it("tells a broker outage (retries exhausted on connection errors) from a refused message", async () => {
    const outage = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError("Connection error: connect ECONNREFUSED 10.0.0.1:9094"), { retryCount: 3, retryTime: 1000 });
    expect(classifyKafkaError(outage)).to.be.instanceOf(BrokerUnavailableError);
    const refused = new KafkaJSProtocolError("The request included a message larger than the max message size the server will accept");
    expect(classifyKafkaError(refused)).to.equal(refused);
    const failing: ProducerLike = { connect: async () => undefined, disconnect: async () => undefined, sendBatch: async () => Promise.reject(outage) };
    const error = await new KafkaPublisher(failing).publish([{ id: "e1", topic: "t", key: "k", type: "x", payload: {} }]).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(BrokerUnavailableError);
  });

  it("reconnects on the next call after a failed connect", async () => {
    let attempts = 0;
    const producer: ProducerLike = {
      connect: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("no brokers");
      },
      disconnect: async () => undefined,
      sendBatch: async () => [],
    };
    const publisher = new KafkaPublisher(producer);
    const message = { id: "e1", topic: "t", key: "k", type: "x", payload: {} };
    let failed = false;
    await publisher.publish([message]).catch(() => (failed = true));
    await publisher.publish([message]);
    expect(failed).to.equal(true);
    expect(attempts).to.equal(2);
  });
});

describe("backoff", () => {
  it("grows exponentially within [ceiling/2, ceiling] and stops at the maximum", () => {
    const policy = { baseMs: 100, maxMs: 5000 };
    expect(backoffDelayMs(1, policy, () => 0)).to.equal(50);
    expect(backoffDelayMs(1, policy, () => 1)).to.equal(100);
    expect(backoffDelayMs(4, policy, () => 1)).to.equal(800);
    expect(backoffDelayMs(50, policy, () => 1)).to.equal(5000);
    expect(backoffDelayMs(50, policy, () => 0)).to.equal(2500);
  });
});
