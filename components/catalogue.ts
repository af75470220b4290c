/**
 * The chart catalogue: every Helm chart and image the platform deploys, pinned, in one place.
 * Upgrading a dependency is a one-line change here; tests assert that every release uses a pinned entry.
 */
export interface ChartSource {
    /** Chart name within the repository. */
    chart: string;
    /** Exact chart version (never a range). */
    version: string;
    /** HTTPS repository URL; absent for OCI charts, whose address is in `chart`. */
    repository?: string;
}

export const CHARTS = {
    karpenter: { chart: "oci://public.ecr.aws/karpenter/karpenter", version: "1.14.1" },
    awsLoadBalancerController: { chart: "aws-load-balancer-controller", version: "1.14.0", repository: "https://aws.github.io/eks-charts" },
    metricsServer: { chart: "metrics-server", version: "3.13.0", repository: "https://kubernetes-sigs.github.io/metrics-server/" },
    // Cluster services (chart names, repositories and versions read from each chart's Chart.yaml upstream).
    /** OT-Container-Kit Redis operator: reconciles RedisCluster resources (quay.io/opstree images, not Bitnami). */
    redisOperator: { chart: "redis-operator", version: "0.26.1", repository: "https://ot-container-kit.github.io/helm-charts/" },
    /** A RedisCluster (sharded Redis, leaders + followers) rendered by the operator above. */
    redisCluster: { chart: "redis-cluster", version: "0.17.4", repository: "https://ot-container-kit.github.io/helm-charts/" },
    /** Strimzi 1.x serves only kafka.strimzi.io/v1; the operator version must match the CRDs the program writes against. */
    strimzi: { chart: "oci://quay.io/strimzi-helm/strimzi-kafka-operator", version: "1.2.0" },
    /** Elastic Cloud on Kubernetes: Elasticsearch and Kibana operator (installs its CRDs). */
    eckOperator: { chart: "eck-operator", version: "3.5.0", repository: "https://helm.elastic.co" },
    fluentBit: { chart: "fluent-bit", version: "0.58.1", repository: "https://fluent.github.io/helm-charts" },
    /** Kong Gateway with the Kong Ingress Controller as a sidecar, DB-less. */
    kong: { chart: "kong", version: "3.4.1", repository: "https://charts.konghq.com" },
    /** codecentric keycloakx: the Quarkus Keycloak distribution from quay.io/keycloak (no Bitnami images). */
    keycloak: { chart: "keycloakx", version: "7.1.11", repository: "https://codecentric.github.io/helm-charts" },
    kubePrometheusStack: { chart: "kube-prometheus-stack", version: "88.5.3", repository: "https://prometheus-community.github.io/helm-charts" },
    /** OpenTelemetry Collector (appVersion 0.158.0); the chart names no default image: IMAGES.otelCollector. */
    otelCollector: { chart: "opentelemetry-collector", version: "0.170.0", repository: "https://open-telemetry.github.io/opentelemetry-helm-charts" },
    /** Elasticsearch cluster health for Prometheus: ECK exports no metrics (appVersion v1.11.0, Chart.yaml at the tag). */
    elasticsearchExporter: { chart: "prometheus-elasticsearch-exporter", version: "7.4.0", repository: "https://prometheus-community.github.io/helm-charts" },
} as const satisfies Record<string, ChartSource>;

export type ChartName = keyof typeof CHARTS;

