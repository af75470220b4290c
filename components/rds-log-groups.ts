import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";

/** The PostgreSQL logs RDS exports to CloudWatch Logs (enabledCloudwatchLogsExports). */
export const POSTGRES_LOG_EXPORTS = ["postgresql", "upgrade"] as const;

/**
 * Why RDS would refuse this DB instance identifier (undefined when it accepts it): 1-63 letters, digits or hyphens, a
 * letter first, no hyphen last, no two hyphens in a row (CreateDBInstance, DBInstanceIdentifier). Lower case only:
 * RDS stores it lower-cased, and the log groups must carry the name RDS writes to.
 */
export function rdsIdentifierProblem(identifier: string): string | undefined {
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(identifier) || identifier.endsWith("-") || identifier.includes("--")) {
        return `"${identifier}" is not an RDS instance identifier (1-63 lower-case letters, digits or hyphens, a letter first, no hyphen last or twice in a row)`;
    }
    return undefined;
}

export interface RdsLogGroupsArgs {
    /** The DB instance identifier; it must be known before the instance exists (not auto-named). */
    identifier: string;
    /** The exported log types. Default POSTGRES_LOG_EXPORTS. */
    exports?: readonly string[];
    /** Days CloudWatch keeps the logs. Default 30. */
    retentionDays?: number;
}

/**
 * The log groups RDS writes an instance's exports to (`/aws/rds/instance/<identifier>/<log type>`), declared before the
 * instance: RDS creates a missing one itself when the export starts, with no retention (kept, and billed, for ever).
 * Also for read replicas, whose exports go to groups named after their own identifier.
 */
export function rdsLogGroups(name: string, args: RdsLogGroupsArgs, opts: pulumi.CustomResourceOptions): cloudwatch.LogGroup[] {
    const problem = rdsIdentifierProblem(args.identifier);
    if (problem) throw new Error(`${name}: ${problem}`);
    return (args.exports ?? POSTGRES_LOG_EXPORTS).map((logType) => new cloudwatch.LogGroup(`${name}-${logType}-logs`, {
        name: `/aws/rds/instance/${args.identifier}/${logType}`,
        retentionInDays: args.retentionDays ?? 30,
    }, opts));
}
