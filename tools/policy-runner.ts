/**
 * Engine-free runner for the CrossGuard pack (policies/).
 *
 * `pulumi preview --policy-pack` needs the Pulumi CLI and a cloud; CI and the offline plan have neither. This
 * module runs the pack's exported policies directly over captured resources, passing them what the engine passes.
 *
 * What the engine passes (read in pulumi/pulumi at 1b594989 and pulumi/pulumi-policy, @pulumi/policy 1.21.0):
 * - Resource policies (Analyze) get each resource's INPUTS as registered after the provider's Check, and nothing
 *   else: pkg/resource/deploy/step_generator.go `analyzeAll` builds AnalyzerResource{Properties: inputs}, and
 *   pkg/resource/deploy/analyze_snapshot.go (`pulumi policy analyze --file`) passes `res.Inputs`. No fallback to
 *   outputs anywhere. pulumi-aws's Check adds `tagsAll` (defaultTags merged with tags) to those inputs
 *   (pulumi/pulumi-aws provider/tags.go `applyTags`), so an export's inputs already carry it.
 * - Stack policies (AnalyzeStack) get each resource's OUTPUTS: step_generator.go `AnalyzeResources` ("Unlike
 *   Analyze, AnalyzeStack is called on the final outputs of each resource") and analyze_snapshot.go alike, with
 *   parent, dependencies and propertyDependencies. Resources pending deletion are skipped.
 * - Both get the provider resource's INPUTS (`providerResource.Inputs`), e.g. the AWS provider's defaultTags.
 * - Multi-language components (awsx:ec2:Vpc, eks:index:*, kubernetes:helm.sh/v4:Chart): the program's remote
 *   registration never reaches the step generator (pkg/resource/deploy/source_eval.go: "Remote components don't go
 *   through the step generator"; it calls provider.Construct). Inside Construct the provider registers the component
 *   as a LOCAL ComponentResource, and the Node SDK sends local component inputs only from 3.203.0 (pulumi/pulumi
 *   #20357, sdk/nodejs/resource.ts `ComponentResource`); before that it sent `{}`. The pinned providers bundle older
 *   SDKs (pulumi-eks v4.3.0 nodejs/eks/yarn.lock: @pulumi/pulumi 3.173.0; pulumi-awsx awsx/package.json: 3.200.0),
 *   so these components reach the analyzer with NO inputs, and as outputs only what they register. Their children
 *   (aws:eks/cluster:Cluster, subnets, NAT gateways, launch templates...) are ordinary resources and are judged.
 * - @pulumi/policy (server.js, policy.js) builds args from those properties through its unknown-checking proxy;
 *   `isType(C)`/`asType(C)` compare the resource's type token with `C.__pulumiType` (or call `C.isInstance({
 *   __pulumiType: type })` when the class has none); a single validateResource function or a validateStack carrying
 *   `__pulumiType` (validateResourceOfType, validateStackResourcesOfType) is skipped as not applicable when the type
 *   does not match / no resource of that type exists.
 *
 * Also supplied as the analyzer does:
 * - unknown values (preview placeholders such as "04da6b54-80e4-46f7-96ec-b56ff0331ba9") go through the analyzer's
 *   own unknown-checking proxy: a policy that reads one stops, and is reported advisory ("can't run during
 *   preview"), whatever its level, exactly like the analyzer.
 * - args.notApplicable() is honoured and recorded; config defaults come from each policy's configSchema, and
 *   user config (the `pulumi preview --policy-config` file shape) overrides values and enforcement levels.
 * - secrets in a stack export are unwrapped when plaintext, and treated as unknown when only ciphertext is there.
 *
 * runPolicies is SYNCHRONOUS: every rule in the pack validates synchronously (a test enforces it), so the plan
 * command can call it inline. A validation that returns a promise is reported as a mandatory runner error.
 */
import * as fs from "fs";
import Ajv from "ajv";
import type {
    EnforcementLevel,
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
// The proxy module is the analyzer's own unknown handling; importing it (not the package index) avoids loading gRPC.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as {
    unknownCheckingProxy<T extends object>(o: T): T;
    UnknownValueError: new (...args: never[]) => Error;
    unknownStringValue: string;
};
import type { Resource, Unwrap } from "@pulumi/pulumi";
import type { ResolvedResource } from "@pulumi/pulumi/queryable";
import { allPolicies } from "../policies/rules/all";

