import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { statefulChanges } from "../../tools/preview-replacements";

const ROOT = join(__dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "preview-json");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));

function run(...args: string[]) {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "tools", "preview-replacements.ts"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 30000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("tools/preview-replacements", () => {
    it("finds the replacement of the EKS cluster and of a data namespace, not of a plain namespace, a subnet group or an update", () => {
        const changes = statefulChanges(fixture("replaces-stateful.json"));
        expect(changes.map((c) => [c.op, c.type, c.urn.split("::").pop()])).to.deep.equal([
            ["replace", "aws:eks/cluster:Cluster", "dev-cluster-eksCluster"],
            ["create-replacement", "kubernetes:core/v1:Namespace", "dev-kafka-namespace"],
        ]);
        expect(changes[0].reasons).to.deep.equal(["name"]);
    });

    it("counts deletions only when asked (--deletes)", () => {
        const changes = statefulChanges(fixture("replaces-stateful.json"), { deletes: true });
        expect(changes.map((c) => c.urn.split("::").pop())).to.include("dev-storage-efs");
    });

    it("exits 1 naming each stateful replacement and its reasons, 0 when there is none, 2 on input that is not a preview", () => {
        const failed = run(join(FIXTURES, "replaces-stateful.json"));
        expect(failed.code).to.equal(1);
        expect(failed.stderr).to.include("replace aws:eks/cluster:Cluster dev-cluster-eksCluster").and.include("changed name");
        const clean = run(join(FIXTURES, "no-stateful-replacement.json"));
        expect(clean.code, clean.stderr).to.equal(0);
        expect(clean.stdout).to.include("No stateful resource is replaced");
        expect(run(join(ROOT, "package.json")).code).to.equal(2);
        expect(run().code).to.equal(2);
    });
});
