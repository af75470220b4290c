import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";

/** Where a cluster's OIDC identities come from; the cluster component exposes one. */
export interface OidcIdentity {
    /** ARN of the IAM OIDC provider of the cluster. */
    providerArn: pulumi.Input<string>;
    /** Issuer URL of the cluster, with or without the https:// prefix. */
    providerUrl: pulumi.Input<string>;
}

export interface ServiceAccountRoleArgs {
    oidc: OidcIdentity;
    /** Namespace of the one Kubernetes service account allowed to assume the role. */
    namespace: string;
    /** Name of that service account. */
    serviceAccount: string;
    /** Inline policy (JSON) with exactly the permissions the workload needs. Default: none. */
    policy?: pulumi.Input<string>;
    /** AWS-managed policies to attach where AWS maintains the least-privilege set (e.g. the EBS CSI driver). Default: none. */
    managedPolicyArns?: string[];
}

/**
 * An IAM role for one Kubernetes service account (IRSA). The trust policy pins both the audience and the exact
 * `system:serviceaccount:<namespace>:<name>` subject with StringEquals, so no other pod in the cluster can assume it.
 */
export class ServiceAccountRole extends pulumi.ComponentResource {
    readonly roleArn: pulumi.Output<string>;
    readonly roleName: pulumi.Output<string>;

    constructor(name: string, args: ServiceAccountRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:identity:ServiceAccountRole", name, {}, opts);

        const trust = pulumi.all([args.oidc.providerArn, args.oidc.providerUrl]).apply(([arn, url]) => {
            const issuer = url.replace(/^https:\/\//, "");
            return JSON.stringify({
                Version: "2012-10-17",
                Statement: [{
                    Effect: "Allow",
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Principal: { Federated: arn },
                    Condition: {
                        StringEquals: {
                            [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                            [`${issuer}:aud`]: "sts.amazonaws.com",
                        },
                    },
                }],
            });
        });

        const role = new iam.Role(name, {
            assumeRolePolicy: trust,
            description: `IRSA role for ${args.namespace}/${args.serviceAccount}`,
        }, { parent: this });

        if (args.policy) {
            new iam.RolePolicy(name, { role: role.id, policy: args.policy }, { parent: this });
        }
        (args.managedPolicyArns ?? []).forEach((policyArn, index) => {
            new iam.RolePolicyAttachment(`${name}-${index}`, { role: role.name, policyArn }, { parent: this });
        });

        this.roleArn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ roleArn: this.roleArn });
    }
}
