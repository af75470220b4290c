import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/aws/kms";
import * as rds from "@pulumi/aws/rds";

export interface BackupReplicationArgs {
    /** ARN of the writer instance whose automated backups (snapshots and transaction logs) are copied. */
    sourceInstanceArn: pulumi.Input<string>;
    /** Days the destination keeps the copies (point-in-time restore window there). Default 7. */
    retentionDays?: number;
    /** Pulumi `protect` on the destination key. Default false. */
    protect?: boolean;
}

/**
 * Cross-region automated backups: RDS copies every snapshot and transaction log of the writer to the destination
 * region, where point-in-time restore works even with the source region lost. Both resources live in the destination
 * region (the caller passes that region's aws provider): the replication is created there, and its copies are encrypted
 * with a key of that region (a key ARN of another region is refused).
 */
export class BackupReplication extends pulumi.ComponentResource {
    readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: BackupReplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:BackupReplication", name, {}, opts);
        const child = { parent: this };
        const key = new kms.Key(`${name}-key`, {
            description: `Replicated automated backups of ${name}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        }, { ...child, protect: args.protect });
        new rds.InstanceAutomatedBackupsReplication(`${name}-replication`, {
            sourceDbInstanceArn: args.sourceInstanceArn,
            kmsKeyId: key.arn,
            retentionPeriod: args.retentionDays ?? 7,
        }, child);
        this.kmsKeyArn = key.arn;
        this.registerOutputs({ kmsKeyArn: this.kmsKeyArn });
    }
}
