import { expect } from "chai";
import { startTestApp, type TestApp } from "./support/test-app";

describe("health, readiness, metrics, request ids", () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  it("/healthz is 200 and /readyz reports each dependency", async () => {
    expect((await t.app.inject({ url: "/healthz" })).statusCode).to.equal(200);
    const ready = await t.app.inject({ url: "/readyz" });
    expect(ready.statusCode).to.equal(200);
    expect(ready.json()).to.deep.equal({ status: "ready", checks: { database: "ok" } });
  });

  it("/readyz turns 503 when a dependency fails", async () => {
    t.runtime.services.readinessChecks.push({ name: "broken", check: () => Promise.reject(new Error("connection refused")) });
    try {
      const ready = await t.app.inject({ url: "/readyz" });
      expect(ready.statusCode).to.equal(503);
      expect(ready.json().checks).to.deep.equal({ database: "ok", broken: "connection refused" });
    } finally {
      t.runtime.services.readinessChecks.pop();
    }
  });

  it("/readyz stays ready when a dependency it only reports never answers, and says it timed out", async () => {
    t.runtime.services.readinessChecks.push({ name: "database-writer", informational: true, check: () => new Promise<void>(() => undefined) });
    try {
      const ready = await t.app.inject({ url: "/readyz" });
      expect(ready.statusCode).to.equal(200);
      expect(ready.json().checks).to.deep.equal({ database: "ok", "database-writer": "timed out" });
    } finally {
      t.runtime.services.readinessChecks.pop();
    }
  });

  it("/metrics exposes request durations by route template in Prometheus format", async () => {
    await t.app.inject({ url: "/v1/products?limit=1" });
    await t.app.inject({ url: "/v1/products/00000000-0000-4000-8000-000000000000" });
    const metrics = await t.app.inject({ url: "/metrics" });
    expect(metrics.statusCode).to.equal(200);
    expect(metrics.headers["content-type"]).to.contain("text/plain");
    expect(metrics.body).to.contain('http_request_duration_seconds_count{method="GET",route="/v1/products/:id",status_code="404"} 1');
    expect(metrics.body).to.contain('product_cache_lookups_total{result="miss"}');
  });

  it("echoes a safe upstream x-request-id and replaces an unsafe one", async () => {
    const kept = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "kong-abc-123" } });
    expect(kept.headers["x-request-id"]).to.equal("kong-abc-123");
    const replaced = await t.app.inject({ url: "/healthz", headers: { "x-request-id": "<script>" } });
    expect(replaced.headers["x-request-id"]).to.match(/^[0-9a-f-]{36}$/);
    const error = await t.app.inject({ url: "/v1/products/nope", headers: { "x-request-id": "trace-me" } });
    expect(error.json().requestId).to.equal("trace-me");
  });

  it("/readyz says 503 once draining starts", async () => {
    t.runtime.startDraining();
    expect((await t.app.inject({ url: "/readyz" })).statusCode).to.equal(503);
    expect((await t.app.inject({ url: "/healthz" })).statusCode).to.equal(200);
  });
});
