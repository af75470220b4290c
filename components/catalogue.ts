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
} as const satisfies Record<string, ChartSource>;

export type ChartName = keyof typeof CHARTS;

/** Images the platform references directly (not through chart defaults), pinned by tag. */
export const IMAGES = {
    /** Used by the one-shot database bootstrap Jobs (create database and role). */
    postgresClient: "public.ecr.aws/docker/library/postgres:17.6-alpine3.22",
} as const;
