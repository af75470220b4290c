import type { PlatformConfig } from "./config";

/** Cost-allocation tags every taggable AWS resource carries, applied once through the provider's defaultTags. */
export function platformTags(config: PlatformConfig): Record<string, string> {
    return {
        project: config.project,
        environment: config.environment,
        region: config.region,
        "cost-centre": config.costCentre,
        "managed-by": "pulumi",
        stack: config.stack,
    };
}

/**
 * The cluster's name: from config (environment and region, or the stack file's clusterName), never from
 * `pulumi.getStack()`, so `pulumi stack rename` changes no physical name and replaces nothing.
 */
export function clusterNameOf(config: PlatformConfig): string {
    return config.cluster.name;
}

/**
 * Settings of every AWS provider a stack creates: its own region by default, or another one (us-east-1 for what
 * CloudFront requires there), always with the platform's default tags.
 */
export function awsProviderArgs(config: PlatformConfig, region: string = config.region): { region: string; defaultTags: { tags: Record<string, string> } } {
    return { region, defaultTags: { tags: platformTags(config) } };
}
