import * as pulumi from "@pulumi/pulumi";
import * as rds from "@pulumi/aws/rds";
import { POSTGRES_PORT, databaseFoundation, postgresParameterGroup } from "./data/database-foundation";
import { POSTGRES_LOG_EXPORTS, rdsLogGroups } from "./rds-log-groups";
import { masterSecret } from "./data/master-secret";

export interface DatabaseArgs {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    /** Security group of the cluster's nodes: the only source admitted on the PostgreSQL port. */
    clientSecurityGroupId: pulumi.Input<string>;
    /**
     * PostgreSQL major ("17") or major.minor ("17.6"). A major alone takes RDS's automatic minor upgrades in the
     * maintenance window; a major.minor is a pin, so automatic minor upgrades are off: RDS would otherwise install a newer
     * minor and the next `pulumi up` would try to take the instance back to the pinned one, which RDS refuses
     * (no downgrades). The parameter group's family follows the major.
     */
    engineVersion: string;
    /**
     * Let a changed major of engineVersion upgrade the instance in place (RDS takes a snapshot, the database is down for
     * the upgrade). Default false: RDS refuses a major change without it, so an edited major fails the update instead of
     * upgrading unplanned.
     */
    allowMajorVersionUpgrade?: boolean;
    /** Instance class; Graviton classes (db.t4g, db.m7g) are the cheaper choice. */
    instanceClass: string;
    /** Initial storage in GiB (gp3). */
    allocatedStorageGib: number;
    /** Storage autoscaling ceiling in GiB. */
    maxAllocatedStorageGib: number;
    /** Standby in a second zone with automatic failover. Default true. */
    multiAz?: boolean;
    /** Refuse deletion (and take a final snapshot) when true. Default true. */
    deletionProtection?: boolean;
    /** Days of automated backups (point-in-time recovery window). Default 7. */
    backupRetentionDays?: number;
    /**
     * Master user name. Its password is generated here and kept in a Secrets Manager secret of its own (encrypted with
     * the database's key), not managed by RDS: RDS refuses to create a read replica of a source whose master password
     * Secrets Manager manages, and the other regions replicate this instance. Default "shop_admin".
     */
    masterUsername?: string;
    /** Changing it generates the master password anew (config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    /**
     * Enhanced Monitoring: OS metrics (per-process CPU, memory, I/O) every N seconds to CloudWatch Logs through a role
     * RDS assumes; one of 1, 5, 10, 15, 30, 60. 0 turns it off (no role is created). Default 0.
     */
    monitoringIntervalSeconds?: number;
    /**
     * Pulumi `protect` on the instance and its KMS key: a replacement or deletion fails until `pulumi state unprotect`. Default false (the
     * composition turns it on from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
    /**
     * The instance identifier (its name in RDS, and in its endpoint's DNS name). Known before the instance, so its
     * exported logs' groups are declared first with a retention. Changing it renames the instance in place
     * (ModifyDBInstance NewDBInstanceIdentifier, in the maintenance window), which changes the endpoint's name.
     * Default: auto-named by Pulumi, and RDS creates the log groups itself with no retention.
     */
    identifier?: string;
    /** Days CloudWatch keeps the exported PostgreSQL logs (with `identifier`). Default 30. */
    logRetentionDays?: number;
}


/** What an application needs to create its own database and role on the instance (see DatabaseBootstrap). */
export interface DatabaseEndpoint {
    address: pulumi.Input<string>;
    port: number;
    /** The database to connect to for administration. */
    maintenanceDatabase: string;
    /** The master secret (JSON with username and password, the shape of an RDS-managed one) and the KMS key that encrypts it. */
    masterUserSecretArn: pulumi.Input<string>;
    kmsKeyArn: pulumi.Input<string>;
    /**
     * Where the bootstrap Jobs that use the master secret run (see DatabaseBootstrapNamespace). Default: each in its
     * application's namespace, which leaves the master secret's role to anyone who may create pods there.
     */
    bootstrap?: BootstrapPlacement;
    /** The instance's ARN and its DbiResourceId: what an IAM policy names to allow `rds-db:connect` as one role. */
    arn: pulumi.Input<string>;
    resourceId: pulumi.Input<string>;
}

/** A namespace set aside for the Jobs that hold the master secret, and the object they wait for. */
export interface BootstrapPlacement {
    namespace: string;
    resource: pulumi.Resource;
}

/**
 * The `rds-db:connect` resource for one database user of an instance:
 * arn:<partition>:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user> (region and account from the instance ARN).
 */
export function rdsDbUserArn(endpoint: Pick<DatabaseEndpoint, "arn" | "resourceId">, user: string): pulumi.Output<string> {
    return pulumi.all([endpoint.arn, endpoint.resourceId]).apply(([instanceArn, resourceId]) => {
        const [, partition, , region, account] = instanceArn.split(":");
        return `arn:${partition}:rds-db:${region}:${account}:dbuser:${resourceId}/${user}`;
    });
}

