import type * as pulumi from "@pulumi/pulumi";
import { loadBalancerZoneProblem } from "../components/edge/load-balancer-zones";
import { networkSizeProblem } from "../components/network-layout";
import { rdsIdentifierProblem } from "../components/rds-log-groups";
import { ConfigError, ConfigReader, RawValues, cidrProblem, closestKey } from "./config-parser";
import { ENVIRONMENTS, Environment, PROFILES } from "./profiles";
import { EKS_UNSUPPORTED_ZONE_IDS } from "../components/availability-zones";
import { AWS_REGIONS, eksZoneCount, isAwsRegion } from "./regions";
import { EKS_KUBERNETES_VERSIONS, EKS_VERSIONS_REVIEWED } from "../components/catalogue";

export const CAPACITY_TYPES = ["spot", "on-demand"] as const;
export const ARCHITECTURES = ["arm64", "amd64"] as const;
export const NAT_STRATEGIES = ["single", "one-per-az"] as const;
export const EKS_SUPPORT_TYPES = ["STANDARD", "EXTENDED"] as const;
/** CloudWatch Logs accepts only these retention periods (days). */
/** CloudFront price classes: 100 = North America, Europe, Israel; 200 adds Asia (India included), the Middle East and Africa; All adds South America and Oceania. */
export const CLOUDFRONT_PRICE_CLASSES = ["PriceClass_100", "PriceClass_200", "PriceClass_All"] as const;
/**
 * How the environment's prod regions share one database: RDS PostgreSQL cross-region read replicas (the cost-optimised
 * default) or an Aurora PostgreSQL Global Database.
 */
