import { Cluster, Redis, type RedisOptions } from "ioredis";

export type RedisClient = Redis | Cluster;

// A slow or absent cache must cost milliseconds, never a stuck request. Calls are bounded by the
// circuit breaker's deadline (cache/circuit-breaker.ts) rather than ioredis' commandTimeout, which arms
// a timer per command.
const commonOptions: RedisOptions = { maxRetriesPerRequest: 1, connectTimeout: 2000 };

/**
 * One Redis node, or a Redis Cluster (REDIS_CLUSTER=true) reached through any of its nodes; the
 * cluster client follows MOVED/ASK redirects. Credentials and TLS (rediss://) come from the URL.
 * Auto-pipelining: commands issued in the same event-loop tick (concurrent requests) share one
 * write, which under load halves the syscalls of the cache-hit path.
 */
export function connectRedis(url: string, cluster: boolean): RedisClient {
  if (!cluster) return new Redis(url, { ...commonOptions, enableAutoPipelining: true });
  const parsed = new URL(url);
  const tls = parsed.protocol === "rediss:";
  return new Cluster([{ host: parsed.hostname, port: Number(parsed.port || 6379) }], {
    enableAutoPipelining: true,
    // Cluster nodes announce IPs; with TLS the certificate names the configured host, so keep it.
    ...(tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    redisOptions: {
      ...commonOptions,
      // The cluster client checks readiness with CLUSTER INFO; a per-node INFO check would need a grant the API's
      // ACL user does not have (INFO is in @dangerous).
      enableReadyCheck: false,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(tls ? { tls: { servername: parsed.hostname } } : {}),
    },
  });
}

/**
 * QUIT, or a plain disconnect when Redis does not answer it soon: a hung Redis must not hold up a
 * shutdown (QUIT waits for its reply like any command).
 */
export async function closeRedis(client: RedisClient): Promise<void> {
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
  await Promise.race([client.quit().catch(() => undefined), timeout]);
  client.disconnect();
}
