import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { expect } from "chai";
import { Cluster, Redis } from "ioredis";
import { secretsManagerPassword, type SecretReader } from "../src/db/secret-password";
import { saslOptions } from "../src/outbox/kafka-publisher";
import { connectRedis } from "../src/redis-client";

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
      expect((cluster as Cluster).options.redisOptions).to.include({ password: "p@ss", commandTimeout: 500 });
    } finally {
      single.disconnect();
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
