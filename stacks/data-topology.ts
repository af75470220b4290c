import * as pulumi from "@pulumi/pulumi";
import { Database, type DatabaseEndpoint } from "../components/database";
import { POSTGRES_PORT } from "../components/data/database-foundation";
import { DatabaseReplica } from "../components/data/database-replica";
import { AuroraGlobalDatabase } from "../components/data/aurora-global-database";
import * as aws from "@pulumi/aws/provider";
import { BackupReplication } from "../components/data/backup-replication";
import type { PlatformConfig } from "./config";
import { remoteRegionProviderArgs } from "./tags";

/**
 * What the stack holding the writer exports for the environment's other stacks (index.ts `databaseWriter`); the offline
 * engine serves the same shape from the primary's stack file (tools/stack-references.ts).
 */
export const DATABASE_WRITER_OUTPUT = "databaseWriter";

export interface DatabaseWriterOutputs {
    address: string;
    port: number;
    /** Instance ARN: what a cross-region replica names as its source. */
    arn: string;
    /** DbiResourceId: what `rds-db:connect` names. */
    resourceId: string;
    region: string;
    /** The writer's master secret (in the writer's region, JSON username and password) and the key that encrypts it. */
    masterUserSecretArn: string;
    kmsKeyArn: string;
}

/** The environment's database as one regional stack sees it. */
export interface DataTopology {
    /** The database in this region (writer or replica): the alarms watch it, Keycloak keeps its own database on it. */
    local: LocalDatabase;
    /** The writer: in this region when it holds it, else the primary's, read through a StackReference. */
    writer: DatabaseEndpoint;
    /** The writer's region (IAM tokens for it are signed for that region). */
    writerRegion: pulumi.Input<string>;
    /** This region's replica, where this stack does not hold the writer. */
    reader?: DatabaseEndpoint;
    /** Whether this stack holds the writer: bootstraps, the outbox relay and the writing CronJobs run only here. */
    isWriterRegion: boolean;
    /** What index.ts exports as DATABASE_WRITER_OUTPUT; undefined where this stack does not hold the writer. */
    writerOutputs?: pulumi.Output<DatabaseWriterOutputs>;
}

export interface LocalDatabase {
    endpoint: DatabaseEndpoint;
    instanceIdentifier: pulumi.Output<string>;
    allocatedStorageGib: pulumi.Input<number>;
    /** How far behind the writer this copy is, where it is one: the metric the lag alarm watches. */
    replicaLag?: { metricName: string; dimensions: Record<string, pulumi.Input<string>>; unitsPerSecond: number };
    /** The security group of the database (what a cross-region rule would admit). */
    securityGroupId: pulumi.Output<string>;
}

export interface DataTopologyInputs {
    config: PlatformConfig;
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    clientSecurityGroupId: pulumi.Input<string>;
    protect: boolean;
    opts: pulumi.ComponentResourceOptions;
}

/**
 * One writer per environment, in the primary stack (databasePrimaryStack, default the edge owner); every other prod
 * stack holds a cross-region replica of it. The edge owner keeps its first writer (`Database`, URN unchanged) until a
 * failover retires it; every other stack's database is a `DatabaseReplica`, which becomes the writer in place when
 * the stack names itself the primary (RDS PromoteReadReplica, same URN).
 */
