import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws/provider";
import { RegionPeering, type PeeringSide } from "../components/network/region-peering";
import { cidrsOverlap } from "../components/network-layout";
import type { PlatformConfig } from "./config";
import { remoteRegionProviderArgs } from "./tags";

/**
 * What every stack of a peered environment exports for its peers (index.ts), read through StackReferences. The
 * offline engine serves the same names (tools/stack-references.ts).
 */
export const MESH_OUTPUTS = {
    environment: "environment",
    awsRegion: "awsRegion",
    vpcId: "vpcId",
    vpcCidr: "vpcCidr",
    privateSubnetCidrs: "privateSubnetCidrs",
    privateRouteTableIds: "privateRouteTableIds",
    databaseSecurityGroupId: "databaseSecurityGroupId",
    kafkaReplicationSecurityGroupId: "kafkaReplicationSecurityGroupId",
    kafkaReplicationBootstrap: "kafkaReplicationBootstrap",
    kafkaClusterCaCertPem: "kafkaClusterCaCertPem",
    /** Secret: the SCRAM password of each peer's MirrorMaker 2 user on this stack's Kafka, by peer stack name. */
    kafkaMirrorPasswords: "kafkaMirrorPasswords",
} as const;

/**
 * The stack that holds the writer database and whose `products` events every other region mirrors: config
 * `databasePrimaryStack` (default the edge owner), which a failover moves (npm run failover).
 */
export function primaryStackOf(config: PlatformConfig): string {
    return config.database.topology.primaryStack;
}

/**
 * Which of two peered stacks owns their peering (requester, accepter, routes and rules on both sides): the edge owner
 * never does, since it is deployed first and the regions read it; between two regional stacks the one whose name sorts
 * later does (deploy regional stacks in name order). Deterministic, so each pair has exactly one owner whichever stack
 * evaluates it, and the owner only reads stacks deployed before it.
 */
export function pairOwner(a: string, b: string, edgeOwner: string): string {
    if (a === edgeOwner) return b;
    if (b === edgeOwner) return a;
    return a > b ? a : b;
}

/** A StackReference to another stack of this project (`<organization>/<project>/<stack>`). */
export function projectStack(config: PlatformConfig, stack: string, purpose: string): pulumi.StackReference {
    return new pulumi.StackReference(`${config.environment}-${purpose}-${stack}`, { name: `${pulumi.getOrganization()}/${config.project}/${stack}` });
}

/** Why a peer cannot be peered with this stack (another environment, an overlapping range AWS would refuse), or undefined. */
export function peerProblem(config: PlatformConfig, peer: string, environment: string, vpcCidr: string): string | undefined {
    const problem = environment !== config.environment ? `is a ${environment} stack; only stacks of one environment (${config.environment}) are peered`
        : cidrsOverlap(vpcCidr, config.network.cidrBlock) ? `has vpcCidr ${vpcCidr}, which overlaps this stack's ${config.network.cidrBlock}; AWS refuses to peer overlapping VPCs`
            : undefined;
    return problem && `${config.project}:peerStacks: ${peer} ${problem}`;
}

export interface RegionMeshInputs {
    config: PlatformConfig;
    vpcId: pulumi.Input<string>;
    privateSubnetCidrs: string[];
    privateRouteTableIds: pulumi.Input<string>[];
    /** The VPC those route tables belong to (Network.routeTablesReady). */
    routeTablesReady: pulumi.Resource;
    databaseSecurityGroupId: pulumi.Input<string>;
    /** The security group of the Kafka replication load balancers, where this stack runs them. */
    kafkaReplicationSecurityGroupId?: pulumi.Input<string>;
    databasePort: number;
    kafkaReplicationPort: number;
    opts: pulumi.ComponentResourceOptions;
}

/**
 * The peerings this stack owns (pairOwner) with the peers config lists: each reads the peer's network outputs, checks
 * the peer is of this environment and that the ranges do not overlap (AWS would refuse the peering), then peers the
 * VPCs (components/network/region-peering.ts). Both sides' databases and Kafka replication load balancers admit the
 * other's private subnets, whichever holds the writer now: a failover moves the writer by config and needs no new
 * network path.
 */
/**
 * Returns the peering connections this stack owns, by peer stack. Exported as a stack output, so a refused peer (wrong
 * environment, overlapping range) fails the program as the engine would, not only the resources waiting on it.
 */
export function composeRegionMesh({ config, vpcId, privateSubnetCidrs, privateRouteTableIds, routeTablesReady, databaseSecurityGroupId, kafkaReplicationSecurityGroupId, databasePort, kafkaReplicationPort, opts }: RegionMeshInputs): pulumi.Output<Record<string, string>> {
    const edgeOwner = config.edge.edgeStack || config.stack;
    const admits = (database: pulumi.Input<string>, kafka: pulumi.Input<string> | undefined): PeeringSide["admits"] => [
        { name: "postgres", securityGroupId: database, port: databasePort, description: "PostgreSQL" },
        ...(kafka ? [{ name: "kafka", securityGroupId: kafka, port: kafkaReplicationPort, description: "Kafka replication listener" }] : []),
    ];
    const local: PeeringSide = {
        stack: config.stack, region: config.region, vpcId, vpcCidr: config.network.cidrBlock, privateSubnetCidrs, privateRouteTableIds, routeTablesReady: [routeTablesReady],
        admits: admits(databaseSecurityGroupId, kafkaReplicationSecurityGroupId),
    };
    const owned = config.network.peerStacks.filter((name) => pairOwner(config.stack, name, edgeOwner) === config.stack);
    return pulumi.all(Object.fromEntries(owned.map((peer) => {
        const ref = projectStack(config, peer, "peer");
        const out = (name: string) => ref.requireOutput(name);
        const connection = pulumi.all([
            out(MESH_OUTPUTS.environment), out(MESH_OUTPUTS.awsRegion), out(MESH_OUTPUTS.vpcCidr), out(MESH_OUTPUTS.privateSubnetCidrs),
            out(MESH_OUTPUTS.privateRouteTableIds), ref.getOutput(MESH_OUTPUTS.kafkaReplicationSecurityGroupId),
        ]).apply(([environment, region, vpcCidr, cidrs, tables, kafkaSg]) => {
            const problem = peerProblem(config, peer, String(environment), String(vpcCidr));
            if (problem) throw new Error(problem);
            const peerProvider = new aws.Provider(`${config.environment}-aws-${peer}`, remoteRegionProviderArgs(config, String(region)), { parent: opts.parent });
            return new RegionPeering(`${config.environment}-peering-${peer}`, {
                local,
                peer: {
                    stack: peer, region: String(region), vpcId: out(MESH_OUTPUTS.vpcId), vpcCidr: String(vpcCidr),
                    privateSubnetCidrs: cidrs as string[], privateRouteTableIds: tables as string[],
                    admits: admits(out(MESH_OUTPUTS.databaseSecurityGroupId), kafkaSg ? String(kafkaSg) : undefined),
                },
                peerProvider,
            }, opts).connectionId;
        });
        return [peer, connection];
    })));
}
