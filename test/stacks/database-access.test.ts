import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { BOOTSTRAP_NAMESPACE } from "../../components/database-bootstrap-namespace";
import { plannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

/**
 * Finding: the database bootstrap roles kept the RDS master secret (and kms:Decrypt on its key) readable from the
 * application namespaces long after their Jobs ran, so anyone able to create a pod in `shop` or `identity` (with the
 * bootstrap's service account) became database superuser. Now the bootstrap Jobs run in their own namespace, and
 * only its service accounts can assume a role that reads the master secret.
 */

type Json = Record<string, unknown>;
type Statement = { Effect: string; Action: string | string[]; Resource?: string | string[] };

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

/** Whether a statement lets its holder read the secret (GetSecretValue on it, or on a wildcard covering it). */
function readsSecret(statement: Statement, secretArn: string): boolean {
    const actions = list(statement.Action).map((a) => a.toLowerCase());
    const reads = actions.some((a) => a === "*" || a === "secretsmanager:*" || a === "secretsmanager:getsecretvalue" || a === "secretsmanager:get*");
    const covers = list(statement.Resource).some((resource) => new RegExp(`^${resource.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(secretArn));
    return statement.Effect === "Allow" && reads && covers;
}

describe("stacks: the RDS master secret is readable only from the bootstrap namespace", function () {
    this.timeout(180_000);

    for (const stack of allStacks()) {
        describe(`stack ${stack}`, () => {
            let resources: CapturedResource[];
            let masterSecret: string;
            let roles: { role: CapturedResource; accounts: string[]; readsMaster: boolean }[];
            before(() => {
                resources = plannedStack(stack).resources;
                const instance = resources.find((r) => r.type === "aws:rds/instance:Instance")!;
                masterSecret = String((instance.outputs.masterUserSecrets as { secretArn: string }[])[0].secretArn);
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
        });
    }
});
