import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";
import * as vpc from "@pulumi/aws/vpc";
import { assumeRolePolicy } from "../iam-documents";

/** The intervals RDS accepts for Enhanced Monitoring (0 = off). */
export const MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60] as const;
/** AWS managed policy for the Enhanced Monitoring role (writes the RDSOSMetrics log group only). */
export const ENHANCED_MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";

export const POSTGRES_PORT = 5432;

/** The parameters every PostgreSQL database of the platform runs with (writer, replicas, Aurora clusters). */
export const POSTGRES_PARAMETERS = [
    { name: "rds.force_ssl", value: "1" },
    { name: "password_encryption", value: "scram-sha-256" },
    { name: "log_min_duration_statement", value: "500" },
];
/** The description every parameter group of the platform carries. */
export const POSTGRES_PARAMETERS_DESCRIPTION = "TLS only, scram passwords, slow-query logging";

export interface DatabaseFoundationArgs {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    /** Security group of the cluster's nodes: the only source admitted on the PostgreSQL port. */
    clientSecurityGroupId: pulumi.Input<string>;
    /** What the database is, for the key's and the security group's descriptions. */
    description: string;
    /** Enhanced Monitoring interval (0 off, 1, 5, 10, 15, 30, 60); a role RDS assumes exists only when > 0. */
    monitoringIntervalSeconds: number;
    /** The key's description. Default: `Storage, Performance Insights and master secret of <name> (this region)`. */
    keyDescription?: string;
    /** Pulumi `protect` on the key. */
    protect?: boolean;
}

export interface DatabaseFoundation {
    key: kms.Key;
    subnets: rds.SubnetGroup;
    securityGroup: ec2.SecurityGroup;
    monitoringRole?: iam.Role;
}

/**
 * What every database of the data topology stands on, in its own region (the writer, components/database.ts, too): a rotating KMS key, a subnet group of the private subnets, a security group admitting
 * only the cluster's nodes on 5432, and the Enhanced Monitoring role when monitoring is on. Children of `parent`, named
 * `<name>-key`, `-subnets`, `-sg`, `-from-cluster`, `-monitoring`.
 */
export function databaseFoundation(name: string, args: DatabaseFoundationArgs, parent: pulumi.Resource): DatabaseFoundation {
    const child = { parent };
    if (!(MONITORING_INTERVALS as readonly number[]).includes(args.monitoringIntervalSeconds)) {
        throw new Error(`${name}: monitoringIntervalSeconds must be one of ${MONITORING_INTERVALS.join(", ")}, got ${args.monitoringIntervalSeconds}`);
    }
    const key = new kms.Key(`${name}-key`, {
        description: args.keyDescription ?? `Storage, Performance Insights and master secret of ${name} (this region)`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
    }, { ...child, protect: args.protect });
    const subnets = new rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.privateSubnetIds, description: "Private subnets only" }, child);
    const securityGroup = new ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: `${args.description}, reachable only from the cluster nodes` }, child);
    new vpc.SecurityGroupIngressRule(`${name}-from-cluster`, {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.clientSecurityGroupId,
        ipProtocol: "tcp",
        fromPort: POSTGRES_PORT,
        toPort: POSTGRES_PORT,
        description: "PostgreSQL from cluster nodes",
    }, child);
    const monitoringRole = args.monitoringIntervalSeconds > 0 ? new iam.Role(`${name}-monitoring`, {
        description: `RDS Enhanced Monitoring of ${name}`,
        assumeRolePolicy: assumeRolePolicy({ Service: "monitoring.rds.amazonaws.com" }),
        managedPolicyArns: [ENHANCED_MONITORING_POLICY],
    }, child) : undefined;
    return { key, subnets, securityGroup, monitoringRole };
}

/** An instance parameter group of the PostgreSQL family of `engineVersion`'s major, with the platform's parameters. */
export function postgresParameterGroup(name: string, engineVersion: string, parent: pulumi.Resource): rds.ParameterGroup {
    return new rds.ParameterGroup(`${name}-params`, {
        family: `postgres${engineVersion.split(".")[0]}`,
        description: POSTGRES_PARAMETERS_DESCRIPTION,
        parameters: POSTGRES_PARAMETERS,
    }, { parent });
}
