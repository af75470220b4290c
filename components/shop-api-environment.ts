import * as pulumi from "@pulumi/pulumi";
import { KAFKA_CLIENT_SECRET_KEYS } from "./kafka-client";
import type { RedisAclUser } from "./redis-cluster";

/** How the API reaches each service of its region. Every one is optional; app/README.md lists the fallbacks. */
export interface ShopApiConnections {
    /** PostgreSQL endpoint; the API's own role and database are created on it. */
    database: { address: pulumi.Input<string>; port: number };
    /** The local read replica (a region that does not hold the writer); its region signs its IAM tokens. */
    readerDatabase?: { address: pulumi.Input<string>; port: number; region: string };
    /**
     * Redis (cluster mode: the client follows MOVED redirects from any node) over TLS, verified against `caCertPem`,
     * as the API's own ACL user (SHOP_API_REDIS_ACL).
     */
    redis?: { host: pulumi.Input<string>; port: number; username: string; password: pulumi.Input<string>; caCertPem: pulumi.Input<string>; cluster: boolean };
    /** Kafka over TLS + SASL SCRAM-SHA-512; `secretName` holds `username` and `password` in the API's namespace. */
    kafka?: { secretName: string; bootstrapServers: pulumi.Input<string>; caCertPem: pulumi.Input<string> };
    /** Elasticsearch over TLS with a file-realm user. */
    elasticsearch?: { url: pulumi.Input<string>; username: string; password: pulumi.Input<string>; caCertPem: pulumi.Input<string> };
    /** Keycloak realm issuer; JWTs are verified against its JWKS. */
    oidcIssuer?: pulumi.Input<string>;
    /**
     * Where the API fetches the realm's signing keys. Default: the issuer's certs endpoint. The platform gives the
     * in-cluster Service address: the public host would hairpin through the NLB, which drops such connections when it
     * preserves client IPs, and Kong's proxy holds no certificate the API could verify yet.
     */
    oidcJwksUrl?: pulumi.Input<string>;
    /** Data-lake bucket the analysis job writes daily aggregates to. */
    analyticsBucket?: pulumi.Input<string>;
}

