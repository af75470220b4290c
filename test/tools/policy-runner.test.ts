import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { Policies } from "@pulumi/policy";
import { validateResourceOfType, validateStackResourcesOfType } from "@pulumi/policy/policy";
import { allPolicies } from "../../policies/rules/all";
import { analyzeProps, analyzeStackProps, loadPolicyConfig, parseStackExport, PolicyInputError, runPolicies, runPoliciesDetailed } from "../../tools/policy-runner";
import { res, stack, UNKNOWN } from "../policies/helpers";

const only = (...names: string[]): Policies => allPolicies.filter((p) => names.includes(p.name));
const openSsh = () => res("aws:ec2/securityGroup:SecurityGroup", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });

describe("tools/policy-runner", () => {
    it("runs the whole pack synchronously and returns Violation objects", () => {
        const result = runPolicies([stack(), openSsh()]);
        expect(result).to.be.an("array");
        const v = result.find((x) => x.policy === "sg-no-public-admin-ports")!;
        expect(v).to.include({ enforcementLevel: "mandatory" });
        expect(v.urn).to.match(/SecurityGroup/);
        expect(Object.keys(v).sort()).to.deep.equal(["enforcementLevel", "message", "policy", "urn"]);
    });

    it("applies configSchema defaults (the policy sees its default threshold)", () => {
        const db = res("aws:rds/instance:Instance", { backupRetentionPeriod: 5 });
        const found = runPolicies([stack(), db], { policies: only("rds-backup-retention") });
        expect(found[0].message).to.match(/at least 7 days/);
    });

    it("overrides enforcement levels per policy and via \"all\", and disables policies", () => {
        const resources = [stack(), openSsh(), res("aws:sqs/queue:Queue", {})];
        const policies = only("sg-no-public-admin-ports", "aws-required-tags");
        const raised = runPolicies(resources, { policies, config: { "aws-required-tags": { enforcementLevel: "mandatory" } } });
        expect(raised.find((v) => v.policy === "aws-required-tags")!.enforcementLevel).to.equal("mandatory");
        const lowered = runPolicies(resources, { policies, config: { all: { enforcementLevel: "advisory" } } });
        expect(lowered.every((v) => v.enforcementLevel === "advisory")).to.equal(true);
        const disabled = runPolicies(resources, { policies, config: { "sg-no-public-admin-ports": { enforcementLevel: "disabled" } } });
        expect([...new Set(disabled.map((v) => v.policy))]).to.deep.equal(["aws-required-tags"]);
    });

    it("rejects config for unknown policies and values of the wrong type", () => {
        expect(() => runPolicies([stack()], { config: { "no-such-policy": { enforcementLevel: "advisory" } } })).to.throw(PolicyInputError, /unknown policy/);
        expect(() => runPolicies([stack()], { config: { "rds-backup-retention": { minimumRetentionDays: "seven" } } })).to.throw(PolicyInputError, /invalid/);
        expect(() => runPolicies([stack()], { config: { "rds-backup-retention": { enforcementLevel: "loud" } } })).to.throw(PolicyInputError, /enforcementLevel/);
    });

    it("reports a mandatory policy that reads an unknown value as advisory", () => {
        const found = runPolicies([stack(), res("aws:rds/instance:Instance", { publiclyAccessible: UNKNOWN })], { policies: only("rds-not-public") });
        expect(found).to.have.length(1);
        expect(found[0].enforcementLevel).to.equal("advisory");
        expect(found[0].message).to.match(/can't run policy 'rds-not-public' during preview: .*publiclyAccessible/);
    });

    it("treats an export secret as plaintext when present and as unknown when only ciphertext is there", () => {
        const sig = "4dabf18193072939515e22adb298388d";
        const plain = res("aws:rds/instance:Instance", { publiclyAccessible: { [sig]: "1b47061264138c4ac30d75fd1eb44270", plaintext: "true" } });
        expect(runPolicies([stack(), plain], { policies: only("rds-not-public") })[0].enforcementLevel).to.equal("mandatory");
        const cipher = res("aws:rds/instance:Instance", { publiclyAccessible: { [sig]: "1b47061264138c4ac30d75fd1eb44270", ciphertext: "AAAA" } });
        expect(runPolicies([stack(), cipher], { policies: only("rds-not-public") })[0].enforcementLevel).to.equal("advisory");
    });

    it("records notApplicable() for resources a rule does not judge", () => {
        const { violations, notApplicable } = runPoliciesDetailed([stack(), res("aws:sqs/queue:Queue", {})], { policies: only("rds-not-public", "waf-logging") });
        expect(violations).to.deep.equal([]);
        expect(notApplicable.map((n) => n.policy)).to.include.members(["rds-not-public", "waf-logging"]);
        expect(notApplicable.find((n) => n.policy === "waf-logging")!.reason).to.equal("no web ACL in the stack");
    });

    it("gives resource policies the inputs only and stack policies the outputs, as the engine does", () => {
        const both = res("aws:sqs/queue:Queue", { name: "q" }, { outputs: { arn: "arn", tagsAll: { a: "b" } } });
        expect(analyzeProps(both)).to.deep.equal({ name: "q" });
        expect(analyzeStackProps(both)).to.deep.equal({ name: "q", arn: "arn", tagsAll: { a: "b" } });
        // No fallback to outputs: a resource registered with no inputs is judged on nothing.
        const outputsOnly = { ...res("aws:sqs/queue:Queue", {}, { outputs: { sqsManagedSseEnabled: false } }), inputs: undefined };
        expect(analyzeProps(outputsOnly)).to.deep.equal({});
        const seen: { resource?: Record<string, unknown>; stack?: Record<string, unknown> } = {};
        const probe: Policies = [
            { name: "r", description: "d", enforcementLevel: "advisory", validateResource: (a) => { if (a.type === "aws:sqs/queue:Queue") seen.resource = { ...a.props }; } },
            { name: "s", description: "d", enforcementLevel: "advisory", validateStack: (a) => { seen.stack = { ...a.resources.find((r) => r.type === "aws:sqs/queue:Queue")!.props }; } },
        ];
        runPolicies([stack(), both], { policies: probe });
        expect(seen).to.deep.equal({ resource: { name: "q" }, stack: { name: "q", arn: "arn", tagsAll: { a: "b" } } });
    });

    it("gives policies the provider's inputs", () => {
        const provider = res("pulumi:providers:aws", { region: "ap-south-1" }, { outputs: { version: "7.0.0" } });
        let props: Record<string, unknown> | undefined;
        const probe: Policies = [{ name: "p", description: "d", enforcementLevel: "advisory", validateResource: (a) => { if (a.provider) props = { ...a.provider.props }; } }];
        runPolicies([stack(), provider, res("aws:sqs/queue:Queue", {}, { provider })], { policies: probe });
        expect(props).to.deep.equal({ region: "ap-south-1" });
    });

    describe("isType / asType, as @pulumi/policy implements them", () => {
        // A generated resource class carries a static __pulumiType; the SDK compares the type token with it.
        class Queue extends pulumi.CustomResource {
            static readonly __pulumiType = "aws:sqs/queue:Queue";
            declare readonly name: pulumi.Output<string>;
            constructor(name: string, args: { name?: string }) {
                super(Queue.__pulumiType, name, args);
            }
        }
        // A class without __pulumiType falls back to its isInstance({ __pulumiType: type }).
        class Custom extends pulumi.CustomResource {
            static override isInstance(o: unknown): o is Custom {
                return (o as { __pulumiType?: string }).__pulumiType === "aws:sqs/queue:Queue";
            }
            constructor(name: string, args: { name?: string }) {
                super("x:y:Z", name, args);
            }
        }
        const queue = () => res("aws:sqs/queue:Queue", { name: "orders", sqsManagedSseEnabled: false });

        it("validateResourceOfType fires on its type and is not applicable elsewhere", () => {
            const rule: Policies = [{
                name: "typed",
                description: "d",
                enforcementLevel: "mandatory",
                validateResource: validateResourceOfType(Queue, (q, _a, report) => { if (q.name === "orders") report("typed rule fired"); }),
            }];
            const result = runPoliciesDetailed([stack(), queue(), openSsh()], { policies: rule });
            expect(result.violations.map((v) => v.message)).to.deep.equal(["typed rule fired"]);
            expect(result.notApplicable.map((n) => n.reason)).to.include("Policy only applies to resources of type 'aws:sqs/queue:Queue'");
        });

        it("validateStackResourcesOfType sees the resources of its type (outputs), and is not applicable without any", () => {
            const rule: Policies = [{
                name: "typed-stack",
                description: "d",
                enforcementLevel: "advisory",
                validateStack: validateStackResourcesOfType(Queue, (queues, _a, report) => report(`${queues.length} queue(s): ${queues.map((q) => q.name).join(",")}`)),
            }];
            expect(runPolicies([stack(), queue()], { policies: rule }).map((v) => v.message)).to.deep.equal(["1 queue(s): orders"]);
            const none = runPoliciesDetailed([stack(), openSsh()], { policies: rule });
            expect(none.violations).to.deep.equal([]);
            expect(none.notApplicable.map((n) => n.reason)).to.deep.equal(["Policy only applies to resources of type 'aws:sqs/queue:Queue'"]);
        });

        it("args.isType/asType and resource.isType/asType in stack policies, with the isInstance fallback", () => {
            const seen: string[] = [];
            const rule: Policies = [
                {
                    name: "args",
                    description: "d",
                    enforcementLevel: "advisory",
                    validateResource: (a) => {
                        if (a.type !== "aws:sqs/queue:Queue") return;
                        seen.push(`isType=${a.isType(Queue)} isInstanceFallback=${a.isType(Custom)} asType=${a.asType(Queue)?.name}`);
                    },
                },
                {
                    name: "stack",
                    description: "d",
                    enforcementLevel: "advisory",
                    validateStack: (a) => {
                        const queues = a.resources.filter((r) => r.isType(Queue));
                        seen.push(`stack: ${queues.length} ${a.resources.map((r) => r.asType(Queue)?.name).filter((n) => n !== undefined).join(",")}`);
                    },
                },
            ];
            runPolicies([stack(), queue(), openSsh()], { policies: rule });
            expect(seen).to.deep.equal(["isType=true isInstanceFallback=true asType=orders", "stack: 1 orders"]);
        });
    });

    it("skips resources pending deletion in a real export", () => {
        const gone = { ...openSsh(), delete: true };
        expect(runPolicies([stack(), gone], { policies: only("sg-no-public-admin-ports") })).to.deep.equal([]);
    });

    it("ends on a malformed, cyclic parent chain instead of hanging the stack rules", () => {
        const a = res("aws:ec2/natGateway:NatGateway", {}, { name: "a" });
        const b = res("aws:ec2/natGateway:NatGateway", {}, { name: "b" });
        a.parent = b.urn;
        b.parent = a.urn;
        const vpc = res("awsx:ec2:Vpc", { tags: { environment: "prod" } });
        const found = runPolicies([stack(), a, b, vpc], { policies: only("vpc-flow-logs", "vpc-nat-strategy") });
        expect(found.map((v) => v.policy).sort()).to.deep.equal(["vpc-flow-logs"]);
    });

    it("reports a crashing or async validation instead of silently passing", () => {
        const crashing: Policies = [{ name: "boom", description: "d", enforcementLevel: "advisory", validateResource: () => { throw new Error("kaput"); } }];
        const crash = runPolicies([stack(), openSsh()], { policies: crashing });
        expect(crash[0]).to.include({ enforcementLevel: "mandatory" });
        expect(crash[0].message).to.match(/policy error: kaput/);
        const asyncRule: Policies = [{ name: "later", description: "d", enforcementLevel: "advisory", validateStack: async () => undefined }];
        expect(runPolicies([stack()], { policies: asyncRule })[0].message).to.match(/synchronous/);
    });

    describe("loadPolicyConfig", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-config-"));
        it("returns {} without a path and normalises bare levels", () => {
            expect(loadPolicyConfig()).to.deep.equal({});
            const file = path.join(tmp, "c.json");
            fs.writeFileSync(file, JSON.stringify({ "aws-required-tags": "mandatory", "rds-backup-retention": { minimumRetentionDays: 14 } }));
            expect(loadPolicyConfig(file)).to.deep.equal({ "aws-required-tags": { enforcementLevel: "mandatory" }, "rds-backup-retention": { minimumRetentionDays: 14 } });
        });
        it("throws PolicyInputError on a missing or malformed file", () => {
            expect(() => loadPolicyConfig(path.join(tmp, "missing.json"))).to.throw(PolicyInputError);
            const bad = path.join(tmp, "bad.json");
            fs.writeFileSync(bad, "{nope");
            expect(() => loadPolicyConfig(bad)).to.throw(PolicyInputError, /not valid JSON/);
        });
    });

    it("parseStackExport rejects documents that are not stack exports", () => {
        expect(() => parseStackExport({ resources: [] })).to.throw(PolicyInputError);
        expect(() => parseStackExport({ version: 3, deployment: { resources: [{ type: "x" }] } })).to.throw(PolicyInputError, /urn/);
        expect(parseStackExport({ version: 3, deployment: {} })).to.deep.equal([]);
    });
});
