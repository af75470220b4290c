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

/** What a provider for another region skips at configure time, so an `up` does not need that region's APIs. */
export interface RemoteRegionProviderArgs extends ReturnType<typeof awsProviderArgs> {
    skipCredentialsValidation: true;
    skipRequestingAccountId: true;
    skipMetadataApiCheck: true;
    skipRegionValidation: true;
}

/**
 * Settings of an aws provider for another region whose resources this stack owns (peering accepters, routes and rules
 * in a peer's region; the replicated backups' region). The provider configures itself before any resource is touched:
 * by default it validates the credentials and requests the account id through STS in its own region, so a lost region
 * would fail every `up` of the stack that now holds the writer, even with its resources left out (`--exclude`). The
 * resources created through these providers never need the account id from the provider (their ARNs and ids come from
 * the create calls; the account comes from the local provider's getCallerIdentity); the credentials are the local
 * provider's, validated there. The metadata check concerns EC2 instance credentials, unused here; the region check is
 * static.
 */
export function remoteRegionProviderArgs(config: PlatformConfig, region: string): RemoteRegionProviderArgs {
    return { ...awsProviderArgs(config, region), skipCredentialsValidation: true, skipRequestingAccountId: true, skipMetadataApiCheck: true, skipRegionValidation: true };
}
