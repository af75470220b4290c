import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SpanKind, context, trace } from "@opentelemetry/api";
import { isTracingSuppressed } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { expect } from "chai";
import type { Message } from "kafkajs";
import { NotificationProcessor } from "../src/notifications/notification-processor";
import { MemoryKeyValueStore, SendOnce } from "../src/notifications/send-once";
import { InProcessTransport } from "../src/notifications/transport";
import { SesMailer } from "../src/notifications/ses-mailer";
import { createWorkerMetrics } from "../src/notifications/worker-metrics";
import type { Order } from "../src/orders/order";
import { KafkaPublisher, type ProducerLike } from "../src/outbox/kafka-publisher";
import { OutboxRelay } from "../src/outbox/outbox-relay";
import type { Product } from "../src/products/product";
import { startTracing, tracedPino, type Tracing } from "../src/tracing";
import { bearer, silentLog, startTestApp, type TestApp } from "./support/test-app";

/** A Kafka producer stand-in that keeps the records as kafkajs would put them on the wire. */
class RecordingProducer implements ProducerLike {
  readonly records: Array<{ topic: string; message: Message }> = [];
  async connect() {}
  async disconnect() {}
  async sendBatch(batch: { topicMessages?: Array<{ topic: string; messages: Message[] }> }) {
    for (const { topic, messages } of batch.topicMessages ?? []) for (const message of messages) this.records.push({ topic, message });
    return [];
  }
}

const traceIdOf = (span: ReadableSpan) => span.spanContext().traceId;

