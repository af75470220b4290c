/**
 * Test helpers for the policy rules: build stack-export resources, run ONE policy of the pack through the engine-free
 * runner (the same path `npm run policy` and the plan take), and assert on what it reports.
 */
import { expect } from "chai";
import { allPolicies } from "../../policies/rules/all";
import { ExportedResource, PolicyConfig, runPoliciesDetailed, Violation } from "../../tools/policy-runner";

/** The preview placeholder for an unknown string (an output of a resource not created yet). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const STACK_URN = "urn:pulumi:test::shop::pulumi:pulumi:Stack::shop-test";

let counter = 0;

export interface ResOptions {
    name?: string;
    parent?: ExportedResource;
    dependsOn?: ExportedResource[];
    outputs?: Record<string, unknown>;
    provider?: ExportedResource;
    custom?: boolean;
}

/** A stack-export resource of `type` with `inputs`. */
export function res(type: string, inputs: Record<string, unknown>, opts: ResOptions = {}): ExportedResource {
    const name = opts.name ?? `r${++counter}`;
    const qualified = opts.parent ? `${opts.parent.type}$${type}` : type;
    return {
        urn: `urn:pulumi:test::shop::${qualified}::${name}`,
        custom: opts.custom ?? !/^(eks:index|awsx:ec2|ecommerce:)/.test(type),
        type,
        inputs,
        outputs: opts.outputs,
        parent: opts.parent?.urn ?? STACK_URN,
        dependencies: opts.dependsOn?.map((d) => d.urn),
        provider: opts.provider ? `${opts.provider.urn}::provider-id` : undefined,
    };
}

export const stack = (): ExportedResource => ({ urn: STACK_URN, custom: false, type: "pulumi:pulumi:Stack" });

/** Runs only `policy` over the resources (plus a stack resource); returns its violations. */
export function judge(policy: string, resources: ExportedResource | ExportedResource[], config?: PolicyConfig): Violation[] {
    const selected = allPolicies.filter((p) => p.name === policy);
    if (selected.length !== 1) throw new Error(`no policy named ${policy}`);
    const list = Array.isArray(resources) ? resources : [resources];
    const { violations } = runPoliciesDetailed([stack(), ...list], { policies: selected, config });
    for (const v of violations) {
        // A crash in a rule is a bug, never an acceptable verdict.
        expect(v.message, `${policy} crashed`).not.to.match(/^policy error|requires synchronous/);
    }
    return violations;
}

/** Asserts `policy` reports at least one violation at its own level (not an unknown-value advisory). */
export function violates(policy: string, resources: ExportedResource | ExportedResource[], match?: RegExp, config?: PolicyConfig): Violation[] {
    const found = judge(policy, resources, config).filter((v) => !v.message.startsWith("can't run policy"));
    expect(found, `${policy} should report a violation`).to.not.be.empty;
    const level = allPolicies.find((p) => p.name === policy)!.enforcementLevel;
    const overridden = config?.[policy]?.["enforcementLevel"];
    for (const v of found) expect(v.enforcementLevel).to.equal(overridden ?? level);
    if (match) expect(found.map((v) => v.message).join("\n")).to.match(match);
    return found;
}

/** Asserts `policy` reports nothing at all. */
export function passes(policy: string, resources: ExportedResource | ExportedResource[], config?: PolicyConfig): void {
    const found = judge(policy, resources, config);
    expect(found.map((v) => `${v.urn}: ${v.message}`), `${policy} should pass`).to.deep.equal([]);
}

/** Asserts `policy` stops on an unknown value and is reported advisory, as the analyzer does. */
export function unknownIsAdvisory(policy: string, resources: ExportedResource | ExportedResource[]): void {
    const found = judge(policy, resources);
    expect(found.length, `${policy} should report the unknown`).to.be.greaterThan(0);
    for (const v of found) {
        expect(v.enforcementLevel).to.equal("advisory");
        expect(v.message).to.match(/can't run policy .* during preview/);
    }
}

/** Standard tags, so prod-only rules see a production resource. */
export const prodTags = { project: "shop", environment: "prod", region: "ap-south-1", "cost-centre": "cc-42" };
export const devTags = { ...prodTags, environment: "dev" };
