import { randomUUID } from "node:crypto";
import type { SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { PublishCommand } from "@aws-sdk/client-sns";
import { expect } from "chai";
import { NotificationProcessor, StoppingError } from "../src/notifications/notification-processor";
import { KEY_PREFIX, MemoryKeyValueStore, SendOnce } from "../src/notifications/send-once";
import { SesMailer } from "../src/notifications/ses-mailer";
import { SnsMessenger } from "../src/notifications/sns-messenger";
import { InProcessTransport, type InboundMessage } from "../src/notifications/transport";
import { createWorkerMetrics } from "../src/notifications/worker-metrics";
import { RedeliveringTransport, seededRandom } from "./support/redelivering-transport";
import { silentLog } from "./support/test-app";

/** SES v2 behind its client interface: fails a share of calls before accepting (throttling), records what it accepted. */
class FakeSes {
  readonly accepted: Array<{ to: string; subject: string; configurationSet: string | undefined }> = [];
  constructor(
    private readonly random: () => number,
    private readonly failureRate: number,
  ) {}
  async send(command: SendEmailCommand): Promise<{ MessageId: string }> {
    // Yields like a network call, so concurrent replicas interleave.
    await new Promise((resolve) => setImmediate(resolve));
    const input = command.input;
    const to = input.Destination?.ToAddresses?.[0] ?? "";
    if (to.startsWith("bounce")) throw Object.assign(new Error("Address blacklisted"), { name: "MessageRejected" });
    if (this.random() < this.failureRate) throw Object.assign(new Error("Maximum sending rate exceeded"), { name: "TooManyRequestsException" });
    this.accepted.push({ to, subject: input.Content?.Simple?.Subject?.Data ?? "", configurationSet: input.ConfigurationSetName });
    return { MessageId: `ses-${this.accepted.length}` };
  }
}

class FakeSns {
  readonly accepted: Array<{ topicArn: string | undefined; subject: string | undefined; eventType: string | undefined }> = [];
  constructor(
    private readonly random: () => number,
    private readonly failureRate: number,
  ) {}
  async send(command: PublishCommand): Promise<{ MessageId: string }> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.random() < this.failureRate) throw Object.assign(new Error("Rate exceeded"), { name: "ThrottledException" });
    this.accepted.push({ topicArn: command.input.TopicArn, subject: command.input.Subject, eventType: command.input.MessageAttributes?.eventType?.StringValue });
    return { MessageId: `sns-${this.accepted.length}` };
  }
}

/** The in-memory store behind a Redis that can be down (every command rejects, as ioredis does) or refuse one SET. */
class FlakyStore extends MemoryKeyValueStore {
  down = false;
  failNextSet = false;
  private readonly written = new Set<string>();
  keys(): Set<string> {
    return this.written;
  }
  private check(): void {
    if (this.down) throw new Error("Reached the max retries per request limit (which is 1)");
  }
  override async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    this.check();
    this.written.add(key);
    return super.setIfAbsent(key, value, ttlMs);
  }
  override async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.check();
    if (this.failNextSet) {
      this.failNextSet = false;
      throw new Error("READONLY You can't write against a read only replica.");
    }
    return super.set(key, value, ttlMs);
  }
  override async get(key: string): Promise<string | null> {
    this.check();
    return super.get(key);
  }
  override async del(key: string): Promise<void> {
    this.check();
    return super.del(key);
  }
}

const TOPIC_ARN = "arn:aws:sns:ap-south-1:000000000000:shop-notifications";
let offset = 0;

function event(topic: string, type: string, body: Record<string, unknown>, eventId: string = randomUUID()): InboundMessage {
  return {
    topic,
    partition: 0,
    offset: String(offset++),
    key: typeof body.orderId === "string" ? body.orderId : null,
    value: Buffer.from(JSON.stringify({ ...body, eventId, type })),
    headers: { "event-id": eventId, "event-type": type },
  };
}

const customer = (email: string | null) => ({ userId: "u-1", email });
const confirmed = (orderId: string, email: string | null) =>
  event("orders", "order.confirmed", { order: { id: orderId, totalCents: 2599, items: [{ sku: "SKU-1", quantity: 1 }] }, customer: customer(email) });
const paymentFailed = (orderId: string, email: string | null) =>
  event("payments", "payment.failed", { orderId, amountCents: 1000, currency: "USD", reason: "card declined", customer: customer(email) });

function processorFor(ses: FakeSes, sns: FakeSns, store: MemoryKeyValueStore, deadLetters: InProcessTransport, maxAttempts = 6) {
  const metrics = createWorkerMetrics({ processMetrics: false });
  const processor = new NotificationProcessor({
    mailer: new SesMailer({ client: ses, fromAddress: "shop@example.com", configurationSet: "shop-notifications" }),
    messenger: new SnsMessenger(sns, TOPIC_ARN),
    sendOnce: new SendOnce(store, { claimTtlMs: 60_000, sentTtlMs: 3_600_000 }),
    deadLetters,
    metrics,
    log: silentLog,
    maxAttempts,
    backoff: { baseMs: 1, maxMs: 5 },
  });
  return { processor, metrics };
}

