import { expect } from "chai";
import { passes, res, UNKNOWN, unknownIsAdvisory, violates } from "./helpers";

const ROLE = "aws:iam/role:Role";
const doc = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const ISSUER = "oidc.eks.ap-south-1.amazonaws.com/id/ABC123";
const PROVIDER_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;
const irsa = (condition: Record<string, unknown> | undefined) =>
    res(ROLE, {
        assumeRolePolicy: doc({
            Effect: "Allow",
            Principal: { Federated: PROVIDER_ARN },
            Action: "sts:AssumeRoleWithWebIdentity",
            ...(condition ? { Condition: condition } : {}),
        }),
    });

describe("policies/iam", () => {
    it("iam-no-admin-policy: * / *:* / iam:* on *, NotAction, in Policy, RolePolicy and Role inline policies", () => {
        violates("iam-no-admin-policy", res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }));
        violates("iam-no-admin-policy", res("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: { Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "*:*"], Resource: ["*"] }] } }));
        violates("iam-no-admin-policy", res(ROLE, { assumeRolePolicy: "{}", inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", Action: "iam:*", Resource: "*" }) }] }));
        violates("iam-no-admin-policy", res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) }), /NotAction/);
        passes("iam-no-admin-policy", [
            res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: ["ec2:Describe*", "s3:GetObject"], Resource: "*" }) }),
            res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::shop-lake/*" }) }),
            res("aws:iam/policy:Policy", { policy: doc({ Effect: "Deny", Action: "*", Resource: "*" }) }),
        ]);
        unknownIsAdvisory("iam-no-admin-policy", res("aws:iam/policy:Policy", { policy: UNKNOWN }));
    });

    it("iam-message-send-scoped: SES send and SNS publish only as exact actions on exact ARNs", () => {
        const identity = "arn:aws:ses:ap-south-1:123456789012:identity/shop.example.com";
        const configurationSet = "arn:aws:ses:ap-south-1:123456789012:configuration-set/prod-notifications";
        const topic = "arn:aws:sns:ap-south-1:123456789012:prod-customer-messages";
        const policy = (...statements: Record<string, unknown>[]) => res("aws:iam/rolePolicy:RolePolicy", { role: "worker", policy: doc(...statements) });
        const exact = [
            { Effect: "Allow", Action: ["ses:SendEmail", "ses:SendRawEmail"], Resource: [identity, configurationSet] },
            { Effect: "Allow", Action: "sns:Publish", Resource: topic },
        ];
        passes("iam-message-send-scoped", [
            policy(...exact),
            // Other services' wildcards are other rules' business; a Deny may be as wide as it likes.
            policy({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::lake/*" }, { Effect: "Deny", Action: "ses:*", Resource: "*" }),
        ]);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", Action: ["ses:SendEmail"], Resource: "*" }), /ses:SendEmail on \*/);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", Action: "sns:Publish", Resource: "arn:aws:sns:ap-south-1:123456789012:*" }), /sns:Publish on arn:aws:sns:ap-south-1:123456789012:\*/);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", Action: "ses:SendEmail", Resource: `arn:aws:ses:ap-south-1:123456789012:identity/*` }), /identity\/\*/);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", Action: "ses:*", Resource: [identity, configurationSet] }), /pattern ses:\*/);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", Action: "ses:Send*", Resource: identity }), /pattern ses:Send\*/);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", NotAction: "iam:*", Resource: topic }), /NotAction/);
        violates("iam-message-send-scoped", policy({ Effect: "Allow", Action: "sns:Publish", NotResource: topic }), /NotResource/);
        violates("iam-message-send-scoped", res(ROLE, { assumeRolePolicy: "{}", inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", Action: "sns:publish", Resource: "*" }) }] }));
        unknownIsAdvisory("iam-message-send-scoped", res("aws:iam/rolePolicy:RolePolicy", { role: "worker", policy: UNKNOWN }));
    });

    it("iam-no-admin-policy: every-resource ARNs, NotResource, Identity Center inline policies, unknowns beside a grant", () => {
        violates("iam-no-admin-policy", res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: "*", Resource: "arn:aws:*:*:*" }) }), /arn:aws/);
        violates("iam-no-admin-policy", res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::audit/*" }) }), /NotResource/);
        violates(
            "iam-no-admin-policy",
            res("aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy", { instanceArn: "i", permissionSetArn: "p", inlinePolicy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }),
        );
        const mixed = res("aws:iam/policy:Policy", { policy: { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: UNKNOWN }, { Effect: "Allow", Action: "*:*", Resource: "*" }] } });
        violates("iam-no-admin-policy", mixed, /\*:\*/);
        passes("iam-no-admin-policy", [
            // A narrow action list settles the statement whatever its (unknown) resource.
            res("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: { Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: [UNKNOWN] }] } }),
            res("aws:iam/policy:Policy", { policy: doc({ Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::shop-lake/*" }) }),
            res(ROLE, { assumeRolePolicy: "{}", inlinePolicies: [{ name: "read", policy: doc({ Effect: "Allow", Action: "ec2:Describe*", Resource: "*" }) }] }),
        ]);
    });

    it("iam-no-admin-managed-policy: exclusive attachments, permission sets, an unknown ARN beside a known admin one", () => {
        const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
        violates("iam-no-admin-managed-policy", res("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", { roleName: "r", policyArns: [ADMIN] }));
        violates("iam-no-admin-managed-policy", res("aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", { groupName: "g", policyArns: ["arn:aws:iam::aws:policy/PowerUserAccess"] }));
        violates("iam-no-admin-managed-policy", res("aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment", { instanceArn: "i", permissionSetArn: "p", managedPolicyArn: ADMIN }));
        violates("iam-no-admin-managed-policy", res(ROLE, { assumeRolePolicy: "{}", managedPolicyArns: [UNKNOWN, ADMIN] }), /AdministratorAccess/);
        passes("iam-no-admin-managed-policy", [
            res("aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", { userName: "u", policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
            res("aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment", { instanceArn: "i", permissionSetArn: "p", managedPolicyArn: "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess" }),
        ]);
    });

    it("iam-no-admin-managed-policy", () => {
        violates("iam-no-admin-managed-policy", res(ROLE, { managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }));
        violates("iam-no-admin-managed-policy", res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" }));
        passes("iam-no-admin-managed-policy", [
            res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" }),
            res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", { role: "r", policyArn: "arn:aws:iam::123456789012:policy/AdministratorAccess" }),
        ]);
    });

    describe("iam-irsa-trust-scoped", () => {
        it("flags a trust without a :sub condition", () => {
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } }), /no :sub/);
            violates("iam-irsa-trust-scoped", irsa(undefined));
        });
        it("flags StringLike with a wildcard namespace or account", () => {
            violates("iam-irsa-trust-scoped", irsa({ StringLike: { [`${ISSUER}:sub`]: "system:serviceaccount:shop:*" } }), /wildcard/);
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:*:api" } }), /wildcard/);
        });
        it("flags several service accounts in one trust", () => {
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: { [`${ISSUER}:sub`]: ["system:serviceaccount:shop:api", "system:serviceaccount:shop:worker"] } }), /exactly one/);
        });
        const SUB = { [`${ISSUER}:sub`]: "system:serviceaccount:shop:api" };
        it("flags a trust without an :aud condition (any projected token of the pod could be exchanged)", () => {
            const found = violates("iam-irsa-trust-scoped", irsa({ StringEquals: SUB }), /no StringEquals :aud condition.*sts.amazonaws.com/);
            expect(found).to.have.length(1);
        });
        it("flags an :aud that is not pinned to sts.amazonaws.com with StringEquals", () => {
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: SUB, StringLike: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } }), /no StringEquals :aud/);
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: { ...SUB, [`${ISSUER}:aud`]: "vault" } }), /"vault" is not sts.amazonaws.com/);
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: { ...SUB, [`${ISSUER}:aud`]: ["sts.amazonaws.com", "vault"] } }), /lists 2 audiences/);
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: { ...SUB, [`${ISSUER}:aud`]: "sts.*" } }), /wildcard/);
            // StringEqualsIfExists passes a token that carries no aud at all.
            violates("iam-irsa-trust-scoped", irsa({ StringEquals: SUB, StringEqualsIfExists: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } }), /no StringEquals :aud/);
        });
        it("passes StringEquals on exactly one service account (with aud)", () => {
            passes("iam-irsa-trust-scoped", [
                irsa({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:shop:api", [`${ISSUER}:aud`]: "sts.amazonaws.com" } }),
                res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "pods.eks.amazonaws.com" }, Action: ["sts:AssumeRole", "sts:TagSession"] }) }),
            ]);
        });
        it("judges non-EKS OIDC providers (GitHub Actions) only for a bare wildcard", () => {
            const gh = (sub: string) =>
                res(ROLE, {
                    assumeRolePolicy: doc({
                        Effect: "Allow",
                        Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" }, StringLike: { "token.actions.githubusercontent.com:sub": sub } },
                    }),
                });
            passes("iam-irsa-trust-scoped", gh("repo:shop/platform:ref:refs/heads/main"));
            violates("iam-irsa-trust-scoped", gh("*"));
            // Another provider's audience is its own, but it must be pinned.
            const noAudience = res(ROLE, { assumeRolePolicy: doc({
                Effect: "Allow", Principal: { Federated: "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" }, Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:shop/platform:*" } },
            }) });
            violates("iam-irsa-trust-scoped", noAudience, /no StringEquals :aud condition: tokens issued for any audience can assume the role\.$/);
        });
        it("reports an unknown trust document advisory", () => {
            unknownIsAdvisory("iam-irsa-trust-scoped", res(ROLE, { assumeRolePolicy: UNKNOWN }));
        });
        it("judges every action spelling that reaches sts:AssumeRoleWithWebIdentity: globs, any case, NotAction", () => {
            const trust = (action: Record<string, unknown>) => res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Federated: PROVIDER_ARN }, ...action }) });
            for (const Action of ["sts:AssumeRole*", "sts:AssumeRoleWith*", "STS:ASSUMEROLEWITHWEBIDENTITY", "sts:AssumeRoleWith?ebIdentity", "sts:*WebIdentity", ["sts:TagSession", "sts:Assume*"]]) {
                violates("iam-irsa-trust-scoped", trust({ Action }), /no :sub condition/);
            }
            // NotAction grants every action it does not list: unless it lists AssumeRoleWithWebIdentity, that one too.
            violates("iam-irsa-trust-scoped", trust({ NotAction: "sts:TagSession" }), /no :sub condition/);
            violates("iam-irsa-trust-scoped", trust({ NotAction: ["iam:*", "sts:AssumeRoleWithSAML"] }), /no StringEquals :aud/);
            // Patterns that do not cover it, and a NotAction that excludes it, leave nothing to judge.
            passes("iam-irsa-trust-scoped", [
                trust({ Action: "sts:AssumeRoleWithSAML" }),
                trust({ Action: ["sts:TagSession", "sts:AssumeRole?"] }),
                trust({ NotAction: "sts:AssumeRoleWith*" }),
                trust({ NotAction: ["sts:AssumeRoleWithWebIdentity"] }),
            ]);
        });
    });

    it("iam-trust-no-public-principal: NotPrincipal and conditions that restrict nothing", () => {
        violates("iam-trust-no-public-principal", res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Action: "sts:AssumeRole" }) }), /NotPrincipal/);
        violates(
            "iam-trust-no-public-principal",
            res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "sts:AssumeRole", Condition: { StringLike: { "aws:PrincipalArn": "*" } } }) }),
        );
        passes("iam-trust-no-public-principal", [
            res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/ci-*" } } }) }),
            res(ROLE, { assumeRolePolicy: { Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: UNKNOWN }] } }),
        ]);
    });

    describe("resource-policy-not-public", () => {
        const policy = (...Statement: Record<string, unknown>[]) => JSON.stringify({ Version: "2012-10-17", Statement });
        it("flags queue, topic, repository, secret and search-domain policies open to everyone", () => {
            violates("resource-policy-not-public", res("aws:sqs/queuePolicy:QueuePolicy", { queueUrl: "q", policy: policy({ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "arn:q" }) }), /any principal/);
            violates("resource-policy-not-public", res("aws:sns/topic:Topic", { policy: policy({ Effect: "Allow", NotPrincipal: { AWS: "arn:aws:iam::1:root" }, Action: "sns:Publish", Resource: "arn:t" }) }), /NotPrincipal/);
            violates("resource-policy-not-public", res("aws:ecr/repositoryPolicy:RepositoryPolicy", { repository: "r", policy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: ["ecr:BatchGetImage"] }) }));
            violates("resource-policy-not-public", res("aws:secretsmanager/secretPolicy:SecretPolicy", { secretArn: "s", policy: policy({ Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" }) }));
            violates("resource-policy-not-public", res("aws:opensearch/domain:Domain", { accessPolicies: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "es:*", Resource: "arn:es/*" }) }));
        });
        it("passes service principals, Deny for '*', EFS mount-target access, source-owner and fixed source-IP conditions", () => {
            passes("resource-policy-not-public", [
                res("aws:sqs/queuePolicy:QueuePolicy", {
                    queueUrl: "q",
                    policy: policy(
                        { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: "arn:q" },
                        { Effect: "Deny", Principal: "*", Action: "sqs:*", Resource: "arn:q", Condition: { Bool: { "aws:SecureTransport": "false" } } },
                    ),
                }),
                res("aws:efs/fileSystemPolicy:FileSystemPolicy", {
                    fileSystemId: "fs-1",
                    policy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: ["elasticfilesystem:ClientMount"], Resource: "arn:fs", Condition: { Bool: { "elasticfilesystem:AccessedViaMountTarget": "true" } } }),
                }),
                res("aws:sns/topicPolicy:TopicPolicy", {
                    arn: "arn:t",
                    policy: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sns:Publish", Resource: "arn:t", Condition: { StringEquals: { "AWS:SourceOwner": "123456789012" } } }),
                }),
                res("aws:opensearch/domainPolicy:DomainPolicy", {
                    domainName: "logs",
                    accessPolicies: policy({ Effect: "Allow", Principal: { AWS: "*" }, Action: "es:ESHttp*", Resource: "arn:es/*", Condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } } }),
                }),
                res("aws:sqs/queue:Queue", { name: "plain" }),
            ]);
        });
        it("reports an unknown policy advisory", () => {
            unknownIsAdvisory("resource-policy-not-public", res("aws:sqs/queuePolicy:QueuePolicy", { queueUrl: "q", policy: UNKNOWN }));
        });
    });

    it("iam-trust-no-public-principal", () => {
        violates("iam-trust-no-public-principal", res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }));
        passes("iam-trust-no-public-principal", [
            res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-123" } } }) }),
            res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }) }),
        ]);
    });

    describe("iam-rds-master-secret-time-bound", () => {
        const MASTER = "arn:aws:secretsmanager:ap-south-1:123456789012:secret:rds!db-1a2b3c4d-aaaa-bbbb-cccc-1234567890ab-Xy12Zq";
        const policy = (statement: Record<string, unknown>) => res("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: doc({ Effect: "Allow", ...statement }) });
        const until = { DateLessThan: { "aws:CurrentTime": "2026-12-08T12:00:00Z" } };
        it("flags a standing grant on an RDS master secret: by name, by wildcard, by action glob or NotAction", () => {
            violates("iam-rds-master-secret-time-bound", policy({ Action: "secretsmanager:GetSecretValue", Resource: MASTER }), /RDS master secret.*no DateLessThan aws:CurrentTime/);
            violates("iam-rds-master-secret-time-bound", policy({ Action: "secretsmanager:Get*", Resource: "arn:aws:secretsmanager:ap-south-1:123456789012:secret:rds!*" }));
            violates("iam-rds-master-secret-time-bound", policy({ Action: "secretsmanager:*", Resource: "*" }));
            violates("iam-rds-master-secret-time-bound", policy({ NotAction: "iam:*", Resource: "arn:aws:secretsmanager:*:*:secret:*" }));
            // A condition that does not end the grant.
            violates("iam-rds-master-secret-time-bound", policy({ Action: "secretsmanager:GetSecretValue", Resource: MASTER, Condition: { DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } } }));
            violates("iam-rds-master-secret-time-bound", res(ROLE, { assumeRolePolicy: "{}", inlinePolicies: [{ name: "p", policy: doc({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: MASTER }) }] }));
        });
        it("passes a grant that ends, other secrets, other actions, and Deny", () => {
            passes("iam-rds-master-secret-time-bound", [
                policy({ Action: "secretsmanager:GetSecretValue", Resource: MASTER, Condition: until }),
                policy({ Action: "secretsmanager:GetSecretValue", Resource: MASTER, Condition: { StringEquals: { "aws:ResourceTag/app": "x" }, DateLessThanEquals: { "aws:CurrentTime": "2026-12-08T12:00:00Z" } } }),
                policy({ Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:ap-south-1:123456789012:secret:shop-api-*" }),
                policy({ Action: "secretsmanager:DescribeSecret", Resource: MASTER }),
                policy({ Action: "kms:Decrypt", Resource: "*" }),
                res("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: doc({ Effect: "Deny", Action: "secretsmanager:*", Resource: MASTER }) }),
            ]);
        });
        it("reports an unknown policy advisory", () => {
            unknownIsAdvisory("iam-rds-master-secret-time-bound", res("aws:iam/rolePolicy:RolePolicy", { role: "r", policy: UNKNOWN }));
        });
    });
});
