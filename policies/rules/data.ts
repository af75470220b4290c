/**
 * Data stores: RDS, S3, EFS, KMS, SQS, SNS, ElastiCache. Exposure and missing encryption are mandatory, and so is
 * what loses data (backups, deletion protection, Multi-AZ and final snapshots in production).
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { refersTo } from "../lib/companions";
import { reportPublicStatements } from "../lib/iam";
import { ProductionConfig, productionConfigSchema, Rule, resourceRule, stackRule } from "../lib/policy";
import { isProduction } from "../lib/tags";
import { asArray, asBool, asNumber, asRecord, asString, isRecord, isUnknownValueError, Props, readForMatching } from "../lib/values";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
const RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup";
const RDS_GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster";

/**
 * A read replica (same- or cross-region) inherits data from its source: backups and Multi-AZ are the source's job. A
 * PostgreSQL replica cannot even have backups (RDS creates every replica with backups disabled and refuses to turn
 * them on for PostgreSQL: "DB Backups not supported on a read replica for engine postgres").
 */
function isReplica(props: Props): boolean {
    return asString(props["replicateSourceDb"]) !== undefined && asString(props["replicateSourceDb"]) !== "";
}

export const rdsNotPublic = resourceRule({
    name: "rds-not-public",
    description: "RDS instances must not be publicly accessible.",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER_INSTANCE],
    validate: (props, _args, report) => {
        if (asBool(props["publiclyAccessible"]) === true) report("publiclyAccessible is true: the database gets a public endpoint.");
    },
});

export const rdsStorageEncrypted = resourceRule({
    name: "rds-storage-encrypted",
    description: "RDS instances, clusters and Aurora global databases must encrypt storage (storageEncrypted, or a kmsKeyId).",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER, RDS_GLOBAL_CLUSTER],
    validate: (props, _args, report) => {
        const encrypted = asBool(props["storageEncrypted"]) === true || (asString(props["kmsKeyId"]) ?? "") !== "";
        if (!encrypted) report("Storage is not encrypted: set storageEncrypted: true (with a customer-managed kmsKeyId).");
    },
});

interface BackupConfig {
    minimumRetentionDays: number;
}

export const rdsBackupRetention = resourceRule<BackupConfig>({
    name: "rds-backup-retention",
    description: "RDS instances and clusters keep automated backups for at least the configured days (replicas excepted).",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER],
    configSchema: { properties: { minimumRetentionDays: { type: "integer", minimum: 1, maximum: 35, default: 7 } } },
    validate: (props, args, report, config) => {
        if (args.type === RDS_INSTANCE && isReplica(props)) return;
        const days = asNumber(props["backupRetentionPeriod"]);
        if (days === undefined || days < config.minimumRetentionDays) {
            report(`backupRetentionPeriod is ${days ?? "unset"}; at least ${config.minimumRetentionDays} days are required.`);
        }
    },
});

export const rdsDeletionProtectionProd = resourceRule<ProductionConfig>({
    name: "rds-deletion-protection-prod",
    description: "Production RDS instances, clusters and Aurora global databases have deletionProtection enabled.",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER, RDS_GLOBAL_CLUSTER],
    configSchema: { properties: { ...productionConfigSchema } },
    validate: (props, args, report, config) => {
        if (!isProduction(props, args.provider, config)) return;
        if (asBool(props["deletionProtection"]) !== true) report("deletionProtection is not true on a production database.");
    },
});

export const rdsMultiAzProd = resourceRule<ProductionConfig>({
    name: "rds-multi-az-prod",
    description: "Production RDS instances run Multi-AZ (a synchronous standby), except read replicas.",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE],
    configSchema: { properties: { ...productionConfigSchema } },
    validate: (props, args, report, config) => {
        if (!isProduction(props, args.provider, config) || isReplica(props)) return;
        if (asBool(props["multiAz"]) !== true) report("multiAz is not true on a production database.");
    },
});

