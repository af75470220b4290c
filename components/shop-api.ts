import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as ecr from "@pulumi/aws/ecr";
import { fingerprintBuildContext } from "./build-context";
import { DatabaseEndpoint, rdsDbUserArn } from "./database";
import { DatabaseBootstrap } from "./database-bootstrap";
import { ENV_SECRET, SEARCH_INDEXER_REDIS_URL_KEY, ShopApiConnections, TRUST_CONFIG_MAP, TRUST_MOUNT, redisUrl, shopApiEnvironment } from "./shop-api-environment";
import { policyDocument } from "./iam-documents";
import { platformNamespace } from "./namespace";
import { ALL_ARCHITECTURES, Architecture, architectureAffinity, zoneSpread } from "./scheduling";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";
import { ShopApiJobs } from "./shop-api-jobs";
import { ShopSearchIndexer } from "./shop-search-indexer";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext, valueChecksum } from "./workload-defaults";
import { DAILY_AGGREGATES_PREFIX } from "./analytics/daily-aggregates-table";
import { TracingSettings, tracingEnv } from "./observability/tracing";

/**
 * Where the API image comes from: a reference CI already pushed, with the architectures its manifest covers; or built
 * from a directory by `pulumi up` as one multi-arch image (default: every architecture in ALL_ARCHITECTURES).
 */
export type ImageSource =
    | { prebuilt: string; architectures: Architecture[] }
    | { buildContext: string; architectures?: Architecture[] };

/** The tag that only ever moves in the build cache; every release tag stays immutable. */
export const BUILD_CACHE_TAG = "buildcache";

/** The API's liveness path, published through the gateway for the region's health check. */
export const PUBLIC_HEALTH_PATH = "/healthz";

