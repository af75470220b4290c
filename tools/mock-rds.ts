import { hexOf } from "./mock-keys";
import { isUnknown } from "./models/model";

/**
 * What the mock cloud answers for an RDS instance, and what it refuses as RDS and the AWS provider do; shared with
 * tools/stack-references.ts, which serves a primary's writer to the environment's other stacks with the very values
 * the primary's own plan shows.
 */

type State = Record<string, unknown>;
const INSTANCE = "aws:rds/instance:Instance";
const KEY = "aws:kms/key:Key";

/** The placeholder outputs of an instance registered as `name` in `region` (identifier autonamed as the provider does). */
export function mockRdsInstance(name: string, region: string, account: string, inputs: State): State {
    const hex = (salt: string) => hexOf(hexOf(INSTANCE, name), salt);
    const identifier = String(inputs.identifier ?? `${name}-${hex("").slice(0, 7)}`);
    const address = `${identifier}.mock${hex("host").slice(0, 10)}.${region}.rds.amazonaws.com`;
    return {
        identifier, address, port: 5432, endpoint: `${address}:5432`,
        arn: `arn:aws:rds:${region}:${account}:db:${identifier}`,
        resourceId: `db-MOCK${hex("rid").slice(0, 20).toUpperCase()}`,
        masterUserSecrets: inputs.manageMasterUserPassword
            ? [{ secretArn: `arn:aws:secretsmanager:${region}:${account}:secret:rds!db-mock${hex("secret").slice(0, 8)}-AbCdEf`, kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "", secretStatus: "active" }]
            : [],
    };
}

const SECRET = "aws:secretsmanager/secret:Secret";

/**
 * The ARN the mock cloud gives a Secrets Manager secret registered as `name` in `region`: the secret's name (given, or
 * autonamed `<name>-<7 hex>` as pulumi-aws's Check does, tools/mock-cloud.ts checkAdditions) and the 6 characters
 * Secrets Manager appends.
 */
export function mockSecretArn(name: string, region: string, account: string, secretName?: unknown): string {
    const named = typeof secretName === "string" && !isUnknown(secretName) ? secretName : `${name}-${hexOf(SECRET, name).slice(0, 7)}`;
    return `arn:aws:secretsmanager:${region}:${account}:secret:${named}-MoCkId`;
}

/** The ARN the mock cloud gives a KMS key registered as `name` in `region` (its id: mock-key-<hex>). */
export function mockKmsKeyArn(name: string, region: string, account: string): string {
    return `arn:aws:kms:${region}:${account}:key/mock-key-${hexOf(KEY, name).slice(0, 12)}`;
}

const isKnownString = (value: unknown): value is string => typeof value === "string" && value !== "" && !isUnknown(value);

/**
 * CreateDBInstanceReadReplica's rules, as RDS and the provider enforce them (aws_db_instance docs for replicate_source_db;
 * RDS API reference CreateDBInstanceReadReplica and DeleteDBInstance):
 *  - a replica takes engine, master user and password from its source: a username or password is refused;
 *  - a source in another region, or in the same region once dbSubnetGroupName is set, must be given as an ARN;
 *  - an encrypted cross-region replica needs kmsKeyId, a key of the replica's own region;
 *  - a read replica cannot be deleted with a final snapshot (FinalDBSnapshotIdentifier "can't be specified when deleting
 *    a read replica"), so one configured to take it could never be destroyed;
 *  - no replica of a source whose master password Secrets Manager manages (RDS User Guide, "Password management with
 *    Amazon RDS and AWS Secrets Manager", Limitations; every engine but SQL Server);
 *  - no automated backups on a PostgreSQL replica: RDS creates replicas with backups disabled and answers the provider's
 *    follow-up ModifyDBInstance with "DB Backups not supported on a read replica for engine postgres" (MySQL and
 *    MariaDB replicas take them).
 * `sourceOf` answers what the mock knows of a source instance by ARN (the inputs it was planned or served with); a
 * source it does not know, and unknown values (a first preview), are not judged.
 */
