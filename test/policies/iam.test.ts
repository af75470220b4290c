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
                        Condition: { StringLike: { "token.actions.githubusercontent.com:sub": sub } },
                    }),
                });
            passes("iam-irsa-trust-scoped", gh("repo:shop/platform:ref:refs/heads/main"));
            violates("iam-irsa-trust-scoped", gh("*"));
        });
        it("reports an unknown trust document advisory", () => {
            unknownIsAdvisory("iam-irsa-trust-scoped", res(ROLE, { assumeRolePolicy: UNKNOWN }));
        });
    });

    it("iam-trust-no-public-principal", () => {
        violates("iam-trust-no-public-principal", res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }) }));
        passes("iam-trust-no-public-principal", [
            res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-123" } } }) }),
            res(ROLE, { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }) }),
        ]);
    });
});
