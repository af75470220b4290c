import * as pulumi from "@pulumi/pulumi";
import * as rds from "@pulumi/aws/rds";
import type { DatabaseEndpoint } from "../database";
import { POSTGRES_PARAMETERS, POSTGRES_PARAMETERS_DESCRIPTION, POSTGRES_PORT, databaseFoundation } from "./database-foundation";
import { masterSecret } from "./master-secret";

export interface AuroraGlobalDatabaseArgs {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    /** Security group of the cluster's nodes: the only source admitted on the PostgreSQL port. */
    clientSecurityGroupId: pulumi.Input<string>;
    /**
     * The primary creates the GlobalCluster under this identifier; a secondary joins the one the primary created (read
     * through the primary's stack outputs). A secondary has no master credentials: they come with the global database.
     */
    role: { primary: true; globalClusterIdentifier: string } | { primary: false; globalClusterIdentifier: pulumi.Input<string> };
    /** aurora-postgresql version: a major ("17") or major.minor ("16.6"); the cluster parameter group's family follows the major. */
    engineVersion: string;
    /** An Aurora instance class (db.r7g.large ...; Aurora PostgreSQL offers no db.m classes). */
    instanceClass: string;
    /** Instances in the cluster: 2 puts a reader in a second zone that Aurora fails over to (Multi-AZ). Default 2. */
    instances?: number;
    /** Days of continuous backups (point-in-time restore). Default 7. */
    backupRetentionDays?: number;
    /** Enhanced Monitoring interval (0 off, 1, 5, 10, 15, 30, 60). Default 0. */
    monitoringIntervalSeconds?: number;
    /** Changing it generates the primary's master password anew (config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    /** Pulumi `protect` on the clusters, the global cluster and the key. Default false. */
    protect?: boolean;
}

/**
 * Global write forwarding (a secondary forwards writes to the primary) for Aurora PostgreSQL: every minor of 16 and
 * later, 15.4+ and 14.9+ (Aurora user guide, "Using write forwarding in an Aurora PostgreSQL global database"). A major
 * alone takes the current minor, which for 14 and 15 is past those.
 */
export function supportsGlobalWriteForwarding(engineVersion: string): boolean {
    const [major, minor] = engineVersion.split(".").map(Number);
    if (major >= 16) return true;
    if (minor === undefined) return major >= 14;
    return (major === 15 && minor >= 4) || (major === 14 && minor >= 9);
}

/**
 * One region's part of an Aurora PostgreSQL Global Database: in the primary the GlobalCluster and the writer cluster
 * (a generated master password in a secret of its own: Aurora does not manage master passwords of clusters in a global
 * database), elsewhere a secondary cluster joining it by identifier, read-only with
 * write forwarding where the version supports it. Each cluster: its own KMS key in its region, a cluster parameter group
 * forcing TLS, IAM database authentication, deletion protection and a final snapshot, instances spread over zones.
 */
export class AuroraGlobalDatabase extends pulumi.ComponentResource {
    /** The cluster's writer endpoint (in a secondary: the endpoint a promotion makes writable). */
    readonly address: pulumi.Output<string>;
    /** The cluster's reader endpoint (its replicas, in this region). */
    readonly readerAddress: pulumi.Output<string>;
    readonly port: number = POSTGRES_PORT;
    readonly globalClusterIdentifier: pulumi.Output<string>;
    /** The first instance: what the instance-level alarms watch. */
    readonly instanceIdentifier: pulumi.Output<string>;
    readonly clusterIdentifier: pulumi.Output<string>;
    readonly kmsKeyArn: pulumi.Output<string>;
    readonly securityGroupId: pulumi.Output<string>;
    readonly masterUserSecretArn: pulumi.Output<string>;
    /** The writer endpoint as the bootstraps and IAM policies take it (resource id: the cluster's, as rds-db:connect names it). */
    readonly endpoint: DatabaseEndpoint;
    /** The reader endpoint, same cluster ARN and resource id. */
    readonly readerEndpoint: DatabaseEndpoint;

