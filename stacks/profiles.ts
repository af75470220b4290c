/**
 * Environment profiles: the defaults a stack gets from its environment, so a stack file only says what differs.
 * Every key here can be overridden by the stack's own config (see Pulumi.yaml for the schema).
 */
export const ENVIRONMENTS = ["dev", "prod"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export interface EnvironmentProfile {
    natGateways: "single" | "one-per-az";
    flowLogRetentionDays: number;
    clusterLogRetentionDays: number;
    systemNodeInstanceTypes: string[];
    systemNodeMinSize: number;
    systemNodeMaxSize: number;
    systemNodeDesiredSize: number;
    karpenterCapacityTypes: string[];
    karpenterArchitectures: string[];
    karpenterCpuLimit: number;
    karpenterMemoryLimitGib: number;
    dbInstanceClass: string;
    dbAllocatedStorageGib: number;
    dbMaxAllocatedStorageGib: number;
    dbMultiAz: boolean;
    dbDeletionProtection: boolean;
    dbBackupRetentionDays: number;
    /** RDS Enhanced Monitoring interval in seconds (0 = off). */
    dbMonitoringIntervalSeconds: number;
    grafanaEnabled: boolean;
    logRetentionDays: number;
    cloudFrontPriceClass: "PriceClass_100" | "PriceClass_200" | "PriceClass_All";
    shieldAdvanced: boolean;
    /** Pulumi `protect` on stateful resources (database, keys, file system, cluster, VPC, data namespaces and CRs). */
    protectStatefulResources: boolean;
    /** Delete the API's ECR repository with its images on `pulumi destroy`. */
    ecrForceDelete: boolean;
    /** Share of new traces the workloads sample (OTEL_TRACES_SAMPLER_ARG of parentbased_traceidratio), 0..1. */
    traceSampleRatio: number;
}

export const PROFILES: Readonly<Record<Environment, EnvironmentProfile>> = {
    dev: {
        // One NAT gateway: an AZ outage in dev is acceptable, $65/month per extra gateway is not.
        natGateways: "single",
        flowLogRetentionDays: 14,
        clusterLogRetentionDays: 7,
        systemNodeInstanceTypes: ["t4g.medium"],
        systemNodeMinSize: 1,
        systemNodeMaxSize: 3,
        systemNodeDesiredSize: 2,
        karpenterCapacityTypes: ["spot", "on-demand"],
        karpenterArchitectures: ["arm64", "amd64"],
        karpenterCpuLimit: 32,
        karpenterMemoryLimitGib: 128,
        dbInstanceClass: "db.t4g.medium",
        dbAllocatedStorageGib: 20,
        dbMaxAllocatedStorageGib: 100,
        dbMultiAz: false,
        dbDeletionProtection: false,
        // Backup storage up to the database size is free, so dev keeps a week too.
        dbBackupRetentionDays: 7,
        // Performance Insights covers dev; OS-level metrics are not worth the CloudWatch Logs volume there.
        dbMonitoringIntervalSeconds: 0,
        grafanaEnabled: false,
        logRetentionDays: 7,
        // Edges in North America, Europe and Israel only: the cheapest class; developers elsewhere see more latency.
        cloudFrontPriceClass: "PriceClass_100",
        shieldAdvanced: false,
        // A dev stack is torn down and rebuilt: nothing may block `pulumi destroy`.
        protectStatefulResources: false,
        ecrForceDelete: true,
        // Every request traced: dev traffic is small, and a missing trace is what a developer debugging would notice.
        traceSampleRatio: 1,
    },
    prod: {
        // One NAT gateway per AZ: a zone failure must not cut the other zones off the internet.
        natGateways: "one-per-az",
        flowLogRetentionDays: 90,
        clusterLogRetentionDays: 90,
        systemNodeInstanceTypes: ["m7g.large"],
        systemNodeMinSize: 3,
        systemNodeMaxSize: 6,
        systemNodeDesiredSize: 3,
        karpenterCapacityTypes: ["spot", "on-demand"],
        karpenterArchitectures: ["arm64", "amd64"],
        karpenterCpuLimit: 256,
        karpenterMemoryLimitGib: 1024,
        dbInstanceClass: "db.m7g.large",
        dbAllocatedStorageGib: 100,
        dbMaxAllocatedStorageGib: 1000,
        dbMultiAz: true,
        dbDeletionProtection: true,
        dbBackupRetentionDays: 14,
        // OS metrics (per-process CPU, memory, swap, I/O) every minute: what an incident on the instance needs.
        dbMonitoringIntervalSeconds: 60,
        grafanaEnabled: true,
        logRetentionDays: 30,
        // Shoppers near every region the platform runs in: 200 adds India (ap-south-1's market) to North America
        // (us-east-1) and Europe (eu-west-1); All would add South America and Oceania, where no region serves.
        cloudFrontPriceClass: "PriceClass_200",
        // A one-year, organisation-wide paid subscription must exist first (README): turned on per stack, never by default.
        shieldAdvanced: false,
        // Replacing or deleting the shop's data takes an explicit `pulumi state unprotect` (README, "Protection").
        protectStatefulResources: true,
        // Images of past releases are what a rollback deploys.
        ecrForceDelete: false,
        // One request in ten: enough to see every slow path under load while keeping the traces data streams a
        // tenth of full sampling. A child span follows its parent's decision, so a sampled trace stays whole.
        traceSampleRatio: 0.1,
    },
};
