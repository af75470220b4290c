import { expect } from "chai";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { planFailover, retiredIdentifier, RDS_LOG_TYPES, setConfig } from "../../tools/failover";
import { POSTGRES_LOG_EXPORTS } from "../../components/rds-log-groups";
import { ofType, plannedStack } from "../support/plans";

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
        expect(ups[0]).to.match(/--stack prod-us-east-1 /);
        expect(ups[1]).to.match(/--stack prod-eu-west-1 --replace '.*prod-db-replica-postgres'/);
        expect(ups[0], "the promoted stack leaves what it owns in the lost region alone").to.include("$(sed 's/^/--exclude=/' prod-us-east-1-prod-region-urns.txt)");
        expect(ups.at(-1)).to.match(/--stack prod\b/);
        // Dry run: the files on disk are untouched.
        expect(configOf(readFileSync(join(dir, "Pulumi.prod-us-east-1.yaml"), "utf8"))).not.to.have.property("ecommerce-platform:databasePrimaryStack");
    });

    it("lifts RDS deletion protection (config dbIdentifier, else <clusterName>-postgres) before a replica is replaced, not only Pulumi's protect", () => {
        const dir = copyStacks();
        const file = join(dir, "Pulumi.prod-us-east-1.yaml");
        writeFileSync(file, setConfig(readFileSync(file, "utf8"), "dbIdentifier", "shop-us-postgres"));
        const steps = planFailover(dir, "prod-eu-west-1").steps;
        const modify = steps.findIndex((s) => s.startsWith("aws rds modify-db-instance --db-instance-identifier shop-us-postgres --no-deletion-protection --apply-immediately --region us-east-1"));
        const unprotect = steps.findIndex((s) => s.startsWith("pulumi state unprotect --stack prod-us-east-1 "));
        const replace = steps.findIndex((s) => /pulumi up --stack prod-us-east-1 --replace '.*DatabaseReplica\$aws:rds\/instance:Instance::prod-db-replica-postgres'$/.test(s));
        expect([modify, unprotect, replace].every((i) => i >= 0), steps.join("\n")).to.equal(true);
        expect(modify).to.be.below(unprotect);
        expect(unprotect).to.be.below(replace);
        // Derived from the cluster name where dbIdentifier is unset (stacks/config.ts): prod-eu-west-1 promoted from prod-us-east-1's view.
        expect(planFailover(copyStacks(), "prod-us-east-1").steps.join("\n"))
            .to.include("aws rds modify-db-instance --db-instance-identifier ecommerce-platform-prod-eu-west-1-postgres --no-deletion-protection --apply-immediately --region eu-west-1");
    });

    describe("rebuilding the old owner as a replica", function () {
        this.timeout(600_000);
        const date = new Date("2026-12-06T10:00:00Z");
        const steps = () => planFailover(copyStacks(), "prod-us-east-1", { date }).steps;
        const at = (pattern: RegExp) => steps().findIndex((s) => pattern.test(s));

        it("renames the old writer first (its identifier and log groups go to the replica), keeps its deletion protection, never drops dependents", () => {
            const all = steps();
            const rename = at(/^aws rds modify-db-instance --db-instance-identifier ecommerce-platform-prod-postgres --new-db-instance-identifier ecommerce-platform-prod-postgres-retired-20261206 --apply-immediately --region ap-south-1$/);
            const firstUp = at(/pulumi up --stack prod( |$)/);
            expect(rename, all.join("\n")).to.be.at.least(0);
            expect(rename).to.be.below(firstUp);
            expect(all.join("\n")).not.to.include("--target-dependents");
            expect(all.filter((s) => /--stack prod( |$)/.test(s) && s.includes("no-deletion-protection"))).to.deep.equal([]);
            // The renamed writer's own groups exist, with the old groups' retention, before it exports under its new name.
            for (const type of POSTGRES_LOG_EXPORTS) expect(at(new RegExp(`aws logs create-log-group --log-group-name /aws/rds/instance/ecommerce-platform-prod-postgres-retired-20261206/${type} .*put-retention-policy`))).to.be.within(0, rename);
        });

        it("the replica adopts the old log groups under exactly the URNs the program plans for them, before its first up", () => {
            expect(RDS_LOG_TYPES).to.deep.equal(POSTGRES_LOG_EXPORTS);
            const all = steps();
            const start = all.findIndex((s) => s.startsWith("cat > prod-replica-log-groups.json <<'EOF'"));
            const adopt = JSON.parse(all[start + 1]) as { nameTable: Record<string, string>; resources: { type: string; name: string; id?: string; parent?: string; provider?: string; component?: boolean }[] };
            expect(all[start + 2]).to.equal("EOF");
            expect(at(/^pulumi import --stack prod --file prod-replica-log-groups.json --protect=false/)).to.be.above(start).and.below(at(/pulumi up --stack prod( |$)/));
            // What the program plans for a stack whose database is a replica (the regional stacks plan one today).
            const planned = plannedStack("prod-us-east-1");
            const component = ofType(planned, "ecommerce:data:DatabaseReplica")[0];
            const [prodProvider] = ofType(plannedStack("prod"), "pulumi:providers:aws").filter((p) => p.urn.endsWith("::prod-aws"));
            expect(adopt.nameTable.aws).to.equal(prodProvider.urn);
            expect(adopt.resources[0]).to.deep.equal({ type: component.type, name: component.urn.split("::").pop(), component: true });
            expect(component.parent ?? "").to.match(/pulumi:pulumi:Stack::/);
            const groups = ofType(planned, "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.parent === component.urn);
            expect(adopt.resources.slice(1).map((r) => `${r.type}::${r.name}`)).to.deep.equal(groups.map((g) => `${g.type}::${g.urn.split("::").pop()}`));
            for (const [i, group] of groups.entries()) {
                // Same names as the old writer's groups: the identifier is the same, only the stack differs here.
                expect(adopt.resources[i + 1]).to.include({ id: String(group.inputs.name).replace("ecommerce-platform-prod-us-east-1-postgres", "ecommerce-platform-prod-postgres"), parent: adopt.resources[0].name, provider: "aws" });
            }
            const oldGroups = ofType(plannedStack("prod"), "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.urn.includes("ecommerce:data:Database$")).map((g) => g.inputs.name);
            expect(adopt.resources.slice(1).map((r) => r.id)).to.deep.equal(oldGroups);
        });

        it("releases from the state only the Database component's resources, after an up that skips them and moves their dependents", () => {
            const all = steps();
            const list = all.find((s) => s.includes("> prod-retired-writer-urns.txt"))!;
            expect(list).to.match(/^pulumi stack export --stack prod \| jq -r .* \| tac > prod-retired-writer-urns.txt/);
            const needles = [...list.matchAll(/contains\("([^"]+)"\)/g)].map((m) => m[1]);
            const selected = plannedStack("prod").resources.map((r) => r.urn).filter((urn) => needles.some((n) => urn.includes(n)));
            const database = "urn:pulumi:prod::ecommerce-platform::ecommerce:data:Database::prod-db";
            const expected = plannedStack("prod").resources.filter((r) => r.urn === database || r.parent === database).map((r) => r.urn);
            expect(selected).to.have.members(expected);
            expect(selected.some((u) => u.includes("Keycloak") || u.includes("keycloak"))).to.equal(false);
            const up = at(/^npm run plan -- prod && pulumi up --stack prod \$\(sed 's\/\^\/--exclude=\/' prod-retired-writer-urns.txt\)$/);
            const release = at(/^while read -r urn; do pulumi state unprotect --stack prod --yes "\$urn" .*pulumi state delete --stack prod --yes "\$urn" .*done < prod-retired-writer-urns.txt$/);
            expect(up).to.be.above(all.indexOf(list));
            expect(release).to.be.above(up);
        });

        it("a retired name stays an RDS identifier (63 characters at most, no trailing hyphen)", () => {
            expect(retiredIdentifier("ecommerce-platform-prod-postgres", date)).to.equal("ecommerce-platform-prod-postgres-retired-20261206");
            const long = retiredIdentifier(`a${"-b".repeat(31)}`, date);
            expect(long.length).to.be.at.most(63);
            expect(long).to.match(/^[a-z][a-z0-9-]*[a-z0-9]$/).and.not.include("--");
        });
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
