/**
 * Identity and IAM: no administrator-equivalent grants, and trust policies that name exactly who may assume a role
 * (an IRSA role trusts ONE Kubernetes service account, never a wildcard).
 */
import { hasRestrictingCondition, Statement, statementsOf } from "../lib/iam";
import { Rule, resourceRule } from "../lib/policy";
import { asArray, asStringList, forEachKnown, isRecord, Props } from "../lib/values";

const ROLE = "aws:iam/role:Role";

/** Where each IAM resource type keeps its policy documents. */
function documentsOf(type: string, props: Props): unknown[] {
    switch (type) {
        case "aws:iam/policy:Policy":
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/userPolicy:UserPolicy":
        case "aws:iam/groupPolicy:GroupPolicy":
            return [props["policy"]];
        case ROLE:
            return asArray(props["inlinePolicies"])
                .filter(isRecord)
                .map((p) => p["policy"]);
        default:
            return [];
    }
}

interface AdminConfig {
    forbiddenActions: string[];
}

function matchesForbidden(action: string, forbidden: string[]): boolean {
    return forbidden.some((f) => f.toLowerCase() === action.toLowerCase());
}

export const iamNoAdminPolicy = resourceRule<AdminConfig>({
    name: "iam-no-admin-policy",
    description: "IAM policy documents never Allow \"*\" / \"*:*\" (or iam:*) on Resource \"*\", nor NotAction on \"*\": administrator-equivalent grants.",
    enforcementLevel: "mandatory",
    types: ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy", ROLE],
    configSchema: {
        properties: { forbiddenActions: { type: "array", items: { type: "string" }, default: ["*", "*:*", "iam:*"] } },
    },
    validate: (props, args, report, config) =>
        forEachKnown(documentsOf(args.type, props), (doc) => {
            for (const s of statementsOf(doc)) {
                if (s.effect !== "Allow" || !s.resources.includes("*")) continue;
                const bad = s.actions.filter((a) => matchesForbidden(a, config.forbiddenActions));
                if (bad.length > 0) report(`Allows ${bad.join(", ")} on Resource "*".`);
                if (s.notActions.length > 0) report(`Allows everything except ${s.notActions.join(", ")} on Resource "*" (NotAction).`);
            }
        }),
});

interface ManagedConfig {
    forbiddenManagedPolicies: string[];
}

const MANAGED_ATTACHMENTS = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
];

export const iamNoAdminManagedPolicy = resourceRule<ManagedConfig>({
    name: "iam-no-admin-managed-policy",
    description: "No role, user or group gets an administrator-equivalent AWS managed policy (AdministratorAccess, IAMFullAccess, PowerUserAccess).",
    enforcementLevel: "mandatory",
    types: [ROLE, "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive", ...MANAGED_ATTACHMENTS],
    configSchema: {
        properties: {
            forbiddenManagedPolicies: { type: "array", items: { type: "string" }, default: ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"] },
        },
    },
    validate: (props, args, report, config) => {
        const arns = args.type === ROLE ? asStringList(props["managedPolicyArns"]) : asStringList(props["policyArn"]);
        for (const arn of arns) {
            // AWS managed policies live under arn:<partition>:iam::aws:policy/[path/]<name>.
            const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
            if (m && config.forbiddenManagedPolicies.includes(m[1])) report(`Attaches ${arn}.`);
        }
    },
});

const WEB_IDENTITY_ACTIONS = ["sts:assumerolewithwebidentity", "sts:*", "*"];

function isWebIdentity(s: Statement): boolean {
    // Cognito identity pools also use web identity, with their own (aud/amr) scoping: not judged here.
    const oidc = s.federated.some((f) => f !== "cognito-identity.amazonaws.com");
    return s.effect === "Allow" && oidc && s.actions.some((a) => WEB_IDENTITY_ACTIONS.includes(a.toLowerCase()));
}

/** The :sub conditions of a statement, by operator. */
function subConditions(s: Statement): { operator: string; key: string; values: string[] }[] {
    const out: { operator: string; key: string; values: string[] }[] = [];
    for (const [operator, body] of Object.entries(s.condition)) {
        for (const [key, value] of Object.entries(body)) {
            if (key.toLowerCase().endsWith(":sub")) out.push({ operator, key, values: asStringList(value) });
        }
    }
    return out;
}

const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** An EKS OIDC trust: the provider (or the condition key naming it) is an EKS issuer, or the subjects are service accounts. */
function isEksTrust(s: Statement, subs: { key: string; values: string[] }[]): boolean {
    const eks = (t: string) => t.toLowerCase().includes("oidc.eks.");
    return s.federated.some(eks) || subs.some((c) => eks(c.key) || c.values.some((v) => v.startsWith("system:serviceaccount:")));
}

export const iamIrsaTrustScoped = resourceRule({
    name: "iam-irsa-trust-scoped",
    description: "IRSA roles (web identity trust on an EKS OIDC provider) are assumable by exactly one service account: StringEquals on <issuer>:sub = system:serviceaccount:<ns>:<name>, no wildcards; other OIDC trusts need a non-wildcard :sub.",
    enforcementLevel: "mandatory",
    types: [ROLE],
    validate: (props, _args, report) => {
        for (const s of statementsOf(props["assumeRolePolicy"])) {
            if (!isWebIdentity(s)) continue;
            const subs = subConditions(s);
            if (subs.length === 0) {
                report(`Trust on ${s.federated.join(", ")} has no :sub condition: every identity of that provider (every service account of the cluster) can assume the role.`);
                continue;
            }
            if (!isEksTrust(s, subs)) {
                // e.g. GitHub Actions: the subject format is the provider's; only a bare "*" is a defect here.
                for (const { values } of subs) if (values.includes("*")) report(`:sub accepts any subject ("*").`);
                continue;
            }
            for (const { operator, values } of subs) {
                if (operator !== "StringEquals") report(`:sub is matched with ${operator}; use StringEquals with one exact subject.`);
                if (values.length !== 1) report(`:sub lists ${values.length} subjects; the role must trust exactly one service account.`);
                for (const v of values) {
                    if (/[*?]/.test(v)) report(`:sub value "${v}" contains a wildcard.`);
                    else if (!SERVICE_ACCOUNT_SUBJECT.test(v)) report(`:sub value "${v}" is not system:serviceaccount:<namespace>:<name>.`);
                }
            }
        }
    },
});

export const iamTrustNoPublicPrincipal = resourceRule({
    name: "iam-trust-no-public-principal",
    description: "Role trust policies never let \"*\" (any AWS account) assume the role without a condition such as sts:ExternalId or aws:PrincipalOrgID.",
    enforcementLevel: "mandatory",
    types: [ROLE],
    validate: (props, _args, report) => {
        for (const s of statementsOf(props["assumeRolePolicy"])) {
            if (s.effect === "Allow" && s.principals.includes("*") && !hasRestrictingCondition(s)) {
                report(`Trust allows ${s.actions.join(", ") || "assumption"} by any principal.`);
            }
        }
    },
});

export const iamRules: Rule[] = [iamNoAdminPolicy, iamNoAdminManagedPolicy, iamIrsaTrustScoped, iamTrustNoPublicPrincipal];