export interface ShopApiArgs {
    image: ImageSource;
    /**
     * Architectures the node pools the API's pods land on may launch. Pods are pinned to the image's architectures
     * whenever the image does not cover all of these. Default ALL_ARCHITECTURES (the Karpenter default).
     */
    nodeArchitectures?: Architecture[];
    oidc: OidcIdentity;
    region: string;
    /** The writer: the API's own database and role are created on it; writes and read-your-own-writes go there. */
    database: DatabaseEndpoint;
    /** The writer's region, where IAM tokens for it are signed (a primary in another region). Default: region. */
    databaseRegion?: pulumi.Input<string>;
    /** The local read replica, outside the writer's region: catalogue reads go there. Default: none (all on the writer). */
    readerDatabase?: DatabaseEndpoint & { region: string };
    /**
     * Whether this region holds the writer. Only there run the database bootstrap (roles and grants reach the replicas by
     * replication), the outbox relay (one publisher per order event) and the CronJobs that write. Default true.
     */
    writerRegion?: boolean;
    connections: Omit<ShopApiConnections, "database">;
    /** Namespace of the API and its jobs. Default "shop". */
    namespace?: string;
    /**
     * The HPA's floor. The Deployment itself sets no `spec.replicas`: the HPA owns the count, and a value in the
     * manifest would be re-applied on every update, scaling a busy API back down. Default 2.
     */
    replicas?: number;
    /** HPA ceiling. Default 10. */
    maxReplicas?: number;
    /** Require spreading replicas across zones (prod). Default true. */
    strictZoneSpread?: boolean;
    /**
     * Let `pulumi destroy` delete the image repository with its images; without it ECR refuses to delete a non-empty
     * repository (RepositoryNotEmptyException) and the destroy stops. Default false (config ecrForceDelete: dev true).
     */
    forceDeleteRepository?: boolean;
    /**
     * Pulumi `protect` on the image repository (release images a rollback deploys): a replacement or deletion fails until `pulumi state unprotect`. Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protectRepository?: boolean;
    /**
     * The API gateway: its ingress class and the plugin that verifies JWTs before a request reaches the API. Reads of
     * the catalogue are public; orders and catalogue writes need a token. Default "kong" without a JWT plugin.
     */
    gateway?: { ingressClassName: string; jwtPlugin?: string };
    /**
     * The only pods allowed to call the API (its NetworkPolicy ingress): each a namespace and the labels of its pods,
     * e.g. the gateway's proxy pods and Prometheus. No default: any other pod of those namespaces stays out.
     */
    callers: { namespace: string; pods: Record<string, string> }[];
    /** Catalogue feed the product-fetch CronJob imports. Default: the demo feed baked into the image. */
    catalogueFeedUrl?: string;
    /** Browser origins the API answers CORS requests from (CORS_ALLOWED_ORIGINS). Default []: none. */
    corsAllowedOrigins?: string[];
    /**
     * The search indexer (products topic into Elasticsearch) with its own Kafka credentials, allowed to read that topic
     * only. Needs the Kafka and Elasticsearch connections. Default: none (search then finds what a reindex wrote).
     */
    searchIndexer?: {
        kafkaSecretName: string;
        consumerGroup?: string;
        /**
         * Its own Redis ACL user (SEARCH_INDEXER_REDIS_ACL), where it invalidates the product cache (secondary regions:
         * catalogue changes arrive only as mirrored events). Default none: it gets no Redis at all.
         */
        redisUser?: { username: string; password: pulumi.Input<string> };
    };
    /**
     * The Prometheus operator's release, when one runs: the API then gets a ServiceMonitor so Prometheus scrapes its
     * /metrics (request latency, outbox and cache counters). Default: none (the pod annotations remain for other scrapers).
     */
    prometheusOperator?: pulumi.Resource;
    /**
     * Traces of the API, its jobs and the indexer (each under its own OTEL_SERVICE_NAME) to the collector. Default:
     * none (the SDK exports nothing without an endpoint).
     */
    tracing?: TracingSettings;
    /**
     * What the API's workloads wait for: the Karpenter NodePools its pods land on (every Kubernetes object of the API
     * is created in its namespace, which waits for these). Default none.
     */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export const SHOP_API_PORT = 8080;
/** The image's user: distroless "nonroot". */
const IMAGE_UID = 65532;
const DB_ROLE = "shop_api";
const DB_NAME = "shop";

/**
 * The shop API in one region: ECR repository and image, its own database role that logs in with IAM database
 * authentication (the pod's IRSA role may `rds-db:connect` as that one role; no password exists), Deployment, Service, HPA, PDB,
 * NetworkPolicy, the gateway route, and the product-fetch and analysis CronJobs.
 */
export class ShopApi extends pulumi.ComponentResource {
    /** The image the pods run: the pushed tag pinned by digest when built, the prebuilt reference otherwise. */
    readonly imageUri: pulumi.Output<string>;
    /** Architectures the image runs on. */
    readonly imageArchitectures: Architecture[];
    /** Content tag of the built image (undefined for a prebuilt image). */
    readonly imageTag?: string;
    /** The `rds-db:connect` resource the API's IRSA role may use: its own database role, nothing else. */
    readonly databaseUserArn: pulumi.Output<string>;
    readonly databaseRole = DB_ROLE;
    readonly serviceHost: string;
    /** The API's namespace; resources other components put there (e.g. Kafka credentials) depend on it. */
    readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: ShopApiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:app:ShopApi", name, {}, opts);
        const child = { parent: this };
        const namespace = args.namespace ?? "shop";
        const replicas = args.replicas ?? 2;
        const labels = { "app.kubernetes.io/name": "shop-api", "app.kubernetes.io/part-of": "ecommerce-platform" };
        // The jobs and the indexer share the name label; the Service, PDB, HPA and NetworkPolicy must see only the API pods.
        const apiLabels = { ...labels, "app.kubernetes.io/component": "api" };
        this.serviceHost = `shop-api.${namespace}.svc.cluster.local`;

