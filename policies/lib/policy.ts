/**
 * Builders for the pack's rules.
 *
 * Every rule is a plain @pulumi/policy object, so the real analyzer (`pulumi preview --policy-pack`) and the
 * engine-free runner (tools/policy-runner.ts) execute exactly the same code. Only types are imported from
 * @pulumi/policy: loading its runtime pulls in gRPC, which the rule modules do not need.
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { Props } from "./values";

export type Rule = ResourceValidationPolicy | StackValidationPolicy;

/** A rule judged resource by resource, optionally with a stack-level part over the whole graph. */
export type ResourceRule = ResourceValidationPolicy & Partial<Pick<StackValidationPolicy, "validateStack">>;

export interface ResourceRuleSpec<C extends object> {
    name: string;
    description: string;
    enforcementLevel: Extract<EnforcementLevel, "mandatory" | "advisory">;
    /** Resource type tokens this rule judges; other types are reported not applicable, as validateResourceOfType does. */
    types: readonly string[] | ((type: string) => boolean);
    configSchema?: PolicyConfigSchema;
    validate: (props: Props, args: ResourceValidationArgs, report: ReportViolation, config: C) => void;
    /**
     * A stack-level part of the same rule, for checks that need the whole graph (a node group and the subnets it
     * launches into, a bucket and its encryption configuration). It sees OUTPUTS, as AnalyzeStack does.
     */
    stack?: StackValidation;
}

export function resourceRule<C extends object = Record<string, never>>(spec: ResourceRuleSpec<C>): ResourceRule {
    const applies = typeof spec.types === "function" ? spec.types : (t: string) => (spec.types as readonly string[]).includes(t);
    const rule: ResourceRule = {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        configSchema: spec.configSchema,
        validateResource: (args, report) => {
            if (!applies(args.type)) {
                args.notApplicable(`${spec.name} does not judge ${args.type}`);
            }
            spec.validate(args.props, args, report, args.getConfig<C>());
        },
    };
    if (spec.stack) rule.validateStack = spec.stack;
    return rule;
}

export interface StackRuleSpec<C extends object> {
    name: string;
    description: string;
    enforcementLevel: Extract<EnforcementLevel, "mandatory" | "advisory">;
    configSchema?: PolicyConfigSchema;
    validate: (args: StackValidationArgs, report: ReportViolation, config: C) => void;
}

export function stackRule<C extends object = Record<string, never>>(spec: StackRuleSpec<C>): StackValidationPolicy {
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        configSchema: spec.configSchema,
        validateStack: (args, report) => spec.validate(args, report, args.getConfig<C>()),
    };
}

/** True when `resource` is `ancestor` or sits anywhere below it in the parent chain (a malformed, cyclic chain ends). */
export function descendsFrom(resource: PolicyResource, ancestorUrn: string): boolean {
    const seen = new Set<string>();
    for (let r: PolicyResource | undefined = resource; r && !seen.has(r.urn); r = r.parent) {
        if (r.urn === ancestorUrn) return true;
        seen.add(r.urn);
    }
    return false;
}

/**
 * The multi-language components the pack meets. A real engine hands them to the analyzer with NO inputs (their
 * provider registers them inside Construct; see tools/policy-runner.ts), so no rule judges their properties: each
 * rule judges the AWS or Kubernetes resources they create, which reach the analyzer as ordinary children.
 */
export const OPAQUE_COMPONENT = /^(awsx:|eks:index:|kubernetes:helm\.sh\/v4:Chart$)/;

/** The nearest ancestor of `resource` (itself excluded) whose type matches, if any. */
export function ancestorOfType(resource: PolicyResource, matches: (type: string) => boolean): PolicyResource | undefined {
    const seen = new Set<string>([resource.urn]);
    for (let r = resource.parent; r && !seen.has(r.urn); r = r.parent) {
        if (matches(r.type)) return r;
        seen.add(r.urn);
    }
    return undefined;
}

/** Config schema properties shared by the production-only rules. */
export const productionConfigSchema: Record<string, PolicyConfigJSONSchema> = {
    productionEnvironments: {
        type: "array",
        items: { type: "string" },
        default: ["prod", "production"],
        description: "Values of the environment tag that mark a production resource.",
    },
    environmentTagKey: { type: "string", default: "environment", description: "Tag key holding the environment name." },
    assumeProductionWhenUntagged: {
        type: "boolean",
        default: false,
        description: "Treat a resource without an environment tag as production (fail closed).",
    },
};

export interface ProductionConfig {
    productionEnvironments: string[];
    environmentTagKey: string;
    assumeProductionWhenUntagged: boolean;
}
