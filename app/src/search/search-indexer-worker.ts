import { createServer, type Server } from "node:http";
import type { Consumer, EachBatchPayload } from "kafkajs";
import type { Logger } from "pino";
import { PRODUCTS_TOPIC } from "../outbox/topics";
import type { ProductIndex } from "./product-index";
import { indexProductEvents, type IndexProductEventsOptions } from "./search-indexer";

/** The slice of a kafkajs consumer the indexer drives; tests substitute a fake one. */
export type ConsumerLike = Pick<Consumer, "connect" | "subscribe" | "run" | "disconnect" | "on" | "events">;

export interface SearchIndexerWorkerArgs {
  index: ProductIndex;
  consumer: ConsumerLike;
  log: Logger;
  /** Port of the health endpoint the kubelet probes (GET /healthz). */
  port: number;
  host?: string;
  /** Runs once, before consuming, when the index did not exist yet (fills it from the database). */
  fillNewIndex: () => Promise<void>;
  /** Invalidates the product caches for each batch (with REDIS_URL); default none. */
  supersede?: IndexProductEventsOptions["supersede"];
}

export interface SearchIndexerWorker {
  /** The health server, listening. */
  server: Server;
  /** Disconnects from Kafka (committing what was processed) and closes the health server. */
  stop(): Promise<void>;
}

/**
 * The search indexer: follows the products topic from its start in its own consumer group and applies every event to
 * the products index. A batch's offsets are committed only after Elasticsearch took it (kafkajs resolves them when
 * eachBatch returns), so a failure redelivers instead of losing; kafkajs retries and then restarts the consumer.
 * GET /healthz answers 503 once the consumer crashed for good, so the kubelet restarts the pod.
 */
export async function startSearchIndexerWorker(args: SearchIndexerWorkerArgs): Promise<SearchIndexerWorker> {
  const { index, consumer, log } = args;
  let failure: string | undefined;
  consumer.on(consumer.events.CRASH, (event) => {
    log.error({ err: event.payload.error, restart: event.payload.restart }, "search indexer consumer crashed");
    if (!event.payload.restart) failure = event.payload.error.message;
  });

  const server = createServer((request, response) => {
    const healthy = failure === undefined;
    if (request.url === "/healthz" || request.url === "/readyz") {
      response.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(healthy ? { status: "ok" } : { status: "failed", reason: failure }));
    } else {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not_found" }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(args.port, args.host ?? "0.0.0.0", resolve);
  });

  try {
    if ((await index.ensure()) === "created") {
      log.info({ index: index.name }, "created the products index; filling it from the database");
      await args.fillNewIndex();
    }
    await consumer.connect();
    await consumer.subscribe({ topics: [PRODUCTS_TOPIC], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch, heartbeat }: EachBatchPayload) => {
        const outcome = await indexProductEvents(index, batch.messages, log, { supersede: args.supersede });
        log.info({ partition: batch.partition, lastOffset: batch.lastOffset(), ...outcome }, "product events indexed");
        await heartbeat();
      },
    });
  } catch (error) {
    server.close();
    throw error;
  }
  log.info({ topic: PRODUCTS_TOPIC, index: index.name }, "search indexer running");

  return {
    server,
    async stop() {
      await consumer.disconnect();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