export const rdsFinalSnapshotProd = resourceRule<ProductionConfig>({
    name: "rds-final-snapshot-prod",
    description: "Production RDS instances and clusters must not skip the final snapshot on deletion.",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER],
    configSchema: { properties: { ...productionConfigSchema } },
    validate: (props, args, report, config) => {
        if (!isProduction(props, args.provider, config) || isReplica(props)) return;
        if (asBool(props["skipFinalSnapshot"]) === true) report("skipFinalSnapshot is true: deleting the database would discard its data.");
    },
});

/** How many of a stack's Aurora instances belong to `cluster` (by parent, dependency or clusterIdentifier). */
function instancesOf(args: StackValidationArgs, cluster: PolicyResource): number {
    return args.resources.filter((r) => r.type === RDS_CLUSTER_INSTANCE && refersTo(r, cluster, "clusterIdentifier", ["clusterIdentifier", "id"])).length;
}

export const rdsAuroraMultiAzProd = stackRule<ProductionConfig>({
    name: "rds-aurora-multi-az-prod",
    description: "Production Aurora clusters run at least two instances (Aurora fails over to a reader in another zone: its Multi-AZ); a global secondary too, since a failover makes it the writer.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...productionConfigSchema } },
    validate: (args, report, config) => {
        const clusters = args.resources.filter((r) => r.type === RDS_CLUSTER && (asString(r.props["engine"]) ?? "").startsWith("aurora"));
        if (clusters.length === 0) args.notApplicable("no Aurora cluster in the stack");
        for (const cluster of clusters) {
            if (!isProduction(cluster.props, cluster.provider, config)) continue;
            const count = instancesOf(args, cluster);
            if (count < 2) report(`Aurora cluster ${cluster.name} has ${count} instance(s): a production writer needs a second one in another zone to fail over to.`, cluster.urn);
        }
    },
});

function majorVersion(text: string | undefined): number | undefined {
    const m = /(\d+)/.exec(text ?? "");
    return m ? Number(m[1]) : undefined;
}

function parameterValue(props: Props, name: string): string | undefined {
    for (const p of asArray(props["parameters"])) {
        if (isRecord(p) && asString(p["name"])?.toLowerCase() === name) return asString(p["value"])?.toLowerCase();
    }
    return undefined;
}

/** Engines that refuse plaintext by default from this major version on (rds.force_ssl defaults to 1). */
const FORCE_SSL_DEFAULT_FROM: Record<string, number> = { postgres: 15, "aurora-postgresql": 17 };
const MYSQL_LIKE = ["mysql", "mariadb", "aurora-mysql", "aurora"];

/**
 * How an engine (or parameter-group family: postgres16, aurora-postgresql15, mysql8.0) enforces TLS: PostgreSQL via
 * rds.force_ssl (default on from RDS PostgreSQL 15 and Aurora PostgreSQL 17), MySQL, MariaDB and Aurora MySQL via
 * require_secure_transport (default off). Undefined for engines not judged (Oracle, SQL Server, ...).
 */
function tlsParameter(engineOrFamily: string): { name: string; defaultOn: (major: number | undefined) => boolean } | undefined {
    const e = engineOrFamily.toLowerCase().replace(/[\d.]+$/, "");
    const from = FORCE_SSL_DEFAULT_FROM[e];
    // An unknown version means AWS picks its current default, which is recent enough.
    if (from !== undefined) return { name: "rds.force_ssl", defaultOn: (major) => major === undefined || major >= from };
    if (MYSQL_LIKE.includes(e)) return { name: "require_secure_transport", defaultOn: () => false };
    return undefined;
}

const TLS_ON = ["1", "on", "true"];

/** Where an instance or cluster names its parameter group. */
const PARAMETER_GROUP_KEY: Record<string, string> = { [RDS_INSTANCE]: "parameterGroupName", [RDS_CLUSTER]: "dbClusterParameterGroupName" };

