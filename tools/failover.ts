import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `npm run failover -- --promote <stack> [--apply] [--dir DIR]`: moves the environment's writer to <stack> by config
 * (stacks/data-topology.ts) and prints the ordered `pulumi up` commands and checks. Dry run by default: it prints the
 * stack-file edits; --apply writes them. It never calls the cloud or the Pulumi CLI itself.
 *
 * Order: (1) the promoted stack names itself the primary and is updated alone: its replica is promoted in place (the
 * AWS provider turns the removal of replicateSourceDb into PromoteReadReplica, same URN); the other stacks' plans do
 * not change. (2) Every other replica stack follows: RDS cannot elect a new source for a replica ("cannot elect new
 * source database for replication"), so its replica is replaced from the new writer. (3) The old primary, once its
 * region is back, is rebuilt as a replica (databaseOriginalWriterRetired) after its old writer leaves the stack.
 */

const PROJECT = "ecommerce-platform";
const key = (name: string) => `${PROJECT}:${name}`;

interface StackFile { stack: string; file: string; text: string }

function configValue(text: string, name: string): string | undefined {
    const match = new RegExp(`^\\s+${key(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\s*(.*)$`, "m").exec(text);
    return match ? match[1].trim().replace(/^["']|["']$/g, "") : undefined;
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

export function planFailover(dir: string, promote: string): FailoverPlan {
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

    edit(target, { databasePrimaryStack: promote });
    const steps = [
        `# 1. Promote ${promote} (its replica becomes the writer in place; RPO: the replica's lag at that moment)`,
        `aws cloudwatch get-metric-statistics --namespace AWS/RDS --metric-name ReplicaLag ... # note the last lag: writes newer than it are lost`,
        `npm run plan -- ${promote} && pulumi up --stack ${promote}`,
        `# check: the instance has no ReadReplicaSourceDBInstanceIdentifier; the API pods of ${promote} show OUTBOX_RELAY=enabled`,
    ];
    for (const peer of peers.filter((s) => s.stack !== promote && s !== owner)) {
        edit(peer, { databasePrimaryStack: promote });
        steps.push(
            `# 2. ${peer.stack} follows the new writer: its replica is rebuilt from ${promote} (RDS cannot re-point a replica)`,
            `pulumi state unprotect --stack ${peer.stack} '${replicaUrn(peer.stack)}'`,
            `npm run plan -- ${peer.stack} && pulumi up --stack ${peer.stack} --replace '${replicaUrn(peer.stack)}'`,
        );
    }
    if (owner && owner.stack !== promote) {
        const retired = configValue(owner.text, "databaseOriginalWriterRetired") === "true";
        edit(owner, { databasePrimaryStack: promote, ...(retired ? {} : { databaseOriginalWriterRetired: "true" }) });
        steps.push(
            `# 3. When ${owner.stack}'s region is back: its old writer diverged (writes after the promotion point are only there).`,
            retired
                ? `pulumi state unprotect --stack ${owner.stack} '${replicaUrn(owner.stack)}' && npm run plan -- ${owner.stack} && pulumi up --stack ${owner.stack} --replace '${replicaUrn(owner.stack)}'`
                : `pulumi state delete --stack ${owner.stack} --target-dependents '${urn(owner.stack, "ecommerce:data:Database", "prod-db")}'   # the old writer stays in AWS (deletion protection) for forensics`,
            ...(retired ? [] : [`npm run plan -- ${owner.stack} && pulumi up --stack ${owner.stack}   # creates its replica of ${promote}`]),
        );
    }
    steps.push(`# Fail back later: npm run failover -- --promote ${current} (once its replica has caught up: ReplicaLag near 0)`);
    return { edits, steps };
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
