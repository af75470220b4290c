/**
 * Data stores: RDS, S3, EFS, KMS, SQS, SNS, ElastiCache. Exposure and missing encryption are mandatory, and so is
 * what loses data (backups, deletion protection, Multi-AZ and final snapshots in production).
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { refersTo } from "../lib/companions";
import { isPublicAllow, statementsOf } from "../lib/iam";
import { ProductionConfig, productionConfigSchema, Rule, resourceRule, stackRule } from "../lib/policy";
import { isProduction } from "../lib/tags";
import { asArray, asBool, asNumber, asRecord, asString, isRecord, Props } from "../lib/values";

const RDS_INSTANCE = "aws:rds/instance:Instance";
const RDS_CLUSTER = "aws:rds/cluster:Cluster";
const RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
const RDS_PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup";
const RDS_CLUSTER_PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup";

/** A read replica (same- or cross-region) inherits data from its source: backups and Multi-AZ are the source's job. */
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
    description: "RDS instances and clusters must encrypt storage (storageEncrypted, or a kmsKeyId).",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER],
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
    description: "Production RDS instances and clusters have deletionProtection enabled.",
    enforcementLevel: "mandatory",
    types: [RDS_INSTANCE, RDS_CLUSTER],
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

/**
 * Whether a parameter group forces TLS: PostgreSQL via rds.force_ssl (default on from PostgreSQL 15), MySQL and
 * MariaDB via require_secure_transport (default off). Other engines: not judged.
 */
function forcesTls(family: string, props: Props): { judged: boolean; ok: boolean; detail: string } {
    const f = family.toLowerCase();
    if (f.startsWith("postgres") || f.startsWith("aurora-postgresql")) {
        const v = parameterValue(props, "rds.force_ssl");
        const defaultOn = (majorVersion(f) ?? 0) >= 15;
        const ok = v === undefined ? defaultOn : v === "1" || v === "on" || v === "true";
        return { judged: true, ok, detail: `rds.force_ssl is ${v ?? `unset (default ${defaultOn ? "1" : "0"} for ${f})`}` };
    }
    if (f.startsWith("mysql") || f.startsWith("mariadb") || f.startsWith("aurora-mysql")) {
        const v = parameterValue(props, "require_secure_transport");
        const ok = v === "1" || v === "on" || v === "true";
        return { judged: true, ok, detail: `require_secure_transport is ${v ?? "unset (default OFF)"}` };
    }
    return { judged: false, ok: true, detail: "" };
}

export const rdsForceSsl = resourceRule({
    name: "rds-force-ssl",
    description: "Databases refuse unencrypted connections: parameter groups force TLS, and instances on engines without that default use such a group.",
    enforcementLevel: "mandatory",
    types: [RDS_PARAMETER_GROUP, RDS_CLUSTER_PARAMETER_GROUP, RDS_INSTANCE],
    validate: (props, args, report) => {
        if (args.type === RDS_INSTANCE) {
            if (isReplica(props) || (asString(props["parameterGroupName"]) ?? "") !== "") return;
            const engine = (asString(props["engine"]) ?? "").toLowerCase();
            const major = majorVersion(asString(props["engineVersion"]));
            const postgresDefaultOff = engine === "postgres" && major !== undefined && major < 15;
            const mysqlLike = engine === "mysql" || engine === "mariadb";
            if (postgresDefaultOff || mysqlLike) {
                report(`${engine} ${asString(props["engineVersion"]) ?? ""} uses the default parameter group, which accepts unencrypted connections; attach a parameter group that forces TLS.`.replace("  ", " "));
            }
            return;
        }
        const verdict = forcesTls(asString(props["family"]) ?? "", props);
        if (verdict.judged && !verdict.ok) report(`${verdict.detail}: clients may connect without TLS.`);
    },
});

export const rdsManagedMasterPassword = resourceRule({
    name: "rds-managed-master-password",
    description: "RDS master passwords are managed in Secrets Manager (manageMasterUserPassword), not passed as a value.",
    enforcementLevel: "advisory",
    types: [RDS_INSTANCE, RDS_CLUSTER],
    validate: (props, _args, report) => {
        if (asString(props["password"]) !== undefined && asBool(props["manageMasterUserPassword"]) !== true) {
            report("A master password is set as a value; use manageMasterUserPassword: true so it lives (and rotates) in Secrets Manager.");
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
const PUBLIC_GRANTEES = ["http://acs.amazonaws.com/groups/global/AllUsers", "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"];

function publicGrants(grants: unknown): string[] {
    return asArray(grants)
        .filter(isRecord)
        .flatMap((g) => [asString(g["uri"]), asString(asRecord(g["grantee"])?.["uri"])])
        .filter((u): u is string => u !== undefined && PUBLIC_GRANTEES.includes(u));
}

export const s3NoPublicAcl = resourceRule({
    name: "s3-no-public-acl",
    description: "S3 buckets and bucket ACLs grant nothing to AllUsers or AuthenticatedUsers (no public-read, public-read-write, authenticated-read).",
    enforcementLevel: "mandatory",
    types: [...BUCKET_TYPES, ...BUCKET_ACL_TYPES],
    validate: (props, _args, report) => {
        const acl = asString(props["acl"]);
        if (acl && PUBLIC_ACLS.includes(acl)) report(`Canned ACL "${acl}" makes objects public.`);
        const grants = [...publicGrants(props["grants"]), ...publicGrants(asRecord(props["accessControlPolicy"])?.["grants"])];
        if (grants.length > 0) report(`ACL grants access to ${[...new Set(grants)].join(", ")}.`);
    },
});

export const s3NoPublicPolicy = resourceRule({
    name: "s3-no-public-policy",
    description: "S3 bucket policies do not Allow the \"*\" principal unless a condition ties it to our account, organisation, VPC endpoint or source ARN.",
    enforcementLevel: "mandatory",
    types: [...BUCKET_TYPES, BUCKET_POLICY],
    validate: (props, _args, report) => {
        for (const s of statementsOf(props["policy"])) {
            if (isPublicAllow(s)) report(`Statement allows ${s.actions.join(", ") || "actions"} to any principal without a restricting condition.`);
        }
    },
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
    components: (args, report) => {
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
    description: "KMS key policies do not Allow the \"*\" principal without a condition restricting it to our account or a service.",
    enforcementLevel: "mandatory",
    types: [KMS_KEY],
    validate: (props, _args, report) => {
        for (const s of statementsOf(props["policy"])) {
            if (isPublicAllow(s)) report(`Key policy allows ${s.actions.join(", ") || "actions"} to any principal.`);
        }
    },
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
