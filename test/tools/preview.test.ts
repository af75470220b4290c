import { expect } from "chai";
import { join } from "node:path";
import type { CapturedResource } from "../../tools/capture";
import { runPolicies } from "../../tools/policy-runner";
import { ofType, plannedStack, runPlan, type PlannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

/** How the engine writes a value unknown in a preview (pulumi/pulumi pkg/resource/stack/deployment.go). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const HANG_FIXTURE = join(__dirname, "..", "fixtures", "preview-hang");

function one(stack: PlannedStack, type: string, nameEnd = ""): CapturedResource {
    const found = ofType(stack, type).filter((r) => r.urn.endsWith(nameEnd));
    expect(found, `${type} ${nameEnd}`).to.have.length.greaterThan(0);
    return found[0];
}

const stackOutputs = (stack: PlannedStack) => one(stack, "pulumi:pulumi:Stack").outputs;

describe("tools/plan --preview (a first `pulumi preview` on an empty account)", function () {
    this.timeout(180_000);

    for (const name of allStacks()) {
        describe(name, () => {
            it("exits 0 with no mandatory violation; whatever a policy cannot judge on an unknown is advisory and says so", () => {
                const preview = plannedStack(name, "preview");
                expect(preview.exitCode).to.equal(0);
                expect(preview.report.preview).to.equal(true);
                expect(preview.report.violations.filter((v) => v.enforcementLevel === "mandatory")).to.deep.equal([]);
                // The normal plan is clean, so every finding of the preview is one a policy could not make on an unknown.
                for (const violation of preview.report.violations) expect(violation.message).to.match(/^can't run policy '.+' during preview/);
                expect(preview.stdout).to.match(/Offline preview/);
            });

            it("declares the same resources (URNs, types, parents, providers, dependencies) as the normal plan", () => {
                const preview = plannedStack(name, "preview");
                const plan = plannedStack(name);
                // Provider references carry the provider's id, unknown in preview ("<urn>::<unknown>"): compare URNs.
                const shape = (r: CapturedResource) => ({
                    urn: r.urn, type: r.type, parent: r.parent, provider: r.provider?.replace(/::[^:]*$/, ""), dependencies: [...r.dependencies].sort(),
                });
                const byUrn = (resources: CapturedResource[]) => resources.map(shape).sort((a, b) => a.urn.localeCompare(b.urn));
                expect(preview.resources.map((r) => r.urn).sort()).to.deep.equal(plan.resources.map((r) => r.urn).sort());
                expect(byUrn(preview.resources)).to.deep.equal(byUrn(plan.resources));
            });

            it("every input the program gave is as in the normal plan; only cloud-computed values are unknown", () => {
                const preview = plannedStack(name, "preview");
                const plan = new Map(plannedStack(name).resources.map((r) => [r.urn, r]));
                const differences: string[] = [];
                const compare = (known: unknown, previewed: unknown, path: string): void => {
                    if (previewed === UNKNOWN) return;
                    if (known && previewed && typeof known === "object" && typeof previewed === "object") {
                        for (const key of new Set([...Object.keys(known), ...Object.keys(previewed)])) {
                            compare((known as Record<string, unknown>)[key], (previewed as Record<string, unknown>)[key], `${path}.${key}`);
                        }
                    } else if (known !== previewed) {
                        differences.push(`${path}: ${JSON.stringify(known)} in the plan, ${JSON.stringify(previewed)} in preview`);
                    }
                };
                for (const resource of preview.resources) compare(plan.get(resource.urn)?.inputs, resource.inputs, resource.urn);
                expect(differences).to.deep.equal([]);
            });
        });
    }

    it("leaves every value the cloud computes unknown, as the engine writes it: database address, role ARNs, kubeconfig, ids", () => {
        const preview = plannedStack("prod", "preview");
        const database = one(preview, "aws:rds/instance:Instance");
        expect(database.outputs).to.include({ address: UNKNOWN, endpoint: UNKNOWN, arn: UNKNOWN });
        expect(database.id).to.equal(undefined);
        for (const role of ofType(preview, "aws:iam/role:Role")) expect(role.outputs.arn, role.urn).to.equal(UNKNOWN);
        const cluster = one(preview, "eks:index:Cluster");
        expect(cluster.outputs).to.include({ kubeconfig: UNKNOWN, oidcProviderArn: UNKNOWN, clusterSecurityGroupId: UNKNOWN });
        // awsx registers no outputs of its own; the VPC its provider creates has no ARN before it exists.
        expect(one(preview, "aws:ec2/vpc:Vpc").outputs.arn).to.equal(UNKNOWN);
        expect(one(preview, "aws:eks/cluster:Cluster").inputs.roleArn).to.equal(UNKNOWN);
        expect(stackOutputs(preview)).to.include({ databaseAddress: UNKNOWN, databaseSecretArn: UNKNOWN, vpcId: UNKNOWN, apiImage: UNKNOWN, healthCheckId: UNKNOWN, hostedZoneId: UNKNOWN });
        expect(preview.resources.filter((r) => r.custom && r.id !== undefined).map((r) => r.urn)).to.deep.equal([]);

        // The same values are placeholders after `up` (the normal plan).
        const plan = plannedStack("prod");
        expect(one(plan, "aws:rds/instance:Instance").outputs.address).to.match(/\.rds\.amazonaws\.com$/);
        expect(stackOutputs(plan).databaseAddress).to.not.equal(UNKNOWN);
    });

    it("keeps known what the program itself gives: config-derived inputs, names, tags, and invoke results", () => {
        const preview = plannedStack("prod", "preview");
        const database = one(preview, "aws:rds/instance:Instance");
        expect(database.inputs).to.include({ engine: "postgres", multiAz: true, storageEncrypted: true, deletionProtection: true });
        expect(database.outputs).to.include({ multiAz: true, engine: "postgres" });
        // The component itself reaches the engine with no inputs; the control plane it creates carries the name.
        expect(one(preview, "eks:index:Cluster").inputs).to.deep.equal({});
        expect(one(preview, "aws:eks/cluster:Cluster").inputs.name).to.equal("ecommerce-platform-prod");
        expect(one(preview, "aws:ec2/vpc:Vpc").inputs.cidrBlock).to.equal("10.0.0.0/16");
        expect(stackOutputs(preview)).to.include({ environment: "prod", clusterName: "ecommerce-platform-prod" });
        // Provider default tags are merged during the provider's check, from program inputs only: known in preview.
        expect(database.inputs.tagsAll).to.include({ environment: "prod" });
        // getCallerIdentity is a real call in a real preview: the account id is known.
        expect(String(one(preview, "aws:kms/key:Key", "-monitoring-alarms").inputs.policy)).to.include("arn:aws:iam::000000000000:root");
        // An input built from a cloud-computed value is unknown (an IRSA trust policy needs the OIDC provider).
        expect(one(preview, "aws:iam/role:Role", "-lb-controller-controller").inputs.assumeRolePolicy).to.equal(UNKNOWN);
    });

    it("knows autonamed names in preview, in the inputs as the providers' Check adds them; ids and ARNs stay unknown", () => {
        const preview = plannedStack("prod", "preview");
        const plan = new Map(plannedStack("prod").resources.map((r) => [r.urn, r]));
        const urnName = (r: CapturedResource) => r.urn.split("::").pop()!;
        // pulumi-aws (terraform-bridge AutoName in Check): resource name, "-", 7 hex characters.
        const role = one(preview, "aws:iam/role:Role", "-lb-controller-controller");
        expect(role.inputs.name).to.match(new RegExp(`^${urnName(role)}-[0-9a-f]{7}$`));
        expect(role.outputs.name).to.equal(role.inputs.name);
        expect(role.outputs.arn).to.equal(UNKNOWN);
        expect(plan.get(role.urn)!.inputs.name).to.equal(role.inputs.name);
        // A component's child too: @pulumi/eks's service role is autonamed by the aws provider.
        const serviceRole = one(preview, "aws:iam/role:Role", "-eksRole-role");
        expect(serviceRole.inputs.name).to.match(/-eksRole-role-[0-9a-f]{7}$/).and.equal(plan.get(serviceRole.urn)!.inputs.name);
        // pulumi-kubernetes (AssignNameIfAutonamable in Check): resource name, "-", 8 hex characters, and the annotation.
        const job = ofType(preview, "kubernetes:batch/v1:Job").find((j) => (j.inputs.metadata as { labels?: Record<string, string> }).labels?.["app.kubernetes.io/name"] === "keycloak-realm-settings")!;
        const metadata = job.inputs.metadata as { name: string; annotations: Record<string, string>; namespace: string };
        expect(metadata.name).to.match(new RegExp(`^${urnName(job)}-[0-9a-f]{8}$`));
        expect(metadata.annotations).to.include({ "pulumi.com/autonamed": "true" });
        expect(metadata.namespace).to.equal("identity");
        expect((job.outputs.metadata as { name: string }).name).to.equal(metadata.name);
        expect((plan.get(job.urn)!.inputs.metadata as { name: string }).name).to.equal(metadata.name);
        // A name the program gives is never replaced.
        expect(one(preview, "aws:eks/cluster:Cluster").inputs.name).to.equal("ecommerce-platform-prod");
    });

    it("hands unknowns to the policies as the analyzer does: a rule that reads one is advisory 'can't run during preview'", () => {
        const preview = plannedStack("prod", "preview");
        const violations = runPolicies(preview.resources);
        expect(violations.filter((v) => v.enforcementLevel === "mandatory")).to.deep.equal([]);
        const trust = violations.filter((v) => v.policy === "iam-trust-no-public-principal");
        expect(trust.length).to.be.greaterThan(0);
        expect(trust.every((v) => v.enforcementLevel === "advisory" && /can't run policy .* during preview/.test(v.message))).to.equal(true);
    });
});

describe("tools/plan hang guard (a program waiting on a value that stays unknown)", function () {
    this.timeout(120_000);

    it("fails with exit 2 naming what waits, when nothing is left that could settle the program's promises", () => {
        expect(runPlan("quiet", [], { cwd: HANG_FIXTURE }).exitCode).to.equal(0);
        const run = runPlan("quiet", ["--preview"], { cwd: HANG_FIXTURE });
        expect(run.exitCode).to.equal(2);
        expect(run.stderr.trim().split("\n")).to.have.length(1);
        expect(run.stderr).to.match(/did not finish/);
        expect(run.stderr).to.include('waiter [aws:iam/role:Role] (input "assumeRolePolicy")');
        expect(run.stderr).to.include("stack output appRoleArn");
    });

    it("fails with exit 2 after PLAN_TIMEOUT_SECONDS when something keeps the process alive", () => {
        const started = Date.now();
        const run = runPlan("busy", ["--preview"], { cwd: HANG_FIXTURE, env: { PLAN_TIMEOUT_SECONDS: "2" } });
        expect(run.exitCode).to.equal(2);
        expect(run.stderr).to.match(/still running after 2 s/);
        expect(run.stderr).to.include("stack output appRoleArn");
        expect(Date.now() - started).to.be.lessThan(60_000);
    });
});

describe("tools/plan --help", function () {
    this.timeout(60_000);

    for (const flag of ["--help", "-h"]) {
        it(`${flag} prints usage, every option and the stacks found, exit 0`, () => {
            const run = runPlan("", [flag]);
            expect(run.exitCode).to.equal(0);
            expect(run.stdout).to.match(/^usage: npm run plan -- <stack>/);
            for (const option of ["--preview", "--out FILE", "--report FILE", "--help"]) expect(run.stdout).to.include(option);
            expect(run.stdout).to.match(/Stacks found \(Pulumi\.<stack>\.yaml\): .*\bdev\b.*\bprod\b/);
        });
    }

    it("lists the stacks of the project it runs in", () => {
        const run = runPlan("", ["--help"], { cwd: HANG_FIXTURE });
        expect(run.stdout).to.match(/Stacks found \(Pulumi\.<stack>\.yaml\): busy, quiet$/m);
    });

    it("an unknown option exits 2 with the usage line", () => {
        const run = runPlan("dev", ["--frobnicate"]);
        expect(run.exitCode).to.equal(2);
        expect(run.stderr).to.include("unknown option --frobnicate");
        expect(run.stderr).to.include("usage: npm run plan -- <stack> [--preview] [--out FILE] [--report FILE]");
    });
});