export const rdsForceSsl = resourceRule({
    name: "rds-force-ssl",
    description: "Databases refuse unencrypted connections: parameter groups force TLS (rds.force_ssl defaults on only from RDS PostgreSQL 15 and Aurora PostgreSQL 17; require_secure_transport never), and instances or clusters on engines without that default use such a group.",
    enforcementLevel: "mandatory",
    types: [RDS_PARAMETER_GROUP, RDS_CLUSTER_PARAMETER_GROUP, RDS_INSTANCE, RDS_CLUSTER],
    validate: (props, args, report) => {
        if (args.type === RDS_INSTANCE || args.type === RDS_CLUSTER) {
            if (isReplica(props) || (asString(props[PARAMETER_GROUP_KEY[args.type]]) ?? "") !== "") return;
            const engine = asString(props["engine"]) ?? "";
            const version = asString(props["engineVersion"]);
            const tls = tlsParameter(engine);
            if (tls && !tls.defaultOn(majorVersion(version))) {
                report(`${[engine, version].filter(Boolean).join(" ")} uses the default parameter group, which accepts unencrypted connections; attach a parameter group that forces TLS.`);
            }
            return;
        }
        const family = asString(props["family"]) ?? "";
        const tls = tlsParameter(family);
        if (!tls) return;
        const v = parameterValue(props, tls.name);
        const defaultOn = tls.defaultOn(majorVersion(family.replace(/^\D+/, "")));
        if (v === undefined ? !defaultOn : !TLS_ON.includes(v)) {
            report(`${tls.name} is ${v ?? `unset (default ${defaultOn ? "1" : "0"} for ${family})`}: clients may connect without TLS.`);
        }
    },
});

const SECRET_VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
const SECRET = "aws:secretsmanager/secret:Secret";

/** Whether `props[key]` holds a value: a secret or one not known yet counts (it is set, only unreadable). */
function isSet(props: Props, key: string): boolean {
    try {
        return props[key] !== undefined && props[key] !== null;
    } catch (e) {
        if (isUnknownValueError(e)) return true;
        throw e;
    }
}

/** What feeds `key` of `r`: its property dependencies when recorded, else all its dependencies. */
function sourcesOf(r: PolicyResource, key: string): PolicyResource[] {
    const edges = r.propertyDependencies[key] ?? [];
    return edges.length > 0 ? edges : r.dependencies;
}

/**
 * A master password lives in Secrets Manager either because RDS manages it (manageMasterUserPassword) or because the
 * stack generates it and writes it into a secret: the resource feeding the password also feeds a SecretVersion. RDS
 * refuses a managed password on a read replica's source and on an Aurora global database's clusters, so a generated
 * one is the only way there (components/data/master-secret.ts). A literal password has no such source.
 */
export const rdsManagedMasterPassword = stackRule({
    name: "rds-managed-master-password",
    description: "RDS master passwords live in Secrets Manager: managed by RDS (manageMasterUserPassword), or generated into a SecretVersion of the stack; never a value of their own.",
    enforcementLevel: "advisory",
    validate: (args, report: ReportViolation) => {
        const databases = args.resources.filter((r) => r.type === RDS_INSTANCE || r.type === RDS_CLUSTER);
        if (databases.length === 0) args.notApplicable("no RDS instance or cluster in the stack");
        const versions = args.resources.filter((r) => r.type === SECRET_VERSION);
        for (const db of databases) {
            // aws.rds.Instance calls it password, aws.rds.Cluster masterPassword.
            const key = db.type === RDS_INSTANCE ? "password" : "masterPassword";
            if (!isSet(db.props, key) || readForMatching(() => asBool(db.props["manageMasterUserPassword"])) === true) continue;
            const sources = sourcesOf(db, key).filter((s) => s.type !== SECRET && s.type !== SECRET_VERSION);
            const stored = versions.some((v) => sourcesOf(v, "secretString").some((s) => sources.some((d) => d.urn === s.urn)));
            if (!stored) {
                report(`${db.name}: the master password is a value no Secrets Manager secret of the stack holds; generate it (random.RandomPassword) into a SecretVersion, or set manageMasterUserPassword: true (not on a replica's source or an Aurora global database).`, db.urn);
            }
        }
    },
});

