import type { Logger } from "pino";
import type { AppServices } from "./app";
import { DevIssuer } from "./auth/dev-issuer";
import { createOidcVerifier } from "./auth/oidc-verifier";
import type { TokenVerifier } from "./auth/principal";
import type { AppConfig } from "./config";
import type { Db } from "./db/db";
import { openDatabase } from "./db/open-database";
import type { ReadinessCheck } from "./http/health-routes";
import { createMetrics } from "./http/metrics";
import { OrderRepository } from "./orders/order-repository";
import { KafkaPublisher } from "./outbox/kafka-publisher";
import { LogPublisher } from "./outbox/log-publisher";
import { OutboxRelay } from "./outbox/outbox-relay";
import type { Publisher } from "./outbox/publisher";
import { createCacheMetrics } from "./cache/cache-metrics";
import { noProductCache } from "./products/product-cache";
import { createProductCacheStack } from "./products/product-cache-setup";
import { ProductRepository } from "./products/product-repository";
import { ProductService } from "./products/product-service";
import { createElasticsearchSearch } from "./search/elasticsearch-search";
import { closeRedis, connectRedis } from "./redis-client";
import { createPostgresSearch } from "./search/postgres-search";

export interface Runtime {
  services: AppServices;
  db: Db;
  publisher: Publisher;
  relay: OutboxRelay;
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

async function chooseVerifier(config: AppConfig, log: Logger): Promise<{ verifier: TokenVerifier; devIssuer?: DevIssuer }> {
  if (config.oidc) return { verifier: createOidcVerifier(config.oidc) };
  const devIssuer = await DevIssuer.create(config.tokenAudience);
  if (config.production) {
    // No way to obtain a token exists in this case, so every authenticated route answers 401.
    log.warn("NODE_ENV=production without OIDC_ISSUER: POST /dev/token is disabled and no token will verify");
    return { verifier: devIssuer };
  }
  log.info("no OIDC_ISSUER: dev tokens are available from POST /dev/token");
  return { verifier: devIssuer, devIssuer };
}

export async function createRuntime(config: AppConfig, log: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const db = await openDatabase(config, log);
  const metrics = createMetrics({ processMetrics: overrides.processMetrics ?? true });
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
  const products = new ProductService(new ProductRepository(db), cacheStack?.cache ?? noProductCache, {
    recordLookup: (result) => metrics.cacheLookups.inc({ result }),
  });
  const search = config.elasticsearchUrl
    ? createElasticsearchSearch(config.elasticsearchUrl, config.elasticsearchIndex, config.elasticsearchCredentials)
    : createPostgresSearch(db);
  const { verifier, devIssuer } = await chooseVerifier(config, log);

  const publisher = overrides.publisher ?? (config.kafka ? KafkaPublisher.fromConfig(config.kafka) : new LogPublisher(log));
  const relay = new OutboxRelay(
    db,
    publisher,
    { batchSize: config.outboxBatchSize, pollIntervalMs: config.outboxPollIntervalMs, backoff: { baseMs: 200, maxMs: 30_000 } },
    log,
    metrics,
  );

  // Readiness checks only what a request cannot do without. Not Redis: reads fall back to the database
  // (a circuit breaker then skips Redis), so a Redis outage must not take every pod out of the load
  // balancer. Not Kafka: orders keep being accepted into the outbox. Not Elasticsearch: only search degrades.
  const readinessChecks: ReadinessCheck[] = [{ name: "database", check: async () => void (await db.query("SELECT 1")) }];

  let draining = false;
  return {
    db,
    publisher,
    relay,
    services: {
      products,
      // Orders change stock: the cached products are superseded once the order has committed.
      orders: new OrderRepository(db, (changes) => products.changed(changes)),
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
      await db.close();
    },
  };
}