export const DATABASE_TOPOLOGIES = ["rds-replicas", "aurora-global"] as const;
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** The whole stack configuration, parsed and validated once. Components receive slices of it as plain arguments. */
export interface PlatformConfig {
    project: string;
    stack: string;
    environment: Environment;
    isProduction: boolean;
    region: string;
    costCentre: string;
    network: {
        cidrBlock: string;
        availabilityZoneCount: number;
        natGateways: (typeof NAT_STRATEGIES)[number];
        flowLogRetentionDays: number;
        /**
         * The environment's other stacks this stack's VPC is peered with (stacks/region-mesh.ts): every prod stack lists
         * all the others, so the prod regions form a full mesh and a failover needs no new network. Default []: none.
         */
        peerStacks: string[];
    };
    cluster: {
        /**
         * The EKS cluster's name, which names its KMS alias, log group, discovery tags and IAM policies too. Default
         * <project>-<environment>-<region>: from config, never from the stack name, so `pulumi stack rename` replaces
         * nothing. Stacks created before this rule pin their earlier name (<project>-<stack>) in their stack file.
         */
        name: string;
        kubernetesVersion: string;
        /**
         * EKS upgradePolicy.supportType. STANDARD (default): when standard support ends EKS upgrades the cluster itself
         * instead of billing extended support ($0.60 instead of $0.10 per cluster hour, FACTS.md); EXTENDED pays to stay.
         */
        supportType: (typeof EKS_SUPPORT_TYPES)[number];
        /** Default []: the API server endpoint is private only. A non-empty list makes it public to exactly those ranges. */
        publicAccessCidrs: string[];
        /** IAM roles (CI deployer, operators' SSO role) given cluster-admin through EKS access entries. Default []. */
        adminRoleArns: string[];
        logRetentionDays: number;
        systemNodes: { instanceTypes: string[]; minSize: number; maxSize: number; desiredSize: number };
    };
    autoscaling: {
        capacityTypes: (typeof CAPACITY_TYPES)[number][];
        architectures: (typeof ARCHITECTURES)[number][];
        cpuLimit: number;
        memoryLimitGib: number;
        /** Create the account's EC2 spot service-linked role; false where another stack of the account owns it. */
        spotServiceLinkedRole: boolean;
    };
    database: {
        instanceClass: string;
        engineVersion: string;
        /** Let a changed major of engineVersion upgrade the instance in place. Default false (README runbook "Upgrades"). */
        allowMajorVersionUpgrade: boolean;
        allocatedStorageGib: number;
        maxAllocatedStorageGib: number;
        multiAz: boolean;
        deletionProtection: boolean;
        backupRetentionDays: number;
        /** RDS Enhanced Monitoring interval in seconds; 0 is off. */
        monitoringIntervalSeconds: number;
        /** The instance identifier: config dbIdentifier, default `<cluster name>-postgres` (lower case, "_" as "-"). */
        identifier: string;
        /**
         * Where the writer's automated backups are copied (cross-region point-in-time restore); "" for none. Required
         * where a prod stack holds the writer. Read only while this stack holds the writer.
         */
        backupReplicationRegion: string;
        /** One writer for the environment, read-only copies in its other regions (stacks/data-topology.ts). */
        topology: DatabaseTopology;
    };
    edge: {
        /** The environment's public DNS name (shop.example.com); CloudFront serves it, every region api.<region>.<domain>. */
        domain: string;
        /** The stack that owns this environment's edge (hosted zone, CloudFront); "" (default): this stack owns it. */
        edgeStack: string;
        /** An existing public hosted zone of `domain` the owner uses; "" (default): the owner creates the zone. */
        hostedZoneId: string;
        /** Whether this stack owns the edge (edgeStack is empty). */
        ownsEdge: boolean;
        /** The latency-routed name CloudFront reaches the regions at: origin.<domain>. */
        originHostname: string;
        /** This region's own name on its load balancer: api.<region>.<domain>. */
        regionalHostname: string;
        /** https://<domain>. */
        publicUrl: string;
    };
    services: {
        /**
         * Public host name of Keycloak: the token issuer is https://<authHostname>/auth/realms/shop in every region, so a
         * token verifies wherever latency routing sends it. Defaults to the edge's domain (Keycloak through CloudFront).
         */
        authHostname: string;
        /** Days Elasticsearch keeps shipped container logs before the lifecycle policy deletes them. */
        logRetentionDays: number;
        /** Whether shoppers may create their own accounts in the shop realm (Keycloak self-registration). */
        keycloakSelfRegistration: boolean;
    };
    api: {
        /** Prebuilt image reference (CI pushes it, pinned by tag or digest); empty: `pulumi up` builds app/ itself. */
        image: string;
        /** Architectures the prebuilt image's manifest covers; pods are pinned to them. Ignored when app/ is built. */
        imageArchitectures: (typeof ARCHITECTURES)[number][];
        /** Catalogue feed (https URL) the product-fetch CronJob imports; empty: the demo feed shipped in the image. */
        catalogueFeedUrl: string;
        /**
         * Browser origins (storefronts on another origin) the API answers CORS requests from, exactly as browsers send
         * them (https://shop.example.com). Default []: no cross-origin browser access. Set per stack.
         */
        corsAllowedOrigins: string[];
    };
    monitoring: {
        /** Where alarms go; empty means the SNS topic has no subscriber yet. */
        alertEmail: string;
        grafanaEnabled: boolean;
        /**
         * Container logs to CloudWatch too (Container Insights' Fluent Bit) besides Elasticsearch. Default false: they
         * are shipped once, to Elasticsearch.
         */
        containerLogsToCloudWatch: boolean;
    };
    /** CloudFront, WAF and Shield settings of the edge-owning stack. */
    cdn: {
        priceClass: (typeof CLOUDFRONT_PRICE_CLASSES)[number];
        /** Shield Advanced protections (requires the organisation's paid subscription; see the README). */
        shieldAdvanced: boolean;
        /** Requests one client IP may make in any 5-minute window before the WAF blocks it. */
        wafRateLimitPer5Minutes: number;
    };
    analytics: {
        /** Athena stops (and bills no further) any query of the workgroup that scans more than this. */
        athenaBytesScannedCutoffMib: number;
    };
    tracing: {
        /**
         * Share (0..1) of the traces the workloads start that are kept (OTEL_TRACES_SAMPLER_ARG with the
         * parentbased_traceidratio sampler). Profile: dev 1, prod 0.1.
         */
        sampleRatio: number;
    };
    lifecycle: {
        /** `protect` on stateful resources: a replacement or deletion fails until unprotected. Profile: prod on, dev off. */
        protectStatefulResources: boolean;
        /** `pulumi destroy` deletes the ECR repository with its images. Profile: dev on; refused in prod. */
        ecrForceDelete: boolean;
    };
    /**
     * Keeper of every password the program generates (Redis, Elasticsearch file-realm users, Kafka SCRAM users,
     * database roles): a new value rotates them all in one `pulumi up`, and checksum annotations roll the pods.
     */
    secretRotationEpoch: string;
    secrets: {
        keycloakAdminPassword: pulumi.Output<string>;
        /** Present whenever Grafana is enabled. */
        grafanaAdminPassword?: pulumi.Output<string>;
    };
}