/** Images the platform references directly (not through chart defaults), pinned by tag. */
export const IMAGES = {
    /** Used by the one-shot database bootstrap Jobs (create database and role). */
    postgresClient: "public.ecr.aws/docker/library/postgres:17.6-alpine3.22",
    /** Reads the master secret from Secrets Manager in the bootstrap Jobs (IRSA). */
    awsCli: "public.ecr.aws/aws-cli/aws-cli:2.27.50",
    /** One-shot HTTP calls against Elasticsearch (ILM policy, index template). */
    curl: "docker.io/curlimages/curl:8.15.0",
    /**
     * Redis 8.6 (released 2026-02). The 7.0 line is end-of-life (CVE-2024-31228 and later fixes never reach it); redis/redis
     * SECURITY.md lists only 8.x and 7.4.x as supported, and Redis's lifecycle page ends 7.4 on 2026-11-30, so at
     * 2026-12 only an 8.x line is patched. The operator's own CI (OT-CONTAINER-KIT/redis-operator v0.26.0,
     * .github/workflows/ci.yaml, 2026-07-12) runs its e2e suite (TLS cluster, ACL users) on quay.io/opstree/redis:latest,
     * which the image repository builds from redis-stable (OT-CONTAINER-KIT/redis Dockerfile, `REDIS_VERSION=latest`),
     * i.e. the current 8.x. Tag v8.6.2 exists on quay.io/opstree/redis (built by that repository's monthly
     * auto-redis-version-check workflow; pinned by other public deployments, 2026), read 2026-12. Opstree deletes old
     * tags from quay.io: re-check the tag (and pin its digest) before each upgrade. clusterVersion stays "v7": it selects
     * the operator's v7+ cluster behaviour (hostname announce), not an exact Redis version.
     */
    redis: "quay.io/opstree/redis:v8.6.2",
    redisExporter: "quay.io/opstree/redis-exporter:v1.44.0",
    redisOperator: "quay.io/opstree/redis-operator:v0.26.0",
    fluentBit: "cr.fluentbit.io/fluent/fluent-bit:5.1.1",
    kong: "docker.io/kong:3.9.1",
    kongIngressController: "docker.io/kong/kubernetes-ingress-controller:3.5.13",
    keycloak: "quay.io/keycloak/keycloak:26.5.6",
    /**
     * The contrib distribution: of the published distributions only it carries the elasticsearch exporter at 0.158.0
     * (open-telemetry/opentelemetry-collector-releases v0.158.0, distributions/otelcol-contrib/manifest.yaml lists
     * exporter/elasticsearchexporter; distributions/otelcol-k8s/manifest.yaml does not). Runs as uid 10001 (its Dockerfile).
     */
    otelCollector: "docker.io/otel/opentelemetry-collector-contrib:0.158.0",
    /** The elasticsearch-exporter chart 7.4.0's appVersion. */
    elasticsearchExporter: "quay.io/prometheuscommunity/elasticsearch-exporter:v1.11.0",
} as const;

/**
 * Why each image above is pinned by tag and not yet by digest (`registry/repository:tag@sha256:<digest>`), and what
 * would pin it. A digest can only be read from the registry, and our machines reach none (TOOLCHAIN.md); no public
 * source the project can read (release notes, the upstream repositories' CI manifests) publishes the digest of these
 * exact tags. CI, which reaches the registries, resolves them (`crane digest <image>`) and commits them here; until
 * then the tag is the pin, and every entry must appear below with its reason (a test holds this list to IMAGES).
 */
export const IMAGES_WITHOUT_DIGEST: Readonly<Partial<Record<keyof typeof IMAGES, string>>> = {
    postgresClient: "Docker official image mirrored on ECR Public; docker-library/repo-info publishes Docker Hub digests, but not for this retired tag in any copy readable here, and the ECR Public mirror's digest is not published",
    awsCli: "AWS publishes no digest for aws-cli image tags outside the registry",
    curl: "curlimages publishes no digests outside the registry",
    redis: "opstree images: no published digests, and Opstree deletes old tags from quay.io; pin the digest of v8.6.2 with `crane digest` from a machine that reaches quay.io",
    redisExporter: "opstree images: no published digests",
    redisOperator: "opstree images: no published digests",
    fluentBit: "Fluent Bit signs its images (cosign) but publishes no digest list readable offline",
    kong: "Docker official image; docker-library/repo-info holds digests, not for this tag in any copy readable here",
    kongIngressController: "Kong publishes no digests outside the registry",
    keycloak: "Keycloak's release notes name tags only",
    otelCollector: "the releases repository's goreleaser pushes tags; no digest list is published outside the registry",
    elasticsearchExporter: "prometheus-community publishes no digests outside the registry",
};

/** The Elastic Stack version the ECK resources run (ECK 3.5 supports 9.x). */
export const ELASTIC_STACK_VERSION = "9.4.3";
/** Kafka version and KRaft metadata version Strimzi 1.2.0 runs by default. */
export const KAFKA_VERSION = { kafka: "4.3.1", metadataVersion: "4.3-IV0" } as const;

/**
 * The Kafka versions each Strimzi operator release supports, with the metadata version of each. Strimzi refuses a
 * Kafka version its release does not list as supported, so an operator bump must support the running Kafka version,
 * and a Kafka version must be supported by the running operator. Source: strimzi/strimzi-kafka-operator
 * kafka-versions.yaml at tag 1.2.0 (commit 6c7b43c4af0d), entries with `supported: true` (4.3.1 is `default: true`).
 * On a Strimzi bump, add its release's entries here (same file at the new tag).
 */
export const STRIMZI_KAFKA_VERSIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
    "1.2.0": { "4.2.0": "4.2-IV1", "4.2.1": "4.2-IV1", "4.3.0": "4.3-IV0", "4.3.1": "4.3-IV0" },
};

/**
 * Why a Kafka version and metadata version cannot run under a Strimzi release ([] when they can): the operator must
 * list the Kafka version as supported, and the metadata version may not be newer than the Kafka version's own (the
 * brokers would refuse it). An older metadata version is the middle step of an upgrade: it stays until the new
 * brokers have rolled, then moves up in an `up` of its own (README, "Upgrades").
 */
