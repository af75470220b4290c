import { expect } from "chai";
import type { ConsumerRunConfig, EachBatchPayload, KafkaMessage } from "kafkajs";
import { CONSUMED_TOPICS, KafkaTransport, type WorkerConsumer, type WorkerProducer } from "../src/notifications/kafka-transport";
import type { InboundMessage } from "../src/notifications/transport";
import { silentLog } from "./support/test-app";

/** Drives the transport's eachBatch as kafkajs does, recording what it resolves and commits. */
class FakeConsumer {
  runConfig: ConsumerRunConfig | undefined;
  subscribed: string[] = [];
  resolved: string[] = [];
  committed: string[] = [];
  running = true;
  readonly events = { GROUP_JOIN: "consumer.group_join", CRASH: "consumer.crash" } as WorkerConsumer["events"];
  async connect() {}
  async subscribe({ topics }: { topics: string[] }) {
    this.subscribed = topics;
  }
  async run(config: ConsumerRunConfig) {
    this.runConfig = config;
  }
  async stop() {}
  async disconnect() {
    this.running = false;
  }
  readonly listeners = new Map<string, (event: unknown) => void>();
  on(name: string, listener: (event: unknown) => void) {
    this.listeners.set(name, listener);
    return () => undefined;
  }

  batch(offsets: string[]): EachBatchPayload {
    const messages = offsets.map((offset) => ({ offset, key: Buffer.from("k"), value: Buffer.from("{}"), headers: { traceparent: Buffer.from("00-abc") } }) as unknown as KafkaMessage);
    let uncommitted: string | undefined;
    return {
      batch: { topic: "orders", partition: 3, messages },
      resolveOffset: (offset: string) => {
        this.resolved.push(offset);
        uncommitted = offset;
      },
      uncommittedOffsets: () => ({ topics: uncommitted ? [{ topic: "orders", partitions: [{ partition: "3", offset: String(Number(uncommitted) + 1) }] }] : [] }),
      commitOffsetsIfNecessary: async (offsets?: { topics: Array<{ partitions: Array<{ offset: string }> }> }) => {
        for (const topic of offsets?.topics ?? []) for (const partition of topic.partitions) this.committed.push(partition.offset);
      },
      heartbeat: async () => undefined,
      isRunning: () => this.running,
      isStale: () => false,
      pause: () => () => undefined,
    } as unknown as EachBatchPayload;
  }
}

describe("notifications worker's Kafka transport (kafkajs driven by a fake consumer)", () => {
  it("subscribes to orders, payments and notifications with autoCommit off and commits only handled offsets", async () => {
    const consumer = new FakeConsumer();
    const producer = { connect: async () => undefined, send: async () => [], disconnect: async () => undefined } as unknown as WorkerProducer;
    const transport = new KafkaTransport(consumer as unknown as WorkerConsumer, producer, silentLog);
    const seen: InboundMessage[] = [];
    let release: (() => void) | undefined;
    await transport.start(async (message) => {
      seen.push(message);
      if (message.offset === "11") {
        // The second event is being retried when the worker is stopped: it is abandoned, not handled.
        await new Promise<void>((_, reject) => (release = () => reject(new Error("worker stopping"))));
      }
    });
    expect(consumer.subscribed).to.deep.equal([...CONSUMED_TOPICS]);
    expect(consumer.runConfig).to.include({ autoCommit: false, eachBatchAutoResolve: false });

    const batch = consumer.runConfig!.eachBatch!(consumer.batch(["10", "11", "12"]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await transport.stop();
    release!();
    const outcome = await batch.then(() => "resolved", (error: Error) => error.message);

    expect(outcome).to.equal("worker stopping");
    expect(consumer.resolved).to.deep.equal(["10"]);
    expect(consumer.committed, "the next offset to read after the handled event").to.deep.equal(["11"]);
    expect(seen.map((message) => message.offset)).to.deep.equal(["10", "11"]);
    expect(seen[0]!.headers.traceparent).to.equal("00-abc");
  });

  it("sends dead letters to notifications-dlq with acks from all replicas and the reason in the headers", async () => {
    const sent: unknown[] = [];
    const producer = { connect: async () => undefined, send: async (record: unknown) => void sent.push(record), disconnect: async () => undefined } as unknown as WorkerProducer;
    const transport = new KafkaTransport(new FakeConsumer() as unknown as WorkerConsumer, producer, silentLog);
    await transport.send({ topic: "payments", partition: 1, offset: "7", key: "order-1", value: Buffer.from("x"), headers: { "event-id": "e-1" } }, "poison: bad", 1);
    expect(sent).to.have.length(1);
    const record = sent[0] as { topic: string; acks: number; messages: Array<{ key: string; headers: Record<string, string> }> };
    expect(record).to.include({ topic: "notifications-dlq", acks: -1 });
    expect(record.messages[0]!.key).to.equal("order-1");
    expect(record.messages[0]!.headers).to.include({ "event-id": "e-1", "dlq-reason": "poison: bad", "dlq-original-topic": "payments", "dlq-original-offset": "7", "dlq-attempts": "1" });
  });

  it("reports a consumer kafkajs gave up restarting (liveness fails), but not one it restarts", async () => {
    const consumer = new FakeConsumer();
    const transport = new KafkaTransport(consumer as unknown as WorkerConsumer, {} as WorkerProducer, silentLog);
    await transport.start(async () => undefined);
    consumer.listeners.get("consumer.group_join")!({});
    expect(transport.isRunning()).to.equal(true);
    consumer.listeners.get("consumer.crash")!({ payload: { error: new Error("coordinator gone"), restart: true } });
    expect(transport.failure()).to.equal(undefined);
    consumer.listeners.get("consumer.crash")!({ payload: { error: new Error("SASL authentication failed"), restart: false } });
    expect(transport.failure()).to.equal("SASL authentication failed");
    expect(transport.isRunning()).to.equal(false);
  });
});
