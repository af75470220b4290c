/**
 * IAM-style policy documents (identity policies, trust policies, bucket, key and other resource policies), normalised.
 * Documents arrive as JSON strings (aws.iam.Policy.policy) or objects; Statement, Action and Resource may each be
 * a single value or a list; Principal may be "*", {"AWS": "*"} or lists.
 *
 * An object document built from outputs can hold unknowns inside one statement (`Resource: bucket.arn` during a
 * preview). Each field is read on its own: a field that was unknown rethrows its UnknownValueError only when a rule
 * reads it, so `forEachStatement` judges every known statement and a verdict never rests on an unknown field.
 */
import { isInternetWide } from "./cidr";
import { asRecord, asStringList, deferUnknown, forEachKnown, isRecord, itemReaders, parseJsonDocument } from "./values";

export interface Statement {
    readonly effect: string;
    readonly actions: string[];
    readonly notActions: string[];
    readonly resources: string[];
    readonly notResources: string[];
    /** Principal values flattened: "*" for the anonymous principal, ARNs / service names otherwise. */
    readonly principals: string[];
    readonly federated: string[];
    /** NotPrincipal values: an Allow with NotPrincipal grants everyone else. */
    readonly notPrincipals: string[];
    /** operator -> condition key -> values */
    readonly condition: Record<string, Record<string, string[]>>;
}

function principalsOf(principal: unknown): { all: string[]; federated: string[] } {
    const all: string[] = [];
    const federated: string[] = [];
    if (typeof principal === "string") all.push(principal);
    else if (isRecord(principal)) {
        for (const [kind, value] of Object.entries(principal)) {
            const list = asStringList(value);
            if (kind === "Federated") federated.push(...list);
            all.push(...list);
        }
    }
    return { all, federated };
}

function conditionOf(raw: unknown): Record<string, Record<string, string[]>> {
    const condition: Record<string, Record<string, string[]>> = {};
    for (const [op, body] of Object.entries(asRecord(raw) ?? {})) {
        const rec = asRecord(body);
        if (!rec) continue;
        condition[op] = Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, asStringList(v)]));
    }
    return condition;
}

function statementOf(read: () => Record<string, unknown> | undefined): Statement | undefined {
    const raw = deferUnknown(read);
    try {
        if (raw() === undefined) return undefined; // not an object: no statement
    } catch {
        // The whole statement is unknown: every field below rethrows that unknown when read.
    }
    const field = <T>(f: (r: Record<string, unknown>) => T) => deferUnknown(() => f(raw()!));
    const effect = field((r) => String(r["Effect"] ?? ""));
    const actions = field((r) => asStringList(r["Action"]));
    const notActions = field((r) => asStringList(r["NotAction"]));
    const resources = field((r) => asStringList(r["Resource"]));
    const notResources = field((r) => asStringList(r["NotResource"]));
    const principal = field((r) => principalsOf(r["Principal"]));
    const notPrincipals = field((r) => principalsOf(r["NotPrincipal"]).all);
    const condition = field((r) => conditionOf(r["Condition"]));
    return {
        get effect() { return effect(); },
        get actions() { return actions(); },
        get notActions() { return notActions(); },
        get resources() { return resources(); },
        get notResources() { return notResources(); },
        get principals() { return principal().all; },
        get federated() { return principal().federated; },
        get notPrincipals() { return notPrincipals(); },
        get condition() { return condition(); },
    };
}

/**
 * Whether an IAM pattern (`*` any run of characters, `?` one character) matches `value`. IAM compares actions
 * case-insensitively (`caseInsensitive`) and resource ARNs case-sensitively.
 */
