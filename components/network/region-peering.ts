import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";

/** One side of a peering: a regional stack's VPC as the peering, its routes and its security groups need it. */
export interface PeeringSide {
    /** The stack the VPC belongs to (names resources and tags). */
    stack: string;
    region: pulumi.Input<string>;
    vpcId: pulumi.Input<string>;
    /** The VPC's whole range: AWS refuses to peer two VPCs whose ranges overlap. */
    vpcCidr: pulumi.Input<string>;
    /** The private subnets' ranges, where pods (VPC CNI) and databases live: the only ranges routed to the other side. */
    privateSubnetCidrs: string[];
    /** The route tables of the private subnets (one per zone); each gets a route to every private range of the other side. */
    privateRouteTableIds: pulumi.Input<string>[];
    /** What the route tables come from, when this stack creates them (its VPC): routes added to them wait for it. */
    routeTablesReady?: pulumi.Resource[];
    /** Security groups of this side that admit the other side's private ranges on a port (PostgreSQL, Kafka replication). */
    admits: { name: string; securityGroupId: pulumi.Input<string>; port: number; description: string }[];
}

export interface RegionPeeringArgs {
    /** This stack's side: the requester, created with the component's own aws provider. */
    local: PeeringSide;
    /** The other stack's side: the accepter, created with `peerProvider`. */
    peer: PeeringSide;
    /** An aws provider for the peer's region (same account): the accepter, its options, routes and rules there use it. */
    peerProvider: pulumi.ProviderResource;
}

/**
 * Inter-region VPC peering between two stacks of one account, owned entirely by one stack (the requester):
 *  - the peering connection (requester) and its acceptance in the peer's region (EC2 cannot auto-accept across regions);
 *  - DNS resolution of the other side's private host names on both sides (PeeringConnectionOptions, one per side, each
 *    with its region's provider; they can only be set once the connection is active, hence after the accepter);
 *  - in every private route table of each side, a route per private subnet range of the other side: public subnets,
 *    NAT and load balancer nodes of one region are never routed to the other;
 *  - on each side, the named security groups admit the other side's private subnet ranges on their port, exactly
 *    those ranges (security groups cannot reference a group across regions).
 */
export class RegionPeering extends pulumi.ComponentResource {
    readonly connectionId: pulumi.Output<string>;

    constructor(name: string, args: RegionPeeringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:network:RegionPeering", name, {}, opts);
        const { local, peer, peerProvider } = args;
        const child = { parent: this };
        const there = { parent: this, provider: peerProvider };
        const label = `${local.stack} <-> ${peer.stack}`;

        const connection = new ec2.VpcPeeringConnection(`${name}-connection`, {
            vpcId: local.vpcId,
            peerVpcId: peer.vpcId,
            peerRegion: peer.region,
            // Across regions the requester cannot accept; the accepter below does, in the peer's region.
            autoAccept: false,
            tags: { Name: label, side: "requester" },
        }, child);
        const accepter = new ec2.VpcPeeringConnectionAccepter(`${name}-accepter`, {
            vpcPeeringConnectionId: connection.id,
            autoAccept: true,
            tags: { Name: label, side: "accepter" },
        }, there);
        const active = { dependsOn: [accepter] };
        new ec2.PeeringConnectionOptions(`${name}-requester-options`, {
            vpcPeeringConnectionId: accepter.id,
            requester: { allowRemoteVpcDnsResolution: true },
        }, { ...child, ...active });
        new ec2.PeeringConnectionOptions(`${name}-accepter-options`, {
            vpcPeeringConnectionId: accepter.id,
            accepter: { allowRemoteVpcDnsResolution: true },
        }, { ...there, ...active });

        const connect = (from: PeeringSide, to: PeeringSide, options: pulumi.CustomResourceOptions, side: string) => {
            from.privateRouteTableIds.forEach((table, zone) => to.privateSubnetCidrs.forEach((block) => {
                new ec2.Route(`${name}-${side}-rt${zone + 1}-${slug(block)}`, {
                    routeTableId: table,
                    destinationCidrBlock: block,
                    vpcPeeringConnectionId: accepter.id,
                }, { ...options, dependsOn: [accepter, ...(from.routeTablesReady ?? [])] });
            }));
            for (const rule of from.admits) {
                to.privateSubnetCidrs.forEach((block) => {
                    new vpc.SecurityGroupIngressRule(`${name}-${side}-${rule.name}-${slug(block)}`, {
                        securityGroupId: rule.securityGroupId,
                        cidrIpv4: block,
                        ipProtocol: "tcp",
                        fromPort: rule.port,
                        toPort: rule.port,
                        description: `${rule.description} from ${to.stack} (peered)`,
                    }, options);
                });
            }
        };
        connect(local, peer, child, "requester");
        connect(peer, local, there, "accepter");

        this.connectionId = connection.id;
        this.registerOutputs({ connectionId: this.connectionId });
    }
}

/** A CIDR as a resource-name part: 10.1.128.0/18 -> 10-1-128-0-18. */
function slug(block: string): string {
    return block.replace(/[./]/g, "-");
}