export interface DatabaseTopology {
    /** rds-replicas (default) or aurora-global. */
    kind: (typeof DATABASE_TOPOLOGIES)[number];
    /**
     * The stack that holds the environment's writer. Default: the edge owner (edgeStack, or this stack when it owns the
     * edge). A failover promotes another stack by setting it there first (README, "Failover").
     */
    primaryStack: string;
    /** Whether this stack holds the writer (primaryStack is this stack). */
    isPrimary: boolean;
    /**
     * The edge owner's original writer was given up in a failover: the stack now holds a replica of the primary (promoted
     * when it becomes the primary again) instead of its first writer. Default false. Only the edge owner reads it.
     */
    originalWriterRetired: boolean;
}

export interface RawConfig {
    project: string;
    stack: string;
    /** `aws:region` from the stack's config. */
    region: string | undefined;
    /** Project config values by key without the namespace, as strings (arrays as JSON). */
    values: RawValues;
    /** Secret config values by key, undefined when not set (or set to an empty value). */
    secrets: Readonly<Record<string, pulumi.Output<string> | undefined>>;
    /**
     * Every key the stack's config holds in the project namespace, without the namespace, as the engine handed it to
     * the program (stack file plus Pulumi.yaml defaults). A key the program does not read is a typo, refused.
     */
    keys: readonly string[];
    /** Secret keys set to an empty value (`pulumi config set --secret key ""`, or `secure:` with nothing usable). */
    emptySecrets: readonly string[];
    /** Secret keys whose value the stack file holds in plain text instead of `secure:` ciphertext. */
    plaintextSecrets: readonly string[];
}

/** Every non-secret project config key the program reads; Pulumi.yaml declares the same set (a test holds them equal). */
export const CONFIG_KEYS = [
    "environment", "costCentre", "vpcCidr", "availabilityZoneCount", "natGateways", "flowLogRetentionDays",
    "clusterName", "kubernetesVersion", "eksSupportType", "clusterPublicAccessCidrs", "clusterAdminRoleArns", "clusterLogRetentionDays",
    "systemNodeInstanceTypes", "systemNodeMinSize", "systemNodeMaxSize", "systemNodeDesiredSize",
    "karpenterCapacityTypes", "karpenterArchitectures", "karpenterCpuLimit", "karpenterMemoryLimitGib", "karpenterSpotServiceLinkedRole",
    "dbInstanceClass", "dbEngineVersion", "dbAllowMajorVersionUpgrade", "dbAllocatedStorageGib", "dbMaxAllocatedStorageGib", "dbMultiAz",
    "dbDeletionProtection", "dbBackupRetentionDays", "dbMonitoringIntervalSeconds", "dbIdentifier",
    "databaseTopology", "databasePrimaryStack", "databaseOriginalWriterRetired", "dbBackupReplicationRegion", "alertEmail", "grafanaEnabled", "containerLogsToCloudWatch", "apiImage", "apiImageArchitectures", "catalogueFeedUrl", "corsAllowedOrigins",
    "authHostname", "logRetentionDays", "secretRotationEpoch", "keycloakSelfRegistration",
    "domain", "edgeStack", "peerStacks", "hostedZoneId", "cloudFrontPriceClass", "shieldAdvanced", "wafRateLimitPer5Minutes", "athenaBytesScannedCutoffMib",
    "protectStatefulResources", "ecrForceDelete", "traceSampleRatio",
] as const;
export const SECRET_KEYS = ["keycloakAdminPassword", "grafanaAdminPassword"] as const;

