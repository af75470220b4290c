import { parseArgs } from "node:util";
import type { Logger } from "pino";
import { ConfigError, loadConfig, type AppConfig } from "./config";
import { openDatabases } from "./db/open-database";
import { exportAggregate, s3ObjectStore } from "./jobs/analytics-sink";
import { parseFeed, readFeedSource } from "./jobs/catalogue-feed";
import { computeDailyAggregate, previousUtcDay } from "./jobs/daily-aggregates";
import { importCatalogue } from "./jobs/import-catalogue";
import { createLogger } from "./logger";
import { startTracing } from "./tracing";
import { noProductCache } from "./products/product-cache";
import { createProductCacheStack } from "./products/product-cache-setup";
import { ProductRepository } from "./products/product-repository";
import { closeRedis, connectRedis } from "./redis-client";
import { createKafka } from "./outbox/kafka-publisher";
import { ProductIndex } from "./search/product-index";
import { reindexProducts, supersedeInCache } from "./search/search-indexer";
import { startSearchIndexerWorker } from "./search/search-indexer-worker";

/**
 * Batch jobs, shipped in the API image and run as Kubernetes CronJobs:
 *   node dist/jobs.js fetch-products --source <url|file>
 *   node dist/jobs.js analyse [--date YYYY-MM-DD]     (default: yesterday, UTC)
 *   node dist/jobs.js reindex-search                  (writes every product into the search index)
 * and the search indexer, a long-running worker (a Deployment) that follows the products topic:
 *   node dist/jobs.js index-search
 * Exit code 0 on success, 1 on failure, 2 on bad usage.
 */
const USAGE = "usage: jobs fetch-products --source <url|file> | jobs analyse [--date YYYY-MM-DD] | jobs reindex-search | jobs index-search";

function productIndexOf(config: AppConfig): ProductIndex {
  if (!config.elasticsearchUrl) throw new ConfigError(["ES_URL must be set: the search jobs write to Elasticsearch"]);
  return new ProductIndex({ baseUrl: config.elasticsearchUrl, credentials: config.elasticsearchCredentials }, config.elasticsearchIndex);
}

/** Writes every product of the database into an existing index. Reads only: from the region's replica (DATABASE_READER_URL). */
async function fillIndexFromDatabase(config: AppConfig, log: Logger, index: ProductIndex): Promise<void> {
  const databases = await openDatabases(config, log);
  try {
    const outcome = await reindexProducts(new ProductRepository(databases.writer, databases.reader), index);
    log.info({ index: index.name, ...outcome }, "search index rebuilt from the database");
  } finally {
    await databases.close();
  }
}

async function reindexSearch(config: AppConfig, log: Logger): Promise<number> {
  const index = productIndexOf(config);
  await index.ensure();
  await fillIndexFromDatabase(config, log, index);
  return 0;
}

/**
 * With REDIS_URL the indexer also supersedes the product cache entries of every product event, with the API's own
 * invalidation (tombstone at the event's version, PUBLISH to every process's in-process layer): in a secondary region
 * product writes happen in the primary and reach this region only as mirrored `products` events.
 */
async function indexSearch(config: AppConfig, log: Logger): Promise<number> {
  const index = productIndexOf(config);
  if (!config.kafka) throw new ConfigError(["KAFKA_BROKERS must be set: the search indexer follows the products topic"]);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, config.redisCluster) : undefined;
  redis?.on("error", (error: Error) => log.warn({ err: error }, "redis connection error"));
  const cacheStack = redis ? await createProductCacheStack(redis, { ttlSeconds: config.cacheTtlSeconds, nearTtlMs: 0 }, log) : undefined;
  const cache = cacheStack?.cache;
  // Not closed on a failed start: the process exits then.
  const worker = await startSearchIndexerWorker({
    ...(cache ? { supersede: supersedeInCache(cache) } : {}),
    index,
    consumer: createKafka(config.kafka).consumer({ groupId: config.searchIndexerGroup }),
    log,
    port: config.port,
    host: config.host,
    fillNewIndex: () => fillIndexFromDatabase(config, log, index),
  });
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info({ signal }, "stopping the search indexer");
  await worker.stop();
  await cacheStack?.close();
  if (redis) await closeRedis(redis);
  return 0;
}

async function fetchProducts(config: AppConfig, log: Logger, source: string): Promise<number> {
  const feed = parseFeed(await readFeedSource(source));
  for (const rejection of feed.rejected) log.warn(rejection, "feed entry rejected");
  // Writes: the writer.
  const { writer: db, close: closeDatabases } = await openDatabases(config, log);
  const redis = config.redisUrl ? connectRedis(config.redisUrl, config.redisCluster) : undefined;
  // No in-process layer: the job only invalidates, and its invalidations reach the API's processes by pub/sub.
  const cacheStack = redis ? await createProductCacheStack(redis, { ttlSeconds: config.cacheTtlSeconds, nearTtlMs: 0 }, log) : undefined;
  try {
    const summary = await importCatalogue(new ProductRepository(db), cacheStack?.cache ?? noProductCache, feed.entries);
    log.info({ ...summary, rejected: feed.rejected.length, source }, "catalogue imported");
    // Rejected entries fail the run so a broken feed alerts; the valid ones are already in.
    return feed.rejected.length > 0 ? 1 : 0;
  } finally {
    await cacheStack?.close();
    if (redis) await closeRedis(redis);
    await closeDatabases();
  }
}

/** The writer: the job stores its aggregate (daily_aggregates), which a replica refuses. */
async function analyse(config: AppConfig, log: Logger, day: string): Promise<number> {
  const { writer: db, close: closeDatabases } = await openDatabases(config, log);
  try {
    const aggregate = await computeDailyAggregate(db, day);
    log.info({ day, orders: aggregate.orders, revenueCents: aggregate.revenueCents }, "daily aggregate stored");
    if (config.analyticsBucket) {
      const key = await exportAggregate(s3ObjectStore(config.analyticsBucket), aggregate);
      log.info({ bucket: config.analyticsBucket, key }, "daily aggregate exported");
    }
    return 0;
  } finally {
    await closeDatabases();
  }
}

async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { source: { type: "string" }, date: { type: "string" } },
  });
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  flushLogs = logger.flush;
  const log = logger.log.child({ job: positionals[0] });
  switch (positionals[0]) {
    case "fetch-products":
      if (!values.source) break;
      return fetchProducts(config, log, values.source);
    case "analyse": {
      const day = values.date ?? previousUtcDay(new Date());
      if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(day))) break;
      return analyse(config, log, day);
    }
    case "reindex-search":
      return reindexSearch(config, log);
    case "index-search":
      return indexSearch(config, log);
  }
  console.error(USAGE);
  return 2;
}

let flushLogs: () => void = () => undefined;
const tracing = startTracing("shop-api-jobs");

run(process.argv.slice(2)).then(
  async (code) => {
    flushLogs();
    await tracing.shutdown().catch(() => undefined);
    process.exit(code);
  },
  async (error: unknown) => {
    flushLogs();
    await tracing.shutdown().catch(() => undefined);
    if (error instanceof ConfigError) console.error(error.message);
    else console.error(JSON.stringify({ level: 60, msg: "job failed", err: String(error instanceof Error ? error.stack : error) }));
    process.exit(error instanceof TypeError && "code" in error && error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? 2 : 1);
  },
);