    constructor(name: string, args: AuroraGlobalDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:AuroraGlobalDatabase", name, {}, opts);
        const child = { parent: this };
        const protect = { ...child, protect: args.protect };
        const major = args.engineVersion.split(".")[0];

        const { key, subnets, securityGroup, monitoringRole } = databaseFoundation(name, {
            vpcId: args.vpcId, privateSubnetIds: args.privateSubnetIds, clientSecurityGroupId: args.clientSecurityGroupId,
            description: "Aurora PostgreSQL", monitoringIntervalSeconds: args.monitoringIntervalSeconds ?? 0, protect: args.protect,
        }, this);
        const parameters = new rds.ClusterParameterGroup(`${name}-params`, {
            family: `aurora-postgresql${major}`,
            description: POSTGRES_PARAMETERS_DESCRIPTION,
            parameters: POSTGRES_PARAMETERS,
        }, child);

        const global = args.role.primary ? new rds.GlobalCluster(`${name}-global`, {
            globalClusterIdentifier: args.role.globalClusterIdentifier,
            engine: "aurora-postgresql",
            engineVersion: args.engineVersion,
            storageEncrypted: true,
            deletionProtection: true,
        }, protect) : undefined;
        this.globalClusterIdentifier = global ? global.globalClusterIdentifier : pulumi.output(args.role.globalClusterIdentifier);

        // Aurora User Guide, "Password management with Amazon RDS and AWS Secrets Manager", Limitations: no managed master
        // password for a cluster in a global database. The primary holds a generated one; a secondary has none.
        const master = args.role.primary ? masterSecret(name, { username: "shop_admin", kmsKeyArn: key.arn, rotationEpoch: args.rotationEpoch }, this) : undefined;
        const cluster = new rds.Cluster(`${name}-cluster`, {
            engine: "aurora-postgresql",
            engineVersion: args.engineVersion,
            globalClusterIdentifier: this.globalClusterIdentifier,
            // Only the primary names a master user: a secondary takes it from the global database (RDS refuses one).
            ...(master ? { masterUsername: "shop_admin", masterPassword: master.password.result } : {}),
            // A secondary forwards writes issued on it to the primary; the API still sends its writes to the writer itself.
            enableGlobalWriteForwarding: args.role.primary ? undefined : supportsGlobalWriteForwarding(args.engineVersion),
            storageEncrypted: true,
            kmsKeyId: key.arn,
            iamDatabaseAuthenticationEnabled: true,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [securityGroup.id],
            dbClusterParameterGroupName: parameters.name,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: `${name}-final-snapshot`,
            backupRetentionPeriod: args.backupRetentionDays ?? 7,
            preferredBackupWindow: "20:00-21:00",
            preferredMaintenanceWindow: "sun:21:30-sun:22:30",
            copyTagsToSnapshot: true,
            enabledCloudwatchLogsExports: ["postgresql"],
        }, {
            ...protect,
            dependsOn: global ? [global] : [],
            // After a managed failover or switchover AWS moves the members' roles; the program follows by config, not by
            // re-creating clusters (the provider's own advice for global clusters).
            ignoreChanges: ["replicationSourceIdentifier", "globalClusterIdentifier"],
        });

        const interval = args.monitoringIntervalSeconds ?? 0;
        const instances = Array.from({ length: args.instances ?? 2 }, (_, index) => new rds.ClusterInstance(`${name}-${index + 1}`, {
            clusterIdentifier: cluster.id,
            engine: "aurora-postgresql",
            instanceClass: args.instanceClass,
            publiclyAccessible: false,
            dbSubnetGroupName: subnets.name,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: 7,
            monitoringInterval: interval,
            monitoringRoleArn: monitoringRole?.arn,
            caCertIdentifier: "rds-ca-rsa2048-g1",
            autoMinorVersionUpgrade: !args.engineVersion.includes("."),
        }, child));

        this.address = cluster.endpoint;
        this.readerAddress = cluster.readerEndpoint;
        this.instanceIdentifier = instances[0].identifier;
        this.clusterIdentifier = cluster.clusterIdentifier;
        this.kmsKeyArn = key.arn;
        this.securityGroupId = securityGroup.id;
        this.masterUserSecretArn = master ? master.secretArn : pulumi.output("");
        const common = { port: this.port, maintenanceDatabase: "postgres", masterUserSecretArn: this.masterUserSecretArn, kmsKeyArn: this.kmsKeyArn, arn: cluster.arn, resourceId: cluster.clusterResourceId };
        this.endpoint = { ...common, address: this.address };
        this.readerEndpoint = { ...common, address: this.readerAddress };
        this.registerOutputs({ address: this.address, readerAddress: this.readerAddress, globalClusterIdentifier: this.globalClusterIdentifier });
    }
}