export function parsePlatformConfig(raw: RawConfig): PlatformConfig {
    const read = new ConfigReader(raw.project, raw.values);
    const problems: string[] = [];

    const region = raw.region ?? "";
    if (!raw.region) problems.push("aws:region: is required (e.g. ap-south-1)");
    else if (!isAwsRegion(region)) problems.push(`aws:region: "${region}" is not an AWS region; ${suggestRegion(region)}`);
    else if (loadBalancerZoneProblem(region)) problems.push(`aws:region: ${region} ${loadBalancerZoneProblem(region)}`);

    const environment = read.oneOf("environment", ENVIRONMENTS, undefined);
    const profile = PROFILES[environment] ?? PROFILES.dev;
    const retention = (name: string, fallback: number) => {
        const days = read.integer(name, fallback, 1, 3653);
        if (!(LOG_RETENTION_DAYS as readonly number[]).includes(days)) read.fail(name, `${days} is not a CloudWatch retention period; use one of ${LOG_RETENTION_DAYS.join(", ")}`);
        return days;
    };
    const domain = read.string("domain", undefined, (v) => dnsNameProblem(v, "shop.example.com"));
    const edgeStack = read.string("edgeStack", "", (v) => v === "" || /^[A-Za-z0-9_.-]{1,100}$/.test(v)
        ? (v === raw.stack ? `"${v}" is this stack; leave edgeStack empty in the stack that owns the edge` : undefined)
        : `"${v}" is not a stack name such as prod`);
    const stackName = (v: string) => /^[A-Za-z0-9_.-]{1,100}$/.test(v) ? undefined : `"${v}" is not a stack name such as prod`;
    const primaryStack = read.string("databasePrimaryStack", "", (v) => v === "" ? undefined : stackName(v)) || edgeStack || raw.stack;
    const hostedZoneId = read.string("hostedZoneId", "", (v) => v === "" || /^Z[A-Z0-9]{1,31}$/.test(v) ? undefined : `"${v}" is not a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ`);
    if (edgeStack !== "" && hostedZoneId !== "") read.fail("hostedZoneId", `only the stack that owns the edge reads it; this stack takes the zone from its edge stack ${edgeStack}`);
    const peerStacks = read.list("peerStacks", [], (v) => !/^[A-Za-z0-9_.-]{1,100}$/.test(v) ? `"${v}" is not a stack name such as prod-us-east-1`
        : v === raw.stack ? `"${v}" is this stack; list only the other stacks to peer with` : undefined);
    const repeated = peerStacks.find((peer, i) => peerStacks.indexOf(peer) !== i);
    if (repeated) read.fail("peerStacks", `"${repeated}" is listed twice`);
    if (peerStacks.length > 0 && environment !== "prod") read.fail("peerStacks", `only prod stacks are peered across regions; ${environment} stays single-region, leave it []`);
    // EKS refuses a cluster's subnets in some zones: only the others count (components/availability-zones.ts).
    const eksZones = eksZoneCount(region);
    const zoneCount = read.integer("availabilityZoneCount", 3, 2, 6);
    if (zoneCount > eksZones) {
        const refused = EKS_UNSUPPORTED_ZONE_IDS[region] ?? [];
        read.fail("availabilityZoneCount", `${zoneCount}${read.raw("availabilityZoneCount") === undefined ? " (the default)" : ""} is more than the ${eksZones} zones of ${region} ` +
            `where EKS accepts a cluster's subnets${refused.length > 0 ? ` (EKS refuses zone ${refused.join(", ")})` : ""}; allowed 2..${eksZones}`);
    }

    const config: PlatformConfig = {
        project: raw.project,
        stack: raw.stack,
        environment,
        isProduction: environment === "prod",
        region,
        costCentre: read.string("costCentre", "ecommerce", (v) => /^[A-Za-z0-9_.:/=+@ -]{1,128}$/.test(v) ? undefined : "must be 1-128 characters valid in an AWS tag value"),
        network: {
            cidrBlock: read.string("vpcCidr", undefined, (v) => cidrProblem(v, 16, 20)),
            availabilityZoneCount: zoneCount,
            natGateways: read.oneOf("natGateways", NAT_STRATEGIES, profile.natGateways),
            flowLogRetentionDays: retention("flowLogRetentionDays", profile.flowLogRetentionDays),
            peerStacks,
        },
        cluster: {
            // EKS: 1-100 characters, a letter or digit first, then letters, digits, hyphens and underscores.
            name: read.string("clusterName", "", (v) => v === "" || /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(v)
                ? undefined : `"${v}" is not an EKS cluster name (1-100 letters, digits, "-" or "_", starting with a letter or digit)`)
                || `${raw.project}-${environment}-${region}`.slice(0, 100),
            kubernetesVersion: read.string("kubernetesVersion", "1.35", (v) => v in EKS_KUBERNETES_VERSIONS ? undefined
                : `"${v}" is not a version EKS offers (components/catalogue.ts EKS_KUBERNETES_VERSIONS, reviewed ${EKS_VERSIONS_REVIEWED}); use one of ${Object.keys(EKS_KUBERNETES_VERSIONS).join(", ")}`),
            supportType: read.oneOf("eksSupportType", EKS_SUPPORT_TYPES, "STANDARD"),
            // Private by default: a public endpoint is an explicit choice of named egress ranges.
            publicAccessCidrs: read.list("clusterPublicAccessCidrs", [], (cidr) =>
                cidr === "0.0.0.0/0" ? "0.0.0.0/0 would expose the Kubernetes API to the internet; name your egress CIDRs, or use [] for a private endpoint" : cidrProblem(cidr)),
            adminRoleArns: read.list("clusterAdminRoleArns", [], (arn) => /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn)
                ? undefined : `"${arn}" is not an IAM role ARN such as arn:aws:iam::123456789012:role/ci-deploy`),
            logRetentionDays: retention("clusterLogRetentionDays", profile.clusterLogRetentionDays),
            systemNodes: {
                instanceTypes: read.list("systemNodeInstanceTypes", profile.systemNodeInstanceTypes, instanceTypeProblem),
                minSize: read.integer("systemNodeMinSize", profile.systemNodeMinSize, 1, 100),
                maxSize: read.integer("systemNodeMaxSize", profile.systemNodeMaxSize, 1, 100),
                desiredSize: read.integer("systemNodeDesiredSize", profile.systemNodeDesiredSize, 1, 100),
            },
        },
        autoscaling: {
            capacityTypes: read.oneOfList("karpenterCapacityTypes", CAPACITY_TYPES, [...profile.karpenterCapacityTypes] as (typeof CAPACITY_TYPES)[number][]),
            architectures: read.oneOfList("karpenterArchitectures", ARCHITECTURES, [...profile.karpenterArchitectures] as (typeof ARCHITECTURES)[number][]),
            cpuLimit: read.integer("karpenterCpuLimit", profile.karpenterCpuLimit, 2, 100000),
            memoryLimitGib: read.integer("karpenterMemoryLimitGib", profile.karpenterMemoryLimitGib, 4, 1000000),
            spotServiceLinkedRole: read.boolean("karpenterSpotServiceLinkedRole", false),
        },
        database: {
            instanceClass: read.string("dbInstanceClass", profile.dbInstanceClass, (v) => /^db\.[a-z0-9]+\.[a-z0-9]+$/.test(v) ? undefined : `"${v}" is not an RDS instance class such as db.t4g.medium`),
            engineVersion: read.string("dbEngineVersion", "17", (v) => /^(1[3-9])(\.\d+)?$/.test(v) ? undefined : `"${v}" is not a PostgreSQL version RDS offers; use 13 to 19, e.g. "17" or "17.6"`),
            allowMajorVersionUpgrade: read.boolean("dbAllowMajorVersionUpgrade", false),
            allocatedStorageGib: read.integer("dbAllocatedStorageGib", profile.dbAllocatedStorageGib, 20, 65536),
            maxAllocatedStorageGib: read.integer("dbMaxAllocatedStorageGib", profile.dbMaxAllocatedStorageGib, 20, 65536),
            multiAz: read.boolean("dbMultiAz", profile.dbMultiAz),
            deletionProtection: read.boolean("dbDeletionProtection", profile.dbDeletionProtection),
            backupRetentionDays: read.integer("dbBackupRetentionDays", profile.dbBackupRetentionDays, 1, 35),
            monitoringIntervalSeconds: read.integer("dbMonitoringIntervalSeconds", profile.dbMonitoringIntervalSeconds, 0, 60),
            identifier: read.string("dbIdentifier", "", (v) => v === "" ? undefined : rdsIdentifierProblem(v)),
            backupReplicationRegion: read.string("dbBackupReplicationRegion", "", (v) => v === "" ? undefined
                : !isAwsRegion(v) ? `"${v}" is not an AWS region; ${suggestRegion(v)}` : undefined),
            topology: {
                kind: read.oneOf("databaseTopology", DATABASE_TOPOLOGIES, "rds-replicas"),
                primaryStack,
                isPrimary: primaryStack === raw.stack,
                originalWriterRetired: read.boolean("databaseOriginalWriterRetired", false),
            },
        },
        edge: {
            domain,
            edgeStack,
            hostedZoneId,
            ownsEdge: edgeStack === "",
            originHostname: `origin.${domain}`,
            regionalHostname: `api.${region}.${domain}`,
            publicUrl: `https://${domain}`,
        },
        services: {
            // Within the domain: the zone and the regional certificates cover nothing else.
            authHostname: read.string("authHostname", domain, (v) => domain === "" ? undefined : dnsNameProblem(v, "auth.shop.example.com")
                ?? (v === domain || v.endsWith(`.${domain}`) ? undefined : `"${v}" is outside ${read.key("domain")} ${domain}; use ${domain} or a name under it`)),
            logRetentionDays: read.integer("logRetentionDays", profile.logRetentionDays, 1, 3650),
            keycloakSelfRegistration: read.boolean("keycloakSelfRegistration", false),
        },
        api: {
            image: read.string("apiImage", "", imageReferenceProblem),
            imageArchitectures: read.oneOfList("apiImageArchitectures", ARCHITECTURES, [...ARCHITECTURES]),
            catalogueFeedUrl: read.string("catalogueFeedUrl", "", (v) => v === "" || /^https:\/\/[^\s]+$/.test(v) ? undefined : `"${v}" is not an https URL`),
            corsAllowedOrigins: read.list("corsAllowedOrigins", [], browserOriginProblem),
        },
        monitoring: {
            alertEmail: read.string("alertEmail", "", (v) => v === "" || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? undefined : `"${v}" is not an e-mail address`),
            grafanaEnabled: read.boolean("grafanaEnabled", profile.grafanaEnabled),
            containerLogsToCloudWatch: read.boolean("containerLogsToCloudWatch", false),
        },
        cdn: {
            priceClass: read.oneOf("cloudFrontPriceClass", CLOUDFRONT_PRICE_CLASSES, profile.cloudFrontPriceClass),
            shieldAdvanced: read.boolean("shieldAdvanced", profile.shieldAdvanced),
            // WAF accepts 10 to 2,000,000,000 requests per evaluation window.
            wafRateLimitPer5Minutes: read.integer("wafRateLimitPer5Minutes", 2000, 10, 2_000_000_000),
        },
        analytics: {
            // Athena's smallest cutoff is 10 MB; 1 TiB is the largest the pack's advisory rule accepts by default.
            athenaBytesScannedCutoffMib: read.integer("athenaBytesScannedCutoffMib", 1024, 10, 1_048_576),
        },
        tracing: {
            sampleRatio: ratio(read, "traceSampleRatio", profile.traceSampleRatio),
        },
        lifecycle: {
            protectStatefulResources: read.boolean("protectStatefulResources", profile.protectStatefulResources),
            ecrForceDelete: read.boolean("ecrForceDelete", profile.ecrForceDelete),
        },
        secretRotationEpoch: read.string("secretRotationEpoch", "1", (v) => /^[A-Za-z0-9._-]{1,64}$/.test(v) ? undefined : `"${v}" must be 1-64 letters, digits, ".", "_" or "-" (a counter or a date such as 2026-12-01)`),
        secrets: {
            keycloakAdminPassword: raw.secrets.keycloakAdminPassword as pulumi.Output<string>,
            grafanaAdminPassword: raw.secrets.grafanaAdminPassword,
        },
    };

    const nodes = config.cluster.systemNodes;
    if (nodes.minSize > nodes.maxSize) read.fail("systemNodeMinSize", `${nodes.minSize} is above systemNodeMaxSize ${nodes.maxSize}`);
    if (nodes.desiredSize < nodes.minSize || nodes.desiredSize > nodes.maxSize) {
        read.fail("systemNodeDesiredSize", `${nodes.desiredSize} must lie between systemNodeMinSize ${nodes.minSize} and systemNodeMaxSize ${nodes.maxSize}`);
    }
    const db = config.database;
    if (db.maxAllocatedStorageGib < db.allocatedStorageGib) {
        read.fail("dbMaxAllocatedStorageGib", `${db.maxAllocatedStorageGib} is below dbAllocatedStorageGib ${db.allocatedStorageGib}`);
    }
    if (config.isProduction && !db.deletionProtection) read.fail("dbDeletionProtection", "must be true in prod: a stray `pulumi destroy` must not drop the shop's data");
    if (config.isProduction && config.lifecycle.ecrForceDelete) read.fail("ecrForceDelete", "must be false in prod: the images of past releases are what a rollback deploys");
    if (![0, 1, 5, 10, 15, 30, 60].includes(db.monitoringIntervalSeconds)) {
        read.fail("dbMonitoringIntervalSeconds", `${db.monitoringIntervalSeconds} is not an interval RDS offers; use 0 (off), 1, 5, 10, 15, 30 or 60`);
    }
    if (db.identifier === "") {
        // From the cluster's name, not the stack's: `pulumi stack rename` must not rename the database.
        db.identifier = `${config.cluster.name.toLowerCase().replace(/_/g, "-").replace(/-+/g, "-")}-postgres`;
        const problem = rdsIdentifierProblem(db.identifier);
        if (problem) read.fail("dbIdentifier", `derived from clusterName: ${problem}; set dbIdentifier`);
    }
    if (config.isProduction && db.backupRetentionDays < 7) read.fail("dbBackupRetentionDays", `${db.backupRetentionDays} is too short for prod; use 7 or more`);

    const topology = db.topology;
    if (!config.isProduction && !topology.isPrimary) {
        read.fail("databasePrimaryStack", `"${topology.primaryStack}": dev stays single-region and holds its own writer; leave it empty`);
    }
    // The edge owner's first writer is a standalone instance: RDS cannot turn it into a replica of another region.
    if (config.edge.ownsEdge && !topology.isPrimary && !topology.originalWriterRetired && topology.kind === "rds-replicas") {
        read.fail("databasePrimaryStack", `"${topology.primaryStack}" holds the writer, but this stack's own writer cannot become its replica; ` +
            `set ${read.key("databaseOriginalWriterRetired")} true to rebuild this region as a replica (README, "Failover"; npm run failover)`);
    }
    // Read only while this stack holds the writer: a copied stack file may name its own region until it is promoted.
    if (topology.isPrimary && db.backupReplicationRegion === region) {
        read.fail("dbBackupReplicationRegion", `"${region}" is this stack's own region; name another region`);
    }
    if (config.isProduction && topology.isPrimary && topology.kind === "rds-replicas" && db.backupReplicationRegion === "") {
        read.fail("dbBackupReplicationRegion", `is required where a prod stack holds the writer (this stack: ${raw.stack}); name a region RDS replicates ${region}'s automated backups to (aws rds describe-source-regions --region <destination>)`);
    }
    // Aurora PostgreSQL global databases run on memory-optimised classes (db.r*, db.x2g); it offers no db.m class.
    if (topology.kind === "aurora-global" && !/^db\.(r\d+[a-z]*|x2g)\./.test(db.instanceClass)) {
        read.fail("dbInstanceClass", `${db.instanceClass} is not an instance class of an Aurora PostgreSQL global database (databaseTopology aurora-global); use a db.r class such as db.r7g.large`);
    }
    if (topology.originalWriterRetired && !config.edge.ownsEdge) {
        read.fail("databaseOriginalWriterRetired", "only the edge-owning stack ever held the original writer; leave it false here");
    }

    const kubernetes = EKS_KUBERNETES_VERSIONS[config.cluster.kubernetesVersion];
    if (kubernetes && config.cluster.supportType === "STANDARD" && kubernetes.standardSupportEnds < EKS_VERSIONS_REVIEWED) {
        read.fail("kubernetesVersion", `${config.cluster.kubernetesVersion} left standard support on ${kubernetes.standardSupportEnds}: with ` +
            `${read.key("eksSupportType")} STANDARD EKS upgrades the cluster itself; upgrade one minor at a time (README, "Upgrades"), ` +
            `or set ${read.key("eksSupportType")} EXTENDED to pay for extended support ($0.60 instead of $0.10 per cluster hour) until ${kubernetes.extendedSupportEnds}`);
    }

    const network = config.network;
    // Only a well-formed CIDR and zone count can be judged; a malformed one already has its own message.
    const networkKeys = [read.key("vpcCidr"), read.key("availabilityZoneCount")].map((key) => `${key}:`);
    if (!read.problems.some((problem) => networkKeys.some((key) => problem.startsWith(key)))) {
        const sizeProblem = networkSizeProblem(network.cidrBlock, network.availabilityZoneCount);
        if (sizeProblem) read.fail("vpcCidr", `${network.cidrBlock} with ${read.key("availabilityZoneCount")} ${network.availabilityZoneCount} cannot hold the subnets: ${sizeProblem}`);
    }

    const all = [...unknownKeyProblems(raw), ...secretProblems(raw, read, config.monitoring.grafanaEnabled), ...problems, ...read.problems];
    if (all.length > 0) throw new ConfigError(all);
    return config;
}

