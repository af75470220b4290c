import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Policies } from "@pulumi/policy";
import { allPolicies } from "../../policies/rules/all";
import { judgedProps, loadPolicyConfig, parseStackExport, PolicyInputError, runPolicies, runPoliciesDetailed } from "../../tools/policy-runner";
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

    it("judges inputs, falls back to outputs, and adds output-only tagsAll", () => {
        const both = res("aws:sqs/queue:Queue", { name: "q" }, { outputs: { name: "q", arn: "arn", tagsAll: { a: "b" } } });
        expect(judgedProps(both)).to.deep.equal({ name: "q", tagsAll: { a: "b" } });
        const outputsOnly = { ...res("aws:sqs/queue:Queue", {}, { outputs: { sqsManagedSseEnabled: false } }), inputs: undefined };
        expect(runPolicies([stack(), outputsOnly], { policies: only("sqs-encrypted") })).to.have.length(1);
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