export function refuseRdsInstance(inputs: State, region: string, sourceOf: (arn: string) => State | undefined = () => undefined): void {
    const source = inputs.replicateSourceDb;
    if (!isKnownString(source)) return;
    const refuse = (message: string) => {
        throw new Error(`InvalidParameterCombination: ${message}`);
    };
    if (inputs.username !== undefined || inputs.password !== undefined || inputs.manageMasterUserPassword === true) {
        refuse("a read replica (replicateSourceDb) takes its master user and password from its source; remove username, password and manageMasterUserPassword");
    }
    const arn = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:db:/.exec(source);
    if (!arn) {
        if (inputs.dbSubnetGroupName !== undefined) refuse(`replicateSourceDb "${source}" is an identifier: with dbSubnetGroupName (or from another region) the source must be given as its ARN`);
        return;
    }
    const crossRegion = arn[1] !== region;
    if (crossRegion && inputs.storageEncrypted === true && inputs.kmsKeyId === undefined) {
        refuse(`an encrypted cross-region read replica of ${source} needs kmsKeyId, a KMS key in ${region}`);
    }
    const keyRegion = isKnownString(inputs.kmsKeyId) ? /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(inputs.kmsKeyId)?.[1] : undefined;
    if (crossRegion && keyRegion && keyRegion !== region) refuse(`kmsKeyId ${String(inputs.kmsKeyId)} is in ${keyRegion}; a replica in ${region} needs a key of its own region`);
    if (inputs.finalSnapshotIdentifier !== undefined || inputs.skipFinalSnapshot === false) {
        refuse("a read replica cannot be deleted with a final snapshot (DeleteDBInstance: specify SkipFinalSnapshot, no FinalDBSnapshotIdentifier)");
    }
    const sourceInputs = sourceOf(source);
    if (sourceInputs?.manageMasterUserPassword === true) {
        refuse(`cannot create a read replica of ${source}: its master password is managed in Secrets Manager (manageMasterUserPassword); give the source a self-managed password`);
    }
    const engine = inputs.engine ?? sourceInputs?.engine;
    const retention = inputs.backupRetentionPeriod;
    if (engine === "postgres" && typeof retention === "number" && retention > 0) {
        throw new Error(`InvalidParameterValue: DB Backups not supported on a read replica for engine postgres (backupRetentionPeriod ${retention} on a replica of ${source})`);
    }
}

/**
 * StartDBInstanceAutomatedBackupsReplication runs in the destination region: the source must be an instance ARN of
 * another region, and a KMS key given must be a key of the destination region.
 */
export function refuseBackupReplication(inputs: State, region: string): void {
    const source = inputs.sourceDbInstanceArn;
    if (isKnownString(source)) {
        const sourceRegion = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:db:/.exec(source)?.[1];
        if (!sourceRegion) throw new Error(`InvalidParameterValue: sourceDbInstanceArn "${source}" is not a DB instance ARN`);
        if (sourceRegion === region) throw new Error(`InvalidParameterValue: backups of ${source} cannot be replicated into their own region ${region}`);
    }
    const keyRegion = isKnownString(inputs.kmsKeyId) ? /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(inputs.kmsKeyId)?.[1] : undefined;
    if (keyRegion && keyRegion !== region) throw new Error(`InvalidParameterValue: kmsKeyId ${String(inputs.kmsKeyId)} is in ${keyRegion}; replicated backups in ${region} need a key of that region`);
}

const CLUSTER = "aws:rds/cluster:Cluster";
const CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";