/**
 * RDS PostgreSQL in private subnets: its own KMS key for storage, Performance Insights and the master secret;
 * TLS enforced by the parameter group; reachable only from the cluster's nodes; the master password is generated
 * (rotated by rotationEpoch) and reaches clients only through its Secrets Manager secret.
 */
export class Database extends pulumi.ComponentResource {
    readonly address: pulumi.Output<string>;
    readonly port: number = POSTGRES_PORT;
    /**
     * The database every instance has, used only to create the applications' own databases: each application gets
     * its database and owning role from a DatabaseBootstrap, so none shares the master user's objects.
     */
    readonly maintenanceDatabase = "postgres";
    readonly masterUsername: string;
    /** Secrets Manager secret (JSON with username and password) holding the generated master password. */
    readonly masterUserSecretArn: pulumi.Output<string>;
    readonly instanceIdentifier: pulumi.Output<string>;
    /** Storage allocated now (GiB): grows past the configured size under storage autoscaling (maxAllocatedStorage). */
    readonly allocatedStorageGib: pulumi.Output<number>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly endpoint: DatabaseEndpoint;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:Database", name, {}, opts);
        const child = { parent: this };
        const protect = args.deletionProtection ?? true;
        this.masterUsername = args.masterUsername ?? "shop_admin";

        const interval = args.monitoringIntervalSeconds ?? 0;
        const { key, subnets, securityGroup, monitoringRole } = databaseFoundation(name, {
            vpcId: args.vpcId, privateSubnetIds: args.privateSubnetIds, clientSecurityGroupId: args.clientSecurityGroupId,
            description: "PostgreSQL", monitoringIntervalSeconds: interval, protect: args.protect,
            keyDescription: `Storage, Performance Insights and master secret of ${name}`,
        }, this);
        const parameters = postgresParameterGroup(name, args.engineVersion, this);

        const logGroups = args.identifier
            ? rdsLogGroups(`${name}-postgres`, { identifier: args.identifier, retentionDays: args.logRetentionDays }, child) : [];
        const master = masterSecret(name, { username: this.masterUsername, kmsKeyArn: key.arn, rotationEpoch: args.rotationEpoch }, this);
        const instance = new rds.Instance(`${name}-postgres`, {
            identifier: args.identifier,
            engine: "postgres",
            engineVersion: args.engineVersion,
            instanceClass: args.instanceClass,
            allocatedStorage: args.allocatedStorageGib,
            maxAllocatedStorage: args.maxAllocatedStorageGib,
            storageType: "gp3",
            storageEncrypted: true,
            kmsKeyId: key.arn,
            username: this.masterUsername,
            password: master.password.result,
            iamDatabaseAuthenticationEnabled: true,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [securityGroup.id],
            parameterGroupName: parameters.name,
            publiclyAccessible: false,
            multiAz: args.multiAz ?? true,
            deletionProtection: protect,
            skipFinalSnapshot: !protect,
            finalSnapshotIdentifier: protect ? `${name}-final-snapshot` : undefined,
            backupRetentionPeriod: args.backupRetentionDays ?? 7,
            backupWindow: "20:00-21:00",
            maintenanceWindow: "sun:21:30-sun:22:30",
            copyTagsToSnapshot: true,
            allowMajorVersionUpgrade: args.allowMajorVersionUpgrade ?? false,
            autoMinorVersionUpgrade: !args.engineVersion.includes("."),
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: 7,
            enabledCloudwatchLogsExports: [...POSTGRES_LOG_EXPORTS],
            monitoringInterval: interval,
            monitoringRoleArn: monitoringRole?.arn,
            caCertIdentifier: "rds-ca-rsa2048-g1",
        }, {
            ...child,
            dependsOn: logGroups,
            protect: args.protect,
            // Storage autoscaling grows the volume past allocatedStorage; RDS refuses to shrink it, so an `up` must not
            // try to put the configured size back (the Terraform provider's own advice for max_allocated_storage).
            ignoreChanges: ["allocatedStorage"],
        });

        this.address = instance.address;
        this.instanceIdentifier = instance.identifier;
        this.allocatedStorageGib = instance.allocatedStorage;
        this.masterUserSecretArn = master.secretArn;
        this.securityGroupId = securityGroup.id;
        this.kmsKeyArn = key.arn;
        this.endpoint = {
            address: this.address, port: this.port, maintenanceDatabase: this.maintenanceDatabase,
            masterUserSecretArn: this.masterUserSecretArn, kmsKeyArn: this.kmsKeyArn,
            arn: instance.arn, resourceId: instance.resourceId,
        };
        this.registerOutputs({ address: this.address, masterUserSecretArn: this.masterUserSecretArn });
    }
}
