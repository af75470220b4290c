import { expect } from "chai";
import { ConfigError, loadConfig } from "../src/config";

describe("configuration from the environment", () => {
  it("runs with no settings at all: embedded database, no cache, no broker, dev auth", () => {
    const config = loadConfig({});
    expect(config).to.include({ port: 8080, production: false, databaseUrl: undefined, redisUrl: undefined, kafka: undefined, oidc: undefined });
  });

  it("reads the real services' settings", () => {
    const config = loadConfig({
      DATABASE_URL: "postgres://u:p@db:5432/shop",
      REDIS_URL: "redis://cache:6379",
      KAFKA_BROKERS: "b1:9092, b2:9092",
      OIDC_ISSUER: "https://sso.example.com/realms/shop/",
      ES_URL: "http://es:9200",
      ANALYTICS_BUCKET: "shop-analytics",
    });
    expect(config.kafka?.brokers).to.deep.equal(["b1:9092", "b2:9092"]);
    expect(config.oidc).to.deep.equal({ issuer: "https://sso.example.com/realms/shop", audience: "shop-api" });
    expect(config.analyticsBucket).to.equal("shop-analytics");
  });

  it("names every bad variable at once, without echoing secrets", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", DATABASE_URL: "postgres://user:s3cret@", REDIS_URL: "http://cache", KAFKA_SSL: "maybe" });
    } catch (caught) {
      error = caught;
    }
    expect(error).to.be.instanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ["PORT", "DATABASE_URL", "REDIS_URL"]) expect(message).to.contain(name);
    expect(message).to.not.contain("s3cret");
  });
});