export interface ExportedResource {
    urn: string;
    custom: boolean;
    type: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    provider?: string;
}

export interface Violation {
    policy: string;
    enforcementLevel: "mandatory" | "advisory";
    urn: string;
    message: string;
}

export interface NotApplicable {
    policy: string;
    urn?: string;
    reason?: string;
}

/** Per-policy config: `{ "<policy>": { "enforcementLevel"?: ..., "<property>": value } }`; "all" sets every level. */
export type PolicyConfig = Record<string, Record<string, unknown>>;

export interface RunOptions {
    config?: PolicyConfig;
    /** Monthly cost estimate of the stack (from the cost model); feeds the stack-budget policy. */
    costMonthlyUsd?: number;
    /** Budget for the stack-budget policy, when not given in config (e.g. the stack's `maxMonthlyUsd`). */
    maxMonthlyUsd?: number;
    /** Stack tags as the analyzer would pass them. */
    stackTags?: Record<string, string>;
    /** The policies to run (defaults to the whole pack); tests use it to run one rule. */
    policies?: Policies;
}

export interface RunResult {
    violations: Violation[];
    notApplicable: NotApplicable[];
}

/** Thrown for unusable input (bad export file, bad config); the CLI maps it to exit code 2. */
export class PolicyInputError extends Error {}

const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

class NotApplicableError extends Error {
    constructor(readonly reason?: string) {
        super(reason ?? "not applicable");
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

/** Unwraps export secrets: plaintext when present, otherwise an unknown (policies cannot judge ciphertext). */
function deserialize(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(deserialize);
    if (typeof value !== "object" || value === null) return value;
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG_KEY] === SECRET_SIG) {
        if ("value" in obj) return deserialize(obj["value"]);
        if (typeof obj["plaintext"] === "string") {
            try {
                return deserialize(JSON.parse(obj["plaintext"]));
            } catch {
                return obj["plaintext"];
            }
        }
        return proxy.unknownStringValue;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) out[k] = deserialize(v);
    return out;
}

/** What Analyze (resource policies) and the provider view receive: the inputs as registered, nothing else. */
export function analyzeProps(r: ExportedResource): Record<string, unknown> {
    return deserialize({ ...(r.inputs ?? {}) }) as Record<string, unknown>;
}

/** What AnalyzeStack (stack policies) receives per resource: its outputs. */
export function analyzeStackProps(r: ExportedResource): Record<string, unknown> {
    return deserialize({ ...(r.outputs ?? {}) }) as Record<string, unknown>;
}

/** A resource class as isType/asType take it: generated classes carry a static `__pulumiType` and `isInstance`. */
interface ResourceClassLike {
    __pulumiType?: unknown;
    isInstance?: unknown;
}

/** `__pulumiType` of a class or a validation function, as @pulumi/policy's getPulumiType reads it. */
function pulumiTypeOf(obj: unknown): string | undefined {
    const t = (obj as ResourceClassLike | null | undefined)?.__pulumiType;
    return typeof t === "string" && t.length > 0 ? t : undefined;
}

/** @pulumi/policy server.js `isTypeOf`: the type token against the class's `__pulumiType`, else its isInstance. */
export function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = pulumiTypeOf(resourceClass);
    if (pulumiType) return type === pulumiType;
    const isInstance = (resourceClass as ResourceClassLike | null | undefined)?.isInstance;
    return typeof isInstance === "function" && (isInstance as (o: unknown) => unknown)({ __pulumiType: type }) === true;
}

function nameOf(urn: string): string {
    const i = urn.lastIndexOf("::");
    return i >= 0 ? urn.slice(i + 2) : urn;
}

const defaultOpts = (parent?: string): PolicyResourceOptions => ({
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent,
});

function isResourcePolicy(p: Policies[number]): p is ResourceValidationPolicy {
    const v = (p as ResourceValidationPolicy).validateResource;
    return typeof v === "function" || Array.isArray(v);
}

function isStackPolicy(p: Policies[number]): p is StackValidationPolicy {
    return typeof (p as StackValidationPolicy).validateStack === "function";
}

// ---------- config ----------

const ajv = new Ajv({ useDefaults: true, strict: false, allErrors: true });

