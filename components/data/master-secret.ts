import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as secretsmanager from "@pulumi/aws/secretsmanager";

export interface MasterSecretArgs {
    /** The master user the secret names (the database's, or the source's for a promoted replica). */
    username: string;
    /** KMS key (ARN) of the database, in the database's region: the same key the bootstrap Jobs may decrypt with. */
    kmsKeyArn: pulumi.Input<string>;
    /** Changing it generates the password anew (RandomPassword keeper; config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
}

export interface MasterSecret {
    password: random.RandomPassword;
    secret: secretsmanager.Secret;
    /**
     * The secret's ARN, resolved only once its current value is written: what readers take, so a Job that reads the
     * secret after a rotation waits for the new value (a reader of `secret.arn` alone could race the SecretVersion).
     */
    secretArn: pulumi.Output<string>;
}

/**
 * A self-managed master password in Secrets Manager, for databases RDS refuses to manage it for: the source of a read
 * replica (RDS User Guide, "Password management with Amazon RDS and AWS Secrets Manager", Limitations: no read replica
 * of a source whose credentials Secrets Manager manages) and a cluster in an Aurora global database. The secret holds
 * the JSON an RDS-managed one holds (`{"username","password"}`), so the bootstrap Jobs read either. Children of
 * `parent`, named `<name>-master-password`, `<name>-master-secret` (and `-version`).
 */
export function masterSecret(name: string, args: MasterSecretArgs, parent: pulumi.Resource): MasterSecret {
    const child = { parent };
    // No special characters: RDS refuses "/", "@", '"' and spaces in a master password, and the Jobs pass it in a URL-free env.
    const password = new random.RandomPassword(`${name}-master-password`, {
        length: 32, special: false, keepers: { rotationEpoch: args.rotationEpoch ?? "1" },
    }, child);
    const secret = new secretsmanager.Secret(`${name}-master-secret`, {
        description: `Master user of ${name} (rotated by secretRotationEpoch)`,
        kmsKeyId: args.kmsKeyArn,
    }, child);
    const version = new secretsmanager.SecretVersion(`${name}-master-secret-version`, {
        secretId: secret.id,
        secretString: pulumi.jsonStringify({ username: args.username, password: password.result }),
    }, child);
    return { password, secret, secretArn: pulumi.all([secret.arn, version.id]).apply(([arn]) => arn) };
}
