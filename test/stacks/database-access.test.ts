import { expect } from "chai";
import { createHash } from "node:crypto";
import type { CapturedResource } from "../../tools/capture";
import { BOOTSTRAP_NAMESPACE } from "../../components/database-bootstrap-namespace";
import { canonicalJson } from "../../components/workload-defaults";
import { plannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

/**
 * Finding: the database bootstrap roles kept the RDS master secret (and kms:Decrypt on its key) readable from the
 * application namespaces long after their Jobs ran, so anyone able to create a pod in `shop` or `identity` (with the
 * bootstrap's service account) became database superuser. Now the bootstrap Jobs run in their own namespace, and
 * only its service accounts can assume a role that reads the master secret, and only for a window that opens when a
 * Job's template changes (the Job then runs again) and closes two hours later: after bootstrap, no role can read it.
 */

type Json = Record<string, unknown>;
type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: string | string[]; Condition?: Record<string, Record<string, unknown>> };

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : ([] as string[]).concat(value));

/** The service accounts (namespace:name) an IRSA trust names with StringEquals on :sub. */
function trustedServiceAccounts(role: CapturedResource): string[] {
    const document = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Condition?: Record<string, Json> }[] };
    return document.Statement.flatMap((s) => Object.entries(s.Condition?.StringEquals ?? {}))
        .filter(([key]) => key.endsWith(":sub"))
        .flatMap(([, value]) => list(value as string | string[]))
        .map((subject) => subject.replace(/^system:serviceaccount:/, ""));
}

/** The statements of every inline policy of a role (RolePolicy resources that depend on it). */
function inlineStatements(resources: CapturedResource[], role: CapturedResource): Statement[] {
    return resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && (r.dependencies.includes(role.urn) || r.inputs.role === role.id))
        .flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] }).Statement);
}

/** An IAM glob (`*`, `?`, case-insensitive as IAM actions are) as a regular expression. */
const glob = (pattern: string, flags = "") => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags);

/** Whether an Allow statement grants `action` on `resource` (its Action globs match, one of its Resource globs covers). */
function grants(statement: Statement, action: string, resource: string): boolean {
    return statement.Effect === "Allow" && list(statement.Action).some((a) => glob(a, "i").test(action)) && list(statement.Resource).some((r) => glob(r).test(resource));
}

/** Whether a statement lets its holder read the secret (GetSecretValue on it, or on a wildcard covering it). */
function readsSecret(statement: Statement, secretArn: string): boolean {
    return grants(statement, "secretsmanager:GetSecretValue", secretArn);
}

/** Every statement of every identity policy in the plan (inline role policies and managed policies). */
function identityStatements(resources: CapturedResource[]): { urn: string; statement: Statement }[] {
    return resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" || r.type === "aws:iam/policy:Policy")
        .flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: Statement[] }).Statement.map((statement) => ({ urn: p.urn, statement })));
}

