import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { expect } from "chai";
import { Cluster, Redis } from "ioredis";
import { Signer } from "@aws-sdk/rds-signer";
import { rdsIamPassword } from "../src/db/iam-token";
import { connectionPasswords } from "../src/db/open-database";
import { createPgDb } from "../src/db/pg-db";
import { secretsManagerPassword, type SecretReader } from "../src/db/secret-password";
import { saslOptions } from "../src/outbox/kafka-publisher";
import { connectRedis } from "../src/redis-client";
import { requireServiceUrl } from "./support/external-services";

describe("platform clients (configuration only; the Redis Cluster round trip is in redis-cluster.test.ts)", () => {
  it("reads the database password from Secrets Manager's RDS-style JSON and caches it", async () => {
    const asked: string[] = [];
    const reader: SecretReader = {
      send: async (command: GetSecretValueCommand) => {
        asked.push(command.input.SecretId ?? "");
        return { SecretString: JSON.stringify({ username: "shop_api", password: "from-secrets-manager" }) };
      },
    };
    const password = secretsManagerPassword("arn:aws:secretsmanager:eu-west-1:1:secret:db", reader);
    expect(await password()).to.equal("from-secrets-manager");
    expect(await password()).to.equal("from-secrets-manager");
    expect(asked).to.deep.equal(["arn:aws:secretsmanager:eu-west-1:1:secret:db"]);
  });

  it("accepts a bare-string secret and refuses an empty one", async () => {
    expect(await secretsManagerPassword("a", { send: async () => ({ SecretString: "plain-password" }) })()).to.equal("plain-password");
    const empty = await secretsManagerPassword("b", { send: async () => ({ SecretString: "{}" }) })().catch((error: Error) => error.message);
    expect(empty).to.equal("secret b holds no password");
  });

  it("uses a cluster client when REDIS_CLUSTER is set, with the URL's credentials", async () => {
    const single = connectRedis("redis://127.0.0.1:1", false);
    const cluster = connectRedis("redis://:p%40ss@127.0.0.1:1", true);
    try {
      expect(single).to.be.instanceOf(Redis);
      expect(cluster).to.be.instanceOf(Cluster);
      expect((cluster as Cluster).options.redisOptions).to.include({ password: "p@ss", maxRetriesPerRequest: 1 });
      // Calls are bounded by the cache's circuit breaker, not by a timer per command.
      expect((cluster as Cluster).options.redisOptions).to.not.have.property("commandTimeout");
    } finally {
      single.disconnect();
      cluster.disconnect();
    }
  });

  it("signs a fresh IAM database token for every new connection (tokens live 15 minutes)", async () => {
    let signed = 0;
    const password = rdsIamPassword({ hostname: "db", port: 5432, username: "shop_api", region: "ap-south-1" }, { getAuthToken: async () => `token-${++signed}` });
    expect([await password(), await password()]).to.deep.equal(["token-1", "token-2"]);
  });

  it("builds a real RDS IAM token offline: a presigned rds-db connect request for the role, valid 900 s", async () => {
    // The pod's credentials come from IRSA through the default chain; static test credentials sign the same way.
    const signer = new Signer({ hostname: "shop.abc.ap-south-1.rds.amazonaws.com", port: 5432, username: "shop_api", region: "ap-south-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } });
    const signedToken = await rdsIamPassword({ hostname: "", port: 0, username: "", region: "" }, signer)();
    const url = new URL(`https://${signedToken}`);
    expect(url.host).to.equal("shop.abc.ap-south-1.rds.amazonaws.com:5432");
    expect(url.searchParams.get("Action")).to.equal("connect");
    expect(url.searchParams.get("DBUser")).to.equal("shop_api");
    expect(url.searchParams.get("X-Amz-Expires")).to.equal("900");
    expect(url.searchParams.get("X-Amz-Credential")).to.match(/\/ap-south-1\/rds-db\/aws4_request$/);
  });

  it("signs the writer's and the replica's IAM tokens each for its own host and region", async () => {
    const previous = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    // The default chain, as in the pod (IRSA there); static keys here.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" });
    try {
      const passwords = connectionPasswords({
        databaseUrl: "postgres://shop_api@primary.abc.eu-central-1.rds.amazonaws.com:5432/shop",
        databaseIamRegion: "eu-central-1",
        databaseReaderUrl: "postgres://shop_api@replica.abc.us-east-1.rds.amazonaws.com:5433/shop",
        databaseReaderIamRegion: "us-east-1",
        databaseSecretArn: undefined,
      });
      const signed = async (provider: (() => Promise<string>) | undefined) => new URL(`https://${await provider!()}`);
      const writer = await signed(passwords.writer);
      const reader = await signed(passwords.reader);
      expect(writer.host).to.equal("primary.abc.eu-central-1.rds.amazonaws.com:5432");
      expect(writer.searchParams.get("X-Amz-Credential")).to.match(/\/eu-central-1\/rds-db\/aws4_request$/);
      expect(reader.host).to.equal("replica.abc.us-east-1.rds.amazonaws.com:5433");
      expect(reader.searchParams.get("X-Amz-Credential")).to.match(/\/us-east-1\/rds-db\/aws4_request$/);
      expect(reader.searchParams.get("DBUser")).to.equal("shop_api");
    } finally {
      for (const [name, value] of [["AWS_ACCESS_KEY_ID", previous.id], ["AWS_SECRET_ACCESS_KEY", previous.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it("asks the password function for each new pool connection, so a token is never reused past its life", async function () {
    const url = new URL(requireServiceUrl(this, "TEST_DATABASE_URL"));
    const secret = decodeURIComponent(url.password);
    url.password = "";
    let asked = 0;
    const db = createPgDb(url.toString(), 2, async () => {
      asked++;
      return secret;
    });
    try {
      await Promise.all([db.query("SELECT pg_sleep(0.05)"), db.query("SELECT pg_sleep(0.05)")]);
      expect(asked).to.equal(2);
    } finally {
      await db.close();
    }
  });

  it("connects to the platform's Redis Cluster over TLS as its ACL user, checking readiness with CLUSTER INFO only", () => {
    const cluster = connectRedis("rediss://shop-api:p%40ss@redis-cluster-leader.redis.svc.cluster.local:6379", true) as Cluster;
    try {
      expect(cluster.options.redisOptions).to.deep.include({ username: "shop-api", password: "p@ss", enableReadyCheck: false });
      expect(cluster.options.redisOptions?.tls).to.deep.equal({ servername: "redis-cluster-leader.redis.svc.cluster.local" });
    } finally {
      cluster.disconnect();
    }
  });

  it("maps KAFKA_SASL_* to kafkajs SASL options", () => {
    expect(saslOptions({ mechanism: "scram-sha-512", username: "u", password: "p" })).to.deep.equal({
      mechanism: "scram-sha-512",
      username: "u",
      password: "p",
    });
  });
});