// ---------- S3 ----------

export const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const SSE_TYPES = [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
];
const BUCKET_ACL_TYPES = ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"];
/** Objects carry their own canned ACL. */
const BUCKET_OBJECT_TYPES = ["aws:s3/bucketObject:BucketObject", "aws:s3/bucketObjectv2:BucketObjectv2"];
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

function missingFlags(props: Props): string[] {
    return PAB_FLAGS.filter((f) => asBool(props[f]) !== true);
}

export const s3PublicAccessBlockSettings = resourceRule({
    name: "s3-public-access-block-settings",
    description: "Public access blocks (bucket or account) set all four flags: blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets.",
    enforcementLevel: "mandatory",
    types: [PUBLIC_ACCESS_BLOCK, ACCOUNT_PUBLIC_ACCESS_BLOCK],
    validate: (props, _args, report) => {
        const missing = missingFlags(props);
        if (missing.length > 0) report(`Not true: ${missing.join(", ")}.`);
    },
});

function bucketsOf(args: StackValidationArgs): PolicyResource[] {
    return args.resources.filter((r) => BUCKET_TYPES.includes(r.type));
}

/** Buckets are referred to by id, which is the bucket name. */
const BUCKET_KEYS = ["id", "bucket"];

export const s3PublicAccessBlock = stackRule({
    name: "s3-public-access-block",
    description: "Every S3 bucket has a public access block (or the account has one) — the companion is itself a security control.",
    enforcementLevel: "mandatory",
    validate: (args, report: ReportViolation) => {
        const buckets = bucketsOf(args);
        if (buckets.length === 0) args.notApplicable("no S3 bucket in the stack");
        const account = args.resources.some((r) => r.type === ACCOUNT_PUBLIC_ACCESS_BLOCK);
        if (account) return; // the account-wide block covers every bucket; its flags are judged by the settings rule
        const blocks = args.resources.filter((r) => r.type === PUBLIC_ACCESS_BLOCK);
        for (const b of buckets) {
            if (!blocks.some((pab) => refersTo(pab, b, "bucket", BUCKET_KEYS))) {
                report(`Bucket ${b.name} has no aws.s3.BucketPublicAccessBlock.`, b.urn);
            }
        }
    },
});

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
/** The grantee groups that make an ACL public, whatever the scheme or case the URI is written in. */
const PUBLIC_GRANTEE = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)\/?$/i;

function publicGrants(grants: unknown): string[] {
    return asArray(grants)
        .filter(isRecord)
        .flatMap((g) => [asString(g["uri"]), ...asArray(g["grantee"]).map((grantee) => asString(asRecord(grantee)?.["uri"]))])
        .filter((u): u is string => u !== undefined && PUBLIC_GRANTEE.test(u.trim()));
}

export const s3NoPublicAcl = resourceRule({
    name: "s3-no-public-acl",
    description: "S3 buckets, bucket ACLs and objects grant nothing to AllUsers or AuthenticatedUsers (no public-read, public-read-write, authenticated-read, in any case; grantee URIs in any scheme or case).",
    enforcementLevel: "mandatory",
    types: [...BUCKET_TYPES, ...BUCKET_ACL_TYPES, ...BUCKET_OBJECT_TYPES],
    validate: (props, _args, report) => {
        const acl = asString(props["acl"]);
        if (acl && PUBLIC_ACLS.includes(acl.trim().toLowerCase())) report(`Canned ACL "${acl}" makes objects public.`);
        const policies = asArray(props["accessControlPolicy"]).map(asRecord);
        const grants = [...publicGrants(props["grants"]), ...policies.flatMap((p) => publicGrants(p?.["grants"]))];
        if (grants.length > 0) report(`ACL grants access to ${[...new Set(grants)].join(", ")}.`);
    },
});

