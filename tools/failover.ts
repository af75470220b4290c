import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rdsIdentifierOf } from "./stack-references";

/**
 * `npm run failover -- --promote <stack> [--apply] [--dir DIR]`: moves the environment's writer to <stack> by config
 * (stacks/data-topology.ts) and prints the ordered `pulumi up` commands and checks. Dry run by default: it prints the
 * stack-file edits; --apply writes them. It never calls the cloud or the Pulumi CLI itself.
 *
 * Order: (1) the promoted stack names itself the primary and is updated alone: its replica is promoted in place (the
 * AWS provider turns the removal of replicateSourceDb into PromoteReadReplica, same URN); the other stacks' plans do
 * not change. (2) Every other replica stack follows: RDS cannot elect a new source for a replica ("cannot elect new
 * source database for replication"), so its replica is replaced from the new writer, once RDS deletion protection is
 * lifted (Pulumi's `protect` and RDS `deletionProtection` are two locks). (3) The old primary, once its region is back,
 * is rebuilt as a replica (databaseOriginalWriterRetired) after its old writer leaves the stack: renamed in AWS (the new
 * replica takes its deterministic identifier and log-group names), its log groups adopted by the replica, and only the
 * Database component's resources released from the state once nothing depends on them any more.
 */

const PROJECT = "ecommerce-platform";
const key = (name: string) => `${PROJECT}:${name}`;

interface StackFile { stack: string; file: string; text: string }