/** The placeholder outputs of an Aurora cluster registered as `name` in `region`. */
export function mockAuroraCluster(name: string, region: string, account: string, inputs: State): State {
    const hex = (salt: string) => hexOf(hexOf(CLUSTER, name), salt);
    const clusterIdentifier = String(inputs.clusterIdentifier ?? `${name}-${hex("").slice(0, 7)}`);
    const host = `mock${hex("host").slice(0, 12)}.${region}.rds.amazonaws.com`;
    return {
        clusterIdentifier,
        endpoint: `${clusterIdentifier}.cluster-${host}`,
        readerEndpoint: `${clusterIdentifier}.cluster-ro-${host}`,
        port: 5432,
        arn: `arn:aws:rds:${region}:${account}:cluster:${clusterIdentifier}`,
        clusterResourceId: `cluster-MOCK${hex("rid").slice(0, 22).toUpperCase()}`,
        masterUserSecrets: inputs.manageMasterUserPassword
            ? [{ secretArn: `arn:aws:secretsmanager:${region}:${account}:secret:rds!cluster-mock${hex("secret").slice(0, 8)}-AbCdEf`, kmsKeyId: inputs.masterUserSecretKmsKeyId ?? "", secretStatus: "active" }]
            : [],
    };
}

/** The placeholder outputs of an Aurora instance: its own endpoint in the cluster. */
export function mockAuroraInstance(name: string, region: string, account: string, inputs: State): State {
    const hex = (salt: string) => hexOf(hexOf(CLUSTER_INSTANCE, name), salt);
    const identifier = String(inputs.identifier ?? `${name}-${hex("").slice(0, 7)}`);
    const address = `${identifier}.mock${hex("host").slice(0, 12)}.${region}.rds.amazonaws.com`;
    return { identifier, address, endpoint: `${address}:5432`, port: 5432, arn: `arn:aws:rds:${region}:${account}:db:${identifier}`, dbiResourceId: `db-MOCK${hex("rid").slice(0, 20).toUpperCase()}`, writer: false };
}

/**
 * CreateDBCluster into an existing global database (a secondary, the global cluster not created by this stack): RDS
 * refuses master credentials ("cannot specify MasterUsername / MasterUserPassword for a secondary cluster"), and an
 * encrypted secondary in another region needs a KMS key of its own region. A global database member must be
 * aurora-postgresql (or aurora-mysql) and provisioned. No member of a global database, the primary included, may have
 * its master password managed in Secrets Manager (Aurora User Guide, "Password management with Amazon RDS and AWS
 * Secrets Manager", Limitations).
 */
export function refuseAuroraCluster(inputs: State, region: string, globalClustersHere: ReadonlySet<string>): void {
    const global = inputs.globalClusterIdentifier;
    const refuse = (message: string) => {
        throw new Error(`InvalidParameterCombination: ${message}`);
    };
    // Judged even when the identifier is not known yet (a first preview): the cluster joins a global database either way.
    if (global !== undefined && global !== "" && inputs.manageMasterUserPassword === true) {
        refuse(`a cluster in a global database (${String(global)}) cannot have its master password managed in Secrets Manager (manageMasterUserPassword); give it masterPassword`);
    }
    if (!isKnownString(global)) return;
    if (inputs.engineMode !== undefined && inputs.engineMode !== "provisioned") refuse(`a global database member must be provisioned, not ${String(inputs.engineMode)}`);
    if (globalClustersHere.has(global)) return;
    if (inputs.masterUsername !== undefined || inputs.masterPassword !== undefined || inputs.manageMasterUserPassword === true) {
        refuse(`a secondary cluster of global database ${global} takes its master user from the primary; remove masterUsername, masterPassword and manageMasterUserPassword`);
    }
    if (inputs.storageEncrypted === true && inputs.kmsKeyId === undefined) refuse(`an encrypted secondary cluster in ${region} needs kmsKeyId, a KMS key of ${region}`);
    const keyRegion = isKnownString(inputs.kmsKeyId) ? /^arn:aws[a-z-]*:kms:([a-z0-9-]+):/.exec(inputs.kmsKeyId)?.[1] : undefined;
    if (keyRegion && keyRegion !== region) refuse(`kmsKeyId ${String(inputs.kmsKeyId)} is in ${keyRegion}; a cluster in ${region} needs a key of its own region`);
}