describe("stacks: the RDS master secret is readable only from the bootstrap namespace", function () {
    this.timeout(180_000);

    for (const stack of allStacks()) {
        describe(`stack ${stack}`, () => {
            let resources: CapturedResource[];
            let masterSecret: string;
            let masterKey: string;
            let roles: { role: CapturedResource; accounts: string[]; readsMaster: boolean }[];
            before(() => {
                resources = plannedStack(stack).resources;
                // The writer's master secret: this stack's writer's (a Secrets Manager secret of its own, encrypted with the
                // database's key), or (a region holding a replica) the primary's, whose bootstraps reach the writer from here.
                const exported = (stackResources: CapturedResource[]) =>
                    (stackResources.find((r) => r.type === "pulumi:pulumi:Stack")!.outputs as { databaseWriter?: { masterUserSecretArn: string; kmsKeyArn: string } }).databaseWriter;
                const writer = exported(resources) ?? exported(plannedStack("prod").resources)!;
                masterSecret = writer.masterUserSecretArn;
                masterKey = writer.kmsKeyArn;
                const secret = resources.find((r) => r.type === "aws:secretsmanager/secret:Secret" && r.outputs.arn === masterSecret);
                if (exported(resources)) expect(secret?.inputs.kmsKeyId, "the master secret, encrypted with the database's key").to.equal(masterKey);
                roles = resources.filter((r) => r.type === "aws:iam/role:Role" && String(r.inputs.assumeRolePolicy).includes("AssumeRoleWithWebIdentity")).map((role) => ({
                    role, accounts: trustedServiceAccounts(role), readsMaster: inlineStatements(resources, role).some((s) => readsSecret(s, masterSecret)),
                }));
            });

            it("no IAM role trusted by a service account in shop or identity can read the RDS master secret", () => {
                const offenders = roles.filter((r) => r.readsMaster && r.accounts.some((a) => /^(shop|identity):/.test(a)));
                expect(offenders.map((r) => `${r.role.urn.split("::").pop()} trusts ${r.accounts.join(", ")}`)).to.deep.equal([]);
            });

            it(`every role that can read it is trusted only by service accounts of ${BOOTSTRAP_NAMESPACE}, whose namespace runs Jobs only`, () => {
                const readers = roles.filter((r) => r.readsMaster);
                expect(readers, "the bootstrap roles").to.have.length.greaterThan(0);
                for (const { role, accounts } of readers) {
                    expect(accounts, role.urn).to.have.length(1);
                    expect(accounts[0], role.urn).to.match(new RegExp(`^${BOOTSTRAP_NAMESPACE}:[a-z0-9-]+-db-bootstrap$`));
                }
                // Nothing long-running shares the namespace (a Deployment there would hold the role for good).
                const workloads = resources.filter((r) => /^kubernetes:(apps\/v1|batch\/v1|core\/v1):(Deployment|StatefulSet|DaemonSet|CronJob|Pod|ReplicaSet|Job)$/.test(r.type)
                    && (r.inputs.metadata as Json | undefined)?.namespace === BOOTSTRAP_NAMESPACE);
                expect(workloads.map((w) => w.type.split(":").pop())).to.satisfy((kinds: string[]) => kinds.length > 0 && kinds.every((k) => k === "Job"));
                // And no other namespace's pods mount the bootstrap service accounts: the roles' only subjects live there.
                expect(resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount" && String((r.inputs.metadata as Json).name).endsWith("-db-bootstrap"))
                    .map((sa) => (sa.inputs.metadata as Json).namespace)).to.satisfy((namespaces: unknown[]) => namespaces.every((n) => n === BOOTSTRAP_NAMESPACE));
            });

            it("grants the master secret (and kms:Decrypt on its key) only before an expiry two hours after a bootstrap Job's template last changed", () => {
                expect(masterKey, "the key of the master secret").to.match(/^arn:aws:kms:/);
                const offsets = resources.filter((r) => r.type === "time:index/offset:Offset");
                const jobTemplates = new Set(resources.filter((r) => r.type === "kubernetes:batch/v1:Job" && (r.inputs.metadata as Json).namespace === BOOTSTRAP_NAMESPACE)
                    .map((job) => createHash("sha256").update(canonicalJson((job.inputs.spec as Json).template)).digest("hex")));
                const readers = identityStatements(resources).filter(({ statement }) => readsSecret(statement, masterSecret) || grants(statement, "kms:Decrypt", masterKey));
                expect(readers.filter(({ statement }) => readsSecret(statement, masterSecret)), "statements reading the master secret").to.have.length.greaterThan(0);
                for (const { urn, statement } of readers) {
                    const expiry = statement.Condition?.DateLessThan?.["aws:CurrentTime"];
                    expect(expiry, `${urn} ${statement.Sid ?? ""}: DateLessThan aws:CurrentTime`).to.be.a("string");
                    // The expiry is an Offset's: created (so started) when the Job's template changed, two hours long.
                    const window = offsets.find((o) => o.outputs.rfc3339 === expiry && jobTemplates.has(String((o.inputs.triggers as Json).jobTemplate)));
                    expect(window, `${urn}: a time window keyed to a bootstrap Job's template`).to.not.equal(undefined);
                    expect(window!.inputs.offsetHours).to.equal(2);
                    expect(statement.Condition, urn).to.not.have.any.keys("DateGreaterThan", "ForAnyValue:DateLessThan");
                }
            });
        });
    }
});
