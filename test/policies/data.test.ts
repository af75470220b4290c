import { devTags, passes, prodTags, res, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

const RDS = "aws:rds/instance:Instance";
const CLUSTER = "aws:rds/cluster:Cluster";
const PG = "aws:rds/parameterGroup:ParameterGroup";
const BUCKET = "aws:s3/bucket:Bucket";
const BUCKET_V2 = "aws:s3/bucketV2:BucketV2";
const PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const SSE_V2 = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2";

const secureDb = {
    engine: "postgres",
    engineVersion: "16.4",
    instanceClass: "db.t4g.medium",
    publiclyAccessible: false,
    storageEncrypted: true,
    kmsKeyId: "arn:aws:kms:ap-south-1:123456789012:key/abc",
    backupRetentionPeriod: 14,
    deletionProtection: true,
    multiAz: true,
    skipFinalSnapshot: false,
    manageMasterUserPassword: true,
    parameterGroupName: "shop-pg16",
    tags: prodTags,
};
const db = (overrides: Record<string, unknown>) => res(RDS, { ...secureDb, ...overrides });
const allBlocked = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };
const aes = { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "k" } }] };

describe("policies/data", () => {
    describe("RDS", () => {
        it("rds-not-public", () => {
            violates("rds-not-public", db({ publiclyAccessible: true }));
            violates("rds-not-public", res("aws:rds/clusterInstance:ClusterInstance", { publiclyAccessible: "true" }));
            passes("rds-not-public", db({}));
            unknownIsAdvisory("rds-not-public", db({ publiclyAccessible: UNKNOWN }));
        });
        it("rds-storage-encrypted", () => {
            violates("rds-storage-encrypted", db({ storageEncrypted: undefined, kmsKeyId: undefined }));
            violates("rds-storage-encrypted", res(CLUSTER, { engine: "aurora-postgresql", storageEncrypted: false }));
            passes("rds-storage-encrypted", [db({}), db({ storageEncrypted: undefined, replicateSourceDb: "arn:db:primary", kmsKeyId: "arn:key" })]);
        });
        it("rds-storage-encrypted and rds-deletion-protection-prod judge Aurora global databases", () => {
            const global = (overrides: Record<string, unknown>) => res("aws:rds/globalCluster:GlobalCluster", { engine: "aurora-postgresql", storageEncrypted: true, deletionProtection: true, tags: prodTags, ...overrides });
            violates("rds-storage-encrypted", global({ storageEncrypted: false }));
            violates("rds-deletion-protection-prod", global({ deletionProtection: false }));
            passes("rds-storage-encrypted", global({}));
            passes("rds-deletion-protection-prod", [global({}), global({ deletionProtection: false, tags: devTags })]);
        });
        it("rds-aurora-multi-az-prod: a production Aurora cluster runs two instances or more", () => {
            const cluster = res(CLUSTER, { engine: "aurora-postgresql", clusterIdentifier: "shop", tags: prodTags });
            const instance = (n: number, clusterIdentifier = "shop") => res("aws:rds/clusterInstance:ClusterInstance", { clusterIdentifier, engine: "aurora-postgresql", instanceClass: "db.r7g.large" }, { name: `i${n}` });
            violates("rds-aurora-multi-az-prod", [cluster, instance(1)], /has 1 instance/);
            violates("rds-aurora-multi-az-prod", [cluster, instance(1), instance(2, "other")], /has 1 instance/);
            passes("rds-aurora-multi-az-prod", [cluster, instance(1), instance(2)]);
            passes("rds-aurora-multi-az-prod", [res(CLUSTER, { engine: "aurora-postgresql", clusterIdentifier: "shop", tags: devTags }), instance(1)]);
        });
        it("rds-backup-retention (replicas exempt, threshold configurable)", () => {
            violates("rds-backup-retention", db({ backupRetentionPeriod: undefined }), /unset/);
            violates("rds-backup-retention", db({ backupRetentionPeriod: 1 }));
            passes("rds-backup-retention", [db({}), db({ backupRetentionPeriod: 0, replicateSourceDb: "arn:db:primary" })]);
            // A PostgreSQL replica as RDS allows it: no retention at all (RDS refuses backups on one); once promoted it needs them.
            passes("rds-backup-retention", db({ backupRetentionPeriod: undefined, backupWindow: undefined, replicateSourceDb: "arn:aws:rds:ap-south-1:000000000000:db:prod" }));
            violates("rds-backup-retention", db({ backupRetentionPeriod: undefined, replicateSourceDb: "" }), /unset/);
            violates("rds-backup-retention", db({}), /30/, { "rds-backup-retention": { minimumRetentionDays: 30 } });
        });
        it("rds-deletion-protection-prod (from the environment tag, tags or tagsAll)", () => {
            violates("rds-deletion-protection-prod", db({ deletionProtection: false }));
            // pulumi-aws's Check puts tagsAll (defaultTags merged with tags) into the inputs the analyzer receives.
            const viaTagsAll = res(RDS, { ...secureDb, tags: undefined, tagsAll: prodTags, deletionProtection: false });
            violates("rds-deletion-protection-prod", viaTagsAll);
            passes("rds-deletion-protection-prod", [db({}), db({ deletionProtection: false, tags: devTags })]);
        });
        it("rds-deletion-protection-prod reads the environment from provider defaultTags", () => {
            const provider = res("pulumi:providers:aws", { region: "ap-south-1", defaultTags: JSON.stringify({ tags: prodTags }) });
            const untagged = res(RDS, { ...secureDb, tags: undefined, deletionProtection: false }, { provider });
            violates("rds-deletion-protection-prod", [provider, untagged]);
        });
        it("rds-multi-az-prod (replicas exempt)", () => {
            violates("rds-multi-az-prod", db({ multiAz: false }));
            passes("rds-multi-az-prod", [db({}), db({ multiAz: false, tags: devTags }), db({ multiAz: false, replicateSourceDb: "arn:db:primary" })]);
            violates("rds-multi-az-prod", db({ multiAz: false, tags: { ...devTags, environment: "live" } }), undefined, {
                "rds-multi-az-prod": { productionEnvironments: ["live"] },
            });
        });
        it("rds-final-snapshot-prod", () => {
            violates("rds-final-snapshot-prod", db({ skipFinalSnapshot: true }));
            passes("rds-final-snapshot-prod", [db({}), db({ skipFinalSnapshot: true, tags: devTags })]);
        });
        it("rds-force-ssl on parameter groups and on instances using the default group", () => {
            violates("rds-force-ssl", res(PG, { family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "0" }] }));
            violates("rds-force-ssl", res(PG, { family: "postgres14", parameters: [] }), /default 0/);
            violates("rds-force-ssl", res(PG, { family: "mysql8.0", parameters: [] }));
            violates("rds-force-ssl", db({ engineVersion: "14.9", parameterGroupName: undefined }));
            passes("rds-force-ssl", [
                res(PG, { family: "postgres14", parameters: [{ name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" }] }),
                res(PG, { family: "postgres16", parameters: [{ name: "log_min_duration_statement", value: "500" }] }),
                res(PG, { family: "mysql8.0", parameters: [{ name: "require_secure_transport", value: "ON" }] }),
                db({}),
                db({ engineVersion: "16.4", parameterGroupName: undefined }),
            ]);
        });
        it("rds-force-ssl on Aurora: cluster parameter groups (default on only from Aurora PostgreSQL 17) and clusters on the default group", () => {
            const CPG = "aws:rds/clusterParameterGroup:ClusterParameterGroup";
            violates("rds-force-ssl", res(CPG, { family: "aurora-postgresql16", parameters: [] }), /default 0 for aurora-postgresql16/);
            violates("rds-force-ssl", res(CPG, { family: "aurora-postgresql15", parameters: [{ name: "rds.force_ssl", value: "0" }] }));
            violates("rds-force-ssl", res(CPG, { family: "aurora-mysql8.0", parameters: [{ name: "require_secure_transport", value: "OFF" }] }));
            violates("rds-force-ssl", res(CLUSTER, { engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.05.2" }), /default parameter group/);
            violates("rds-force-ssl", res(CLUSTER, { engine: "aurora-postgresql", engineVersion: "16.4" }));
            passes("rds-force-ssl", [
                res(CPG, { family: "aurora-postgresql17", parameters: [] }),
                res(CPG, { family: "aurora-postgresql16", parameters: [{ name: "rds.force_ssl", value: "1" }] }),
                res(CLUSTER, { engine: "aurora-postgresql", engineVersion: "17.4" }),
                res(CLUSTER, { engine: "aurora-mysql", engineVersion: "8.0.mysql_aurora.3.05.2", dbClusterParameterGroupName: "shop-tls" }),
                res(CLUSTER, { engine: "aurora-postgresql", engineVersion: "15.6", dbClusterParameterGroupName: "shop-tls" }),
            ]);
        });
        it("rds-managed-master-password: managed by RDS, or generated into a SecretVersion of the stack (instances: password; clusters: masterPassword)", () => {
            const SECRET_MARKER = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "offline-plan:secret" };
            violates("rds-managed-master-password", db({ manageMasterUserPassword: undefined, password: "hunter2" }));
            violates("rds-managed-master-password", res(CLUSTER, { engine: "aurora-postgresql", masterUsername: "shop", masterPassword: "hunter2" }));
            passes("rds-managed-master-password", [db({}), res(CLUSTER, { engine: "aurora-postgresql", masterUsername: "shop", manageMasterUserPassword: true })]);
            // A generated password the stack also writes into Secrets Manager (a replica's source, an Aurora global cluster).
            const generated = () => res("random:index/randomPassword:RandomPassword", { length: 32, special: false });
            const stored = (password: ReturnType<typeof generated>) => {
                const secret = res("aws:secretsmanager/secret:Secret", { kmsKeyId: "arn:key" });
                return [secret, res("aws:secretsmanager/secretVersion:SecretVersion", { secretId: "s", secretString: SECRET_MARKER }, { dependsOn: [secret, password] })];
            };
            const instancePassword = generated();
            const clusterPassword = generated();
            passes("rds-managed-master-password", [
                instancePassword, ...stored(instancePassword), res(RDS, { ...secureDb, manageMasterUserPassword: undefined, password: SECRET_MARKER }, { dependsOn: [instancePassword] }),
                clusterPassword, ...stored(clusterPassword), res(CLUSTER, { engine: "aurora-postgresql", masterUsername: "shop", masterPassword: SECRET_MARKER }, { dependsOn: [clusterPassword] }),
            ]);
            // Generated, but held by no secret: only Pulumi state knows it.
            const orphan = generated();
            violates("rds-managed-master-password", [orphan, ...stored(generated()), res(RDS, { ...secureDb, manageMasterUserPassword: undefined, password: SECRET_MARKER }, { dependsOn: [orphan] })], /no Secrets Manager secret of the stack holds/);
        });
    });

    describe("S3", () => {
        it("s3-public-access-block-settings", () => {
            violates("s3-public-access-block-settings", res(PAB, { bucket: "b", ...allBlocked, restrictPublicBuckets: false }), /restrictPublicBuckets/);
            violates("s3-public-access-block-settings", res(PAB, { bucket: "b", blockPublicAcls: true }));
            passes("s3-public-access-block-settings", res(PAB, { bucket: "b", ...allBlocked }));
        });
        it("s3-public-access-block: every bucket (Bucket or BucketV2) needs one, linked by dependency or name", () => {
            const bucket = res(BUCKET, { bucket: "shop-static" });
            violates("s3-public-access-block", bucket, /no aws.s3.BucketPublicAccessBlock/);
            passes("s3-public-access-block", [bucket, res(PAB, { bucket: UNKNOWN, ...allBlocked }, { dependsOn: [bucket] })]);
            passes("s3-public-access-block", [bucket, res(PAB, { bucket: "shop-static", ...allBlocked })]);
            const v2 = res(BUCKET_V2, { bucket: "lake" });
            violates("s3-public-access-block", [v2, res(PAB, { bucket: "other", ...allBlocked })]);
            passes("s3-public-access-block", [v2, res("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock", allBlocked)]);
        });
        it("s3-no-public-acl on buckets, grants and BucketAcl resources", () => {
            violates("s3-no-public-acl", res(BUCKET, { acl: "public-read" }));
            violates("s3-no-public-acl", res("aws:s3/bucketAclV2:BucketAclV2", { bucket: "b", acl: "public-read-write" }));
            violates(
                "s3-no-public-acl",
                res("aws:s3/bucketAcl:BucketAcl", {
                    bucket: "b",
                    accessControlPolicy: { grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }], owner: { id: "x" } },
                }),
            );
            passes("s3-no-public-acl", [res(BUCKET, { acl: "private" }), res("aws:s3/bucketAcl:BucketAcl", { bucket: "b", acl: "log-delivery-write" })]);
        });
        it("s3-no-public-acl: grantee as a list, https or mixed-case URIs, canned ACLs in any case", () => {
            const acl = (grantee: unknown) => res("aws:s3/bucketAclV2:BucketAclV2", { bucket: "b", accessControlPolicy: { grants: [{ grantee, permission: "READ" }], owner: { id: "o" } } });
            violates("s3-no-public-acl", acl([{ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" }]), /AuthenticatedUsers/);
            violates("s3-no-public-acl", acl({ type: "Group", uri: "https://acs.amazonaws.com/groups/global/allusers" }));
            violates("s3-no-public-acl", res(BUCKET_V2, { acl: "Public-Read" }));
            violates("s3-no-public-acl", res("aws:s3/bucketObjectv2:BucketObjectv2", { bucket: "b", key: "index.html", acl: "public-read" }), /public-read/);
            passes("s3-no-public-acl", res("aws:s3/bucketObjectv2:BucketObjectv2", { bucket: "b", key: "index.html", acl: "bucket-owner-full-control" }));
            passes("s3-no-public-acl", [
                acl({ type: "Group", uri: "http://acs.amazonaws.com/groups/s3/LogDelivery" }),
                acl([{ type: "CanonicalUser", id: "abc" }]),
            ]);
        });
        it("s3-no-public-policy: '*' principal without a restricting condition", () => {
            const doc = (statement: Record<string, unknown>) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
            violates("s3-no-public-policy", res("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy: doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }) }));
            violates("s3-no-public-policy", res(BUCKET, { policy: { Statement: { Effect: "Allow", Principal: { AWS: "*" }, Action: ["s3:*"], Resource: "*" } } }));
            passes("s3-no-public-policy", [
                res("aws:s3/bucketPolicy:BucketPolicy", {
                    bucket: "b",
                    policy: doc({
                        Effect: "Allow",
                        Principal: { Service: "cloudfront.amazonaws.com" },
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::b/*",
                        Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::1:distribution/X" } },
                    }),
                }),
                res("aws:s3/bucketPolicy:BucketPolicy", {
                    bucket: "b",
                    policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
                }),
                res("aws:s3/bucketPolicy:BucketPolicy", {
                    bucket: "b",
                    policy: doc({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } } }),
                }),
            ]);
        });
        it("s3-encryption: inline (Bucket / BucketV2) or a separate configuration resource (both tokens)", () => {
            const bucket = res(BUCKET, { bucket: "lake" });
            violates("s3-encryption", bucket, /declares no default encryption/);
            passes("s3-encryption", [bucket, res(SSE, { bucket: "lake", ...aes })]);
            passes("s3-encryption", [bucket, res(SSE_V2, { bucket: UNKNOWN, ...aes }, { dependsOn: [bucket] })]);
            passes("s3-encryption", res(BUCKET, { serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } } }));
            passes("s3-encryption", res(BUCKET_V2, { serverSideEncryptionConfigurations: [{ rules: [{ applyServerSideEncryptionByDefaults: [{ sseAlgorithm: "aws:kms" }] }] }] }));
            violates("s3-encryption", res(SSE, { bucket: "lake", rules: [{ bucketKeyEnabled: true }] }), /no valid sseAlgorithm/);
        });
    });

    describe("s3-no-public-policy: shapes that look restricted but are not, and the reverse", () => {
        const policy = (statement: Record<string, unknown>) => res("aws:s3/bucketPolicy:BucketPolicy", { bucket: "b", policy: { Version: "2012-10-17", Statement: [statement] } });
        const read = { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };
        it("flags Allow with NotPrincipal (everyone else)", () => {
            violates("s3-no-public-policy", policy({ ...read, Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::123456789012:root" } }), /NotPrincipal/);
        });
        it("flags conditions that restrict nothing: negated, IfExists, wildcard values, internet-wide source IPs", () => {
            violates("s3-no-public-policy", policy({ ...read, Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-1" } } }));
            violates("s3-no-public-policy", policy({ ...read, Condition: { StringEqualsIfExists: { "aws:SourceVpce": "vpce-1" } } }));
            violates("s3-no-public-policy", policy({ ...read, Condition: { StringLike: { "aws:PrincipalArn": "*" } } }));
            violates("s3-no-public-policy", policy({ ...read, Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/reader" } } }));
            violates("s3-no-public-policy", policy({ ...read, Condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24", "0.0.0.0/0"] } } }));
        });
        it("judges a public statement whose Resource is still unknown", () => {
            violates("s3-no-public-policy", policy({ ...read, Resource: UNKNOWN }));
        });
        it("passes fixed source IPs, an OAC statement whose SourceArn is unknown, and Deny statements for '*'", () => {
            passes("s3-no-public-policy", [
                policy({ ...read, Condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } } }),
                policy({ ...read, Principal: { Service: "cloudfront.amazonaws.com" }, Condition: { StringEquals: { "AWS:SourceArn": UNKNOWN } } }),
                policy({ Effect: "Deny", Principal: { AWS: ["*"] }, Action: "s3:*", Resource: UNKNOWN, Condition: { Bool: { "aws:SecureTransport": "false" } } }),
            ]);
        });
    });

    describe("EFS, KMS, SQS, SNS, ElastiCache", () => {
        it("efs-encrypted", () => {
            violates("efs-encrypted", res("aws:efs/fileSystem:FileSystem", { performanceMode: "generalPurpose" }));
            passes("efs-encrypted", res("aws:efs/fileSystem:FileSystem", { encrypted: true, kmsKeyId: "k" }));
        });
        it("kms-key-rotation (symmetric keys only)", () => {
            violates("kms-key-rotation", res("aws:kms/key:Key", { description: "rds" }));
            passes("kms-key-rotation", [
                res("aws:kms/key:Key", { enableKeyRotation: true }),
                res("aws:kms/key:Key", { customerMasterKeySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" }),
            ]);
        });
        it("kms-no-public-policy", () => {
            const open = { Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }] };
            violates("kms-no-public-policy", res("aws:kms/key:Key", { enableKeyRotation: true, policy: JSON.stringify(open) }));
            const scoped = {
                Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:Decrypt", Resource: "*", Condition: { StringEquals: { "kms:CallerAccount": "123456789012" } } }],
            };
            passes("kms-no-public-policy", res("aws:kms/key:Key", { policy: JSON.stringify(scoped) }));
        });
        it("kms-no-public-policy on a separate aws.kms.KeyPolicy", () => {
            const open = { Statement: [{ Effect: "Allow", Principal: "*", Action: ["kms:Decrypt"], Resource: "*" }] };
            violates("kms-no-public-policy", res("aws:kms/keyPolicy:KeyPolicy", { keyId: "k", policy: JSON.stringify(open) }), /any principal/);
            const root = { Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "kms:*", Resource: "*" }] };
            passes("kms-no-public-policy", res("aws:kms/keyPolicy:KeyPolicy", { keyId: "k", policy: JSON.stringify(root) }));
        });
        it("kms-deletion-window", () => {
            violates("kms-deletion-window", res("aws:kms/key:Key", { deletionWindowInDays: 7 }));
            passes("kms-deletion-window", [res("aws:kms/key:Key", {}), res("aws:kms/key:Key", { deletionWindowInDays: 30 })]);
        });
        it("sqs-encrypted", () => {
            violates("sqs-encrypted", res("aws:sqs/queue:Queue", { sqsManagedSseEnabled: false }));
            passes("sqs-encrypted", [res("aws:sqs/queue:Queue", {}), res("aws:sqs/queue:Queue", { sqsManagedSseEnabled: false, kmsMasterKeyId: "alias/aws/sqs" })]);
        });
        it("sns-encrypted", () => {
            violates("sns-encrypted", res("aws:sns/topic:Topic", { name: "alarms" }));
            passes("sns-encrypted", res("aws:sns/topic:Topic", { kmsMasterKeyId: "alias/aws/sns" }));
        });
        it("elasticache-encryption", () => {
            violates("elasticache-encryption", res("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: true }), /transit/);
            passes("elasticache-encryption", res("aws:elasticache/replicationGroup:ReplicationGroup", { atRestEncryptionEnabled: true, transitEncryptionEnabled: true }));
        });
    });
});