/** Normalises a --policy-config style object: a bare level string becomes `{ enforcementLevel }`. */
export function normalisePolicyConfig(raw: unknown): PolicyConfig {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PolicyInputError("policy config must be a JSON object");
    const out: PolicyConfig = {};
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value === "string") out[name] = { enforcementLevel: value };
        else if (typeof value === "object" && value !== null && !Array.isArray(value)) out[name] = { ...(value as Record<string, unknown>) };
        else throw new PolicyInputError(`policy config for "${name}" must be an enforcement level or an object`);
    }
    return out;
}

/** Reads an optional policy-config JSON file (same shape as `pulumi preview --policy-config`); no path: empty config. */
export function loadPolicyConfig(path?: string): PolicyConfig {
    if (!path) return {};
    let text: string;
    try {
        text = fs.readFileSync(path, "utf8");
    } catch (e) {
        throw new PolicyInputError(`cannot read policy config ${path}: ${(e as Error).message}`);
    }
    try {
        return normalisePolicyConfig(JSON.parse(text));
    } catch (e) {
        if (e instanceof PolicyInputError) throw e;
        throw new PolicyInputError(`policy config ${path} is not valid JSON: ${(e as Error).message}`);
    }
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

interface EffectivePolicy {
    level: EnforcementLevel;
    config: Record<string, unknown>;
}

/** Level and config per policy, as the CLI computes them: schema defaults, then user values, validated. */
function resolveConfig(policies: Policies, user: PolicyConfig): Map<string, EffectivePolicy> {
    const names = new Set(policies.map((p) => p.name));
    for (const name of Object.keys(user)) {
        if (name !== "all" && !names.has(name)) throw new PolicyInputError(`policy config names unknown policy "${name}"`);
    }
    const allLevel = user["all"]?.["enforcementLevel"];
    const out = new Map<string, EffectivePolicy>();
    for (const p of policies) {
        const { enforcementLevel: level, ...values } = user[p.name] ?? {};
        const chosen = level ?? allLevel ?? p.enforcementLevel ?? "advisory";
        if (typeof chosen !== "string" || !LEVELS.includes(chosen as EnforcementLevel)) {
            throw new PolicyInputError(`policy config for "${p.name}": enforcementLevel must be one of ${LEVELS.join(", ")}`);
        }
        const config: Record<string, unknown> = JSON.parse(JSON.stringify(values));
        if (p.configSchema) {
            const validate = ajv.compile({ type: "object", properties: p.configSchema.properties, required: p.configSchema.required ?? [] });
            if (!validate(config)) {
                throw new PolicyInputError(`policy config for "${p.name}" is invalid: ${ajv.errorsText(validate.errors)}`);
            }
        }
        out.set(p.name, { level: chosen as EnforcementLevel, config });
    }
    return out;
}

// ---------- running ----------

function reportedLevel(level: EnforcementLevel): "mandatory" | "advisory" {
    // The analyzer reports remediate-level policies that still fail as mandatory.
    return level === "advisory" ? "advisory" : "mandatory";
}

function isUnknownError(e: unknown): boolean {
    return e instanceof proxy.UnknownValueError;
}

/** Runs the pack and also returns the not-applicable records (for tests and diagnostics). */
export function runPoliciesDetailed(resources: ExportedResource[], options: RunOptions = {}): RunResult {
    const policies = options.policies ?? allPolicies;
    const userConfig = { ...(options.config ?? {}) };
    // The cost model's estimate reaches the stack-budget policy through its config, the same path a real preview
    // uses (`--policy-config` written from the plan report).
    if (policies.some((p) => p.name === "stack-budget")) {
        const budget = { ...(userConfig["stack-budget"] ?? {}) };
        if (options.costMonthlyUsd !== undefined && budget["estimatedMonthlyUsd"] === undefined) budget["estimatedMonthlyUsd"] = options.costMonthlyUsd;
        if (options.maxMonthlyUsd !== undefined && budget["maxMonthlyUsd"] === undefined) budget["maxMonthlyUsd"] = options.maxMonthlyUsd;
        userConfig["stack-budget"] = budget;
    }
    const effective = resolveConfig(policies, userConfig);
    const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));

    const live = resources.filter((r) => !(r as { delete?: boolean }).delete);
    const byUrn = new Map(live.map((r) => [r.urn, r]));
    const inputsOf = new Map(live.map((r) => [r.urn, analyzeProps(r)]));
    const outputsOf = new Map(live.map((r) => [r.urn, analyzeStackProps(r)]));

    // Provider references are "<provider urn>::<provider id>"; the engine hands policies the provider's inputs.
    const providerOf = (r: ExportedResource): PolicyProviderResource | undefined => {
        if (!r.provider) return undefined;
        const urn = r.provider.replace(/::[^:]*$/, "");
        const p = byUrn.get(urn) ?? byUrn.get(r.provider);
        if (!p) return undefined;
        return { type: p.type, urn: p.urn, name: nameOf(p.urn), props: proxy.unknownCheckingProxy(inputsOf.get(p.urn) ?? {}) };
    };

    const violations: Violation[] = [];
    const notApplicable: NotApplicable[] = [];

    const runOne = (policy: Policies[number], level: EnforcementLevel, urn: string | undefined, call: () => unknown, fallbackUrn: string): void => {
        try {
            const result = call();
            if (result && typeof (result as Promise<unknown>).then === "function") {
                violations.push({
                    policy: policy.name,
                    enforcementLevel: "mandatory",
                    urn: urn ?? fallbackUrn,
                    message: "the engine-free runner requires synchronous validations; this policy returned a promise",
                });
            }
        } catch (e) {
            if (e instanceof NotApplicableError) {
                notApplicable.push({ policy: policy.name, urn, reason: e.reason });
            } else if (isUnknownError(e)) {
                violations.push({
                    policy: policy.name,
                    enforcementLevel: "advisory",
                    urn: urn ?? fallbackUrn,
                    message: `can't run policy '${policy.name}' during preview: ${(e as Error).message}`,
                });
            } else {
                // The analyzer would abort the preview; fail closed instead of silently passing.
                violations.push({
                    policy: policy.name,
                    enforcementLevel: reportedLevel(level === "advisory" ? "mandatory" : level),
                    urn: urn ?? fallbackUrn,
                    message: `policy error: ${(e as Error).message}`,
                });
            }
        }
    };

    const stackUrn = live.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "";

    // Resource policies, resource by resource.
    for (const policy of policies) {
        const eff = effective.get(policy.name)!;
        if (eff.level === "disabled" || !isResourcePolicy(policy)) continue;
        const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource!];
        // server.js: a single validation carrying a Pulumi type (validateResourceOfType) skips other types up front.
        const onlyType = Array.isArray(policy.validateResource) ? undefined : pulumiTypeOf(policy.validateResource);
        for (const r of live) {
            if (onlyType !== undefined && r.type !== onlyType) {
                notApplicable.push({ policy: policy.name, urn: r.urn, reason: `Policy only applies to resources of type '${onlyType}'` });
                continue;
            }
            const props = proxy.unknownCheckingProxy(inputsOf.get(r.urn) ?? {});
            const report = (message: string): void => {
                violations.push({ policy: policy.name, enforcementLevel: reportedLevel(eff.level), urn: r.urn, message });
            };
            const args: ResourceValidationArgs = {
                type: r.type,
                props,
                urn: r.urn,
                name: nameOf(r.urn),
                opts: defaultOpts(r.parent),
                provider: providerOf(r),
                stackTags,
                isType: (resourceClass) => isTypeOf(r.type, resourceClass),
                // asType hands back the same (proxied) props, typed as the class's args, as the SDK does.
                asType: <TResource extends Resource, TArgs>(resourceClass: new (name: string, args: TArgs, ...rest: never[]) => TResource) =>
                    isTypeOf(r.type, resourceClass) ? (props as unknown as Unwrap<NonNullable<TArgs>>) : undefined,
                getConfig: <T extends object>() => eff.config as T,
                notApplicable: throwNotApplicable,
            };
            for (const validate of validations) runOne(policy, eff.level, r.urn, () => validate(args, report), r.urn);
        }
    }

    // Stack policies, over the whole graph.
    const policyResources = new Map<string, PolicyResource>();
    for (const r of live) {
        const props = proxy.unknownCheckingProxy(outputsOf.get(r.urn) ?? {});
        policyResources.set(r.urn, {
            type: r.type,
            props,
            urn: r.urn,
            name: nameOf(r.urn),
            opts: defaultOpts(r.parent),
            provider: providerOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (resourceClass) => isTypeOf(r.type, resourceClass),
            asType: <TResource extends Resource>(resourceClass: new (...rest: never[]) => TResource) =>
                isTypeOf(r.type, resourceClass) ? (props as unknown as ResolvedResource<TResource>) : undefined,
        });
    }
    for (const r of live) {
        const pr = policyResources.get(r.urn)!;
        if (r.parent) pr.parent = policyResources.get(r.parent);
        pr.dependencies = (r.dependencies ?? []).map((d) => policyResources.get(d)).filter((d): d is PolicyResource => d !== undefined);
        const propDeps = (r as { propertyDependencies?: Record<string, string[]> }).propertyDependencies ?? {};
        for (const [k, deps] of Object.entries(propDeps)) {
            pr.propertyDependencies[k] = deps.map((d) => policyResources.get(d)).filter((d): d is PolicyResource => d !== undefined);
        }
    }
    const all = [...policyResources.values()];
    for (const policy of policies) {
        const eff = effective.get(policy.name)!;
        if (eff.level === "disabled" || !isStackPolicy(policy)) continue;
        // server.js: a validateStack carrying a Pulumi type (validateStackResourcesOfType) is skipped when no resource has it.
        const onlyType = pulumiTypeOf(policy.validateStack);
        if (onlyType !== undefined && !live.some((r) => r.type === onlyType)) {
            notApplicable.push({ policy: policy.name, reason: `Policy only applies to resources of type '${onlyType}'` });
            continue;
        }
        const report = (message: string, urn?: string): void => {
            violations.push({ policy: policy.name, enforcementLevel: reportedLevel(eff.level), urn: urn ?? stackUrn, message });
        };
        const args: StackValidationArgs = {
            resources: all,
            stackTags,
            getConfig: <T extends object>() => eff.config as T,
            notApplicable: throwNotApplicable,
        };
        runOne(policy, eff.level, undefined, () => policy.validateStack(args, report), stackUrn);
    }

    return { violations, notApplicable };
}

