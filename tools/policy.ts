/**
 * `npm run policy -- <export.json> [--json] [--config policy-config.json]`
 *
 * Runs the CrossGuard pack over a stack export (from `npm run plan -- <stack> --out FILE` or `pulumi stack export`)
 * without the Pulumi engine. Exit 0: no mandatory violation; 1: at least one; 2: unreadable input or bad usage.
 */
import { formatViolations, loadPolicyConfig, PolicyInputError, readStackExport, runPolicies } from "./policy-runner";

const USAGE = "usage: npm run policy -- <export.json> [--json] [--config policy-config.json]";

function main(argv: string[]): number {
    let file: string | undefined;
    let json = false;
    let configPath: string | undefined;
    let configFlag = false;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--json") json = true;
        else if (a === "--config" || a.startsWith("--config=")) {
            // `--config` must name a file: `--config=` or a trailing `--config` is a usage error, never "no config".
            configFlag = true;
            configPath = a === "--config" ? argv[++i] : a.slice("--config=".length);
        }
        else if (a === "-h" || a === "--help") {
            console.log(USAGE);
            return 0;
        } else if (a.startsWith("-") || file !== undefined) {
            console.error(`policy: unexpected argument ${a}. ${USAGE}`);
            return 2;
        } else file = a;
    }
    if (!file) {
        console.error(`policy: no export file given. ${USAGE}`);
        return 2;
    }
    if (configFlag && !configPath) {
        console.error(`policy: --config needs a file. ${USAGE}`);
        return 2;
    }
    try {
        const resources = readStackExport(file);
        const violations = runPolicies(resources, { config: loadPolicyConfig(configPath) });
        console.log(json ? JSON.stringify(violations, null, 2) : formatViolations(violations));
        return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
    } catch (e) {
        const message = (e as Error).message.split("\n")[0];
        console.error(e instanceof PolicyInputError ? `policy: ${message}` : `policy: internal error: ${message}`);
        return 2;
    }
}

process.exitCode = main(process.argv.slice(2));
