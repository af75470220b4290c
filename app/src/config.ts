/**
 * Configuration is read from the environment exactly once, at start, into a typed object.
 * Every malformed value is reported with the name of its variable, all of them at once,
 * so a broken Deployment fails fast with a message that says what to fix.
 */

import { isEmailAddress } from "./email-address";

export type SaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: { mechanism: SaslMechanism; username: string; password: string } | undefined;
}

export interface BasicCredentials {
  username: string;
  password: string;
}

export interface OidcConfig {
  issuer: string;
  audience: string;
  /** Where the realm's signing keys (JWKS) are fetched. Default: the issuer's Keycloak certs endpoint. */
  jwksUrl?: string;
}

/** The notifications worker (dist/notifications-worker.js); the API ignores these. */
export interface NotificationsConfig {
  /** Kafka consumer group (NOTIFICATIONS_GROUP, default notifications-worker); the platform's KafkaUser ACLs name it. */
  group: string;
  /** SES sender (NOTIFY_FROM_ADDRESS); undefined: mail goes to the console (local runs). */
  fromAddress: string | undefined;
  /** SES configuration set (SES_CONFIGURATION_SET) that records deliveries, bounces and complaints. */
  sesConfigurationSet: string | undefined;
  /** SNS topic for messages (SNS_TOPIC_ARN); undefined: messages go to the console. */
  snsTopicArn: string | undefined;
  /** AWS_REGION of SES and SNS; required with either. */
  awsRegion: string | undefined;
  /** Handling attempts of one event before it goes to notifications-dlq (NOTIFY_MAX_ATTEMPTS, default 5). */
  maxAttempts: number;
  /** Retry backoff (NOTIFY_RETRY_BASE_MS default 500, NOTIFY_RETRY_MAX_MS default 30000). */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a send claim holds before another consumer may retry it (NOTIFY_CLAIM_TTL_MS, default 60000). */
  claimTtlMs: number;
  /** How long a sent notification is remembered (NOTIFY_DEDUPE_TTL_HOURS, default 168: the topics' retention). */
  dedupeTtlHours: number;
}