/** Keys under the project namespace that the program does not read: typos such as dbMultiAZ for dbMultiAz. */
function unknownKeyProblems(raw: RawConfig): string[] {
    const known: readonly string[] = [...CONFIG_KEYS, ...SECRET_KEYS];
    return raw.keys.filter((key) => !known.includes(key)).sort().map((key) => {
        const closest = closestKey(key, known);
        const hint = closest ? `did you mean ${closest}?` : "the keys this program reads are declared in Pulumi.yaml";
        return `${raw.project}:${key}: is not a key this program reads; ${hint}`;
    });
}

/**
 * Secrets must arrive encrypted and non-empty. The Pulumi CLI refuses a plain-text value only for keys Pulumi.yaml
 * declares with both `type` and `secret: true` (pkg/workspace/config.go, validateStackConfigValue); this check covers
 * every secret key, so `pulumi up` stops the same way whatever Pulumi.yaml says.
 */
function secretProblems(raw: RawConfig, read: ConfigReader, grafanaEnabled: boolean): string[] {
    const problems: string[] = [];
    const setIt = (key: string) => `set it with \`pulumi config set --secret ${read.key(key)} <password>\``;
    for (const key of SECRET_KEYS) {
        if (raw.plaintextSecrets.includes(key)) problems.push(`${read.key(key)}: must be encrypted as it's secret (the stack file holds it in plain text); ${setIt(key)}`);
    }
    const required: string[] = ["keycloakAdminPassword", ...(grafanaEnabled ? ["grafanaAdminPassword"] : [])];
    for (const key of required) {
        if (raw.plaintextSecrets.includes(key)) continue;
        const why = key === "grafanaAdminPassword" ? "is a required secret while grafanaEnabled is true" : "is a required secret";
        if (raw.emptySecrets.includes(key)) problems.push(`${read.key(key)}: ${why} but its value is empty; ${setIt(key)}`);
        else if (!raw.secrets[key]) problems.push(`${read.key(key)}: ${why}; ${setIt(key)}`);
    }
    return problems;
}

