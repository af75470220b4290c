import { createServer, type Server } from "node:http";
import { expect } from "chai";
import { Client } from "pg";
import type { Product } from "../src/products/product";
import { requireServiceUrl } from "./support/external-services";
import { httpRequest } from "./support/http-client";
import { createTestSchema } from "./support/integration-schema";
import { freePort, spawnBundledServer, type SpawnedServer } from "./support/spawned-server";
import { waitFor } from "./support/wait-for";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: { stringValue?: string } }>;
}

interface OtlpExport {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }>;
  }>;
}

/** An OTLP/HTTP (JSON) trace receiver, as the collector in the cluster listens on :4318. */
class OtlpReceiver {
  readonly exports: OtlpExport[] = [];
  server: Server | undefined;
  async start(): Promise<number> {
    const port = await freePort();
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString()));
      request.on("end", () => {
        if (request.url === "/v1/traces" && request.headers["content-type"]?.includes("json")) this.exports.push(JSON.parse(body) as OtlpExport);
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    return port;
  }
  spans(): Array<OtlpSpan & { scope: string; service: string | undefined }> {
    return this.exports.flatMap((exported) =>
      exported.resourceSpans.flatMap((resourceSpans) =>
        resourceSpans.scopeSpans.flatMap((scopeSpans) =>
          scopeSpans.spans.map((span) => ({
            ...span,
            scope: scopeSpans.scope.name,
            service: resourceSpans.resource.attributes.find((attribute) => attribute.key === "service.name")?.value.stringValue,
          })),
        ),
      ),
    );
  }
}

/**
 * The image runs dist/, an esbuild bundle, where require-hook instrumentation patches nothing. This runs the bundled
 * server against real PostgreSQL and Redis with an OTLP endpoint and checks what reaches the receiver.
 */
describe("bundled server exports traces (node dist/main.js, OTLP/HTTP to a test receiver)", function () {
  this.timeout(90_000);
  const receiver = new OtlpReceiver();
  let server: SpawnedServer;
  let drop: (() => Promise<void>) | undefined;
  let databaseUrl: string;

  before(async function () {
    const databaseBase = requireServiceUrl(this, "TEST_DATABASE_URL");
    const redisUrl = requireServiceUrl(this, "TEST_REDIS_URL");
    const schema = await createTestSchema(databaseBase, "otel");
    drop = schema.drop;
    databaseUrl = schema.databaseUrl;
    const port = await receiver.start();
    server = await spawnBundledServer({
      DATABASE_URL: schema.databaseUrl,
      REDIS_URL: redisUrl,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_SERVICE_NAME: "shop-api-bundle-test",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "1",
      OTEL_BSP_SCHEDULE_DELAY: "100",
    });
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    receiver.server?.close();
    await drop?.();
  });

  it("applies every instrumentation inside the bundle", () => {
    const ready = server.output().split("\n").find((line) => line.includes("shop-api ready"));
    expect(JSON.parse(ready!).tracing).to.have.members(["fastify", "http", "https", "pg/lib/client.js", "ioredis", "kafkajs", "pino", "@smithy/smithy-client"]);
  });

  it("sends HTTP, Fastify, PostgreSQL and Redis spans of one request in one trace, and the request's logs carry its trace id", async () => {
    // A product of its own (the server migrated the schema at start): reading it misses Redis, reads PostgreSQL, fills Redis.
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query("INSERT INTO products (sku, name, price_cents, stock) VALUES ('OTEL-1', 'Traced', 100, 1)");
    await client.end();
    const list = await httpRequest(server.port, { path: "/v1/products?limit=1", headers: { "x-request-id": "otel-list" } });
    expect(list.status).to.equal(200);
    const product = (JSON.parse(list.body) as { items: Product[] }).items[0]!;
    expect((await httpRequest(server.port, { path: `/v1/products/${product.id}`, headers: { "x-request-id": "otel-get" } })).status).to.equal(200);
    // Successful reads log at debug; a miss logs its access line at info.
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await httpRequest(server.port, { path: `/v1/products/${missing}`, headers: { "x-request-id": "otel-miss" } })).status).to.equal(404);

    const spans = await waitFor(
      async () => receiver.spans(),
      (found) => found.some((span) => span.scope.includes("ioredis")) && found.some((span) => span.scope.includes("pg")) && found.some((span) => span.scope.includes("http")),
      30_000,
    );
    expect(spans.every((span) => span.service === "shop-api-bundle-test")).to.equal(true);
    const serverSpan = spans.find((span) => span.scope.includes("instrumentation-http") && span.kind === 2 && span.name.startsWith("GET"));
    expect(serverSpan, spans.map((span) => `${span.scope}:${span.name}`).join(", ")).to.not.equal(undefined);
    const inTrace = spans.filter((span) => span.traceId === serverSpan!.traceId).map((span) => span.scope);
    expect(inTrace.some((scope) => scope.includes("fastify")), `scopes in the trace: ${inTrace.join(", ")}`).to.equal(true);
    expect(inTrace.some((scope) => scope.includes("pg")), `scopes in the trace: ${inTrace.join(", ")}`).to.equal(true);
    const redisSpans = spans.filter((span) => span.scope.includes("ioredis"));
    expect(redisSpans.some((span) => spans.some((other) => other.traceId === span.traceId && other.scope.includes("instrumentation-http")))).to.equal(true);

    const logged = server
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => entry.reqId === "otel-miss");
    expect(logged.length).to.be.greaterThan(0);
    const traceIds = new Set(spans.map((span) => span.traceId));
    expect(logged.every((entry) => typeof entry.trace_id === "string" && traceIds.has(entry.trace_id))).to.equal(true);
  });
});

describe("bundled server samples as OTEL_TRACES_SAMPLER says (parentbased_traceidratio)", function () {
  this.timeout(60_000);
  const receiver = new OtlpReceiver();
  let server: SpawnedServer;

  before(async () => {
    const port = await receiver.start();
    server = await spawnBundledServer({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0",
      OTEL_BSP_SCHEDULE_DELAY: "50",
    });
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    receiver.server?.close();
  });

  it("records no new trace at ratio 0, but follows a caller's sampled traceparent", async () => {
    for (let index = 0; index < 5; index += 1) expect((await httpRequest(server.port, { path: "/v1/products?limit=1" })).status).to.equal(200);
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    await httpRequest(server.port, { path: "/v1/products?limit=2", headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` } });
    const spans = await waitFor(async () => receiver.spans(), (found) => found.length > 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(new Set(receiver.spans().map((span) => span.traceId))).to.deep.equal(new Set([callerTrace]));
    expect(spans[0]!.service).to.equal("shop-api");
  });
});