export const s3NoPublicPolicy = resourceRule({
    name: "s3-no-public-policy",
    description: "S3 bucket policies do not Allow the \"*\" principal (or a NotPrincipal) unless a condition ties it to our account, organisation, VPC endpoint, source ARN or fixed source IPs; negated, IfExists and wildcard conditions restrict nothing.",
    enforcementLevel: "mandatory",
    types: [...BUCKET_TYPES, BUCKET_POLICY],
    validate: (props, _args, report) => reportPublicStatements(props["policy"], "Bucket policy", report),
});

const SSE_ALGORITHMS = ["AES256", "aws:kms", "aws:kms:dsse"];

function sseAlgorithms(rules: unknown): string[] {
    return asArray(rules)
        .filter(isRecord)
        // Singular on Bucket and the configuration resources, plural (a list) on BucketV2's inline shape.
        .flatMap((r) => [...asArray(r["applyServerSideEncryptionByDefault"]), ...asArray(r["applyServerSideEncryptionByDefaults"])])
        .map((d) => asString(asRecord(d)?.["sseAlgorithm"]) ?? "");
}

function inlineSse(props: Props): string[] {
    // aws.s3.Bucket (v7) / BucketV2 carry deprecated inline configuration(s) with nested `rules`.
    return [...asArray(props["serverSideEncryptionConfiguration"]), ...asArray(props["serverSideEncryptionConfigurations"])]
        .filter(isRecord)
        .flatMap((c) => [...sseAlgorithms(c["rules"]), ...sseAlgorithms(c["rule"])]);
}

export const s3Encryption = resourceRule({
    name: "s3-encryption",
    description: "Every S3 bucket declares default encryption (AES256 or aws:kms), inline or with a BucketServerSideEncryptionConfiguration.",
    enforcementLevel: "mandatory",
    types: SSE_TYPES,
    validate: (props, _args, report) => {
        const algorithms = sseAlgorithms(props["rules"]);
        if (algorithms.length === 0 || algorithms.some((a) => !SSE_ALGORITHMS.includes(a))) {
            report(`Encryption rules name no valid sseAlgorithm (${SSE_ALGORITHMS.join(", ")}).`);
        }
    },
    stack: (args, report) => {
        const buckets = bucketsOf(args);
        if (buckets.length === 0) args.notApplicable("no S3 bucket in the stack");
        const configs = args.resources.filter((r) => SSE_TYPES.includes(r.type));
        for (const b of buckets) {
            if (inlineSse(b.props).some((a) => SSE_ALGORITHMS.includes(a))) continue;
            if (!configs.some((c) => refersTo(c, b, "bucket", BUCKET_KEYS))) {
                report(`Bucket ${b.name} declares no default encryption (no inline configuration, no BucketServerSideEncryptionConfiguration).`, b.urn);
            }
        }
    },
});

// ---------- EFS, KMS, queues, caches ----------

export const efsEncrypted = resourceRule({
    name: "efs-encrypted",
    description: "EFS file systems are encrypted at rest.",
    enforcementLevel: "mandatory",
    types: ["aws:efs/fileSystem:FileSystem"],
    validate: (props, _args, report) => {
        if (asBool(props["encrypted"]) !== true) report("encrypted is not true.");
    },
});

const KMS_KEY = "aws:kms/key:Key";
const KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";

export const kmsKeyRotation = resourceRule({
    name: "kms-key-rotation",
    description: "Symmetric KMS keys rotate their key material automatically (enableKeyRotation).",
    enforcementLevel: "mandatory",
    types: [KMS_KEY],
    validate: (props, _args, report) => {
        // Only symmetric encryption keys support automatic rotation; asymmetric and HMAC keys cannot be rotated.
        const spec = asString(props["customerMasterKeySpec"]) ?? asString(props["keySpec"]) ?? "SYMMETRIC_DEFAULT";
        const usage = asString(props["keyUsage"]) ?? "ENCRYPT_DECRYPT";
        if (spec !== "SYMMETRIC_DEFAULT" || usage !== "ENCRYPT_DECRYPT") return;
        if (asBool(props["enableKeyRotation"]) !== true) report("enableKeyRotation is not true.");
    },
});