function configValue(text: string, name: string): string | undefined {
    const match = new RegExp(`^\\s+${key(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\s*(.*)$`, "m").exec(text);
    return match ? match[1].trim().replace(/^["']|["']$/g, "") : undefined;
}

function regionOf(s: StackFile): string {
    const region = /^\s+aws:region:\s*["']?([a-z0-9-]+)/m.exec(s.text)?.[1];
    if (!region) throw new Error(`Pulumi.${s.stack}.yaml sets no aws:region`);
    return region;
}

/** The log types RDS exports for PostgreSQL (components/rds-log-groups.ts POSTGRES_LOG_EXPORTS; tools do not import components). */
export const RDS_LOG_TYPES = ["postgresql", "upgrade"] as const;

/** The old writer's identifier once retired: `<id>-retired-<yyyymmdd>`, shortened to RDS's 63 characters. */
export function retiredIdentifier(identifier: string, date: Date): string {
    const suffix = `-retired-${date.toISOString().slice(0, 10).replace(/-/g, "")}`;
    return `${identifier.slice(0, 63 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

/** The stack file with `name: value` set under `config:` (replaced when present, else added first). */
export function setConfig(text: string, name: string, value: string): string {
    const line = `  ${key(name)}: ${value}`;
    const existing = new RegExp(`^\\s+${key(name)}:.*$`, "m");
    if (existing.test(text)) return text.replace(existing, line);
    if (!/^config:\s*$/m.test(text)) throw new Error("the stack file has no config: section");
    return text.replace(/^config:\s*$/m, `config:\n${line}`);
}

export interface FailoverPlan {
    edits: { stack: string; file: string; before: string; after: string }[];
    steps: string[];
}

export interface FailoverOptions {
    /** The day written into the retired writer's new identifier. Default: now (UTC). */
    date?: Date;
}

export function planFailover(dir: string, promote: string, options: FailoverOptions = {}): FailoverPlan {
    const stacks: StackFile[] = readdirSync(dir).map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1]).filter((s): s is string => !!s && !s.startsWith("test-"))
        .map((stack) => ({ stack, file: join(dir, `Pulumi.${stack}.yaml`), text: readFileSync(join(dir, `Pulumi.${stack}.yaml`), "utf8") }));
    const target = stacks.find((s) => s.stack === promote);
    if (!target) throw new Error(`no stack ${promote} (no Pulumi.${promote}.yaml in ${dir})`);
    const environment = configValue(target.text, "environment");
    if (environment !== "prod") throw new Error(`${promote} is a ${environment ?? "?"} stack: only prod runs replicas to promote`);
    const peers = stacks.filter((s) => configValue(s.text, "environment") === environment);
    const primaryOf = (s: StackFile) => configValue(s.text, "databasePrimaryStack") || configValue(s.text, "edgeStack") || s.stack;
    const current = primaryOf(target);
    if (current === promote) throw new Error(`${promote} already holds the writer`);
    const owner = peers.find((s) => !configValue(s.text, "edgeStack"));

    const edits: FailoverPlan["edits"] = [];
    const edit = (s: StackFile, values: Record<string, string>) => {
        let after = s.text;
        for (const [name, value] of Object.entries(values)) after = setConfig(after, name, value);
        edits.push({ stack: s.stack, file: s.file, before: s.text, after });
    };
    const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
    const replicaUrn = (stack: string) => urn(stack, "ecommerce:data:DatabaseReplica$aws:rds/instance:Instance", "prod-db-replica-postgres");

    if (configValue(target.text, "databaseTopology") === "aurora-global") return auroraFailover(peers, target, current, edits, edit);

    const identifierOf = (s: StackFile) => rdsIdentifierOf((name) => configValue(s.text, name), PROJECT, environment, regionOf(s));
    // A replica cannot be re-pointed: it is deleted and created again from the new writer, under the same identifier.
    const rebuildReplica = (s: StackFile) => [
        `aws rds modify-db-instance --db-instance-identifier ${identifierOf(s)} --no-deletion-protection --apply-immediately --region ${regionOf(s)}   # RDS refuses to delete a protected instance; the new replica gets deletion protection again`,
        `pulumi state unprotect --stack ${s.stack} '${replicaUrn(s.stack)}'`,
        `npm run plan -- ${s.stack} && pulumi up --stack ${s.stack} --replace '${replicaUrn(s.stack)}'`,
    ];

    edit(target, { databasePrimaryStack: promote });
    const lostRegionUrns = `${promote}-${current}-region-urns.txt`;
    const steps = [
        `# 1. Promote ${promote} (its replica becomes the writer in place; RPO: the replica's lag at that moment)`,
        `aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ReplicaLag ... # note the last lag: writes newer than it are lost`,
        `#    Its providers for other regions configure without their STS (stacks/tags.ts remoteRegionProviderArgs); what it owns in ${current}'s region`,
        `#    (peering accepter, routes, rules) is left alone (--exclude), and no --refresh: both would call the lost region's APIs.`,
        `pulumi stack export --stack ${promote} | jq -r '.deployment.resources[] | select((.provider // "") | contains("::pulumi:providers:aws::${environment}-aws-${current}::")) | .urn' > ${lostRegionUrns}`,
        `npm run plan -- ${promote} && pulumi up --stack ${promote} $(sed 's/^/--exclude=/' ${lostRegionUrns})`,
        `# check: the instance has no ReadReplicaSourceDBInstanceIdentifier; the API pods of ${promote} show OUTBOX_RELAY=enabled`,
    ];
    for (const peer of peers.filter((s) => s.stack !== promote && s !== owner)) {
        edit(peer, { databasePrimaryStack: promote });
        steps.push(`# 2. ${peer.stack} follows the new writer: its replica is rebuilt from ${promote} (RDS cannot re-point a replica)`, ...rebuildReplica(peer));
    }
    if (owner && owner.stack !== promote) {
        const retired = configValue(owner.text, "databaseOriginalWriterRetired") === "true";
        edit(owner, { databasePrimaryStack: promote, ...(retired ? {} : { databaseOriginalWriterRetired: "true" }) });
        steps.push(`# 3. When ${owner.stack}'s region is back: its database diverged (writes after the promotion point are only there).`);
        steps.push(...(retired ? rebuildReplica(owner) : retireOriginalWriter(owner, {
            identifier: identifierOf(owner), region: regionOf(owner), promote, environment, date: options.date ?? new Date(),
            databaseUrn: urn(owner.stack, "ecommerce:data:Database", `${environment}-db`),
        })));
    }
    steps.push(`# Fail back later: npm run failover -- --promote ${current} (once its replica has caught up: ReplicaLag near 0)`);
    return { edits, steps };
}

/**
 * The edge owner's first writer leaves the stack but stays in AWS (deletion protection on) for recovering the writes only
 * it holds. Its replacement, a replica of the new writer, takes the same deterministic identifier (config dbIdentifier or
 * `<clusterName>-postgres`) and so the same log-group names: the old writer is renamed first; its log groups, which keep
 * their names and its history, are adopted by the replica (CloudWatch refuses to create a name that exists) while the
 * renamed writer gets new groups of its own. The other resources of the stack depend on the Database component's
 * resources (Keycloak, the API, alarms, IRSA policies, the backup replication), so those cannot leave the state first
 * (`pulumi state delete` refuses a resource with dependents; `--target-dependents` would drop those dependents too): one
 * `up` moves every dependent to the replica while it skips the old resources (--exclude), then only they are released.
 */
function retireOriginalWriter(owner: StackFile, at: { identifier: string; region: string; promote: string; environment: string; date: Date; databaseUrn: string }): string[] {
    const { identifier, region, promote, environment } = at;
    const stack = owner.stack;
    const retiredId = retiredIdentifier(identifier, at.date);
    const groups = (id: string) => RDS_LOG_TYPES.map((type) => `/aws/rds/instance/${id}/${type}`);
    const oldUrns = `${stack}-retired-writer-urns.txt`;
    const importFile = `${stack}-replica-log-groups.json`;
    const replica = `${environment}-db-replica`;
    const adopt = {
        nameTable: { aws: `urn:pulumi:${stack}::${PROJECT}::pulumi:providers:aws::${environment}-aws` },
        resources: [
            { type: "ecommerce:data:DatabaseReplica", name: replica, component: true },
            ...RDS_LOG_TYPES.map((type, i) => ({ type: "aws:cloudwatch/logGroup:LogGroup", name: `${replica}-postgres-${type}-logs`, id: groups(identifier)[i], parent: replica, provider: "aws" })),
        ],
    };
    const selectDatabase = `select(contains("::ecommerce:data:Database::") or contains("::ecommerce:data:Database$"))`;
    return [
        `#  a. Log groups with a retention for the writer's new name (RDS would create them on its first export, kept for ever):`,
        `RETENTION=$(aws logs describe-log-groups --log-group-name-prefix ${groups(identifier)[0]} --region ${region} --query 'logGroups[0].retentionInDays' --output text)`,
        ...groups(retiredId).map((group) => `aws logs create-log-group --log-group-name ${group} --region ${region} && aws logs put-retention-policy --log-group-name ${group} --retention-in-days "$RETENTION" --region ${region}`),
        `#  b. Rename the old writer: it frees ${identifier} for the replica; its endpoint's host name changes with it; deletion protection stays on.`,
        `aws rds modify-db-instance --db-instance-identifier ${identifier} --new-db-instance-identifier ${retiredId} --apply-immediately --region ${region}`,
        `aws rds wait db-instance-available --db-instance-identifier ${retiredId} --region ${region}`,
        `#  c. Its old log groups keep their names (${groups(identifier).join(", ")}): the names the replica's groups take, since the`,
        `#     identifier is the same. The replica adopts them (history and retention kept); from the rename on, the old writer logs under ${retiredId}.`,
        `cat > ${importFile} <<'EOF'`,
        JSON.stringify(adopt, null, 2),
        `EOF`,
        `pulumi import --stack ${stack} --file ${importFile} --protect=false --generate-code=false`,
        `#  d. The replica of ${promote}; every dependent moves to it; the old writer's resources are skipped (check the preview: no delete among them).`,
        `pulumi stack export --stack ${stack} | jq -r '.deployment.resources[].urn | ${selectDatabase}' | tac > ${oldUrns}   # ${at.databaseUrn} and its children, children first`,
        `npm run plan -- ${stack} && pulumi up --stack ${stack} $(sed 's/^/--exclude=/' ${oldUrns})`,
        `#  e. Release only those from the state (nothing depends on them now); they stay in AWS with the renamed writer.`,
        `while read -r urn; do pulumi state unprotect --stack ${stack} --yes "$urn" </dev/null && pulumi state delete --stack ${stack} --yes "$urn" </dev/null; done < ${oldUrns}`,
        `npm run plan -- ${stack} && pulumi up --stack ${stack}   # no change expected`,
        `#  Later, once the writes only it holds are recovered: delete ${retiredId} (final snapshot), then its key, security group, subnet and parameter groups, monitoring role and ${groups(retiredId).join(", ")} by hand.`,
    ];
}

/**
 * Aurora Global Database: AWS moves the writer (a managed switchover with no data loss while the primary is healthy, or
 * a failover with --allow-data-loss when its region is lost); the clusters stay where they are (the program ignores
 * membership changes), so every stack only learns the new primary by config: the promoted stack first (its API then
 * writes locally and relays the outbox), then the others.
 */
function auroraFailover(peers: StackFile[], target: StackFile, current: string, edits: FailoverPlan["edits"], edit: (s: StackFile, values: Record<string, string>) => void): FailoverPlan {
    const environment = configValue(target.text, "environment");
    const globalId = `${PROJECT}-${environment}`;
    for (const peer of [target, ...peers.filter((s) => s !== target)]) edit(peer, { databasePrimaryStack: target.stack });
    const steps = [
        `# 1. Move the writer (Aurora Global Database ${globalId}); planned, primary healthy (no data loss):`,
        `aws rds switchover-global-cluster --global-cluster-identifier ${globalId} --target-db-cluster-identifier <ARN of ${target.stack}'s cluster>`,
        `#    primary region lost (RPO: the replication lag, typically under a second):`,
        `aws rds failover-global-cluster --global-cluster-identifier ${globalId} --target-db-cluster-identifier <ARN of ${target.stack}'s cluster> --allow-data-loss`,
        `# 2. Tell the program, promoted stack first (its API writes locally and relays the outbox), then the others:`,
        ...[target, ...peers.filter((s) => s !== target)].map((s) => `npm run plan -- ${s.stack} && pulumi up --stack ${s.stack}`),
        `# Fail back later: npm run failover -- --promote ${current} (switchover: no data loss)`,
    ];
    return { edits, steps };
}

function main(argv: string[]): number {
    const at = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
    const promote = at("--promote");
    if (!promote) {
        process.stderr.write("usage: npm run failover -- --promote <stack> [--apply] [--dir DIR]\n");
        return 2;
    }
    try {
        const plan = planFailover(at("--dir") ?? process.cwd(), promote);
        const apply = argv.includes("--apply");
        for (const e of plan.edits) {
            process.stdout.write(`${apply ? "edited" : "would edit"} Pulumi.${e.stack}.yaml\n`);
            if (apply) writeFileSync(e.file, e.after);
        }
        process.stdout.write(`\nThen, in this order:\n${plan.steps.join("\n")}\n`);
        if (!apply) process.stdout.write("\n(dry run: nothing written; add --apply)\n");
        return 0;
    } catch (error) {
        process.stderr.write(`failover: ${(error as Error).message}\n`);
        return 2;
    }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
