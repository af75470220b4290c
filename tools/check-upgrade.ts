/**
 * `npm run check:upgrade -- <stack> [--outputs FILE]`
 *
 * Pre-flight before `pulumi up`: compares what the stack file asks for with what the stack's last `up` deployed (its
 * `deployedSettings` output, read with `pulumi stack output --json --stack <stack>`, or from FILE holding that JSON)
 * and refuses what the program cannot judge offline, because it needs the previous state:
 *   - a Kubernetes version that skips a minor or goes back (EKS upgrades one minor at a time and never downgrades);
 *   - a different vpcCidr or availabilityZoneCount (every subnet, NAT gateway, node, mount target and the database's
 *     subnet group would be replaced: a new region, not a change);
 *   - a PostgreSQL major upgrade without dbAllowMajorVersionUpgrade (RDS refuses it; the README's steps come first);
 *   - a database identifier other than the deployed one (an in-place rename of the instance and its endpoint).
 * A stack never deployed (no output) passes. Exit 0: nothing refused; 1: refused (each with its reason); 2: bad usage,
 * unreadable outputs or stack file.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readStackSettings } from "./stack-config";

const USAGE = "usage: npm run check:upgrade -- <stack> [--outputs FILE]   (FILE: `pulumi stack output --json --stack <stack>`)";

/** The settings compared: the stack file's (with Pulumi.yaml defaults) against the last deployed ones. */
export interface UpgradeSettings {
    kubernetesVersion: string;
    vpcCidr: string;
    availabilityZoneCount: number;
    dbEngineVersion: string;
    /** The stack file's dbAllowMajorVersionUpgrade; absent from what was deployed. */
    dbAllowMajorVersionUpgrade?: boolean;
    /** The stack file's dbIdentifier ("" when it leaves the default); absent from what was deployed. */
    dbIdentifier?: string;
}

/**
 * The identifier of the deployed instance, from the `databaseAddress` output (`<identifier>.<id>.<region>.rds.amazonaws.com`),
 * against the stack file's dbIdentifier: a difference is an in-place rename (the endpoint's name changes) nobody asked
 * for. A stack deployed before dbIdentifier existed runs an auto-named instance (`<environment>-db-postgres-<7 hex>`)
 * and must pin it, since the default `<clusterName>-postgres` would rename it.
 */
export function databaseRenameProblem(dbIdentifier: string, outputs: unknown): string | undefined {
    const address = (outputs as { databaseAddress?: unknown } | null)?.databaseAddress;
    if (typeof address !== "string" || address === "") return undefined;
    const deployed = address.split(".")[0];
    if (dbIdentifier === "" && /-db-postgres-[0-9a-f]{7}$/.test(deployed)) {
        return `dbIdentifier: the deployed instance is auto-named ${deployed}; the default (<clusterName>-postgres) would rename it and its endpoint. Set dbIdentifier: ${deployed} in the stack file`;
    }
    if (dbIdentifier !== "" && dbIdentifier !== deployed) {
        return `dbIdentifier: ${deployed} is deployed; ${dbIdentifier} renames the instance in place (its endpoint's DNS name changes in the maintenance window). Keep ${deployed} unless the rename is planned`;
    }
    return undefined;
}

const minorOf = (version: string) => Number(/^1\.(\d+)$/.exec(version)?.[1] ?? NaN);
const majorOf = (version: string) => version.split(".")[0];

/** Why `next` may not follow `deployed`; [] when it may. */
export function upgradeProblems(next: UpgradeSettings, deployed: UpgradeSettings): string[] {
    const problems: string[] = [];
    const step = minorOf(next.kubernetesVersion) - minorOf(deployed.kubernetesVersion);
    if (step > 1) {
        problems.push(`kubernetesVersion: ${deployed.kubernetesVersion} is deployed; ${next.kubernetesVersion} skips ${step - 1} minor(s): EKS upgrades one minor at a time. ` +
            `Set 1.${minorOf(deployed.kubernetesVersion) + 1}, \`pulumi up\`, then the next (README, "Upgrades")`);
    } else if (step < 0) {
        problems.push(`kubernetesVersion: ${deployed.kubernetesVersion} is deployed; EKS cannot downgrade a cluster to ${next.kubernetesVersion}`);
    }
    if (next.vpcCidr !== deployed.vpcCidr) {
        problems.push(`vpcCidr: ${deployed.vpcCidr} is deployed; ${next.vpcCidr} would replace the VPC and everything in it (subnets, NAT gateways, ` +
            `the cluster's nodes, the database's subnet group, EFS mount targets). Keep ${deployed.vpcCidr}; a new range is a new stack, migrated to`);
    }
    if (next.availabilityZoneCount !== deployed.availabilityZoneCount) {
        problems.push(`availabilityZoneCount: ${deployed.availabilityZoneCount} is deployed; ${next.availabilityZoneCount} re-cuts every subnet of the VPC ` +
            `(their ranges follow the zone count), replacing the subnets and what runs in them. Keep ${deployed.availabilityZoneCount}`);
    }
    const [from, to] = [majorOf(deployed.dbEngineVersion), majorOf(next.dbEngineVersion)];
    if (Number(to) < Number(from)) {
        problems.push(`dbEngineVersion: PostgreSQL ${from} is deployed; RDS cannot downgrade to ${next.dbEngineVersion}`);
    } else if (to !== from && !next.dbAllowMajorVersionUpgrade) {
        problems.push(`dbEngineVersion: PostgreSQL ${from} is deployed; ${next.dbEngineVersion} is a major upgrade: RDS refuses it without ` +
            `dbAllowMajorVersionUpgrade true. Follow README "Upgrades" (snapshot, test on a restored copy, extensions), then set both`);
    }
    return problems;
}

