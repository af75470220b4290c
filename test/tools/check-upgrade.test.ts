import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { databaseRenameProblem, deployedSettingsOf, stackFileSettings, upgradeProblems, UpgradeSettings } from "../../tools/check-upgrade";

const deployed: UpgradeSettings = { kubernetesVersion: "1.34", vpcCidr: "10.0.0.0/16", availabilityZoneCount: 3, dbEngineVersion: "17" };

describe("tools/check-upgrade", () => {
    it("lets the Kubernetes version stay or move one minor, and refuses a skip or a downgrade", () => {
        expect(upgradeProblems({ ...deployed }, deployed)).to.deep.equal([]);
        expect(upgradeProblems({ ...deployed, kubernetesVersion: "1.35" }, deployed)).to.deep.equal([]);
        expect(upgradeProblems({ ...deployed, kubernetesVersion: "1.36" }, deployed).join()).to.match(/kubernetesVersion: 1\.34 is deployed; 1\.36 skips 1 minor.*Set 1\.35/);
        expect(upgradeProblems({ ...deployed, kubernetesVersion: "1.33" }, deployed).join()).to.match(/cannot downgrade/);
    });

    it("refuses a different vpcCidr or zone count on a deployed stack, naming what would be replaced", () => {
        expect(upgradeProblems({ ...deployed, vpcCidr: "10.1.0.0/16" }, deployed).join()).to.match(/vpcCidr: 10\.0\.0\.0\/16 is deployed; 10\.1\.0\.0\/16 would replace the VPC/);
        expect(upgradeProblems({ ...deployed, availabilityZoneCount: 2 }, deployed).join()).to.match(/availabilityZoneCount: 3 is deployed; 2 re-cuts every subnet/);
    });

    it("refuses a PostgreSQL major upgrade unless dbAllowMajorVersionUpgrade, and any downgrade; minors pass", () => {
        expect(upgradeProblems({ ...deployed, dbEngineVersion: "17.6" }, deployed)).to.deep.equal([]);
        expect(upgradeProblems({ ...deployed, dbEngineVersion: "18" }, deployed).join()).to.match(/major upgrade.*dbAllowMajorVersionUpgrade true/);
        expect(upgradeProblems({ ...deployed, dbEngineVersion: "18", dbAllowMajorVersionUpgrade: true }, deployed)).to.deep.equal([]);
        expect(upgradeProblems({ ...deployed, dbEngineVersion: "16" }, deployed).join()).to.match(/cannot downgrade/);
    });

    it("reads deployedSettings from `pulumi stack output --json`: none on a new stack, refused when incomplete", () => {
        expect(deployedSettingsOf({})).to.equal(undefined);
        expect(deployedSettingsOf({ deployedSettings: deployed })).to.deep.equal(deployed);
        expect(() => deployedSettingsOf({ deployedSettings: { kubernetesVersion: "1.34" } })).to.throw(/lacks/);
    });

    it("reads the stack file with Pulumi.yaml defaults, as the CLI hands them to the program", () => {
        expect(stackFileSettings("dev")).to.deep.equal({
            kubernetesVersion: "1.35", vpcCidr: "10.20.0.0/16", availabilityZoneCount: 3, dbEngineVersion: "17", dbAllowMajorVersionUpgrade: false, dbIdentifier: "",
        });
    });

    it("refuses renaming the deployed database: an auto-named instance must be pinned with dbIdentifier; a pinned one kept", () => {
        const outputs = { databaseAddress: "prod-db-postgres-1a2b3c4.cxyz.ap-south-1.rds.amazonaws.com" };
        expect(databaseRenameProblem("", outputs)).to.match(/auto-named prod-db-postgres-1a2b3c4.*Set dbIdentifier: prod-db-postgres-1a2b3c4/);
        expect(databaseRenameProblem("prod-db-postgres-1a2b3c4", outputs)).to.equal(undefined);
        expect(databaseRenameProblem("ecommerce-platform-prod-postgres", outputs)).to.match(/renames the instance in place/);
        expect(databaseRenameProblem("", { databaseAddress: "ecommerce-platform-prod-postgres.cxyz.ap-south-1.rds.amazonaws.com" })).to.equal(undefined);
        expect(databaseRenameProblem("", {})).to.equal(undefined);
    });

    it("exits 1 naming the refusal for a skipped minor, 0 for a new stack, 2 for bad usage", () => {
        const dir = mkdtempSync(join(tmpdir(), "check-upgrade-"));
        const run = (args: string[]) => {
            try {
                return { code: 0, out: execFileSync("npx", ["tsx", "tools/check-upgrade.ts", ...args], { encoding: "utf8", stdio: "pipe" }) };
            } catch (error) {
                const failed = error as { status: number; stderr: string };
                return { code: failed.status, out: failed.stderr };
            }
        };
        writeFileSync(join(dir, "old.json"), JSON.stringify({ deployedSettings: { ...deployed, kubernetesVersion: "1.33", vpcCidr: "10.20.0.0/16" } }));
        writeFileSync(join(dir, "new.json"), JSON.stringify({}));
        const skipped = run(["dev", "--outputs", join(dir, "old.json")]);
        expect(skipped.code).to.equal(1);
        expect(skipped.out).to.match(/kubernetesVersion: 1\.33 is deployed; 1\.35 skips 1 minor/);
        expect(run(["dev", "--outputs", join(dir, "new.json")]).code).to.equal(0);
        expect(run([]).code).to.equal(2);
    });
});