export const kmsNoPublicPolicy = resourceRule({
    name: "kms-no-public-policy",
    description: "KMS key policies (on the key or an aws.kms.KeyPolicy) do not Allow the \"*\" principal without a condition restricting it to our account or a service.",
    enforcementLevel: "mandatory",
    types: [KMS_KEY, KMS_KEY_POLICY],
    validate: (props, _args, report) => reportPublicStatements(props["policy"], "Key policy", report),
});

interface DeletionWindowConfig {
    minimumDays: number;
}

export const kmsDeletionWindow = resourceRule<DeletionWindowConfig>({
    name: "kms-deletion-window",
    description: "KMS keys keep a deletion waiting period long enough to notice and cancel a mistaken deletion.",
    enforcementLevel: "advisory",
    types: [KMS_KEY],
    configSchema: { properties: { minimumDays: { type: "integer", minimum: 7, maximum: 30, default: 14 } } },
    validate: (props, _args, report, config) => {
        const days = asNumber(props["deletionWindowInDays"]) ?? 30; // AWS default
        if (days < config.minimumDays) report(`deletionWindowInDays is ${days}; at least ${config.minimumDays} recommended.`);
    },
});

export const sqsEncrypted = resourceRule({
    name: "sqs-encrypted",
    description: "SQS queues are encrypted at rest (SSE-SQS, which is the default, or a KMS key) — never explicitly disabled.",
    enforcementLevel: "mandatory",
    types: ["aws:sqs/queue:Queue"],
    validate: (props, _args, report) => {
        const kms = (asString(props["kmsMasterKeyId"]) ?? "") !== "";
        if (!kms && asBool(props["sqsManagedSseEnabled"]) === false) report("sqsManagedSseEnabled is false and no kmsMasterKeyId is set.");
    },
});

export const snsEncrypted = resourceRule({
    name: "sns-encrypted",
    description: "SNS topics are encrypted at rest with a KMS key (kmsMasterKeyId); SNS has no default encryption.",
    enforcementLevel: "mandatory",
    types: ["aws:sns/topic:Topic"],
    validate: (props, _args, report) => {
        if ((asString(props["kmsMasterKeyId"]) ?? "") === "") report("kmsMasterKeyId is not set (alias/aws/sns or a customer key).");
    },
});

export const elasticacheEncryption = resourceRule({
    name: "elasticache-encryption",
    description: "ElastiCache replication groups encrypt in transit and at rest.",
    enforcementLevel: "mandatory",
    types: ["aws:elasticache/replicationGroup:ReplicationGroup"],
    validate: (props, _args, report) => {
        if (asBool(props["transitEncryptionEnabled"]) !== true) report("transitEncryptionEnabled is not true.");
        if (asBool(props["atRestEncryptionEnabled"]) === false) report("atRestEncryptionEnabled is false.");
    },
});

export const dataRules: Rule[] = [
    rdsNotPublic,
    rdsStorageEncrypted,
    rdsBackupRetention,
    rdsDeletionProtectionProd,
    rdsMultiAzProd,
    rdsFinalSnapshotProd,
    rdsForceSsl,
    rdsManagedMasterPassword,
    rdsAuroraMultiAzProd,
    s3PublicAccessBlockSettings,
    s3PublicAccessBlock,
    s3NoPublicAcl,
    s3NoPublicPolicy,
    s3Encryption,
    efsEncrypted,
    kmsKeyRotation,
    kmsNoPublicPolicy,
    kmsDeletionWindow,
    sqsEncrypted,
    snsEncrypted,
    elasticacheEncryption,
];
