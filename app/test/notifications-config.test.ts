import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { expect } from "chai";
import { principalFromClaims } from "../src/auth/claims";
import { ConfigError, loadConfig } from "../src/config";
import { httpRequest } from "./support/http-client";
import { APP_ROOT, ensureBundle, freePort } from "./support/spawned-server";

describe("notifications worker configuration", () => {
  it("defaults to the contract's consumer group and local stand-ins", () => {
    const { notifications } = loadConfig({});
    expect(notifications).to.deep.include({ group: "notifications-worker", fromAddress: undefined, snsTopicArn: undefined, maxAttempts: 5, claimTtlMs: 60_000, dedupeTtlHours: 168 });
  });

  it("reads SES, SNS and the group", () => {
    const { notifications } = loadConfig({
      NOTIFICATIONS_GROUP: "nw",
      NOTIFY_FROM_ADDRESS: "shop@example.com",
      SES_CONFIGURATION_SET: "shop-notifications",
      SNS_TOPIC_ARN: "arn:aws:sns:ap-south-1:000000000000:shop-notifications",
      AWS_REGION: "ap-south-1",
    });
    expect(notifications).to.deep.include({ group: "nw", fromAddress: "shop@example.com", sesConfigurationSet: "shop-notifications", awsRegion: "ap-south-1" });
  });

  it("names every bad key", () => {
    let error: unknown;
    try {
      loadConfig({ NOTIFY_FROM_ADDRESS: "not an address", SNS_TOPIC_ARN: "shop-topic", NOTIFY_MAX_ATTEMPTS: "0", SES_CONFIGURATION_SET: "x", NOTIFY_RETRY_BASE_MS: "5000", NOTIFY_RETRY_MAX_MS: "100" });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join("\n");
    for (const key of ["NOTIFY_FROM_ADDRESS must be an email address", "SNS_TOPIC_ARN must be an SNS topic ARN", "need AWS_REGION", "NOTIFY_MAX_ATTEMPTS must be an integer", "NOTIFY_RETRY_MAX_MS must not be below"]) {
      expect(problems).to.contain(key);
    }
  });
});

describe("order mail recipient: the token's verified email claim", () => {
  it("keeps a verified address and ignores an unverified or malformed one", () => {
    expect(principalFromClaims({ sub: "u", email: "a@example.com", email_verified: true }).email).to.equal("a@example.com");
    expect(principalFromClaims({ sub: "u", email: "a@example.com", email_verified: false }).email).to.equal(undefined);
    expect(principalFromClaims({ sub: "u", email: "a@example.com" }).email).to.equal(undefined);
    expect(principalFromClaims({ sub: "u", email: "a@example.com, b@example.com", email_verified: true }).email).to.equal(undefined);
  });
});

describe("bundled notifications worker (node dist/notifications-worker.js, as in the image)", function () {
  this.timeout(60_000);

  it("starts with no settings, answers /healthz, /readyz and /metrics, and stops on SIGTERM", async () => {
    await ensureBundle();
    const port = await freePort();
    const child = spawn(process.execPath, [join(APP_ROOT, "dist", "notifications-worker.js")], { env: { PATH: process.env.PATH ?? "", PORT: String(port), HOST: "127.0.0.1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      const deadline = Date.now() + 20_000;
      while (!output.includes("notifications worker running") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await httpRequest(port, { path: "/healthz" })).status).to.equal(200);
      expect((await httpRequest(port, { path: "/readyz" })).status).to.equal(200);
      const metrics = await httpRequest(port, { path: "/metrics" });
      for (const name of ["notifications_events_handled_total", "notifications_handling_failures_total", "notifications_events_dead_lettered_total", "notifications_handling_duration_seconds"]) {
        expect(metrics.body).to.contain(name);
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).to.equal(0);
  });

  it("refuses to run in production on console stand-ins, naming what is missing", async () => {
    await ensureBundle();
    const run = spawnSync(process.execPath, [join(APP_ROOT, "dist", "notifications-worker.js")], { encoding: "utf8", env: { PATH: process.env.PATH ?? "", NODE_ENV: "production" } });
    expect(run.status).to.equal(1);
    for (const key of ["KAFKA_BROKERS", "NOTIFY_FROM_ADDRESS", "SNS_TOPIC_ARN", "REDIS_URL"]) expect(run.stderr).to.contain(key);
  });
});
