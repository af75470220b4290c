import type { Logger } from "pino";
import type { AppServices } from "./app";
import { DevIssuer } from "./auth/dev-issuer";
import { createOidcVerifier } from "./auth/oidc-verifier";
import type { TokenVerifier } from "./auth/principal";
import type { AppConfig } from "./config";
import type { Db } from "./db/db";
import { openDatabases, type Databases } from "./db/open-database";
import type { ReadinessCheck } from "./http/health-routes";
import { createMetrics } from "./http/metrics";
import { OrderRepository } from "./orders/order-repository";
import { KafkaPublisher } from "./outbox/kafka-publisher";
import { LogPublisher } from "./outbox/log-publisher";
import { registerOutboxGauges } from "./outbox/outbox-metrics";
import { OutboxRelay } from "./outbox/outbox-relay";
import type { Publisher } from "./outbox/publisher";
import { createCacheMetrics } from "./cache/cache-metrics";
import { createDatabaseMetrics } from "./db/database-metrics";
import { writerThenReader } from "./db/database-roles";
import { noProductCache } from "./products/product-cache";
import { createProductCacheStack } from "./products/product-cache-setup";
import { ProductRepository } from "./products/product-repository";
import { ProductService } from "./products/product-service";
import { createElasticsearchSearch } from "./search/elasticsearch-search";
import { closeRedis, connectRedis } from "./redis-client";
import { createPostgresSearch } from "./search/postgres-search";

export interface Runtime {
  services: AppServices;
  /** The writer (the primary): what the relay and every write use. */
  db: Db;
  databases: Databases;
  publisher: Publisher;
  relay: OutboxRelay;
  /** The in-process token issuer when no OIDC_ISSUER is configured (reachable over HTTP only with DEV_TOKENS=enabled). */
  localIssuer: DevIssuer | undefined;
  /** Makes /readyz answer 503 so the load balancer stops sending new traffic. */
  startDraining(): void;
  /** Stops the relay and closes every connection; call after the HTTP server has drained. */
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  publisher?: Publisher;
  /** Default metrics (event loop, GC, memory) are off in tests that build many runtimes. */
  processMetrics?: boolean;
}

interface TokenSetup {
  verifier: TokenVerifier;
  /** The in-process issuer when no OIDC_ISSUER is set (tests mint tokens with it directly). */
  localIssuer?: DevIssuer;
  /** The issuer POST /dev/token uses; only with DEV_TOKENS=enabled. */
  devIssuer?: DevIssuer;
}

async function chooseVerifier(config: AppConfig, log: Logger): Promise<TokenSetup> {
  if (config.oidc) return { verifier: createOidcVerifier(config.oidc, { log }) };
  const localIssuer = await DevIssuer.create(config.tokenAudience);
  if (!config.devTokens) {
    // Fails closed: no way to obtain a token exists, so every authenticated route answers 401.
    log.warn("no OIDC_ISSUER and DEV_TOKENS is not enabled: no token will verify (authenticated routes answer 401)");
    return { verifier: localIssuer, localIssuer };
  }
  log.warn("DEV_TOKENS=enabled: POST /dev/token mints tokens for any user and role; never use this with real data");
  return { verifier: localIssuer, localIssuer, devIssuer: localIssuer };
}

export async function createRuntime(config: AppConfig, log: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const metrics = createMetrics({ processMetrics: overrides.processMetrics ?? true });
  const databaseMetrics = createDatabaseMetrics(metrics.registry);
  const databases = await openDatabases(config, log, {
    writerCircuit: (state) => databaseMetrics.writerCircuit(state),
    readerFallback: () => databaseMetrics.readerFallback(),
  });
  const db = databases.writer;
  // The outbox backlog is the relay's: measured where it runs, so a secondary region does not alert on it twice.
  if (config.outboxRelay) registerOutboxGauges(metrics.registry, db);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, config.redisCluster) : undefined;
  redis?.on("error", (error: Error) => log.warn({ err: error }, "redis connection error"));

  const cacheStack = redis
    ? await createProductCacheStack(
        redis,
        { ttlSeconds: config.cacheTtlSeconds, nearTtlMs: config.cacheLocalTtlMs },
        log,
        createCacheMetrics(metrics.registry),
      )
    : undefined;
  const products = new ProductService(new ProductRepository(db, databases.reader), cacheStack?.cache ?? noProductCache, {
    recordLookup: (result) => metrics.cacheLookups.inc({ result }),
  });
  const search = config.elasticsearchUrl
    ? createElasticsearchSearch(config.elasticsearchUrl, config.elasticsearchIndex, config.elasticsearchCredentials)
    : createPostgresSearch(databases.reader);
  const { verifier, localIssuer, devIssuer } = await chooseVerifier(config, log);

  const publisher = overrides.publisher ?? (config.kafka ? KafkaPublisher.fromConfig(config.kafka) : new LogPublisher(log));
  const relay = new OutboxRelay(
    db,
    publisher,
    {
      batchSize: config.outboxBatchSize,
      pollIntervalMs: config.outboxPollIntervalMs,
      backoff: { baseMs: 200, maxMs: 30_000 },
      maxAttempts: config.outboxMaxAttempts,
      retentionMs: config.outboxRetentionHours * 3_600_000,
    },
    log,
    metrics,
  );

  // Readiness checks only what a request cannot do without. Not Redis: reads fall back to the database
  // (a circuit breaker then skips Redis), so a Redis outage must not take every pod out of the load
  // balancer. Not Kafka: orders keep being accepted into the outbox. Not Elasticsearch: only search degrades.
  // With a replica, "database" is the read path (the replica, or the writer standing in for it): a region whose
  // primary is lost stays ready and keeps serving reads (and stays in DNS); the writer's state is reported alongside.
  const readinessChecks: ReadinessCheck[] = [{ name: "database", check: async () => void (await databases.reader.query("SELECT 1")) }];
  if (databases.hasReplica) readinessChecks.push({ name: "database-writer", informational: true, check: async () => void (await db.query("SELECT 1")) });

  let draining = false;
  return {
    db,
    databases,
    publisher,
    relay,
    localIssuer,
    services: {
      products,
      // Orders change stock: the cached products are superseded once the order has committed.
      orders: new OrderRepository(db, (changes) => products.changed(changes), writerThenReader(db, databases.reader)),
      search,
      verifier,
      devIssuer,
      readinessChecks,
      metrics,
      isDraining: () => draining,
    },
    startDraining: () => {
      draining = true;
    },
    async close() {
      await relay.stop();
      await publisher.close().catch((error: unknown) => log.warn({ err: error }, "publisher close failed"));
      await cacheStack?.close();
      if (redis) await closeRedis(redis);
      await databases.close();
    },
  };
}