        const repository = new ecr.Repository(`${name}-repo`, {
            // Release tags never move; only the build cache's one tag may be overwritten by the next build.
            imageTagMutability: "IMMUTABLE_WITH_EXCLUSION",
            imageTagMutabilityExclusionFilters: [{ filter: BUILD_CACHE_TAG, filterType: "WILDCARD" }],
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS" }],
            forceDelete: args.forceDeleteRepository ?? false,
        }, { ...child, protect: args.protectRepository });
        new ecr.LifecyclePolicy(`${name}-repo`, {
            repository: repository.name,
            policy: JSON.stringify({ rules: [{ rulePriority: 1, description: "keep the last 30 images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 30 }, action: { type: "expire" } }] }),
        }, child);
        if ("prebuilt" in args.image) {
            this.imageArchitectures = [...args.image.architectures];
            this.imageUri = pulumi.output(args.image.prebuilt);
        } else {
            this.imageArchitectures = [...(args.image.architectures ?? ALL_ARCHITECTURES)];
            const platforms = this.imageArchitectures.map((arch) => `linux/${arch}` as const);
            // Tagged by content: the same app/ gives the same tag (no rebuild, no push), a change gives a new one,
            // so the immutable repository never refuses a push. The platforms are part of what the tag names.
            const fingerprint = fingerprintBuildContext(resolve(args.image.buildContext), { extra: [platforms.join(",")] });
            this.imageTag = fingerprint.sha256.slice(0, 16);
            const token = ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, child);
            const cache = pulumi.interpolate`${repository.repositoryUrl}:${BUILD_CACHE_TAG}`;
            const image = new dockerBuild.Image(`${name}-image`, {
                context: { location: args.image.buildContext },
                platforms,
                tags: [pulumi.interpolate`${repository.repositoryUrl}:${this.imageTag}`],
                push: true,
                registries: [{
                    address: repository.repositoryUrl.apply((url) => url.split("/")[0]),
                    username: token.userName,
                    password: pulumi.secret(token.password),
                }],
                // Layer cache in the repository itself (ECR needs an OCI image manifest for it), so a CI runner
                // without local cache rebuilds only what changed.
                cacheFrom: [{ registry: { ref: cache } }],
                cacheTo: [{ registry: { ref: cache, imageManifest: true, ociMediaTypes: true, mode: dockerBuild.CacheMode.Max } }],
                // A preview needs no Docker engine and builds nothing; CI's image job builds the same Dockerfile on every PR.
                buildOnPreview: false,
            }, child);
            this.imageUri = image.ref;
        }
        const archAffinity = architectureAffinity(this.imageArchitectures, args.nodeArchitectures ?? [...ALL_ARCHITECTURES]);

        // IAM database authentication: the pod signs a 15-minute token with its IRSA role for each new connection, so no
        // long-lived database password exists for the API (nothing to store, leak or rotate).
        this.databaseUserArn = rdsDbUserArn(args.database, DB_ROLE);
        // IAM database authentication works on replicas too: the replica has its own DbiResourceId in its own region.
        const readerUserArn = args.readerDatabase ? rdsDbUserArn(args.readerDatabase, DB_ROLE) : undefined;
        const writerRegion = args.writerRegion ?? true;
        const role = new ServiceAccountRole(`${name}-irsa`, {
            oidc: args.oidc,
            namespace,
            serviceAccount: "shop-api",
            policy: pulumi.all([this.databaseUserArn, readerUserArn, args.connections.analyticsBucket]).apply(([dbUser, readerUser, bucket]) => policyDocument([
                { Sid: "ConnectAsOwnDatabaseRole", Effect: "Allow", Action: "rds-db:connect", Resource: readerUser ? [dbUser, readerUser] : dbUser },
                // The analysis job writes one object per day under this prefix (app/src/jobs/analytics-sink.ts), nothing else.
                ...(bucket ? [{ Sid: "WriteDailyAggregates", Effect: "Allow" as const, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucket}/${DAILY_AGGREGATES_PREFIX}/*` }] : []),
            ])),
        }, child);

        const ns = platformNamespace(namespace, "restricted", { ...child, dependsOn: args.dependsOn }, `${name}-namespace`);
        this.namespace = ns;
        const inNamespace = { ...child, dependsOn: [ns] };
        const database = writerRegion ? new DatabaseBootstrap(`${name}-db`, {
            namespace,
            databaseName: DB_NAME,
            roleName: DB_ROLE,
            database: args.database,
            iamAuthentication: true,
            region: args.region,
            oidc: args.oidc,
            dependsOn: [ns],
        }, child) : undefined;
        const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
            metadata: { name: "shop-api", namespace, labels, annotations: { "eks.amazonaws.com/role-arn": role.roleArn } },
            // Nothing in the image calls the Kubernetes API. IRSA does not need this token: the EKS pod identity webhook
            // projects its own `aws-iam-token` volume (audience sts.amazonaws.com) into any pod of an annotated service
            // account, whatever automount says (aws/amazon-eks-pod-identity-webhook pkg/handler/handler.go).
            automountServiceAccountToken: false,
        }, inNamespace);

        const environment = shopApiEnvironment(
            { ...args.connections, database: args.database, readerDatabase: args.readerDatabase },
            { role: DB_ROLE, name: DB_NAME, region: args.databaseRegion ?? args.region, outboxRelay: writerRegion },
            { corsAllowedOrigins: args.corsAllowedOrigins ?? [] },
        );
        // Credentials reach the pods through this Secret; the Deployment only references it.
        const indexerRedis = args.searchIndexer?.redisUser;
        if (indexerRedis) {
            if (!args.connections.redis) throw new Error(`ShopApi ${name}: the search indexer's Redis user needs the Redis connection`);
            environment.secretData[SEARCH_INDEXER_REDIS_URL_KEY] = redisUrl(args.connections.redis, indexerRedis);
        }
        const secretEnv = new k8s.core.v1.Secret(`${name}-env`, {
            metadata: { name: ENV_SECRET, namespace, labels },
            type: "Opaque",
            stringData: environment.secretData,
        }, inNamespace);
        // A SHA-256 of random credentials reveals nothing; valueChecksum keeps the annotation readable in plans.
        const envChecksum = valueChecksum(environment.secretData);
        const trust = environment.trustBundle && new k8s.core.v1.ConfigMap(`${name}-trust`, {
            metadata: { name: TRUST_CONFIG_MAP, namespace, labels },
            data: { "ca.pem": environment.trustBundle },
        }, inNamespace);
        const podSpec = {
            serviceAccountName: "shop-api",
            // Also on the pods (API, jobs, indexer): a pod-level false holds even if the service account is changed.
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(IMAGE_UID),
            terminationGracePeriodSeconds: 40,
            // Every pod running the image (API, jobs, indexer) stays on nodes of an architecture the image was built for.
            ...(archAffinity ? { affinity: archAffinity } : {}),
            volumes: [
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                ...(trust ? [{ name: "trust", configMap: { name: TRUST_CONFIG_MAP } }] : []),
            ],
        };
        const container = {
            image: this.imageUri,
            imagePullPolicy: "IfNotPresent",
            securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: true, uid: IMAGE_UID }),
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(trust ? [{ name: "trust", mountPath: TRUST_MOUNT, readOnly: true }] : [])],
            env: [...environment.env, ...(args.tracing ? tracingEnv(args.tracing, "shop-api") : [])],
        };

        const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: "shop-api", namespace, labels: apiLabels },
            // No spec.replicas: the HPA below owns it. With server-side apply a field the manifest leaves out is not
            // Pulumi's, so an update never resets what the HPA scaled to; a new Deployment starts at one pod and the HPA
            // raises it to minReplicas at once (below the floor it scales without waiting for metrics).
            spec: {
                selector: { matchLabels: apiLabels },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: {
                        labels: apiLabels,
                        annotations: {
                            "prometheus.io/scrape": "true", "prometheus.io/port": String(SHOP_API_PORT), "prometheus.io/path": "/metrics",
                            // Env from a Secret is read at start: a rotated credential must roll the pods.
                            "checksum/env-secret": envChecksum,
                        },
                    },
                    spec: {
                        ...podSpec,
                        topologySpreadConstraints: zoneSpread(apiLabels, args.strictZoneSpread ?? true),
                        containers: [{
                            ...container,
                            name: "api",
                            ports: [{ name: "http", containerPort: SHOP_API_PORT, protocol: "TCP" }],
                            // /readyz turns 503 on SIGTERM, then the API waits SHUTDOWN_DELAY_MS for endpoints to drop it.
                            env: [...container.env, { name: "SHUTDOWN_DELAY_MS", value: "5000" }],
                            resources: resources("250m", "256Mi", { cpu: "1", memory: "512Mi" }),
                            startupProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 2, failureThreshold: 30 },
                            livenessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
                            readinessProbe: { httpGet: { path: "/readyz", port: "http" }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
                        }],
                    },
                },
            },
        }, { ...inNamespace, dependsOn: [ns, serviceAccount, secretEnv, ...(database ? [database.job] : []), ...(trust ? [trust] : [])] });

        // The ServiceMonitor selects this Service by its labels, so it carries the API's component label too.
        new k8s.core.v1.Service(`${name}-service`, {
            metadata: { name: "shop-api", namespace, labels: apiLabels },
            spec: { type: "ClusterIP", selector: apiLabels, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
        }, inNamespace);

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
            metadata: { name: "shop-api", namespace, labels },
            spec: {
                scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "shop-api" },
                minReplicas: replicas,
                maxReplicas: Math.max(replicas, args.maxReplicas ?? 10),
                metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
                // Scale out fast on a sale, scale in slowly so a short lull does not drop warm caches.
                behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 50, periodSeconds: 60 }] } },
            },
        }, { ...inNamespace, dependsOn: [deployment] });

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: { name: "shop-api", namespace, labels },
            // With one replica (dev) a minAvailable budget would block node drains forever; maxUnavailable never does.
            spec: replicas > 1 ? { minAvailable: 1, selector: { matchLabels: apiLabels } } : { maxUnavailable: 1, selector: { matchLabels: apiLabels } },
        }, inNamespace);

        new k8s.networking.v1.NetworkPolicy(`${name}-netpol`, {
            metadata: { name: "shop-api", namespace, labels },
            spec: {
                podSelector: { matchLabels: apiLabels },
                policyTypes: ["Ingress"],
                ingress: [{
                    from: args.callers.map((caller) => ({
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": caller.namespace } },
                        podSelector: { matchLabels: caller.pods },
                    })),
                    ports: [{ protocol: "TCP", port: SHOP_API_PORT }],
                }],
            },
        }, inNamespace);

        const gateway = args.gateway ?? { ingressClassName: "kong" };
        const route = (id: string, paths: string[], methods: string[], plugins: string[], pathType = "Prefix") => new k8s.networking.v1.Ingress(`${name}-route-${id}`, {
            metadata: {
                name: `shop-api-${id}`,
                namespace,
                labels,
                annotations: {
                    "konghq.com/strip-path": "false",
                    "konghq.com/methods": methods.join(","),
                    ...(plugins.length > 0 ? { "konghq.com/plugins": plugins.join(",") } : {}),
                },
            },
            spec: {
                ingressClassName: gateway.ingressClassName,
                rules: [{ http: { paths: paths.map((path) => ({ path, pathType, backend: { service: { name: "shop-api", port: { name: "http" } } } })) } }],
            },
        }, inNamespace);
        const verifyJwt = gateway.jwtPlugin ? [gateway.jwtPlugin] : [];
        // OPTIONS: browsers' CORS preflights carry no token. They reach the API through the public route (every path under
        // /v1/products, admin writes included) and the orders route, whose JWT plugin skips preflights (run_on_preflight).
        route("public", ["/v1/products", "/v1/search", "/openapi.json"], ["GET", "HEAD", "OPTIONS"], []);
        route("orders", ["/v1/orders"], ["GET", "POST", "OPTIONS"], verifyJwt);
        route("admin", ["/v1/products"], ["POST", "PUT", "PATCH", "DELETE"], verifyJwt);
        // What the region's Route 53 health check requests: through the NLB and Kong to a Ready API pod (Kong balances
        // over Ready endpoints only, so with none it answers 503). Exact, GET only: /readyz and /metrics stay internal.
        route("health", [PUBLIC_HEALTH_PATH], ["GET"], [], "Exact");

        if (args.prometheusOperator) {
            new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "ServiceMonitor",
                metadata: { name: "shop-api", namespace, labels },
                spec: {
                    selector: { matchLabels: apiLabels },
                    namespaceSelector: { matchNames: [namespace] },
                    endpoints: [{ port: "http", path: "/metrics", interval: "30s", scrapeTimeout: "10s" }],
                },
            }, { ...inNamespace, dependsOn: [ns, args.prometheusOperator] });
        }

        const podShape = { namespace, labels, podSpec, container };
        const ready = { ...child, dependsOn: [ns, serviceAccount, secretEnv, ...(database ? [database.job] : []), ...(trust ? [trust] : [])] };
        // The product import and the daily analysis write: once, where the writer is.
        if (writerRegion) new ShopApiJobs(`${name}-jobs`, { ...podShape, catalogueFeedUrl: args.catalogueFeedUrl }, ready);
        if (args.searchIndexer) {
            if (!args.connections.kafka || !args.connections.elasticsearch) {
                throw new Error(`ShopApi ${name}: the search indexer needs the Kafka and Elasticsearch connections`);
            }
            const { redisUser, ...indexer } = args.searchIndexer;
            new ShopSearchIndexer(`${name}-search-indexer`, { ...podShape, ...indexer, redisUrlSecretKey: redisUser ? SEARCH_INDEXER_REDIS_URL_KEY : undefined }, ready);
        }

        this.registerOutputs({ imageUri: this.imageUri, imageArchitectures: this.imageArchitectures, databaseUserArn: this.databaseUserArn });
    }
}