export interface AppConfig {
  port: number;
  host: string;
  production: boolean;
  logLevel: string;
  /** PostgreSQL connection string; undefined selects the embedded PGlite database. */
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** Secrets Manager secret ({"username","password"} JSON) holding the database password (IRSA reads it). */
  databaseSecretArn: string | undefined;
  /** IAM database authentication: the region to sign connection tokens for; undefined uses a password. */
  databaseIamRegion: string | undefined;
  /**
   * The region's read replica (reads that may lag the primary by its replication delay); undefined: reads use the
   * writer (DATABASE_URL). Same user as the writer; its password from DATABASE_READER_IAM_REGION, else DATABASE_SECRET_ARN.
   */
  databaseReaderUrl: string | undefined;
  /** IAM database authentication for the replica: the region its tokens are signed for (the replica's own). */
  databaseReaderIamRegion: string | undefined;
  /**
   * Whether this process publishes the outbox. Only where the writer is (the primary region): secondaries write their
   * events into the primary's outbox, and the primary's relay publishes each once.
   */
  outboxRelay: boolean;
  /** Directory for a persistent embedded database; undefined keeps it in memory. */
  pgliteDataDir: string | undefined;
  redisUrl: string | undefined;
  /** Redis in cluster mode (ElastiCache/Redis Cluster): the client follows MOVED redirects. */
  redisCluster: boolean;
  cacheTtlSeconds: number;
  /** In-process product cache in front of Redis (invalidated through Redis pub/sub); 0 turns it off. */
  cacheLocalTtlMs: number;
  kafka: KafkaConfig | undefined;
  /** Consumer group of the search indexer (`jobs index-search`). */
  searchIndexerGroup: string;
  elasticsearchUrl: string | undefined;
  elasticsearchIndex: string;
  elasticsearchCredentials: BasicCredentials | undefined;
  oidc: OidcConfig | undefined;
  /** Audience of tokens minted by the embedded dev issuer (and expected from Keycloak by default). */
  tokenAudience: string;
  /**
   * POST /dev/token, which mints a token for any subject and role: only with DEV_TOKENS=enabled, which is refused next to
   * OIDC_ISSUER, DATABASE_URL or NODE_ENV=production (a token mint must never face real data or real users).
   */
  devTokens: boolean;
  analyticsBucket: string | undefined;
  outboxPollIntervalMs: number;
  outboxBatchSize: number;
  /** Delivery attempts after which an event Kafka keeps refusing is set aside. */
  outboxMaxAttempts: number;
  /** Published outbox rows are purged after this many hours. */
  outboxRetentionHours: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** Browser origins (scheme://host[:port]) allowed to call the API cross-origin; empty: none. */
  corsAllowedOrigins: string[];
  /** Time between SIGTERM and closing the listener, while /readyz already says 503 (endpoint removal lag). */
  shutdownDelayMs: number;
  notifications: NotificationsConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  optionalString(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.optionalString(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optionalString(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = this.optionalString(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["true", "1", "yes"].includes(raw)) return true;
    if (["false", "0", "no"].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  url(name: string, protocols: string[]): string | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use one of ${protocols.join(", ")}, got "${parsed.protocol}"`);
      }
    } catch {
      // Never echo the raw value: connection strings carry passwords.
      this.problems.push(`${name} is not a valid URL`);
    }
    return raw.replace(/\/+$/, "");
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.optionalString(name)?.toLowerCase();
    if (raw === undefined) return undefined;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(", ")}, got "${raw}"`);
    return undefined;
  }

  /** Both or neither: a username without its password (or the reverse) is a configuration mistake. */
  credentials(userVariable: string, passwordVariable: string): BasicCredentials | undefined {
    const username = this.optionalString(userVariable);
    const password = this.optionalString(passwordVariable);
    if (username && password) return { username, password };
    if (username || password) this.problems.push(`${userVariable} and ${passwordVariable} must be set together`);
    return undefined;
  }

  list(name: string): string[] | undefined {
    const raw = this.optionalString(name);
    if (raw === undefined) return undefined;
    const items = raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
    if (items.length === 0) this.problems.push(`${name} must list at least one entry`);
    return items;
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const read = new EnvReader(env);
  const brokers = read.list("KAFKA_BROKERS");
  const saslMechanism = read.oneOf("KAFKA_SASL_MECHANISM", ["plain", "scram-sha-256", "scram-sha-512"] as const);
  const saslCredentials = read.credentials("KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD");
  if (saslMechanism && !saslCredentials) read.problems.push("KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD");
  const issuer = read.url("OIDC_ISSUER", ["http:", "https:"]);
  const jwksUrl = read.url("OIDC_JWKS_URL", ["http:", "https:"]);
  // Whoever can change the signing keys in transit can mint any token: keys travel over verified TLS, or plain HTTP
  // only where no network outside the pod's own cluster carries them (a Service's cluster DNS name, or loopback).
  for (const [name, value] of [["OIDC_ISSUER", issuer], ["OIDC_JWKS_URL", jwksUrl]] as const) {
    if (value && !plainHttpAllowed(value)) read.problems.push(`${name} must use https: unless it names an in-cluster Service (*.svc.cluster.local) or loopback`);
  }
  if (jwksUrl && !issuer) read.problems.push("OIDC_JWKS_URL needs OIDC_ISSUER");
  const tokenAudience = read.string("OIDC_AUDIENCE", "shop-api");
  const devTokens = read.oneOf("DEV_TOKENS", ["enabled", "disabled"] as const) === "enabled";
  if (devTokens) {
    // Fails closed: the setting is refused (the process does not start) rather than silently ignored.
    for (const name of ["DATABASE_URL", "OIDC_ISSUER"]) {
      if (read.optionalString(name)) read.problems.push(`DEV_TOKENS=enabled and ${name} are set together: dev tokens mint any user and role, so they run only on the embedded database without an identity provider; unset one of them`);
    }
    if (read.optionalString("NODE_ENV") === "production") read.problems.push("DEV_TOKENS=enabled and NODE_ENV=production are set together; unset one of them");
  }
  if (read.optionalString("DATABASE_IAM_REGION") && read.optionalString("DATABASE_SECRET_ARN")) {
    read.problems.push("DATABASE_IAM_REGION and DATABASE_SECRET_ARN are two ways to get the database password: set one");
  }
  if (read.optionalString("DATABASE_IAM_REGION") && !read.optionalString("DATABASE_URL")) read.problems.push("DATABASE_IAM_REGION needs DATABASE_URL");
  if (read.optionalString("DATABASE_READER_URL") && !read.optionalString("DATABASE_URL")) {
    read.problems.push("DATABASE_READER_URL needs DATABASE_URL: the replica serves reads, the writer (DATABASE_URL) takes the writes");
  }
  if (read.optionalString("DATABASE_READER_IAM_REGION") && !read.optionalString("DATABASE_READER_URL")) read.problems.push("DATABASE_READER_IAM_REGION needs DATABASE_READER_URL");
  if (read.optionalString("DATABASE_READER_URL") && read.optionalString("DATABASE_IAM_REGION") && !read.optionalString("DATABASE_READER_IAM_REGION")) {
    read.problems.push("DATABASE_READER_URL with DATABASE_IAM_REGION needs DATABASE_READER_IAM_REGION: the replica's tokens are signed for its own region");
  }
  const config: AppConfig = {
    port: read.integer("PORT", 8080, 0, 65535),
    host: read.string("HOST", "0.0.0.0"),
    production: read.string("NODE_ENV", "development") === "production",
    logLevel: read.string("LOG_LEVEL", "info"),
    databaseUrl: read.url("DATABASE_URL", ["postgres:", "postgresql:"]),
    databasePoolMax: read.integer("DATABASE_POOL_MAX", 10, 1, 200),
    databaseSecretArn: read.optionalString("DATABASE_SECRET_ARN"),
    databaseIamRegion: read.optionalString("DATABASE_IAM_REGION"),
    databaseReaderUrl: read.url("DATABASE_READER_URL", ["postgres:", "postgresql:"]),
    databaseReaderIamRegion: read.optionalString("DATABASE_READER_IAM_REGION"),
    outboxRelay: (read.oneOf("OUTBOX_RELAY", ["enabled", "disabled"] as const) ?? "enabled") === "enabled",
    pgliteDataDir: read.optionalString("PGLITE_DATA_DIR"),
    redisUrl: read.url("REDIS_URL", ["redis:", "rediss:"]),
    redisCluster: read.boolean("REDIS_CLUSTER", false),
    cacheTtlSeconds: read.integer("CACHE_TTL_SECONDS", 60, 1, 86_400),
    cacheLocalTtlMs: read.integer("CACHE_LOCAL_TTL_MS", 2000, 0, 60_000),
    kafka: brokers
      ? {
          brokers,
          clientId: read.string("KAFKA_CLIENT_ID", "shop-api"),
          ssl: read.boolean("KAFKA_SSL", false),
          sasl: saslMechanism && saslCredentials ? { mechanism: saslMechanism, ...saslCredentials } : undefined,
        }
      : undefined,
    searchIndexerGroup: read.string("SEARCH_INDEXER_GROUP", "shop-search-indexer"),
    elasticsearchUrl: read.url("ES_URL", ["http:", "https:"]),
    elasticsearchIndex: read.string("ES_INDEX", "products"),
    elasticsearchCredentials: read.credentials("ES_USERNAME", "ES_PASSWORD"),
    oidc: issuer ? { issuer, audience: tokenAudience, jwksUrl: jwksUrl ?? `${issuer}/protocol/openid-connect/certs` } : undefined,
    tokenAudience,
    devTokens,
    analyticsBucket: read.optionalString("ANALYTICS_BUCKET"),
    outboxPollIntervalMs: read.integer("OUTBOX_POLL_INTERVAL_MS", 500, 10, 60_000),
    outboxBatchSize: read.integer("OUTBOX_BATCH_SIZE", 50, 1, 1000),
    outboxMaxAttempts: read.integer("OUTBOX_MAX_ATTEMPTS", 10, 1, 1000),
    outboxRetentionHours: read.integer("OUTBOX_RETENTION_HOURS", 168, 1, 24 * 366),
    bodyLimitBytes: read.integer("BODY_LIMIT_BYTES", 64 * 1024, 1024, 10 * 1024 * 1024),
    shutdownTimeoutMs: read.integer("SHUTDOWN_TIMEOUT_MS", 25_000, 1000, 600_000),
    shutdownDelayMs: read.integer("SHUTDOWN_DELAY_MS", 0, 0, 60_000),
    corsAllowedOrigins: read.list("CORS_ALLOWED_ORIGINS") ?? [],
    notifications: readNotifications(read),
  };
  for (const origin of config.corsAllowedOrigins) {
    const problem = originProblem(origin);
    if (problem) read.problems.push(`CORS_ALLOWED_ORIGINS: "${origin}" ${problem}`);
  }
  if (read.problems.length > 0) throw new ConfigError(read.problems);
  return config;
}

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

function readNotifications(read: EnvReader): NotificationsConfig {
  const fromAddress = read.optionalString("NOTIFY_FROM_ADDRESS");
  if (fromAddress && !isEmailAddress(fromAddress)) read.problems.push(`NOTIFY_FROM_ADDRESS must be an email address such as shop@example.com, got "${fromAddress}"`);
  const snsTopicArn = read.optionalString("SNS_TOPIC_ARN");
  if (snsTopicArn && !SNS_TOPIC_ARN.test(snsTopicArn)) read.problems.push(`SNS_TOPIC_ARN must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "${snsTopicArn}"`);
  const awsRegion = read.optionalString("AWS_REGION");
  if ((fromAddress || snsTopicArn) && !awsRegion) read.problems.push("NOTIFY_FROM_ADDRESS and SNS_TOPIC_ARN need AWS_REGION");
  const sesConfigurationSet = read.optionalString("SES_CONFIGURATION_SET");
  if (sesConfigurationSet && !fromAddress) read.problems.push("SES_CONFIGURATION_SET needs NOTIFY_FROM_ADDRESS");
  const retryBaseMs = read.integer("NOTIFY_RETRY_BASE_MS", 500, 1, 600_000);
  const retryMaxMs = read.integer("NOTIFY_RETRY_MAX_MS", 30_000, 1, 600_000);
  if (retryMaxMs < retryBaseMs) read.problems.push("NOTIFY_RETRY_MAX_MS must not be below NOTIFY_RETRY_BASE_MS");
  return {
    group: read.string("NOTIFICATIONS_GROUP", "notifications-worker"),
    fromAddress,
    sesConfigurationSet,
    snsTopicArn,
    awsRegion,
    maxAttempts: read.integer("NOTIFY_MAX_ATTEMPTS", 5, 1, 100),
    retryBaseMs,
    retryMaxMs,
    claimTtlMs: read.integer("NOTIFY_CLAIM_TTL_MS", 60_000, 1000, 3_600_000),
    dedupeTtlHours: read.integer("NOTIFY_DEDUPE_TTL_HOURS", 168, 1, 24 * 366),
  };
}

/** A browser origin as browsers send it: https://host[:port] (http only on loopback), nothing after the port. */
function originProblem(origin: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return "is not an origin such as https://shop.example.com";
  }
  if (parsed.origin !== origin) return `is not an origin as a browser sends it (scheme://host[:port], no path or trailing slash): use "${parsed.origin}"`;
  if (parsed.protocol === "https:") return undefined;
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(parsed.hostname);
  return parsed.protocol === "http:" && loopback ? undefined : "must use https: (plain http only for localhost)";
}

/** https, or http to an in-cluster Service name or loopback. Unparsable URLs are reported by EnvReader.url. */
function plainHttpAllowed(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return true;
  }
  if (parsed.protocol === "https:") return true;
  const host = parsed.hostname;
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host.endsWith(".svc") || host.endsWith(".svc.cluster.local");
}
