import * as pulumi from "@pulumi/pulumi";
import { helmRelease } from "./helm-release";
import { PolicyStatement, policyDocument } from "./iam-documents";
import { SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS } from "./scheduling";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";

export interface LoadBalancerControllerArgs {
    clusterName: string;
    region: string;
    /** The account of the VPC; with region and vpcId it scopes the controller's security-group permissions. */
    accountId: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    oidc: OidcIdentity;
    /** Controller replicas. Default 2 (leader election; one survives a node drain). */
    replicas?: number;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const NAMESPACE = "kube-system";
const SERVICE_ACCOUNT = "aws-load-balancer-controller";
const CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/**
 * The AWS Load Balancer Controller: turns Services of type LoadBalancer into NLBs (Kong's proxy uses one) and
 * Ingresses into ALBs. Its IAM policy only lets it modify load balancers, target groups and security groups that
 * carry the controller's own cluster tag.
 */
export class LoadBalancerController extends pulumi.ComponentResource {
    constructor(name: string, args: LoadBalancerControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:kubernetes:LoadBalancerController", name, {}, opts);
        const role = new ServiceAccountRole(`${name}-controller`, {
            oidc: args.oidc, namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, policy: loadBalancerControllerPolicy(args),
        }, { parent: this });
        helmRelease(name, {
            releaseName: "aws-load-balancer-controller",
            chart: "awsLoadBalancerController",
            namespace: NAMESPACE,
            values: {
                clusterName: args.clusterName,
                region: args.region,
                vpcId: args.vpcId,
                replicaCount: args.replicas ?? 2,
                serviceAccount: { create: true, name: SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": role.roleArn } },
                nodeSelector: SYSTEM_NODE_LABEL,
                tolerations: SYSTEM_TOLERATIONS,
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                podDisruptionBudget: { maxUnavailable: 1 },
            },
        }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({});
    }
}

/** Where the controller works: its security-group permissions are scoped to this cluster, account, region and VPC. */
export interface LoadBalancerControllerScope {
    clusterName: string;
    region: string;
    accountId: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
}

/**
 * The controller's IAM policy, statement for statement the upstream one (kubernetes-sigs/aws-load-balancer-controller
 * v2.14.0, docs/install/iam_policy.json) except WAF Classic (waf-regional:*): the controller only calls it for
 * Ingresses annotated alb.ingress.kubernetes.io/waf-acl-id, which nothing here uses (WAF Classic is retired).
 *
 * The EC2 security-group statements are narrower than upstream's, never broader:
 *   - resources are this region's and account's security groups, not arn:aws:ec2:*:*;
 *   - the ownership conditions name this cluster (StringEquals on elbv2.k8s.aws/cluster = clusterName) where upstream
 *     only asks that the tag exist (Null false): the controller always writes its own cluster name there
 *     (pkg/deploy/tracking/provider.go, pkg/networking/backend_sg_provider.go), so another cluster's groups in the same
 *     account are out of reach;
 *   - CreateSecurityGroup is allowed only in this VPC and only with the cluster tag in the request (upstream: "*"); both
 *     of the controller's CreateSecurityGroup calls pass VpcId and TagSpecifications with that tag;
 *   - the unconditioned Authorize/RevokeSecurityGroupIngress (target-group binding opens node ports on the node
 *     security group, which the controller did not create) carries the ec2:Vpc condition upstream's installation
 *     guide recommends (docs/deploy/installation.md, "Option A"): ArnEquals ec2:Vpc = this VPC.
 * Tagging at create time (ec2:CreateAction) is not given ec2:Vpc: the group does not exist yet when it is authorised.
 */
export function loadBalancerControllerPolicy(scope: LoadBalancerControllerScope): pulumi.Output<string> {
    return pulumi.all([scope.accountId, scope.vpcId]).apply(([accountId, vpcId]) => policyDocument(statements(scope.clusterName, scope.region, accountId, vpcId)));
}

function statements(clusterName: string, region: string, accountId: string, vpcId: string): PolicyStatement[] {
    const taggedByController = { Null: { [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } };
    const requestTaggedByController = { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "false" } };
    const elb = (resource: string) => `arn:aws:elasticloadbalancing:*:*:${resource}`;
    const balancers = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
    const securityGroups = `arn:aws:ec2:${region}:${accountId}:security-group/*`;
    const vpcArn = `arn:aws:ec2:${region}:${accountId}:vpc/${vpcId}`;
    const inThisVpc = { ArnEquals: { "ec2:Vpc": vpcArn } };
    const ownedByThisCluster = { [`aws:ResourceTag/${CLUSTER_TAG}`]: clusterName };
    return [
        {
            Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*",
            Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } },
        },
        {
            Sid: "Discover", Effect: "Allow", Resource: "*",
            Action: ["ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:DescribeRouteTables", "ec2:GetSecurityGroupsForVpc", "ec2:DescribeIpamPools",
                "ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools",
                "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates", "elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
                "acm:ListCertificates", "acm:DescribeCertificate", "iam:ListServerCertificates", "iam:GetServerCertificate",
                "cognito-idp:DescribeUserPoolClient", "wafv2:GetWebACL", "wafv2:GetWebACLForResource", "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL", "shield:GetSubscriptionState", "shield:DescribeProtection", "shield:CreateProtection", "shield:DeleteProtection"],
        },
        // CreateSecurityGroup is authorised on the VPC and on the new group separately (two resources of one call).
        { Sid: "CreateSecurityGroupsInThisVpc", Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: vpcArn },
        {
            Sid: "CreateSecurityGroupsTagged", Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: securityGroups,
            Condition: { StringEquals: { [`aws:RequestTag/${CLUSTER_TAG}`]: clusterName } },
        },
        {
            Sid: "TagNewSecurityGroups", Effect: "Allow", Action: "ec2:CreateTags", Resource: securityGroups,
            Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", [`aws:RequestTag/${CLUSTER_TAG}`]: clusterName } },
        },
        {
            // Retag only its own security groups, and never change the cluster tag itself.
            Sid: "RetagOwnSecurityGroups", Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: securityGroups,
            Condition: { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true" }, StringEquals: ownedByThisCluster },
        },
        {
            Sid: "ManageOwnSecurityGroups", Effect: "Allow", Resource: securityGroups, Condition: { StringEquals: ownedByThisCluster, ...inThisVpc },
            Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
        },
        // Target-group binding adds rules to the node security group, which the controller did not create: any group,
        // but only in this VPC.
        {
            Sid: "OpenNodePortsToBalancers", Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
            Resource: securityGroups, Condition: inThisVpc,
        },
        {
            Sid: "CreateTaggedBalancers", Effect: "Allow", Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            Resource: "*", Condition: requestTaggedByController,
        },
        {
            Sid: "TagOnCreate", Effect: "Allow", Action: "elasticloadbalancing:AddTags", Resource: balancers,
            Condition: { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"] }, ...requestTaggedByController },
        },
        {
            Sid: "ManageOwnBalancers", Effect: "Allow", Resource: "*", Condition: taggedByController,
            Action: ["elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation", "elasticloadbalancing:ModifyIpPools"],
        },
        {
            Sid: "RetagOwnBalancers", Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], Resource: balancers,
            Condition: { Null: { [`aws:RequestTag/${CLUSTER_TAG}`]: "true", [`aws:ResourceTag/${CLUSTER_TAG}`]: "false" } },
        },
        {
            // Listeners and rules are created with tags (feature gate ListenerRulesTagging, on by default), which ELB
            // authorises as AddTags on the new listener or rule: without this, CreateListener and CreateRule fail.
            Sid: "TagListenersAndRules", Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            Resource: [elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*")],
        },
        {
            Sid: "ManageListeners", Effect: "Allow", Resource: "*",
            Action: ["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyListener", "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates", "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
                "elasticloadbalancing:SetWebAcl"],
        },
        {
            Sid: "RegisterTargets", Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            Resource: elb("targetgroup/*/*"),
        },
    ];
}