/** A decimal between 0 and 1 inclusive (a sampling ratio); the fallback when the key is unset. */
function ratio(read: ConfigReader, name: string, fallback: number): number {
    const raw = read.raw(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^(\d+(\.\d+)?|\.\d+)$/.test(raw.trim()) || value < 0 || value > 1) {
        read.fail(name, `expected a ratio between 0 and 1 such as 0.1, got "${raw}"`);
        return fallback;
    }
    return value;
}

/** A lower-case DNS name of two or more labels. */
function dnsNameProblem(value: string, example: string): string | undefined {
    return /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(value) ? undefined : `"${value}" is not a DNS name such as ${example}`;
}

function suggestRegion(value: string): string {
    const squashed = value.toLowerCase().replace(/[^a-z0-9]/g, "");
    const match = Object.keys(AWS_REGIONS).find((name) => name.replace(/-/g, "") === squashed);
    return match ? `did you mean ${match}?` : `use a region code such as ap-south-1, us-east-1 or eu-west-1 (${Object.keys(AWS_REGIONS).length} known)`;
}

/** A pinned image reference: registry/repository with a tag other than "latest", or a digest. */
function imageReferenceProblem(value: string): string | undefined {
    if (value === "") return undefined;
    if (/@sha256:[0-9a-f]{64}$/.test(value)) return undefined;
    const tag = /^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(value)?.[1];
    if (!tag) return `"${value}" is not an image reference such as 123456789012.dkr.ecr.ap-south-1.amazonaws.com/shop-api:1.4.2`;
    return tag === "latest" ? `"${value}" uses the mutable tag latest; pin a version tag or a digest` : undefined;
}

/**
 * A storefront origin as browsers send it in `Origin`: https, a host name, an optional port, nothing else (a trailing
 * slash or a path never matches, and a wildcard would let any site call the API with a user's token).
 */
function browserOriginProblem(value: string): string | undefined {
    if (value === "*") return `"*" would let any web site call the API from a browser; name the storefront origins`;
    return /^https:\/\/(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$/.test(value)
        ? undefined
        : `"${value}" is not a browser origin such as https://shop.example.com (https, lower case, no path or trailing slash)`;
}

function instanceTypeProblem(value: string): string | undefined {
    return /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value) ? undefined : `"${value}" is not an EC2 instance type such as m7g.large`;
}
