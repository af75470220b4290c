import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";

export interface PeeredLoadBalancerGroupArgs {
    vpcId: pulumi.Input<string>;
    /** The port the load balancer listens on and reaches its IP targets on. */
    port: number;
    /** Where its targets (pods, VPC CNI) live: this VPC's private subnets. Egress goes there only, on `port`. */
    targetCidrs: string[];
    description: string;
}

/**
 * The security group of internal load balancers that only peered regions call (given to the AWS Load Balancer
 * Controller with the `aws-load-balancer-security-groups` annotation). It starts with no ingress at all: each peering
 * (components/network/region-peering.ts) admits exactly its peer's private subnet ranges on the port. Egress only to
 * the targets on the port (EC2's default allow-all egress rule is removed by the provider when the group is created).
 */
export class PeeredLoadBalancerGroup extends pulumi.ComponentResource {
    readonly securityGroupId: pulumi.Output<string>;

    constructor(name: string, args: PeeredLoadBalancerGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:network:PeeredLoadBalancerGroup", name, {}, opts);
        const group = new ec2.SecurityGroup(`${name}-sg`, {
            vpcId: args.vpcId,
            description: args.description,
            tags: { Name: name },
        }, { parent: this });
        args.targetCidrs.forEach((cidr, zone) => new vpc.SecurityGroupEgressRule(`${name}-to-targets-${zone + 1}`, {
            securityGroupId: group.id,
            cidrIpv4: cidr,
            ipProtocol: "tcp",
            fromPort: args.port,
            toPort: args.port,
            description: "to the load balancer's IP targets (and their health checks)",
        }, { parent: this }));
        this.securityGroupId = group.id;
        this.registerOutputs({ securityGroupId: this.securityGroupId });
    }
}