describe("tracing: switched by the standard variables", () => {
  it("is off with OTEL_SDK_DISABLED=true, and without an OTLP endpoint", () => {
    expect(startTracing("x", { env: { OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" } }).enabled).to.equal(false);
    expect(startTracing("x", { env: {} }).enabled).to.equal(false);
    expect(trace.getTracer("x").startSpan("nothing").isRecording(), "no SDK was installed").to.equal(false);
  });
});

describe("tracing: POST /v1/orders continues through the outbox and Kafka headers into the worker (in-memory exporter)", () => {
  let exporter: InMemorySpanExporter;
  let tracing: Tracing;
  let t: TestApp;

  before(async () => {
    exporter = new InMemorySpanExporter();
    tracing = startTracing("shop-api-test", { spanProcessor: new SimpleSpanProcessor(exporter), env: {} });
    t = await startTestApp();
  });
  after(async () => {
    await t?.close();
    await tracing?.shutdown();
  });

  it("stores the request's trace with the outbox row and the worker's span joins that trace", async () => {
    const token = await t.runtime.localIssuer!.issue({ subject: "tracer", roles: [], ttlSeconds: 600, email: "tracer@example.com" });
    const product = (await t.app.inject({ url: "/v1/products?limit=1" })).json<{ items: Product[] }>().items[0]!;
    exporter.reset();
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/orders",
      headers: { ...bearer(token), "idempotency-key": "trace-order-0001" },
      payload: { items: [{ productId: product.id, quantity: 1 }] },
    });
    expect(response.statusCode, response.body).to.equal(201);
    const order = response.json<Order>();
    const requestSpans = exporter.getFinishedSpans();
    const requestSpan = requestSpans.find((span) => span.attributes["http.route"] === "/v1/orders" || span.name.includes("/v1/orders"));
    expect(requestSpan, requestSpans.map((span) => span.name).join(", ")).to.not.equal(undefined);
    const requestTrace = traceIdOf(requestSpan!);

    const stored = await t.runtime.db.query<{ event_type: string; traceparent: string | null }>("SELECT event_type, traceparent FROM outbox WHERE message_key = $1", [order.id]);
    expect(stored.rows.map((row) => row.traceparent?.split("-")[1])).to.deep.equal(stored.rows.map(() => requestTrace));

    // The relay publishes later, from its own loop (no active span), through the Kafka publisher.
    const producer = new RecordingProducer();
    const relay = new OutboxRelay(t.runtime.db, new KafkaPublisher(producer), { batchSize: 100, pollIntervalMs: 10, backoff: { baseMs: 5, maxMs: 10 } }, silentLog);
    // Per-key order: order.confirmed goes out in the round after order.placed.
    while ((await relay.relayOnce()) > 0);
    const confirmed = producer.records.find((record) => record.topic === "orders" && record.message.headers?.["event-type"] === "order.confirmed");
    expect(confirmed, "order.confirmed was published").to.not.equal(undefined);
    expect(String(confirmed!.message.headers?.traceparent).split("-")[1]).to.equal(requestTrace);

    const ses: string[] = [];
    const processor = new NotificationProcessor({
      mailer: { send: async (mail) => (ses.push(mail.to), { messageId: "m-1" }) },
      messenger: { publish: async () => ({ messageId: "n-1" }) },
      sendOnce: new SendOnce(new MemoryKeyValueStore(), { claimTtlMs: 1000, sentTtlMs: 60_000 }),
      deadLetters: new InProcessTransport(),
      metrics: createWorkerMetrics({ processMetrics: false }),
      log: silentLog,
      maxAttempts: 1,
      backoff: { baseMs: 1, maxMs: 1 },
    });
    exporter.reset();
    const headers = Object.fromEntries(Object.entries(confirmed!.message.headers ?? {}).map(([name, value]) => [name, String(value)]));
    await processor.handle({ topic: "orders", partition: 0, offset: "0", key: order.id, value: Buffer.from(String(confirmed!.message.value)), headers });
    expect(ses).to.deep.equal(["tracer@example.com"]);
    const workerSpan = exporter.getFinishedSpans().find((span) => span.name === "orders process");
    expect(workerSpan).to.not.equal(undefined);
    expect(traceIdOf(workerSpan!), "the worker's span is in the trace POST /v1/orders started").to.equal(requestTrace);
    expect(workerSpan!.parentSpanContext?.spanId).to.equal(String(confirmed!.message.headers?.traceparent).split("-")[2]);
  });

  it("publishes events of several traces in one sendBatch, each message continuing its own trace", async () => {
    const traces = ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "cccccccccccccccccccccccccccccccc"];
    const parents = ["bbbbbbbbbbbbbbbb", "dddddddddddddddd"];
    let sendBatches = 0;
    let suppressed: boolean | undefined;
    const producer = new RecordingProducer();
    const recording = producer.sendBatch.bind(producer);
    producer.sendBatch = async (batch) => {
      sendBatches += 1;
      // What keeps kafkajs' instrumentation from re-parenting the messages under one context and rewriting their headers.
      suppressed = isTracingSuppressed(context.active());
      return recording(batch);
    };
    exporter.reset();
    await new KafkaPublisher(producer).publish(
      traces.map((traceId, index) => ({ id: `00000000-0000-4000-8000-00000000000${index}`, topic: "orders", key: `k${index}`, type: "order.placed", payload: {}, traceparent: `00-${traceId}-${parents[index]}-01` })),
    );
    expect(sendBatches, "one sendBatch: no acknowledged part to re-send when a later part fails").to.equal(1);
    expect(suppressed).to.equal(true);
    const produced = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.PRODUCER);
    expect(produced.map((span) => [traceIdOf(span), span.parentSpanContext?.spanId])).to.deep.equal(traces.map((traceId, index) => [traceId, parents[index]]));
    expect(producer.records.map((record) => String(record.message.headers?.traceparent))).to.deep.equal(produced.map((span) => `00-${traceIdOf(span)}-${span.spanContext().spanId}-01`));
  });

  it("writes the trace id into log lines logged inside a span (pino instrumentation)", async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) });
    const log = tracedPino()({ base: undefined }, sink);
    const traceId = trace.getTracer("test").startActiveSpan("logged", (span) => {
      log.info("inside a span");
      span.end();
      return span.spanContext().traceId;
    });
    expect(JSON.parse(lines[0]!)).to.include({ trace_id: traceId, msg: "inside a span" });
  });

  it("traces SES calls (AWS SDK instrumentation on the SDK's client class; the HTTP call beneath is not traced twice)", async () => {
    const requests: string[] = [];
    const ses = createServer((request, response) => {
      requests.push(`${request.method} ${request.url}`);
      request.resume().on("end", () => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ MessageId: "ses-local-1" })));
    });
    await new Promise<void>((resolve) => ses.listen(0, "127.0.0.1", resolve));
    try {
      const client = new SESv2Client({ region: "ap-south-1", endpoint: `http://127.0.0.1:${(ses.address() as AddressInfo).port}`, credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" } });
      exporter.reset();
      const sent = await new SesMailer({ client, fromAddress: "shop@example.com" }).send({ to: "a@example.com", subject: "s", text: "t" });
      expect(sent.messageId).to.equal("ses-local-1");
      expect(requests).to.deep.equal(["POST /v2/email/outbound-emails"]);
      const sesSpan = exporter.getFinishedSpans().find((span) => span.attributes["rpc.method"] === "SendEmail");
      expect(sesSpan, exporter.getFinishedSpans().map((span) => span.name).join(", ")).to.not.equal(undefined);
      expect(sesSpan!.attributes).to.include({ "rpc.system": "aws-api", "rpc.service": "SESv2" });
      // (The fake SES server's own SERVER span is in the list too: it runs in this process.)
      const httpClientSpans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT && span !== sesSpan);
      expect(httpClientSpans.map((span) => span.name), "suppressInternalInstrumentation").to.deep.equal([]);
    } finally {
      ses.close();
    }
  });
});