export interface EnvVar {
    name: string;
    value?: pulumi.Input<string>;
    valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/**
 * The API's Redis ACL user: its cache keys only (app/src/products/product-cache.ts keeps `shop:product:v2:<id>`), its
 * invalidation channel (PRODUCT_INVALIDATION_CHANNEL there), and the commands the cache and ioredis's cluster client
 * send: GET; EVALSHA, and EVAL when the script is not loaded yet (ioredis' defined commands), whose scripts run GET,
 * SET and PUBLISH, checked against this same user; SUBSCRIBE (the in-process cache's invalidations); PING; CLUSTER
 * SLOTS (topology) and CLUSTER INFO (the cluster client's ready check). DEL only for pods of the previous release
 * during a rolling update (they evicted with it). AUTH and QUIT need no grant. The fetch-products job uses the same
 * user.
 */
export const SHOP_API_REDIS_ACL: RedisAclUser = {
    username: "shop-api",
    keyPatterns: ["shop:*"],
    channelPatterns: ["shop:product:invalidations"],
    commands: ["get", "set", "del", "evalsha", "eval", "publish", "subscribe", "ping", "cluster|slots", "cluster|info"],
};

/**
 * The search indexer's Redis ACL user, in regions whose catalogue changes arrive only as mirrored `products` events
 * (secondaries): it invalidates the product cache as the API does on a write, through the same script
 * (app/src/products/product-cache.ts INVALIDATE_SCRIPT, run with EVALSHA, or EVAL when not loaded yet): GET and SET of the
 * product's key (a version tombstone), DEL of the product's keys, PUBLISH on the invalidation channel so every API
 * process drops its in-process copy. Only product keys (`shop:product:v2:<id>`) and that one channel; PING and the
 * cluster client's CLUSTER SLOTS / CLUSTER INFO. No SUBSCRIBE: it keeps no in-process copy.
 */
export const SEARCH_INDEXER_REDIS_ACL: RedisAclUser = {
    username: "shop-search-indexer",
    keyPatterns: ["shop:product:v2:*"],
    channelPatterns: ["shop:product:invalidations"],
    commands: ["get", "set", "del", "evalsha", "eval", "publish", "ping", "cluster|slots", "cluster|info"],
};
/** The key of the API's Secret holding the indexer's REDIS_URL (its own ACL user). */
export const SEARCH_INDEXER_REDIS_URL_KEY = "SEARCH_INDEXER_REDIS_URL";

export const ENV_SECRET = "shop-api-env";
export const TRUST_CONFIG_MAP = "shop-api-trust";
/** Where the platform's private CAs (Kafka, Elasticsearch) are mounted; Node adds them to its trust store. */
export const TRUST_MOUNT = "/etc/shop-api/trust";
/** The RDS CA bundle, baked into the image (see app/Dockerfile). */
export const RDS_CA_BUNDLE = "/app/certs/rds-global-bundle.pem";

export interface ShopApiEnvironment {
    env: EnvVar[];
    /** Values for the API's Secret (credentials only). */
    secretData: Record<string, pulumi.Input<string>>;
    /** PEM bundle of the CAs the API must trust beyond the public ones, or undefined when none. */
    trustBundle: pulumi.Output<string> | undefined;
}

/**
 * The API's environment: addresses as plain values, credentials through the Secret or Secrets Manager (never in the
 * Deployment), and the private CAs through a mounted bundle so every TLS connection is verified.
 */
/** An environment variable read from a key of a Secret in the pod's namespace. */
export function fromSecret(name: string, secret: string, key: string): EnvVar {
    return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

/** The SASL credentials from a KafkaClient's Secret. */
export function kafkaCredentialsEnv(secretName: string): EnvVar[] {
    return [
        fromSecret("KAFKA_SASL_USERNAME", secretName, KAFKA_CLIENT_SECRET_KEYS.username),
        fromSecret("KAFKA_SASL_PASSWORD", secretName, KAFKA_CLIENT_SECRET_KEYS.password),
    ];
}

/** A connection URL without password (IAM authentication), TLS verified against the RDS bundle in the image. */
function postgresUrl(role: string, endpoint: { address: pulumi.Input<string>; port: number }, database: string): pulumi.Output<string> {
    return pulumi.interpolate`postgres://${role}@${endpoint.address}:${endpoint.port}/${database}?sslmode=verify-full&sslrootcert=${RDS_CA_BUNDLE}`;
}

/** What the API tells browsers: the storefront origins it answers CORS requests from (none by default). */
export interface ShopApiBrowserAccess {
    corsAllowedOrigins: string[];
}

/** rediss://<user>:<password>@<host>:<port> for an ACL user of the API's Redis (a Pulumi secret). */
export function redisUrl(redis: { host: pulumi.Input<string>; port: number }, user: { username: string; password: pulumi.Input<string> }): pulumi.Output<string> {
    return pulumi.secret(pulumi.interpolate`rediss://${encodeURIComponent(user.username)}:${user.password}@${redis.host}:${redis.port}`);
}

export function shopApiEnvironment(
    connections: ShopApiConnections,
    db: { role: string; name: string; region: pulumi.Input<string>; outboxRelay?: boolean },
    browser: ShopApiBrowserAccess = { corsAllowedOrigins: [] },
): ShopApiEnvironment {
    const env: EnvVar[] = [
        { name: "NODE_ENV", value: "production" },
        { name: "LOG_LEVEL", value: "info" },
        { name: "DATABASE_URL", value: postgresUrl(db.role, connections.database, db.name) },
        // No password: each new connection signs an IAM authentication token (rds-signer) with the pod's IRSA role.
        { name: "DATABASE_IAM_REGION", value: db.region },
        // The relay publishes the outbox where the writer is, so each order event is published once (default on).
        { name: "OUTBOX_RELAY", value: (db.outboxRelay ?? true) ? "enabled" : "disabled" },
    ];
    const reader = connections.readerDatabase;
    if (reader) {
        // Reads that may be stale by the replica's lag; writes and read-your-own-writes stay on DATABASE_URL.
        env.push(
            { name: "DATABASE_READER_URL", value: postgresUrl(db.role, reader, db.name) },
            { name: "DATABASE_READER_IAM_REGION", value: reader.region },
        );
    }
    const secretData: Record<string, pulumi.Input<string>> = {};
    const privateCas: pulumi.Input<string>[] = [];

    const { redis, kafka, elasticsearch } = connections;
    if (redis) {
        // rediss: TLS with the server name of the configured host; the CA joins the mounted trust bundle.
        secretData.REDIS_URL = redisUrl(redis, redis);
        env.push(fromSecret("REDIS_URL", ENV_SECRET, "REDIS_URL"), { name: "REDIS_CLUSTER", value: String(redis.cluster) });
        privateCas.push(redis.caCertPem);
    }
    if (kafka) {
        env.push(
            { name: "KAFKA_BROKERS", value: kafka.bootstrapServers },
            { name: "KAFKA_SSL", value: "true" },
            { name: "KAFKA_SASL_MECHANISM", value: "scram-sha-512" },
            ...kafkaCredentialsEnv(kafka.secretName),
        );
        privateCas.push(kafka.caCertPem);
    }
    if (elasticsearch) {
        secretData.ES_PASSWORD = pulumi.secret(elasticsearch.password);
        env.push({ name: "ES_URL", value: elasticsearch.url }, { name: "ES_USERNAME", value: elasticsearch.username }, fromSecret("ES_PASSWORD", ENV_SECRET, "ES_PASSWORD"));
        privateCas.push(elasticsearch.caCertPem);
    }
    if (connections.oidcIssuer) env.push({ name: "OIDC_ISSUER", value: connections.oidcIssuer });
    if (connections.oidcIssuer && connections.oidcJwksUrl) env.push({ name: "OIDC_JWKS_URL", value: connections.oidcJwksUrl });
    if (connections.analyticsBucket) env.push({ name: "ANALYTICS_BUCKET", value: connections.analyticsBucket });
    // Comma-separated, as app/src/config.ts reads it; the platform config validated each origin already.
    if (browser.corsAllowedOrigins.length > 0) env.push({ name: "CORS_ALLOWED_ORIGINS", value: browser.corsAllowedOrigins.join(",") });
    if (privateCas.length > 0) env.push({ name: "NODE_EXTRA_CA_CERTS", value: `${TRUST_MOUNT}/ca.pem` });

    return {
        env,
        secretData,
        trustBundle: privateCas.length > 0 ? pulumi.all(privateCas).apply((pems) => pems.map((pem) => pem.trim()).join("\n") + "\n") : undefined,
    };
}
