import { connect } from "node:net";
import { expect } from "chai";
import { bearer, startTestApp, type TestApp } from "./support/test-app";
import { problemType, type ProblemDetails, type ProblemSlug } from "../src/http/problem";

interface RawExchange {
  status: number;
  body: string;
  elapsedMs: number;
}

/**
 * Writes raw bytes to the listening server and reads until it closes the connection: the requests
 * fastify.inject cannot make (oversized headers, broken HTTP, a body that stops half-way).
 */
function exchange(port: number, request: Buffer | string, giveUpAfterMs = 25_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${giveUpAfterMs} ms; received ${JSON.stringify(Buffer.concat(chunks).toString())}`));
    }, giveUpAfterMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(giveUp);
      const text = Buffer.concat(chunks).toString("utf8");
      const separator = text.indexOf("\r\n\r\n");
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        body: separator === -1 ? "" : text.slice(separator + 4),
        elapsedMs: performance.now() - started,
      });
    });
    socket.write(request);
  });
}

function expectErrorBody(body: string, problem: ProblemSlug): void {
  const parsed = JSON.parse(body) as ProblemDetails;
  expect(parsed.type, body).to.equal(problemType(problem));
  expect(parsed.detail).to.be.a("string").and.have.length.greaterThan(3);
  expect(parsed.requestId).to.be.a("string").and.not.empty;
}

describe("hostile input at the transport (a real listening server)", () => {
  let t: TestApp;
  let port: number;
  let admin: string;

  before(async () => {
    // A short request deadline keeps the stalled-body case fast; production uses 30 s.
    t = await startTestApp({}, undefined, { requestTimeoutMs: 1000 });
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as { port: number }).port;
    admin = await t.tokenFor("root", ["admin"]);
  });
  after(() => t.close());

  it("answers a body that stops half-way with 408 once the request deadline passes", async () => {
    const head = `POST /v1/products HTTP/1.1\r\nhost: x\r\nauthorization: ${bearer(admin).authorization}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n`;
    const answer = await exchange(port, `${head}{"sku":"SLOW-1"`);
    expect(answer.status, answer.body).to.equal(408);
    expectErrorBody(answer.body, "request-timeout");
    // The app's 1 s deadline, not Node's 60 s headersTimeout; generous, so a busy CI machine cannot make it flaky.
    expect(answer.elapsedMs).to.be.below(20_000);
  });

  it("answers headers that never end with 408", async () => {
    const answer = await exchange(port, "GET /v1/products HTTP/1.1\r\nhost: x\r\nx-slow: ");
    expect(answer.status, answer.body).to.equal(408);
    expectErrorBody(answer.body, "request-timeout");
  });

  it("answers a token above Node's header size limit with 431 and a JSON reason", async () => {
    const answer = await exchange(port, `GET /v1/orders/00000000-0000-4000-8000-000000000000 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${"a".repeat(20_000)}.b.c\r\n\r\n`);
    expect(answer.status, answer.body).to.equal(431);
    expectErrorBody(answer.body, "headers-too-large");
  });

  it("answers malformed HTTP with 400 and a JSON reason", async () => {
    const answer = await exchange(port, "GET /v1/products HTTP/1.1\r\nhost: x\r\nnot a header\r\n\r\n");
    expect(answer.status, answer.body).to.equal(400);
    expectErrorBody(answer.body, "bad-request");
  });

  it("rejects a body that is not UTF-8 instead of storing replacement characters", async () => {
    const body = Buffer.concat([Buffer.from('{"sku":"RAW-1","name":"caf'), Buffer.from([0xe9]), Buffer.from('","priceCents":1}')]);
    const head = `POST /v1/products HTTP/1.1\r\nhost: x\r\nconnection: close\r\nauthorization: ${bearer(admin).authorization}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`;
    const answer = await exchange(port, Buffer.concat([Buffer.from(head), body]));
    expect(answer.status, answer.body).to.equal(400);
    expectErrorBody(answer.body, "bad-request");
  });

  it("keeps serving afterwards", async () => {
    const answer = await exchange(port, "GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
    expect(answer.status).to.equal(200);
  });
});
