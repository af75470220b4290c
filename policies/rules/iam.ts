/**
 * Identity and IAM: no administrator-equivalent grants, trust policies that name exactly who may assume a role
 * (an IRSA role trusts ONE Kubernetes service account, never a wildcard), and resource policies (queues, topics,
 * file systems, repositories, secrets, search domains) that are not open to every principal.
 */
import { coversAction, describeGrantee, forEachStatement, isPublicAllow, matchesIamPattern, reportPublicStatements, Statement } from "../lib/iam";
import { Rule, resourceRule } from "../lib/policy";
import { asRecord, forEachKnown, itemReaders, knownStrings, Props } from "../lib/values";

const ROLE = "aws:iam/role:Role";
const PERMISSION_SET_INLINE_POLICY = "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy";
/** Every resource that carries an identity policy document (documentsOf reads each one's). */
const IDENTITY_POLICY_TYPES = ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy", ROLE, PERMISSION_SET_INLINE_POLICY];

/** Where each IAM resource type keeps its policy documents, each read on its own (one may be unknown). */
function documentsOf(type: string, props: Props): (() => unknown)[] {
    switch (type) {
        case "aws:iam/policy:Policy":
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/userPolicy:UserPolicy":
        case "aws:iam/groupPolicy:GroupPolicy":
            return [() => props["policy"]];
        case PERMISSION_SET_INLINE_POLICY:
            return [() => props["inlinePolicy"]];
        case ROLE:
            return itemReaders(props["inlinePolicies"]).map((read) => () => asRecord(read())?.["policy"]);
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

/** "*", or an ARN pattern whose service and every later part are wildcards (arn:aws:*:*:*): every resource. */
function isEveryResource(resource: string): boolean {
    if (resource.trim() === "*") return true;
    const parts = resource.split(":");
    return parts[0] === "arn" && parts.length >= 5 && parts.slice(2).every((p) => p === "*" || p === "") && parts[2] === "*";
}

/** Where an Allow applies when it reaches (almost) everything: Resource "*" / arn:*, or NotResource. */
function broadScope(s: Statement): string | undefined {
    const every = s.resources.find(isEveryResource);
    if (every !== undefined) return `Resource "${every}"`;
    if (s.resources.length === 0 && s.notResources.length > 0) return `every resource except ${s.notResources.join(", ")} (NotResource)`;
    return undefined;
}

export const iamNoAdminPolicy = resourceRule<AdminConfig>({
    name: "iam-no-admin-policy",
    description: "IAM policy documents (policies, role/user/group inline policies, Identity Center permission-set inline policies) never Allow \"*\" / \"*:*\" (or iam:*) on every resource (\"*\", arn:aws:*:*:*, NotResource), nor NotAction there: administrator-equivalent grants.",
    enforcementLevel: "mandatory",
    types: IDENTITY_POLICY_TYPES,
    configSchema: {
        properties: { forbiddenActions: { type: "array", items: { type: "string" }, default: ["*", "*:*", "iam:*"] } },
    },
    validate: (props, args, report, config) =>
        forEachKnown(documentsOf(args.type, props), (read) =>
            forEachStatement(read(), (s) => {
                if (s.effect !== "Allow") return;
                // Actions first: a narrow action list settles the statement whatever its (maybe unknown) resources.
                const bad = s.actions.filter((a) => matchesForbidden(a, config.forbiddenActions));
                if (bad.length === 0 && s.notActions.length === 0) return;
                const scope = broadScope(s);
                if (!scope) return;
                if (bad.length > 0) report(`Allows ${bad.join(", ")} on ${scope}.`);
                if (s.notActions.length > 0) report(`Allows everything except ${s.notActions.join(", ")} on ${scope} (NotAction).`);
            }),
        ),
});

interface ManagedConfig {
    forbiddenManagedPolicies: string[];
}

/** Where each attachment type names its managed policies. */
const MANAGED_POLICY_KEYS: Record<string, string> = {
    [ROLE]: "managedPolicyArns",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
    // IAM Identity Center: every account assigned the permission set gets a role with this policy.
    "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": "managedPolicyArn",
};

export const iamNoAdminManagedPolicy = resourceRule<ManagedConfig>({
    name: "iam-no-admin-managed-policy",
    description: "No role, user, group or SSO permission set gets an administrator-equivalent AWS managed policy (AdministratorAccess, IAMFullAccess, PowerUserAccess): attachments, *PolicyAttachmentsExclusive, role managedPolicyArns, ssoadmin ManagedPolicyAttachment.",
    enforcementLevel: "mandatory",
    types: Object.keys(MANAGED_POLICY_KEYS),
    configSchema: {
        properties: {
            forbiddenManagedPolicies: { type: "array", items: { type: "string" }, default: ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"] },
        },
    },
    validate: (props, args, report, config) => {
        // One unknown ARN (a policy created in the same update) must not hide a known AdministratorAccess beside it.
        const { items: arns, pending } = knownStrings(() => props[MANAGED_POLICY_KEYS[args.type]]);
        for (const arn of arns) {
            // AWS managed policies live under arn:<partition>:iam::aws:policy/[path/]<name>.
            const m = /^arn:aws[a-z-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
            if (m && config.forbiddenManagedPolicies.includes(m[1])) report(`Attaches ${arn}.`);
        }
        if (pending !== undefined) throw pending;
    },
});

/**
 * An Allow for a federated (OIDC) principal whose actions reach sts:AssumeRoleWithWebIdentity however they are
 * spelt: the exact name, any glob covering it (`sts:AssumeRole*`, `sts:*`, `*`, `sts:assumerolewith?ebidentity`,
 * any case), or a NotAction that does not exclude it.
 */
function isWebIdentity(s: Statement): boolean {
    // Cognito identity pools also use web identity, with their own (aud/amr) scoping: not judged here.
    const oidc = s.federated.some((f) => f !== "cognito-identity.amazonaws.com");
    return s.effect === "Allow" && oidc && coversAction(s, "sts:AssumeRoleWithWebIdentity");
}

/** The conditions of a statement on `<issuer>:<claim>` (sub, aud), by operator. */
function claimConditions(s: Statement, claim: "sub" | "aud"): { operator: string; key: string; values: string[] }[] {
    const out: { operator: string; key: string; values: string[] }[] = [];
    for (const [operator, body] of Object.entries(s.condition)) {
        for (const [key, value] of Object.entries(body)) {
            if (key.toLowerCase().endsWith(`:${claim}`)) out.push({ operator, key, values: value });
        }
    }
    return out;
}

/** The audience EKS's pod identity webhook requests for IRSA tokens (and the AWS SDKs expect). */
const IRSA_AUDIENCE = "sts.amazonaws.com";

/**
 * The audience pin: StringEquals on <issuer>:aud with exactly one value, no wildcard (for EKS: sts.amazonaws.com).
 * Without it the role accepts any token the issuer signs for any audience: for EKS, every projected service-account
 * token a pod mounts for another purpose (vault, a mesh, an app's own audience) can be exchanged for the role.
 * Other conditions on :aud are ANDed with the pin, so they cannot widen it.
 */
function audienceProblems(s: Statement, eks: boolean): string[] {
    const pins = claimConditions(s, "aud").filter((c) => c.operator === "StringEquals");
    if (pins.length === 0) return [`Trust on ${s.federated.join(", ")} has no StringEquals :aud condition: tokens issued for any audience can assume the role${eks ? ` (pin it to ${IRSA_AUDIENCE})` : ""}.`];
    const problems: string[] = [];
    for (const { values } of pins) {
        if (values.length !== 1) problems.push(`:aud lists ${values.length} audiences; pin exactly one.`);
        for (const v of values) {
            if (/[*?]/.test(v)) problems.push(`:aud value "${v}" contains a wildcard.`);
            else if (eks && v !== IRSA_AUDIENCE) problems.push(`:aud value "${v}" is not ${IRSA_AUDIENCE}, the audience of IRSA tokens.`);
        }
    }
    return problems;
}

const SERVICE_ACCOUNT_SUBJECT = /^system:serviceaccount:[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;

/** An EKS OIDC trust: the provider (or the condition key naming it) is an EKS issuer, or the subjects are service accounts. */
function isEksTrust(s: Statement, subs: { key: string; values: string[] }[]): boolean {
    const eks = (t: string) => t.toLowerCase().includes("oidc.eks.");
    return s.federated.some(eks) || subs.some((c) => eks(c.key) || c.values.some((v) => v.startsWith("system:serviceaccount:")));
}

export const iamIrsaTrustScoped = resourceRule({
    name: "iam-irsa-trust-scoped",
    description: "IRSA roles (web identity trust on an EKS OIDC provider) are assumable by exactly one service account and only with an STS token: StringEquals on <issuer>:sub = system:serviceaccount:<ns>:<name> and <issuer>:aud = sts.amazonaws.com, no wildcards; other OIDC trusts need a non-wildcard :sub and a StringEquals :aud.",
    enforcementLevel: "mandatory",
    types: [ROLE],
    validate: (props, _args, report) =>
        forEachStatement(props["assumeRolePolicy"], (s) => {
            if (!isWebIdentity(s)) return;
            const subs = claimConditions(s, "sub");
            const eks = isEksTrust(s, subs);
            audienceProblems(s, eks).forEach((problem) => report(problem));
            if (subs.length === 0) {
                report(`Trust on ${s.federated.join(", ")} has no :sub condition: every identity of that provider (every service account of the cluster) can assume the role.`);
                return;
            }
            if (!eks) {
                // e.g. GitHub Actions: the subject format is the provider's; only a bare "*" is a defect here.
                for (const { values } of subs) if (values.includes("*")) report(`:sub accepts any subject ("*").`);
                return;
            }
            for (const { operator, values } of subs) {
                if (operator !== "StringEquals") report(`:sub is matched with ${operator}; use StringEquals with one exact subject.`);
                if (values.length !== 1) report(`:sub lists ${values.length} subjects; the role must trust exactly one service account.`);
                for (const v of values) {
                    if (/[*?]/.test(v)) report(`:sub value "${v}" contains a wildcard.`);
                    else if (!SERVICE_ACCOUNT_SUBJECT.test(v)) report(`:sub value "${v}" is not system:serviceaccount:<namespace>:<name>.`);
                }
            }
        }),
});

export const iamTrustNoPublicPrincipal = resourceRule({
    name: "iam-trust-no-public-principal",
    description: "Role trust policies never let \"*\" or a NotPrincipal (any AWS account) assume the role without a condition such as sts:ExternalId or aws:PrincipalOrgID.",
    enforcementLevel: "mandatory",
    types: [ROLE],
    validate: (props, _args, report) =>
        forEachStatement(props["assumeRolePolicy"], (s) => {
            if (isPublicAllow(s)) report(`Trust allows ${s.actions.join(", ") || "assumption"} by ${describeGrantee(s)}.`);
        }),
});

/** Resource policies outside S3 and KMS (which have their own rules), by type, and the property holding each. */
const RESOURCE_POLICY_KEYS: Record<string, string> = {
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
};

export const resourcePolicyNotPublic = resourceRule({
    name: "resource-policy-not-public",
    description: "SQS, SNS, EFS, ECR, Secrets Manager and OpenSearch resource policies (inline or separate policy resources) do not Allow \"*\" (or a NotPrincipal) without a condition tying it to our account, organisation, network or source.",
    enforcementLevel: "mandatory",
    types: Object.keys(RESOURCE_POLICY_KEYS),
    validate: (props, args, report) => reportPublicStatements(props[RESOURCE_POLICY_KEYS[args.type]], "Resource policy", report),
});

/**
 * Whether a Resource pattern covers RDS-managed master secrets (`secret:rds!db-…` / `rds!cluster-…`): it names one,
 * or its wildcards match such a name. The pattern's own partition, region and account stand in for the sample's, so
 * only its service and secret-name parts decide.
 */
function coversRdsMasterSecret(resource: string): boolean {
    if (resource.includes(":secret:rds!")) return true;
    const parts = resource.split(":");
    const sample = `arn:${parts[1] ?? "aws"}:secretsmanager:${parts[3] ?? ""}:${parts[4] ?? ""}:secret:rds!db-00000000-0000-0000-0000-000000000000-AbCdEf`;
    return matchesIamPattern(resource, sample, false);
}

/** A condition that ends the grant: DateLessThan(Equals) on aws:CurrentTime (or aws:EpochTime). */
function hasExpiry(s: Statement): boolean {
    return Object.entries(s.condition).some(([operator, body]) => /^DateLessThan(Equals)?$/i.test(operator)
        && Object.keys(body).some((key) => ["aws:currenttime", "aws:epochtime"].includes(key.toLowerCase())));
}

export const iamRdsMasterSecretTimeBound = resourceRule({
    name: "iam-rds-master-secret-time-bound",
    description: "Identity policies that let a principal read an RDS-managed master secret (secretsmanager:GetSecretValue on a rds! secret, or a wildcard covering one) end the grant with a DateLessThan aws:CurrentTime condition: bootstrap access, not standing superuser access.",
    enforcementLevel: "advisory",
    types: IDENTITY_POLICY_TYPES,
    validate: (props, args, report) =>
        forEachKnown(documentsOf(args.type, props), (read) =>
            forEachStatement(read(), (s) => {
                if (s.effect !== "Allow" || !coversAction(s, "secretsmanager:GetSecretValue")) return;
                const covering = s.resources.filter(coversRdsMasterSecret);
                if (covering.length === 0 || hasExpiry(s)) return;
                report(`Allows secretsmanager:GetSecretValue on ${covering.join(", ")} (an RDS master secret) with no DateLessThan aws:CurrentTime condition: standing database superuser access.`);
            }),
        ),
});

/**
 * Actions that send mail or messages on the account's behalf (SES v1 and v2 share these IAM actions; SNS Publish
 * reaches SMS, mobile push and every subscriber of a topic). A grant of them is a spam and phishing channel under the
 * domain's name: it must name exact identities, configuration sets and topics.
 */
const MESSAGE_SEND_ACTIONS = [
    "ses:SendEmail", "ses:SendRawEmail", "ses:SendTemplatedEmail", "ses:SendBulkEmail", "ses:SendBulkTemplatedEmail",
    "ses:SendCustomVerificationEmail", "sns:Publish",
];

export const iamMessageSendScoped = resourceRule({
    name: "iam-message-send-scoped",
    description: "Identity policies that let a principal send mail (ses:Send*) or publish messages (sns:Publish) name those actions exactly (no ses:*, sns:*, ses:Send* or NotAction) on exact ARNs (no wildcard Resource, no NotResource): the sender may use the platform's own identities, configuration sets and topics, nothing else.",
    enforcementLevel: "mandatory",
    types: IDENTITY_POLICY_TYPES,
    validate: (props, args, report) =>
        forEachKnown(documentsOf(args.type, props), (read) =>
            forEachStatement(read(), (s) => {
                if (s.effect !== "Allow") return;
                const sends = MESSAGE_SEND_ACTIONS.filter((action) => coversAction(s, action));
                if (sends.length === 0) return;
                const patterns = s.actions.filter((a) => /[*?]/.test(a) && sends.some((action) => matchesIamPattern(a, action, true)));
                if (patterns.length > 0) report(`Grants ${sends.join(", ")} through the pattern ${patterns.join(", ")}; name the send actions exactly.`);
                if (s.notActions.length > 0) report(`Grants ${sends.join(", ")} through NotAction ${s.notActions.join(", ")}; name the send actions exactly.`);
                if (s.notResources.length > 0) report(`Allows ${sends.join(", ")} on every resource except ${s.notResources.join(", ")} (NotResource); name the identities and topics.`);
                const wide = s.resources.filter((r) => /[*?]/.test(r));
                if (wide.length > 0) report(`Allows ${sends.join(", ")} on ${wide.join(", ")}; name the exact identity, configuration set and topic ARNs.`);
            }),
        ),
});

export const iamRules: Rule[] = [iamMessageSendScoped, iamNoAdminPolicy, iamNoAdminManagedPolicy, iamIrsaTrustScoped, iamTrustNoPublicPrincipal, resourcePolicyNotPublic, iamRdsMasterSecretTimeBound];