export function kafkaVersionProblems(strimziVersion: string, version: { kafka: string; metadataVersion: string }): string[] {
    const supported = STRIMZI_KAFKA_VERSIONS[strimziVersion];
    if (!supported) return [`Strimzi ${strimziVersion} has no entry in STRIMZI_KAFKA_VERSIONS (components/catalogue.ts): add its supported Kafka versions from its kafka-versions.yaml`];
    const own = supported[version.kafka];
    if (!own) return [`Kafka ${version.kafka} is not supported by Strimzi ${strimziVersion} (supported: ${Object.keys(supported).join(", ")}): bump the operator first, or pick a supported version`];
    const level = (metadata: string) => {
        const match = /^(\d+)\.(\d+)-IV(\d+)$/.exec(metadata);
        return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
    };
    const [asked, highest] = [level(version.metadataVersion), level(own)!];
    if (!asked) return [`metadataVersion ${version.metadataVersion} is not of the form <major>.<minor>-IV<n> (e.g. ${own})`];
    const newer = (asked[0] - highest[0] || asked[1] - highest[1] || asked[2] - highest[2]) > 0;
    if (newer) return [`metadataVersion ${version.metadataVersion} is not a metadata version Kafka ${version.kafka} can run (its own is ${own})`];
    return [];
}

/** Splits "registry/repository:tag" for charts that take the repository and the tag separately. */
export function imageParts(image: string): { repository: string; tag: string } {
    const colon = image.lastIndexOf(":");
    return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
}


/**
 * The EKS-optimized Amazon Linux 2023 AMI release Karpenter's node classes boot, pinned: `al2023@latest` would drift
 * every node (Kafka brokers, Elasticsearch data nodes included) on each AMI release, without anyone deciding it.
 * Source: awslabs/amazon-eks-ami CHANGELOG.md, entry "AMI Release v20260714" (tag v20260714, commit b4fffb70f5c1,
 * 2026-07-13; AL2023 source AMIs 2023.12.20260710.0), read at tag v20260724 (commit 81fec2e895, 2026-07-23), whose
 * release notes were not yet in the changelog. To upgrade: pick a newer "AMI Release vYYYYMMDD" entry there, change
 * GENERAL first, let it roll through the general pool's maintenance window, then STATEFUL.
 */
export const EKS_AMI_ALIASES = {
    /** General pool: replaced through drift, inside the maintenance window only. */
    general: "al2023@v20260714",
    /** Stateful pool (Kafka, Elasticsearch, Redis): changed on purpose, then replaced one node at a time. */
    stateful: "al2023@v20260714",
} as const;

/** An EKS Kubernetes minor and its support dates (ISO days). */
export interface EksKubernetesVersion {
    /** Released in EKS. */
    released: string;
    /** Last day of standard support ($0.10 per cluster hour); then extended support ($0.60), FACTS.md. */
    standardSupportEnds: string;
    /** Last day of extended support; then EKS upgrades the cluster itself. */
    extendedSupportEnds: string;
}

/**
 * The day EKS_KUBERNETES_VERSIONS was last compared with the EKS release calendar: a version whose standard support
 * ended before it is refused under eksSupportType STANDARD (stacks/config.ts). Bump it when the table is reviewed.
 */
export const EKS_VERSIONS_REVIEWED = "2026-12-06";

/**
 * Kubernetes minors EKS still offers (standard or extended support) on EKS_VERSIONS_REVIEWED. Source: the EKS user
 * guide, "Understand the Kubernetes version lifecycle on EKS" (docs.aws.amazon.com/eks/latest/userguide/
 * kubernetes-versions.html: 14 months of standard support from the EKS release, then 12 of extended support), dates as
 * its release calendar gives them, cross-read at endoflife.date/amazon-eks (read 2026-12-06). No EKS release date of
 * 1.36 was found in either: add it here (with its dates) before a stack may use it.
 */
export const EKS_KUBERNETES_VERSIONS: Readonly<Record<string, EksKubernetesVersion>> = {
    "1.32": { released: "2025-01-25", standardSupportEnds: "2026-03-23", extendedSupportEnds: "2027-03-23" },
    "1.33": { released: "2025-05-28", standardSupportEnds: "2026-07-29", extendedSupportEnds: "2027-07-29" },
    "1.34": { released: "2025-10-06", standardSupportEnds: "2026-12-02", extendedSupportEnds: "2027-12-02" },
    "1.35": { released: "2026-01-28", standardSupportEnds: "2027-03-27", extendedSupportEnds: "2028-03-27" },
};

/** The minor of a "1.NN" version, for one-step comparisons. */
export function kubernetesMinor(version: string): number {
    const match = /^1\.(\d+)$/.exec(version);
    if (!match) throw new Error(`"${version}" is not a Kubernetes minor version such as "1.35"`);
    return Number(match[1]);
}
