import * as pulumi from "@pulumi/pulumi";
import * as rds from "@pulumi/aws/rds";
import type { DatabaseEndpoint } from "../database";
import { POSTGRES_PORT, databaseFoundation, postgresParameterGroup } from "./database-foundation";
import { rdsLogGroups } from "../rds-log-groups";
import { masterSecret } from "./master-secret";

export interface DatabaseReplicaArgs {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    /** Security group of the cluster's nodes: the only source admitted on the PostgreSQL port. */
    clientSecurityGroupId: pulumi.Input<string>;
    /**
     * ARN of the writer instance in another region. RDS takes a cross-region source only as an ARN (an identifier names
     * an instance of the replica's own region), and so does a same-region source once dbSubnetGroupName is set.
     */
    sourceArn: pulumi.Input<string>;
    /**
     * Promote: the replica stops replicating and becomes a standalone writer. The AWS provider applies the removal of
     * replicateSourceDb in place with PromoteReadReplica (same resource, same URN); no other source can be elected.
     * Default false.
     */
    promoted?: boolean;
    /** PostgreSQL major of the source: the parameter group's family must match it. */
    engineVersion: string;
    /** Instance class; may be smaller than the writer's while it only serves reads, but it becomes the writer on promotion. */
    instanceClass: string;
    /** Storage in GiB (RDS sizes a new replica from its source; this is the floor after promotion). */
    allocatedStorageGib: number;
    /** Storage autoscaling ceiling in GiB. */
    maxAllocatedStorageGib: number;
    /** A standby in a second zone (RDS supports Multi-AZ read replicas); a promoted replica is then a Multi-AZ writer. Default true. */
    multiAz?: boolean;
    /**
     * Days of automated backups once promoted. A PostgreSQL replica has none: RDS creates every read replica with backups
     * disabled and refuses to turn them on for one ("DB Backups not supported on a read replica for engine postgres";
     * only MySQL and MariaDB replicas take them), so retention and window are set only with `promoted`. Default 7.
     */
    backupRetentionDays?: number;
    /** The source's master user (a replica inherits it): what the secret created on promotion names. Default "shop_admin". */
    masterUsername?: string;
    /** Changing it generates the promoted writer's master password anew (config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    /** Enhanced Monitoring interval (0 off, 1, 5, 10, 15, 30, 60). Default 0. */
    monitoringIntervalSeconds?: number;
    /** The instance identifier, known before the instance so its log-export groups exist first (as the writer's). Default: auto-named, no declared log groups. */
    identifier?: string;
    /** Days CloudWatch keeps the exported PostgreSQL logs (with `identifier`). Default 30. */
    logRetentionDays?: number;
    /** Pulumi `protect` on the instance and its key. Default false. */
    protect?: boolean;
}

/**
 * A cross-region read replica of the environment's writer, in this stack's region: its own KMS key (an encrypted
 * cross-region replica must name a key of its own region), parameter group forcing TLS, subnet group and security group,
 * IAM database authentication, Performance Insights and Enhanced Monitoring as on the writer. Deletion protection
 * always; no final snapshot while it replicates (RDS refuses FinalDBSnapshotIdentifier when deleting a read replica),
 * one once promoted.
 */
export class DatabaseReplica extends pulumi.ComponentResource {
    readonly address: pulumi.Output<string>;
    readonly port: number = POSTGRES_PORT;
    readonly instanceIdentifier: pulumi.Output<string>;
    readonly allocatedStorageGib: pulumi.Output<number>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    /** Empty while a replica (it has no master secret of its own); once promoted, a generated password's secret in this region. */
    readonly masterUserSecretArn: pulumi.Output<string>;
    readonly endpoint: DatabaseEndpoint;
    readonly promoted: boolean;

    constructor(name: string, args: DatabaseReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:DatabaseReplica", name, {}, opts);
        const child = { parent: this };
        this.promoted = args.promoted ?? false;

        const { key, subnets, securityGroup, monitoringRole } = databaseFoundation(name, {
            vpcId: args.vpcId, privateSubnetIds: args.privateSubnetIds, clientSecurityGroupId: args.clientSecurityGroupId,
            description: "PostgreSQL replica", monitoringIntervalSeconds: args.monitoringIntervalSeconds ?? 0, protect: args.protect,
        }, this);

        const parameters = postgresParameterGroup(name, args.engineVersion, this);

        const interval = args.monitoringIntervalSeconds ?? 0;

        const logGroups = args.identifier
            ? rdsLogGroups(`${name}-postgres`, { identifier: args.identifier, retentionDays: args.logRetentionDays }, child) : [];
        // Once promoted the writer gets a password of its own, generated into a secret of this region (the source's
        // stays in its region); self-managed, not RDS-managed, so the promoted writer can itself be replicated.
        const master = this.promoted
            ? masterSecret(name, { username: args.masterUsername ?? "shop_admin", kmsKeyArn: key.arn, rotationEpoch: args.rotationEpoch }, this)
            : undefined;
        const instance = new rds.Instance(`${name}-postgres`, {
            identifier: args.identifier,
            // Engine, version, master user and database come from the source; a replica refuses a username or password.
            replicateSourceDb: this.promoted ? undefined : args.sourceArn,
            instanceClass: args.instanceClass,
            allocatedStorage: args.allocatedStorageGib,
            maxAllocatedStorage: args.maxAllocatedStorageGib,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: key.arn,
            password: master?.password.result,
            iamDatabaseAuthenticationEnabled: true,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [securityGroup.id],
            parameterGroupName: parameters.name,
            publiclyAccessible: false,
            multiAz: args.multiAz ?? true,
            deletionProtection: true,
            skipFinalSnapshot: !this.promoted,
            finalSnapshotIdentifier: this.promoted ? `${name}-final-snapshot` : undefined,
            backupRetentionPeriod: this.promoted ? args.backupRetentionDays ?? 7 : undefined,
            backupWindow: this.promoted ? "20:00-21:00" : undefined,
            maintenanceWindow: "sun:21:30-sun:22:30",
            copyTagsToSnapshot: true,
            autoMinorVersionUpgrade: !args.engineVersion.includes("."),
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: 7,
            enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
            monitoringInterval: interval,
            monitoringRoleArn: monitoringRole?.arn,
            caCertIdentifier: "rds-ca-rsa2048-g1",
        }, {
            ...child, dependsOn: logGroups, protect: args.protect, ignoreChanges: ["allocatedStorage"],
            // A fixed identifier: a replacement (`pulumi up --replace`, a changed source) must delete the old instance
            // first, or RDS refuses the new one with DBInstanceAlreadyExists. An autonamed one is replaced with no gap.
            deleteBeforeReplace: args.identifier !== undefined,
        });

        this.address = instance.address;
        this.instanceIdentifier = instance.identifier;
        this.allocatedStorageGib = instance.allocatedStorage;
        this.kmsKeyArn = key.arn;
        this.securityGroupId = securityGroup.id;
        this.masterUserSecretArn = master ? master.secretArn : pulumi.output("");
        this.endpoint = {
            address: this.address, port: this.port, maintenanceDatabase: "postgres",
            masterUserSecretArn: this.masterUserSecretArn, kmsKeyArn: this.kmsKeyArn,
            arn: instance.arn, resourceId: instance.resourceId,
        };
        this.registerOutputs({ address: this.address, promoted: this.promoted });
    }
}