/** The stack file's settings, Pulumi.yaml defaults applied as the CLI applies them. */
export function stackFileSettings(stack: string, root = process.cwd()): UpgradeSettings {
    const settings = readStackSettings(stack, root);
    const value = (key: string) => settings.config[`${settings.project}:${key}`] ?? "";
    return {
        kubernetesVersion: value("kubernetesVersion"),
        vpcCidr: value("vpcCidr"),
        availabilityZoneCount: Number(value("availabilityZoneCount")),
        dbEngineVersion: value("dbEngineVersion"),
        dbAllowMajorVersionUpgrade: value("dbAllowMajorVersionUpgrade") === "true",
        dbIdentifier: value("dbIdentifier"),
    };
}

/** `deployedSettings` from the JSON `pulumi stack output --json` prints; undefined when the stack has none yet. */
export function deployedSettingsOf(outputs: unknown): UpgradeSettings | undefined {
    const deployed = (outputs as { deployedSettings?: Partial<UpgradeSettings> } | null)?.deployedSettings;
    if (deployed === undefined) return undefined;
    const complete = typeof deployed.kubernetesVersion === "string" && typeof deployed.vpcCidr === "string"
        && typeof deployed.availabilityZoneCount === "number" && typeof deployed.dbEngineVersion === "string";
    if (!complete) throw new Error("deployedSettings lacks kubernetesVersion, vpcCidr, availabilityZoneCount or dbEngineVersion");
    return deployed as UpgradeSettings;
}

function main(argv: string[]): number {
    const outputsAt = argv.indexOf("--outputs");
    const outputsFile = outputsAt >= 0 ? argv[outputsAt + 1] : undefined;
    const rest = argv.filter((_arg, index) => index !== outputsAt && index !== outputsAt + 1);
    if (rest.includes("-h") || rest.includes("--help")) {
        console.log(USAGE);
        return 0;
    }
    if (rest.length !== 1 || rest[0].startsWith("-") || (outputsAt >= 0 && !outputsFile)) {
        console.error(`check-upgrade: one stack name${outputsAt >= 0 && !outputsFile ? " and a file after --outputs" : ""}. ${USAGE}`);
        return 2;
    }
    const stack = rest[0];
    let next: UpgradeSettings;
    let deployed: UpgradeSettings | undefined;
    let outputs: unknown;
    try {
        next = stackFileSettings(stack);
        const text = outputsFile ? readFileSync(outputsFile, "utf8")
            : execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
        outputs = JSON.parse(text);
        deployed = deployedSettingsOf(outputs);
    } catch (error) {
        console.error(`check-upgrade: ${stack}: ${(error as Error).message}`);
        return 2;
    }
    if (!deployed) {
        console.log(`check-upgrade: ${stack} has no deployedSettings output (never deployed, or deployed before it existed): nothing to compare`);
        return 0;
    }
    const rename = databaseRenameProblem(next.dbIdentifier ?? "", outputs);
    const problems = [...upgradeProblems(next, deployed), ...(rename ? [rename] : [])];
    if (problems.length === 0) {
        console.log(`check-upgrade: ${stack}: Kubernetes ${deployed.kubernetesVersion} -> ${next.kubernetesVersion}, PostgreSQL ${deployed.dbEngineVersion} -> ${next.dbEngineVersion}, network unchanged: ok`);
        return 0;
    }
    console.error(`check-upgrade: ${stack}: refused\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    return 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
