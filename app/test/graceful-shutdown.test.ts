import { connect, type Socket } from "node:net";
import { expect } from "chai";
import type { Product } from "../src/products/product";
import { httpRequest, type RawResponse } from "./support/http-client";
import { spawnBundledServer } from "./support/spawned-server";

/** Sends a request's headers and half its body now; `finish` sends the rest and resolves with the raw response. */
function startSlowRequest(port: number, path: string, headers: Record<string, string>, body: string) {
  const socket: Socket = connect(port, "127.0.0.1");
  let received = "";
  socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<string>((resolve, reject) => {
    socket.on("close", () => resolve(received));
    socket.on("error", reject);
  });
  const head = [`POST ${path} HTTP/1.1`, "Host: localhost", "Connection: close", `Content-Length: ${Buffer.byteLength(body)}`]
    .concat(Object.entries(headers).map(([name, value]) => `${name}: ${value}`))
    .join("\r\n");
  const half = Math.floor(body.length / 2);
  socket.write(`${head}\r\n\r\n${body.slice(0, half)}`);
  return {
    finish: async (): Promise<string> => {
      socket.write(body.slice(half));
      return closed;
    },
  };
}

async function waitForIncomingRequests(output: () => string, expected: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const received = output()
      .split("\n")
      .filter((line) => line.includes('"incoming request"') && /"url":"\/v1\/(orders|products\/[0-9a-f-]{36})"/.test(line)).length;
    if (received >= expected) return;
    if (Date.now() > deadline) throw new Error(`server logged only ${received} of ${expected} requests`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("graceful shutdown: SIGTERM under load loses no request", () => {
  it("answers every in-flight request completely, then exits 0", async function () {
    this.timeout(60_000);
    // Debug level logs each request's arrival, which tells the test when all are in flight.
    const server = await spawnBundledServer({ LOG_LEVEL: "debug", DEV_TOKENS: "enabled" });
    const token = JSON.parse(
      (await httpRequest(server.port, { method: "POST", path: "/dev/token", headers: { "content-type": "application/json" }, body: '{"sub":"loadtest"}' })).body,
    ).access_token as string;
    const products = JSON.parse((await httpRequest(server.port, { path: "/v1/products?limit=20" })).body).items as Product[];

    // Orders whose bodies are still arriving when SIGTERM lands: in flight by construction.
    const slowOrders = Array.from({ length: 20 }, (_, index) =>
      startSlowRequest(
        server.port,
        "/v1/orders",
        { "content-type": "application/json", authorization: `Bearer ${token}`, "idempotency-key": `sigterm-${index}-key` },
        JSON.stringify({ items: [{ productId: products[index % products.length]!.id, quantity: 1 }] }),
      ),
    );
    // And a burst of reads racing the shutdown.
    const reads: Promise<RawResponse>[] = Array.from({ length: 150 }, (_, index) =>
      httpRequest(server.port, { path: `/v1/products/${products[index % products.length]!.id}` }),
    );
    // SIGTERM only once the server has received every one of them (its request log says so): a
    // request still in the kernel's accept queue when the listener closes was never in flight.
    await waitForIncomingRequests(server.output, 20 + 150);

    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const orderResponses = await Promise.all(slowOrders.map((order) => order.finish()));
    const readResponses = await Promise.all(reads);
    const exitCode = await server.exited;

    for (const raw of orderResponses) {
      expect(raw, "an order request got no complete response").to.match(/^HTTP\/1\.1 201 /);
      const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
      expect(JSON.parse(body)).to.have.property("status", "placed");
    }
    for (const read of readResponses) {
      expect(read.status).to.equal(200);
      expect(JSON.parse(read.body)).to.have.property("id");
    }
    expect(exitCode).to.equal(0);
    expect(server.output()).to.contain("shutdown complete");
  });
});
