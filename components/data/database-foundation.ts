import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";
import * as vpc from "@pulumi/aws/vpc";
import { assumeRolePolicy } from "../iam-documents";
import { ENHANCED_MONITORING_POLICY, MONITORING_INTERVALS, POSTGRES_PORT } from "../database";

export interface DatabaseFoundationArgs {
    vpcId: pulumi.Input<string>;
    privateSubnetIds: pulumi.Input<string[]>;
    /** Security group of the cluster's nodes: the only source admitted on the PostgreSQL port. */
    clientSecurityGroupId: pulumi.Input<string>;
    /** What the database is, for the key's and the security group's descriptions. */
    description: string;
    /** Enhanced Monitoring interval (0 off, 1, 5, 10, 15, 30, 60); a role RDS assumes exists only when > 0. */
    monitoringIntervalSeconds: number;
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
 * What every database of the data topology stands on, in its own region (the writer's components/database.ts builds
 * the same under the same names): a rotating KMS key, a subnet group of the private subnets, a security group admitting
 * only the cluster's nodes on 5432, and the Enhanced Monitoring role when monitoring is on. Children of `parent`, named
 * `<name>-key`, `-subnets`, `-sg`, `-from-cluster`, `-monitoring`.
 */
export function databaseFoundation(name: string, args: DatabaseFoundationArgs, parent: pulumi.Resource): DatabaseFoundation {
    const child = { parent };
    if (!(MONITORING_INTERVALS as readonly number[]).includes(args.monitoringIntervalSeconds)) {
        throw new Error(`${name}: monitoringIntervalSeconds must be one of ${MONITORING_INTERVALS.join(", ")}, got ${args.monitoringIntervalSeconds}`);
    }
    const key = new kms.Key(`${name}-key`, {
        description: `Storage, Performance Insights and master secret of ${name} (this region)`,
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