export function composeDataTopology({ config, vpcId, privateSubnetIds, clientSecurityGroupId, protect, opts }: DataTopologyInputs): DataTopology {
    const prefix = config.environment;
    const topology = config.database.topology;
    const db = config.database;
    const sizing = {
        vpcId, privateSubnetIds, clientSecurityGroupId,
        engineVersion: db.engineVersion,
        instanceClass: db.instanceClass,
        allocatedStorageGib: db.allocatedStorageGib,
        maxAllocatedStorageGib: db.maxAllocatedStorageGib,
        multiAz: db.multiAz,
        backupRetentionDays: db.backupRetentionDays,
        monitoringIntervalSeconds: db.monitoringIntervalSeconds,
        identifier: db.identifier,
        logRetentionDays: config.cluster.logRetentionDays,
        // Keeper of the generated master passwords, as of every other generated password.
        rotationEpoch: config.secretRotationEpoch,
        protect,
    };

    // The writer's automated backups, copied to another region by a replication created there (with a key of that region).
    const replicateBackups = (sourceInstanceArn: pulumi.Input<string>) => {
        const destination = db.backupReplicationRegion;
        if (!destination) return;
        const provider = new aws.Provider(`${prefix}-aws-backups-${destination}`, remoteRegionProviderArgs(config, destination));
        new BackupReplication(`${prefix}-db-backups-${destination}`, { sourceInstanceArn, retentionDays: db.backupRetentionDays, protect }, { providers: { aws: provider } });
    };

    if (config.edge.ownsEdge && !topology.originalWriterRetired && topology.kind === "rds-replicas") {
        const database = new Database(`${prefix}-db`, {
            ...sizing,
            allowMajorVersionUpgrade: db.allowMajorVersionUpgrade,
            deletionProtection: db.deletionProtection,
        }, opts);
        replicateBackups(database.endpoint.arn);
        return {
            local: { endpoint: database.endpoint, instanceIdentifier: database.instanceIdentifier, allocatedStorageGib: database.allocatedStorageGib, securityGroupId: database.securityGroupId },
            writer: database.endpoint,
            writerRegion: config.region,
            isWriterRegion: true,
            writerOutputs: writerOutputs(database.endpoint, config.region),
        };
    }

    const source = topology.isPrimary ? undefined : new pulumi.StackReference(`${prefix}-database-primary`, {
        name: `${pulumi.getOrganization()}/${config.project}/${topology.primaryStack}`,
    }).requireOutput(DATABASE_WRITER_OUTPUT).apply((value) => writerOf(value, topology.primaryStack));
    const remoteWriter = (writer: pulumi.Output<DatabaseWriterOutputs>): DatabaseEndpoint => ({
        address: writer.address, port: POSTGRES_PORT, maintenanceDatabase: "postgres",
        masterUserSecretArn: writer.masterUserSecretArn, kmsKeyArn: writer.kmsKeyArn, arn: writer.arn, resourceId: writer.resourceId,
    });

    if (topology.kind === "aurora-global") {
        // The edge owner created the global database and stays its owner; a managed failover moves the writer between
        // members, and databasePrimaryStack tells the program which member that is (README, "Failover").
        const aurora = new AuroraGlobalDatabase(`${prefix}-aurora`, {
            vpcId, privateSubnetIds, clientSecurityGroupId,
            role: config.edge.ownsEdge
                ? { primary: true, globalClusterIdentifier: globalClusterIdentifierOf(config) }
                : { primary: false, globalClusterIdentifier: globalClusterIdentifierOf(config) },
            engineVersion: db.engineVersion,
            instanceClass: db.instanceClass,
            instances: db.multiAz ? 2 : 1,
            backupRetentionDays: db.backupRetentionDays,
            monitoringIntervalSeconds: db.monitoringIntervalSeconds,
            rotationEpoch: config.secretRotationEpoch,
            protect,
        }, opts);
        const local: LocalDatabase = {
            endpoint: topology.isPrimary ? aurora.endpoint : aurora.readerEndpoint,
            instanceIdentifier: aurora.instanceIdentifier,
            allocatedStorageGib: db.allocatedStorageGib,
            securityGroupId: aurora.securityGroupId,
            // Milliseconds behind the primary, per secondary cluster (Aurora user guide, "Monitoring Aurora global databases").
            replicaLag: topology.isPrimary ? undefined : { metricName: "AuroraGlobalDBReplicationLag", dimensions: { DBClusterIdentifier: aurora.clusterIdentifier }, unitsPerSecond: 1000 },
        };
        if (!source) {
            return { local, writer: aurora.endpoint, writerRegion: config.region, isWriterRegion: true, writerOutputs: writerOutputs(aurora.endpoint, config.region) };
        }
        return { local, writer: remoteWriter(source), writerRegion: source.region, reader: aurora.readerEndpoint, isWriterRegion: false };
    }

    const replica = new DatabaseReplica(`${prefix}-db-replica`, {
        ...sizing,
        sourceArn: source ? source.arn : "",
        promoted: topology.isPrimary,
    }, opts);
    const local: LocalDatabase = {
        endpoint: replica.endpoint, instanceIdentifier: replica.instanceIdentifier, allocatedStorageGib: replica.allocatedStorageGib, securityGroupId: replica.securityGroupId,
        // Seconds behind the source (RDS ReplicaLag).
        replicaLag: topology.isPrimary ? undefined : { metricName: "ReplicaLag", dimensions: { DBInstanceIdentifier: replica.instanceIdentifier }, unitsPerSecond: 1 },
    };
    if (!source) {
        replicateBackups(replica.endpoint.arn);
        return { local, writer: replica.endpoint, writerRegion: config.region, isWriterRegion: true, writerOutputs: writerOutputs(replica.endpoint, config.region) };
    }
    return { local, writer: remoteWriter(source), writerRegion: source.region, reader: replica.endpoint, isWriterRegion: false };
}

/** The global database's identifier: one per environment, from config alone, so every member names the same. */
export function globalClusterIdentifierOf(config: PlatformConfig): string {
    return `${config.project}-${config.environment}`;
}

function writerOutputs(endpoint: DatabaseEndpoint, region: string): pulumi.Output<DatabaseWriterOutputs> {
    return pulumi.all([endpoint.address, endpoint.arn, endpoint.resourceId, endpoint.masterUserSecretArn, endpoint.kmsKeyArn])
        .apply(([address, arn, resourceId, masterUserSecretArn, kmsKeyArn]) => ({ address, port: endpoint.port, arn, resourceId, region, masterUserSecretArn, kmsKeyArn }));
}

/** The primary's export, checked: a stack that does not hold the writer exports none (requireOutput then fails first). */
function writerOf(value: unknown, stack: string): DatabaseWriterOutputs {
    const writer = value as Partial<DatabaseWriterOutputs> | undefined;
    if (!writer || typeof writer.arn !== "string" || !writer.arn.startsWith("arn:") || typeof writer.region !== "string") {
        throw new Error(`stack ${stack} exports no usable ${DATABASE_WRITER_OUTPUT} (an instance ARN and its region); is it the primary? (databasePrimaryStack)`);
    }
    return writer as DatabaseWriterOutputs;
}