/**
 * Runs every policy of the pack (or options.policies) over the resources and returns the violations.
 * Synchronous. A mandatory violation means the stack must not be deployed.
 */
export function runPolicies(resources: ExportedResource[], options: RunOptions = {}): Violation[] {
    return runPoliciesDetailed(resources, options).violations;
}

/** Reads `{"version":3,"deployment":{"resources":[...]}}` (plan --out or `pulumi stack export`). */
export function readStackExport(path: string): ExportedResource[] {
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(path, "utf8"));
    } catch (e) {
        throw new PolicyInputError(`cannot read stack export ${path}: ${(e as Error).message.split("\n")[0]}`);
    }
    return parseStackExport(raw, path);
}

export function parseStackExport(raw: unknown, label = "input"): ExportedResource[] {
    const deployment = (raw as { deployment?: { resources?: unknown } } | null)?.deployment;
    const resources = deployment?.resources;
    if (deployment === undefined || deployment === null || (resources !== undefined && !Array.isArray(resources))) {
        throw new PolicyInputError(`${label} is not a stack export: expected {"version":3,"deployment":{"resources":[...]}}`);
    }
    const list = (resources ?? []) as unknown[];
    for (const [i, r] of list.entries()) {
        const res = r as Partial<ExportedResource> | null;
        if (!res || typeof res.urn !== "string" || typeof res.type !== "string") {
            throw new PolicyInputError(`${label}: resource #${i} lacks a string urn and type`);
        }
    }
    return list.map((r) => {
        const res = r as ExportedResource;
        return { ...res, custom: res.custom ?? false };
    });
}

/** One line per violation, most severe first: `LEVEL  policy  urn\n    message`. */
export function formatViolations(violations: Violation[]): string {
    if (violations.length === 0) return "No policy violations.";
    const sorted = [...violations].sort((a, b) => (a.enforcementLevel === b.enforcementLevel ? a.policy.localeCompare(b.policy) : a.enforcementLevel === "mandatory" ? -1 : 1));
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const lines = sorted.map((v) => `${v.enforcementLevel.toUpperCase().padEnd(9)} ${v.policy}  ${v.urn}\n          ${v.message}`);
    lines.push(`${violations.length} violation(s): ${mandatory} mandatory, ${violations.length - mandatory} advisory.`);
    return lines.join("\n");
}
