/**
 * IAM-style policy documents (identity policies, trust policies, bucket and key policies), normalised.
 * Documents arrive as JSON strings (aws.iam.Policy.policy) or objects; Statement, Action and Resource may each be
 * a single value or a list; Principal may be "*", {"AWS": "*"} or lists.
 */
import { asArray, asRecord, asStringList, isRecord, parseJsonDocument } from "./values";

export interface Statement {
    effect: string;
    actions: string[];
    notActions: string[];
    resources: string[];
    /** Principal values flattened: "*" for the anonymous principal, ARNs / service names otherwise. */
    principals: string[];
    federated: string[];
    condition: Record<string, Record<string, unknown>>;
}

export function statementsOf(doc: unknown): Statement[] {
    const parsed = asRecord(parseJsonDocument(doc));
    if (!parsed) return [];
    return asArray(parsed["Statement"])
        .filter(isRecord)
        .map((s) => {
            const principal = s["Principal"];
            const principals: string[] = [];
            const federated: string[] = [];
            if (typeof principal === "string") principals.push(principal);
            else if (isRecord(principal)) {
                for (const [kind, value] of Object.entries(principal)) {
                    const list = asStringList(value);
                    if (kind === "Federated") federated.push(...list);
                    principals.push(...list);
                }
            }
            const condition: Record<string, Record<string, unknown>> = {};
            for (const [op, body] of Object.entries(asRecord(s["Condition"]) ?? {})) {
                const rec = asRecord(body);
                if (rec) condition[op] = rec;
            }
            return {
                effect: String(s["Effect"] ?? ""),
                actions: asStringList(s["Action"]),
                notActions: asStringList(s["NotAction"]),
                resources: asStringList(s["Resource"]),
                principals,
                federated,
                condition,
            };
        });
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

export function hasRestrictingCondition(s: Statement): boolean {
    return Object.values(s.condition).some((body) => Object.keys(body).some((k) => RESTRICTING_KEYS.includes(k.toLowerCase())));
}

/** An Allow statement any AWS principal (or anonymous caller) can use. */
export function isPublicAllow(s: Statement): boolean {
    return s.effect === "Allow" && s.principals.includes("*") && !hasRestrictingCondition(s);
}