export function matchesIamPattern(pattern: string, value: string, caseInsensitive: boolean): boolean {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${source}$`, caseInsensitive ? "is" : "s").test(value);
}

/**
 * Whether a statement's action part covers `action`: one of its Action patterns matches it, or it has a NotAction
 * (every action but those listed) that none of whose patterns excludes it. Effect, principal and resource aside.
 */
export function coversAction(s: Statement, action: string): boolean {
    if (s.actions.some((pattern) => matchesIamPattern(pattern, action, true))) return true;
    return s.notActions.length > 0 && !s.notActions.some((pattern) => matchesIamPattern(pattern, action, true));
}

/** The statements of a document (throws only when the document or its Statement list is itself unknown). */
export function statementsOf(doc: unknown): Statement[] {
    const parsed = asRecord(parseJsonDocument(doc));
    if (!parsed) return [];
    return itemReaders(parsed["Statement"])
        .map((read) => statementOf(() => asRecord(read())))
        .filter((s): s is Statement => s !== undefined);
}

/** Runs `fn` on every statement of `doc`, judging the known ones first, then rethrowing the first unknown met. */
export function forEachStatement(doc: unknown, fn: (s: Statement) => void): void {
    forEachKnown(statementsOf(doc), fn);
}

/** Condition keys that tie a "*" principal to our own account, organisation, network or calling resource. */
const RESTRICTING_KEYS = [
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceorgid",
    "aws:principalorgpaths",
    "aws:resourceaccount",
    "sts:externalid",
    "kms:calleraccount",
    "kms:viaservice",
];
/** EFS: access only through a mount target in the VPC (AWS does not count such a policy as public). */
const RESTRICTING_BOOLEAN_KEYS = ["elasticfilesystem:accessedviamounttarget"];

/**
 * Operators that restrict when they match: positive string / ARN matches, optionally ForAnyValue. Negated operators
 * (StringNotEquals: everyone outside the VPC endpoint), ...IfExists (callers without the key pass) and ForAllValues
 * (true when the key is absent) restrict nothing.
 */
const MATCHING_OPERATOR = /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i;

/** "*" or "?*", or an ARN whose account is a wildcard: matches every caller. */
function matchesAnyone(value: string): boolean {
    if (/^[*?]+$/.test(value.trim())) return true;
    const parts = value.split(":");
    return parts[0] === "arn" && parts.length > 4 && /^[*?]+$/.test(parts[4]);
}

function restricts(operator: string, key: string, values: string[]): boolean {
    const op = operator.toLowerCase();
    const k = key.toLowerCase();
    if (values.length === 0) return false;
    if (op === "bool" && RESTRICTING_BOOLEAN_KEYS.includes(k)) return values.every((v) => v.toLowerCase() === "true");
    // Source addresses restrict when none of them is the internet (S3's own definition of a non-public policy).
    if (op === "ipaddress" && k === "aws:sourceip") return !values.some((v) => isInternetWide(v));
    return RESTRICTING_KEYS.includes(k) && MATCHING_OPERATOR.test(operator) && !values.some(matchesAnyone);
}

function hasRestrictingCondition(s: Statement): boolean {
    return Object.entries(s.condition).some(([op, body]) => Object.entries(body).some(([key, values]) => restricts(op, key, values)));
}

/** Allow granted to every principal: Principal "*", or NotPrincipal (everyone but the listed ones). */
function allowsEveryone(s: Statement): boolean {
    return s.effect === "Allow" && (s.principals.includes("*") || s.notPrincipals.length > 0);
}

/** An Allow statement any AWS principal (or anonymous caller) can use. */
export function isPublicAllow(s: Statement): boolean {
    return allowsEveryone(s) && !hasRestrictingCondition(s);
}

/** Who a public statement names, for messages. */
export function describeGrantee(s: Statement): string {
    return s.notPrincipals.length > 0 ? `every principal except ${s.notPrincipals.join(", ")} (NotPrincipal)` : "any principal";
}

/** Reports every statement of a resource policy that any principal can use (`what`: "Key policy", "Statement", ...). */
export function reportPublicStatements(doc: unknown, what: string, report: (message: string) => void): void {
    forEachStatement(doc, (s) => {
        if (isPublicAllow(s)) report(`${what} allows ${s.actions.join(", ") || "actions"} to ${describeGrantee(s)} without a restricting condition.`);
    });
}
