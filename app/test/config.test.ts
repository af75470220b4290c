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
    expect(config.oidc).to.deep.equal({ issuer: "https://sso.example.com/realms/shop", audience: "shop-api", jwksUrl: "https://sso.example.com/realms/shop/protocol/openid-connect/certs" });
    expect(config.analyticsBucket).to.equal("shop-analytics");
  });

  it("reads the platform's credentials: Kafka SASL, Elasticsearch basic auth, database secret, Redis cluster", () => {
    const config = loadConfig({
      KAFKA_BROKERS: "kafka:9094",
      KAFKA_SSL: "true",
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "shop-api",
      KAFKA_SASL_PASSWORD: "k",
      ES_URL: "https://es:9200",
      ES_USERNAME: "shop-api",
      ES_PASSWORD: "e",
      DATABASE_URL: "postgres://shop_api@db:5432/shop?sslmode=verify-full&sslrootcert=/app/certs/rds-global-bundle.pem",
      DATABASE_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-api-db",
      REDIS_URL: "redis://:p@redis:6379",
      REDIS_CLUSTER: "true",
    });
    expect(config.kafka).to.deep.include({ ssl: true, sasl: { mechanism: "scram-sha-512", username: "shop-api", password: "k" } });
    expect(config.elasticsearchCredentials).to.deep.equal({ username: "shop-api", password: "e" });
    expect(config.databaseSecretArn).to.contain(":secret:shop-api-db");
    expect(config.redisCluster).to.equal(true);
  });

  it("reads IAM database authentication (the platform's way) and refuses it together with a password secret", () => {
    const url = "postgres://shop_api@db:5432/shop?sslmode=verify-full";
    expect(loadConfig({ DATABASE_URL: url, DATABASE_IAM_REGION: "ap-south-1" }).databaseIamRegion).to.equal("ap-south-1");
    expect(loadConfig({}).databaseIamRegion).to.equal(undefined);
    expect(() => loadConfig({ DATABASE_URL: url, DATABASE_IAM_REGION: "ap-south-1", DATABASE_SECRET_ARN: "arn:aws:secretsmanager:x" })).to.throw(/set one/);
    expect(() => loadConfig({ DATABASE_IAM_REGION: "ap-south-1" })).to.throw(/needs DATABASE_URL/);
  });

  it("reads the writer/reader split and the outbox relay switch, and refuses incomplete combinations naming the variables", () => {
    const writer = "postgres://shop_api@primary.eu-central-1.rds.amazonaws.com:5432/shop";
    const reader = "postgres://shop_api@replica.us-east-1.rds.amazonaws.com:5432/shop";
    const split = loadConfig({ DATABASE_URL: writer, DATABASE_IAM_REGION: "eu-central-1", DATABASE_READER_URL: reader, DATABASE_READER_IAM_REGION: "us-east-1", OUTBOX_RELAY: "disabled" });
    expect(split).to.deep.include({ databaseReaderUrl: reader, databaseReaderIamRegion: "us-east-1", databaseIamRegion: "eu-central-1", outboxRelay: false });
    expect(loadConfig({}).outboxRelay).to.equal(true);
    expect(loadConfig({ OUTBOX_RELAY: "enabled" }).outboxRelay).to.equal(true);
    expect(loadConfig({ DATABASE_URL: writer }).databaseReaderUrl).to.equal(undefined);
    expect(() => loadConfig({ OUTBOX_RELAY: "off" })).to.throw(/OUTBOX_RELAY must be one of enabled, disabled/);
    expect(() => loadConfig({ DATABASE_READER_URL: reader })).to.throw(/DATABASE_READER_URL needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: writer, DATABASE_READER_IAM_REGION: "us-east-1" })).to.throw(/DATABASE_READER_IAM_REGION needs DATABASE_READER_URL/);
    expect(() => loadConfig({ DATABASE_URL: writer, DATABASE_IAM_REGION: "eu-central-1", DATABASE_READER_URL: reader })).to.throw(/needs DATABASE_READER_IAM_REGION/);
    expect(() => loadConfig({ DATABASE_URL: writer, DATABASE_READER_URL: "mysql://replica/shop" })).to.throw(/DATABASE_READER_URL must use one of postgres:/);
  });

  it("fetches signing keys only over https, or plain http to an in-cluster Service or loopback", () => {
    const inCluster = "http://keycloak-http.identity.svc.cluster.local/auth/realms/shop/protocol/openid-connect/certs";
    const config = loadConfig({ OIDC_ISSUER: "https://auth.example.com/auth/realms/shop", OIDC_JWKS_URL: inCluster });
    expect(config.oidc).to.deep.include({ issuer: "https://auth.example.com/auth/realms/shop", jwksUrl: inCluster });
    expect(loadConfig({ OIDC_ISSUER: "http://keycloak-http.identity.svc.cluster.local/auth/realms/shop" }).oidc?.jwksUrl)
      .to.equal("http://keycloak-http.identity.svc.cluster.local/auth/realms/shop/protocol/openid-connect/certs");
    expect(() => loadConfig({ OIDC_ISSUER: "https://auth.example.com/realms/shop", OIDC_JWKS_URL: "http://auth.example.com/realms/shop/certs" }))
      .to.throw(/OIDC_JWKS_URL must use https: unless it names an in-cluster Service/);
    expect(() => loadConfig({ OIDC_ISSUER: "http://sso.example.com/realms/shop" })).to.throw(/OIDC_ISSUER must use https:/);
    expect(() => loadConfig({ OIDC_JWKS_URL: "https://sso.example.com/certs" })).to.throw(/OIDC_JWKS_URL needs OIDC_ISSUER/);
  });

  it("rejects half-configured credentials and unknown SASL mechanisms", () => {
    expect(() => loadConfig({ ES_URL: "http://es:9200", ES_USERNAME: "only-user" })).to.throw(/ES_USERNAME and ES_PASSWORD/);
    expect(() => loadConfig({ KAFKA_BROKERS: "k:9092", KAFKA_SASL_MECHANISM: "gssapi" })).to.throw(/KAFKA_SASL_MECHANISM must be one of/);
    expect(() => loadConfig({ KAFKA_BROKERS: "k:9092", KAFKA_SASL_MECHANISM: "plain" })).to.throw(/needs KAFKA_SASL_USERNAME/);
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