/** Stops the processor while it works on `message` (retrying or waiting): the event is abandoned uncommitted, not dead-lettered. */
async function expectAbandonedWhenStopped(processor: NotificationProcessor, message: InboundMessage, deadLetters: InProcessTransport): Promise<void> {
  const handling = processor.handle(message).then(
    () => "handled",
    (error: unknown) => error,
  );
  await new Promise((resolve) => setTimeout(resolve, 30));
  processor.stop();
  expect(await handling).to.be.instanceOf(StoppingError);
  expect(deadLetters.deadLetters).to.deep.equal([]);
}

describe("notifications worker (fake SES and SNS, a transport that redelivers and fails)", () => {
  it("sends every notification exactly once per recipient across redeliveries, concurrent replicas and provider failures", async () => {
    const random = seededRandom(20261206);
    const ses = new FakeSes(random, 0.25);
    const sns = new FakeSns(random, 0.25);
    const store = new MemoryKeyValueStore();
    const deadLetters = new InProcessTransport();
    const messages: InboundMessage[] = [];
    for (let index = 0; index < 15; index += 1) messages.push(confirmed(`order-${index}`, `buyer${index}@example.com`));
    for (let index = 0; index < 5; index += 1) messages.push(paymentFailed(`failed-${index}`, `payer${index}@example.com`));
    messages.push(event("orders", "order.placed", { order: { id: "quiet" }, customer: customer("quiet@example.com") }));
    messages.push(confirmed("no-address", null));

    const transport = new RedeliveringTransport(messages, random);
    for (let replica = 0; replica < 2; replica += 1) {
      const { processor } = processorFor(ses, sns, store, deadLetters);
      await transport.replica().start((message) => processor.handle(message));
    }
    await transport.run();

    expect(transport.deliveries, "the transport did redeliver").to.be.greaterThan(messages.length);
    const mails = ses.accepted.map((mail) => `${mail.to} ${mail.subject}`).sort();
    const expected = [
      ...Array.from({ length: 15 }, (_, index) => `buyer${index}@example.com Your order order-${index} is confirmed`),
      ...Array.from({ length: 5 }, (_, index) => `payer${index}@example.com Payment for order failed-${index} did not go through`),
    ].sort();
    expect(mails).to.deep.equal(expected);
    expect(ses.accepted.every((mail) => mail.configurationSet === "shop-notifications")).to.equal(true);
    expect(sns.accepted.map((message) => message.subject).sort()).to.deep.equal(Array.from({ length: 5 }, (_, index) => `Payment failed for order failed-${index}`).sort());
    expect(sns.accepted.every((message) => message.topicArn === TOPIC_ARN && message.eventType === "payment.failed")).to.equal(true);
    expect(deadLetters.deadLetters).to.deep.equal([]);
  });

  it("puts poison events in the dead-letter topic at once, with the reason, and sends nothing for them", async () => {
    const ses = new FakeSes(() => 1, 0);
    const sns = new FakeSns(() => 1, 0);
    const deadLetters = new InProcessTransport();
    const { processor, metrics } = processorFor(ses, sns, new MemoryKeyValueStore(), deadLetters);
    const notJson: InboundMessage = { ...confirmed("x", "a@example.com"), value: Buffer.from("{not json") };
    const noId: InboundMessage = { ...confirmed("y", "a@example.com"), headers: {}, value: Buffer.from(JSON.stringify({ type: "order.confirmed" })) };
    const unknownCommand = event("notifications", "notification.launch-rockets", { subject: "s", text: "t" });
    const badRecipient = event("notifications", "notification.send", { channel: "email", to: "a@example.com, b@example.com", subject: "s", text: "t" });
    for (const message of [notJson, noId, unknownCommand, badRecipient]) await processor.handle(message);

    expect(ses.accepted).to.deep.equal([]);
    const reasons = deadLetters.deadLetters.map((letter) => letter.headers["dlq-reason"]);
    expect(reasons).to.deep.equal([
      "poison: message value is not JSON",
      "poison: event has no eventId (UUID): it cannot be deduplicated",
      'poison: unknown notification command "notification.launch-rockets"',
      "poison: notification.send to email needs a valid `to` address",
    ]);
    expect(deadLetters.deadLetters[0]!.headers).to.include({ "dlq-attempts": "1", "dlq-original-topic": "orders", "dlq-original-offset": notJson.offset });
    expect(deadLetters.deadLetters[2]!.headers["event-id"], "the original headers travel along").to.be.a("string");
    expect((await metrics.deadLettered.get()).values.reduce((sum, value) => sum + value.value, 0)).to.equal(4);
  });

  it("retries a send that keeps failing with backoff, then dead-letters it with the last error, and goes on", async () => {
    const ses = new FakeSes(() => 1, 0);
    const deadLetters = new InProcessTransport();
    const { processor, metrics } = processorFor(ses, new FakeSns(() => 1, 0), new MemoryKeyValueStore(), deadLetters, 3);
    await processor.handle(confirmed("bouncing", "bounce@example.com"));
    await processor.handle(confirmed("fine", "fine@example.com"));

    expect(deadLetters.deadLetters).to.have.length(1);
    expect(deadLetters.deadLetters[0]!.headers).to.include({ "dlq-attempts": "3" });
    expect(deadLetters.deadLetters[0]!.headers["dlq-reason"]).to.equal("failed 3 times; last: MessageRejected: Address blacklisted");
    expect(ses.accepted.map((mail) => mail.to)).to.deep.equal(["fine@example.com"]);
    expect((await metrics.failed.get()).values[0]?.value).to.equal(3);
  });

  it("abandons the event in hand uncommitted when stopped mid-retry (it is redelivered, not dead-lettered)", async () => {
    const deadLetters = new InProcessTransport();
    const { processor } = processorFor(new FakeSes(() => 0, 1), new FakeSns(() => 0, 1), new MemoryKeyValueStore(), deadLetters, 1000);
    await expectAbandonedWhenStopped(processor, confirmed("retrying", "a@example.com"), deadLetters);
  });

  it("waits out a crashed worker's send claim instead of dead-lettering the event, then sends the mail once", async () => {
    let skewMs = 0;
    const store = new MemoryKeyValueStore(() => Date.now() + skewMs);
    const ses = new FakeSes(() => 1, 0);
    const deadLetters = new InProcessTransport();
    const { processor, metrics } = processorFor(ses, new FakeSns(() => 1, 0), store, deadLetters, 2);
    const message = confirmed("claimed-by-the-dead", "alice@example.com");
    const eventId = message.headers["event-id"]!;
    // The worker that claimed the send was killed before calling SES: its claim holds for the claim TTL.
    await store.setIfAbsent(`${KEY_PREFIX}${eventId}:order-confirmation-mail`, "claim:crashed-worker", 60_000);
    let settled = false;
    const handling = processor.handle(message).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 100)); // far more than 2 attempts' backoff
    expect(settled, "still waiting on the claim").to.equal(false);
    expect(deadLetters.deadLetters).to.deep.equal([]);
    skewMs = 60_001; // the claim's TTL has passed
    await handling;
    expect(ses.accepted.map((mail) => mail.to)).to.deep.equal(["alice@example.com"]);
    expect(deadLetters.deadLetters).to.deep.equal([]);
    expect((await metrics.failed.get()).values.reduce((sum, value) => sum + value.value, 0), "waits are not failures").to.equal(0);
  });

  it("waits for the dedupe store through an outage (no dead letter, no blind send) and sends once it answers", async () => {
    const store = new FlakyStore();
    store.down = true;
    const ses = new FakeSes(() => 1, 0);
    const deadLetters = new InProcessTransport();
    const { processor } = processorFor(ses, new FakeSns(() => 1, 0), store, deadLetters, 2);
    const handling = processor.handle(event("payments", "payment.refunded", { orderId: "o-2", amountCents: 500, currency: "USD", customer: customer("bob@example.com") }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ses.accepted).to.deep.equal([]);
    expect(deadLetters.deadLetters).to.deep.equal([]);
    store.down = false;
    await handling;
    expect(ses.accepted.map((mail) => mail.to)).to.deep.equal(["bob@example.com"]);
    expect(deadLetters.deadLetters).to.deep.equal([]);
  });

  it("after a send whose mark the store refused, a retry only writes the mark: one mail, not one per claim TTL", async () => {
    const store = new FlakyStore();
    store.failNextSet = true;
    const ses = new FakeSes(() => 1, 0);
    const deadLetters = new InProcessTransport();
    const { processor } = processorFor(ses, new FakeSns(() => 1, 0), store, deadLetters, 2);
    await processor.handle(confirmed("unmarked", "carol@example.com"));
    expect(ses.accepted.map((mail) => mail.to)).to.deep.equal(["carol@example.com"]);
    expect(deadLetters.deadLetters).to.deep.equal([]);
    expect(await store.get([...store.keys()][0]!), "marked").to.equal("sent");
  });

  it("abandons an event waiting for the dedupe store uncommitted when stopped", async () => {
    const store = new FlakyStore();
    store.down = true;
    const deadLetters = new InProcessTransport();
    const { processor } = processorFor(new FakeSes(() => 1, 0), new FakeSns(() => 1, 0), store, deadLetters, 2);
    await expectAbandonedWhenStopped(processor, confirmed("waiting", "a@example.com"), deadLetters);
  });

  it("runs locally on the in-process transport and console stand-ins, mailing the confirmation once", async () => {
    const ses = new FakeSes(() => 1, 0);
    const transport = new InProcessTransport(5);
    const { processor } = processorFor(ses, new FakeSns(() => 1, 0), new MemoryKeyValueStore(), transport);
    await transport.start((message) => processor.handle(message));
    const eventId = randomUUID();
    transport.publish("orders", { eventId, type: "order.confirmed", order: { id: "local-1", totalCents: 100 }, customer: customer("local@example.com") });
    transport.publish("orders", { eventId, type: "order.confirmed", order: { id: "local-1", totalCents: 100 }, customer: customer("local@example.com") });
    await transport.idle();
    await transport.stop();
    expect(ses.accepted.map((mail) => mail.to)).to.deep.equal(["local@example.com"]);
  });
});
