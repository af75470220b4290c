import { expect } from "chai";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { planFailover, setConfig } from "../../tools/failover";

const ROOT = join(__dirname, "..", "..");

function copyStacks(): string {
    const dir = mkdtempSync(join(tmpdir(), "failover-"));
    for (const f of readdirSync(ROOT).filter((f) => /^Pulumi\.[^.]+(\.[^.]+)*\.yaml$/.test(f) && !f.includes("test-"))) copyFileSync(join(ROOT, f), join(dir, f));
    return dir;
}
const configOf = (text: string) => (load(text) as { config: Record<string, unknown> }).config;

describe("tools/failover: promotion by config, in order", () => {
    it("names the promoted stack the primary everywhere, retires prod's original writer, and orders the updates promoted-first", () => {
        const dir = copyStacks();
        const plan = planFailover(dir, "prod-us-east-1");
        const after = Object.fromEntries(plan.edits.map((e) => [e.stack, configOf(e.after)]));
        expect(Object.keys(after).sort()).to.deep.equal(["prod", "prod-eu-west-1", "prod-us-east-1"]);
        for (const config of Object.values(after)) expect(config["ecommerce-platform:databasePrimaryStack"]).to.equal("prod-us-east-1");
        expect(after.prod["ecommerce-platform:databaseOriginalWriterRetired"]).to.equal(true);
        expect(after["prod-eu-west-1"]).not.to.have.property("ecommerce-platform:databaseOriginalWriterRetired");
        const ups = plan.steps.filter((s) => s.includes("pulumi up"));
        expect(ups[0]).to.match(/--stack prod-us-east-1$/);
        expect(ups[1]).to.match(/--stack prod-eu-west-1 --replace '.*prod-db-replica-postgres'/);
        expect(ups.at(-1)).to.match(/--stack prod\b/);
        // Dry run: the files on disk are untouched.
        expect(configOf(readFileSync(join(dir, "Pulumi.prod-us-east-1.yaml"), "utf8"))).not.to.have.property("ecommerce-platform:databasePrimaryStack");
    });

    it("with Aurora Global Database: AWS moves the writer (switchover, or failover with data loss), then every stack follows by config, promoted first", () => {
        const dir = copyStacks();
        for (const stack of ["prod", "prod-us-east-1", "prod-eu-west-1"]) {
            const file = join(dir, `Pulumi.${stack}.yaml`);
            writeFileSync(file, setConfig(readFileSync(file, "utf8"), "databaseTopology", "aurora-global"));
        }
        const plan = planFailover(dir, "prod-eu-west-1");
        for (const edit of plan.edits) expect(configOf(edit.after)["ecommerce-platform:databasePrimaryStack"]).to.equal("prod-eu-west-1");
        expect(plan.edits.map((e) => configOf(e.after))).to.satisfy((configs: Record<string, unknown>[]) => configs.every((c) => !("ecommerce-platform:databaseOriginalWriterRetired" in c)));
        expect(plan.steps.join("\n")).to.match(/switchover-global-cluster --global-cluster-identifier ecommerce-platform-prod/).and.match(/failover-global-cluster .* --allow-data-loss/);
        expect(plan.steps.filter((s) => s.includes("pulumi up"))[0]).to.match(/--stack prod-eu-west-1$/);
    });

    it("refuses a dev stack, an unknown stack and the stack that already holds the writer", () => {
        const dir = copyStacks();
        expect(() => planFailover(dir, "dev")).to.throw(/only prod runs replicas/);
        expect(() => planFailover(dir, "prod-ap-east-9")).to.throw(/no stack prod-ap-east-9/);
        expect(() => planFailover(dir, "prod")).to.throw(/already holds the writer/);
    });

    it("replaces an existing value in place and keeps the rest of the file", () => {
        const text = "# comment\nconfig:\n  aws:region: us-east-1\n  ecommerce-platform:databasePrimaryStack: prod\n";
        expect(setConfig(text, "databasePrimaryStack", "prod-eu-west-1")).to.equal(text.replace(": prod\n", ": prod-eu-west-1\n"));
        expect(setConfig("config:\n  aws:region: x\n", "databaseOriginalWriterRetired", "true")).to.equal("config:\n  ecommerce-platform:databaseOriginalWriterRetired: true\n  aws:region: x\n");
    });
});
