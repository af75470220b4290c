// npm run bench:plan: plans every shipped stack in a fresh process and prints wall time, resources and peak memory.
// Target (issue 2): each stack plans in under 10 s on a 2-core machine. Figures are printed, never asserted.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const TARGET_SECONDS = 10;
const stacks = readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f)).map((f) => f.split(".")[1]);
const dir = mkdtempSync(join(tmpdir(), "bench-plan-"));

console.log(`Offline plan benchmark: ${stacks.length} stacks, ${cpus().length} CPUs, Node ${process.version}`);
console.log(`${"stack".padEnd(20)} ${"exit".padStart(4)} ${"wall s".padStart(8)} ${"resources".padStart(10)} ${"peak MiB".padStart(9)}  target`);
let slowest = 0;
for (const stack of stacks) {
    const report = join(dir, `${stack}.json`);
    const started = process.hrtime.bigint();
    // /usr/bin/time is not everywhere; the child reports its own peak RSS through Node's resource usage instead.
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e",
        `process.on("exit", () => process.stderr.write("PEAK_RSS_KB=" + process.resourceUsage().maxRSS + "\\n")); process.argv.splice(1, 0, "plan"); require(${JSON.stringify(join(ROOT, "tools", "plan.ts"))});`,
        stack, "--report", report], { cwd: ROOT, encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    slowest = Math.max(slowest, seconds);
    const peakKb = Number(/PEAK_RSS_KB=(\d+)/.exec(run.stderr ?? "")?.[1] ?? 0);
    let resources = "-";
    try {
        resources = String(JSON.parse(readFileSync(report, "utf8")).resources);
    } catch {
        // The plan failed before writing its report; the exit code says so.
    }
    console.log(`${stack.padEnd(20)} ${String(run.status).padStart(4)} ${seconds.toFixed(2).padStart(8)} ${resources.padStart(10)} ${(peakKb / 1024).toFixed(0).padStart(9)}  ${seconds < TARGET_SECONDS ? "ok" : "SLOW"} (< ${TARGET_SECONDS} s)`);
}
console.log(`slowest: ${slowest.toFixed(2)} s`);
