import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ENV_SECRET, fromSecret, kafkaCredentialsEnv } from "./shop-api-environment";
import type { ApiPodShape } from "./shop-api-jobs";
import { withServiceName } from "./observability/tracing";
import { resources } from "./workload-defaults";

export interface ShopSearchIndexerArgs extends ApiPodShape {
    namespace: string;
    /** Labels shared by every workload of the API; the indexer adds its own component label. */
    labels: Record<string, string>;
    /** Secret (keys `username`, `password`) of the indexer's own KafkaUser, which may only read the products topic. */
    kafkaSecretName: string;
    /** Consumer group the KafkaUser may join. Default "shop-search-indexer". */
    consumerGroup?: string;
    /**
     * Key of the API's env Secret holding the indexer's own REDIS_URL (its ACL user): it then invalidates the product
     * cache for every event it indexes. Default none: no Redis (the API's Redis settings are not passed on).
     */
    redisUrlSecretKey?: string;
    /** Port of the health endpoint. Default 8080 (the image's PORT default). */
    healthPort?: number;
}

/** Variables the indexer sets itself; the API's values for them are dropped. */
const OWN_VARIABLES = new Set(["KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "KAFKA_CLIENT_ID", "SEARCH_INDEXER_GROUP", "REDIS_URL", "REDIS_CLUSTER"]);

/**
 * The search indexer: the API image running `jobs index-search`, which follows the products topic into the
 * Elasticsearch products index (and fills a new index from the database first). One replica is enough for a
 * catalogue's change rate; a consumer group would share the partitions among more. No Service: nothing calls it.
 */
export class ShopSearchIndexer extends pulumi.ComponentResource {
    readonly deployment: k8s.apps.v1.Deployment;

    constructor(name: string, args: ShopSearchIndexerArgs, opts?: pulumi.ComponentResourceOptions) {
        // A component's dependsOn does not reach its children: the caller's (namespace, Secrets, database, node pools)
        // are passed on so the pods are created only once what they need exists.
        super("ecommerce:app:ShopSearchIndexer", name, {}, opts);
        const labels = { ...args.labels, "app.kubernetes.io/component": "search-indexer" };
        const port = args.healthPort ?? 8080;
        const env = [
            ...withServiceName(args.container.env.filter((variable) => !OWN_VARIABLES.has(variable.name)), "shop-search-indexer"),
            { name: "KAFKA_CLIENT_ID", value: "shop-search-indexer" },
            { name: "SEARCH_INDEXER_GROUP", value: args.consumerGroup ?? "shop-search-indexer" },
            ...kafkaCredentialsEnv(args.kafkaSecretName),
            ...(args.redisUrlSecretKey ? [
                fromSecret("REDIS_URL", ENV_SECRET, args.redisUrlSecretKey),
                ...args.container.env.filter((variable) => variable.name === "REDIS_CLUSTER"),
            ] : []),
        ];
        const health = { httpGet: { path: "/healthz", port: "health" }, timeoutSeconds: 2 };
        this.deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: "shop-search-indexer", namespace: args.namespace, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                // Two consumers of one group during a rollout only rebalance; no need to surge.
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
                template: {
                    metadata: { labels },
                    spec: {
                        ...args.podSpec,
                        containers: [{
                            ...args.container,
                            name: "indexer",
                            args: ["dist/jobs.js", "index-search"],
                            env,
                            ports: [{ name: "health", containerPort: port, protocol: "TCP" }],
                            resources: resources("100m", "192Mi", { cpu: "500m", memory: "384Mi" }),
                            livenessProbe: { ...health, periodSeconds: 15, failureThreshold: 3 },
                            readinessProbe: { ...health, periodSeconds: 10, failureThreshold: 2 },
                        }],
                    },
                },
            },
        }, { parent: this, dependsOn: opts?.dependsOn });
        this.registerOutputs({});
    }
}
