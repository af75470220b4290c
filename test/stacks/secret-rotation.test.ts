import { expect } from "chai";
import { ofType, plannedStack } from "../support/plans";

/**
 * Every password the program generates can be rotated in one `pulumi up`: each RandomPassword keeps the stack's
 * `secretRotationEpoch` (default "1"), so bumping it replaces them all; the pods that read them at start roll through
 * checksum annotations; and the API holds no long-lived database password at all (IAM database authentication).
 */
describe("stacks: secrets that can rotate", () => {
    for (const stack of ["dev", "prod"]) {
        describe(stack, () => {
            it("keys every generated password to the rotation epoch", () => {
                const passwords = ofType(plannedStack(stack), "random:index/randomPassword:RandomPassword");
                expect(passwords.length).to.be.greaterThan(5);
                for (const password of passwords) expect(password.inputs.keepers, password.urn).to.deep.equal({ rotationEpoch: "1" });
            });

            it("keeps no Secrets Manager password for the API: its role may only rds-db:connect as shop_api", () => {
                const planned = plannedStack(stack);
                expect(ofType(planned, "aws:secretsmanager/secret:Secret").map((s) => s.urn).filter((urn) => urn.includes("-api"))).to.deep.equal([]);
                const statements = ofType(planned, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.urn.endsWith(`::${stack}-api-irsa`))
                    .flatMap((p) => (JSON.parse(String(p.inputs.policy)) as { Statement: { Action: string; Resource: string }[] }).Statement);
                const connect = statements.filter((s) => s.Action === "rds-db:connect");
                expect(connect).to.have.length(1);
                expect(connect[0].Resource).to.match(/^arn:aws:rds-db:ap-south-1:\d{12}:dbuser:db-[A-Z0-9]+\/shop_api$/);
                expect(statements.map((s) => s.Action)).to.not.include("secretsmanager:GetSecretValue");
            });

            it("rolls the pods that read rotated credentials at start (checksum annotations)", () => {
                const planned = plannedStack(stack);
                const api = ofType(planned, "kubernetes:apps/v1:Deployment").find((d) => (d.inputs.metadata as { name: string }).name === "shop-api")!;
                expect((api.inputs.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations["checksum/env-secret"]).to.match(/^[0-9a-f]{64}$/);
                const fluentBit = ofType(planned, "kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "fluent-bit")!;
                expect((fluentBit.inputs.values as { podAnnotations: Record<string, string> }).podAnnotations["checksum/elasticsearch-credentials"]).to.match(/^[0-9a-f]{64}$/);
            });
        });
    }

    it("prod turns on RDS Enhanced Monitoring every 60 s with a role only RDS monitoring may assume; dev leaves it off", () => {
        const instance = (stack: string) => ofType(plannedStack(stack), "aws:rds/instance:Instance")[0];
        expect(instance("prod").inputs.monitoringInterval).to.equal(60);
        const role = ofType(plannedStack("prod"), "aws:iam/role:Role").find((r) => r.urn.endsWith("::prod-db-monitoring"))!;
        expect(instance("prod").inputs.monitoringRoleArn).to.equal(role.outputs.arn);
        expect(JSON.parse(String(role.inputs.assumeRolePolicy)).Statement[0].Principal).to.deep.equal({ Service: "monitoring.rds.amazonaws.com" });
        expect(role.inputs.managedPolicyArns).to.deep.equal(["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"]);
        expect(instance("dev").inputs.monitoringInterval).to.equal(0);
        expect(ofType(plannedStack("dev"), "aws:iam/role:Role").filter((r) => r.urn.endsWith("::dev-db-monitoring"))).to.have.length(0);
    });
});
