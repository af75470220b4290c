import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { assumeRolePolicy } from "./iam-documents";

/**
 * The IAM role of EC2 worker nodes (system node group and Karpenter nodes alike): join the cluster, pull from ECR,
 * and shell access through Session Manager instead of SSH keys and an open port 22. Pods get AWS access through IRSA,
 * never through this role. Attachments are named `<name>-<index>`.
 */
export function nodeRole(name: string, description: string, opts: pulumi.CustomResourceOptions): iam.Role {
    const role = new iam.Role(name, { assumeRolePolicy: assumeRolePolicy({ Service: "ec2.amazonaws.com" }), description }, opts);
    [
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        // Pull only (no repository listing or policy reads): what the EKS node IAM role docs and Karpenter's node role name.
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ].forEach((policyArn, index) => new iam.RolePolicyAttachment(`${name}-${index}`, { role: role.name, policyArn }, opts));
    return role;
}
