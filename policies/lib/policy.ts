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

/** A rule judged resource by resource, optionally also judging opaque components at stack level. */
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
     * A stack-level part of the same rule: component-input checks (see componentCheck) for offline plans that only
     * see the component, or companion checks that need the whole stack.
     */
    components?: StackValidation;
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
    if (spec.components) rule.validateStack = spec.components;
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
 * Judges an opaque multi-language component (eks:index:Cluster, eks:index:ManagedNodeGroup, awsx:ec2:Vpc) by its
 * inputs, but only when the stack does not also hold the AWS resource the component creates for that concern.
 *
 * Why: an offline plan (mocks) sees only the component and its inputs; a real preview sees the component AND its
 * children (the aws:eks/cluster:Cluster inside eks:index:Cluster), whose resource policy already judges the real
 * settings. Judging both would report one defect twice. The child is authoritative when present because it holds
 * the values AWS will receive, including the component's defaults.
 */
export function componentCheck(
    componentTypes: string | readonly string[],
    childTypes: string | readonly string[],
    validate: (props: Props, component: PolicyResource, report: (message: string) => void, args: StackValidationArgs) => void,
): StackValidation {
    return (args, report) => {
        const types = typeof componentTypes === "string" ? [componentTypes] : componentTypes;
        const children = typeof childTypes === "string" ? [childTypes] : childTypes;
        const components = args.resources.filter((r) => types.includes(r.type));
        if (components.length === 0) args.notApplicable(`no ${types.join(" or ")} in the stack`);
        for (const component of components) {
            const judgedByChild = args.resources.some((r) => children.includes(r.type) && r.urn !== component.urn && descendsFrom(r, component.urn));
            if (judgedByChild) continue;
            validate(component.props, component, (message) => report(message, component.urn), args);
        }
    };
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
