import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import type { Product } from "../src/products/product";
import { httpRequest } from "./support/http-client";
import { APP_ROOT, ensureBundle, spawnBundledServer, type SpawnedServer } from "./support/spawned-server";

describe("bundled server (node dist/main.js, as in the image)", () => {
  let server: SpawnedServer;
  before(async function () {
    this.timeout(60_000);
    server = await spawnBundledServer();
  });
  after(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
  });

  it("starts with no settings on embedded PGlite and serves the demo catalogue", async () => {
    expect((await httpRequest(server.port, { path: "/healthz" })).status).to.equal(200);
    expect((await httpRequest(server.port, { path: "/readyz" })).status).to.equal(200);
    const products = await httpRequest(server.port, { path: "/v1/products" });
    expect(products.status).to.equal(200);
    expect(JSON.parse(products.body).items as Product[]).to.not.be.empty;
  });

  it("logs structured JSON lines carrying request ids", async () => {
    await httpRequest(server.port, { path: "/v1/products/not-a-uuid", headers: { "x-request-id": "bundle-log-check" } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = server.output().trim().split("\n").filter((line) => line.startsWith("{"));
    expect(lines.length).to.be.greaterThan(0);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.reqId === "bundle-log-check");
    expect(entries.map((entry) => entry.msg)).to.deep.equal(["request rejected", "request completed"]);
    expect(entries[1]).to.include({ service: "shop-api", status: 400, route: "/v1/products/:id" });
  });

  it("ships the jobs entry point in the same bundle", async () => {
    await ensureBundle();
    const usage = spawnSync(process.execPath, [join(APP_ROOT, "dist", "jobs.js")], { encoding: "utf8", env: { PATH: process.env.PATH ?? "" } });
    expect(usage.status).to.equal(2);
    expect(usage.stderr).to.contain("fetch-products");
  });

  it("ships dist/demo-feed.json, the fetch-products CronJob's default source, and imports it", async () => {
    await ensureBundle();
    const run = spawnSync(process.execPath, ["dist/jobs.js", "fetch-products", "--source", "dist/demo-feed.json"], {
      cwd: APP_ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('"unchanged":36');
  });

  it("refuses to start with a broken configuration, naming the variable", async () => {
    await ensureBundle();
    const broken = spawnSync(process.execPath, [join(APP_ROOT, "dist", "main.js")], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", PORT: "not-a-port" },
    });
    expect(broken.status).to.equal(1);
    expect(broken.stderr).to.contain("PORT must be an integer");
  });
});
