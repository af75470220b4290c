import * as pulumi from "@pulumi/pulumi";
import type { KafkaClusterRef } from "./kafka-client";
import { scramUser } from "./kafka-client";
import { mirrorSourceAcls } from "./kafka-mirror";

export interface KafkaMirrorSourceArgs {
    /** This region's cluster, which the peers' MirrorMaker 2 reads from while this region is the primary. */
    kafka: KafkaClusterRef;
    /** The stacks that may mirror from here (every peer: any of them is a secondary while this one is primary). */
    peers: string[];
    /** Topics they mirror. */
    topics: string[];
    rotationEpoch?: string;
}

/** The KafkaUser name of a peer's mirror on this cluster. */
export function mirrorUserName(peer: string): string {
    return `mirror-${peer}`.toLowerCase();
}

/**
 * The users the peers' MirrorMaker 2 authenticates as on this cluster (SCRAM-SHA-512 over the replication listener),
 * one per peer stack, each limited to reading the mirrored topics (mirrorSourceAcls). Created in every stack that can
 * be the primary, so a failover finds them in place. Their passwords are generated here and reach each peer as a secret
 * output of this stack (read through its StackReference): the primary is deployed before its secondaries and reads
 * nothing of theirs, so no reference runs both ways.
 */
export class KafkaMirrorSource extends pulumi.ComponentResource {
    /** Peer stack name -> its mirror user's password (a Pulumi secret). */
    readonly passwords: pulumi.Output<Record<string, string>>;

    constructor(name: string, args: KafkaMirrorSourceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:KafkaMirrorSource", name, {}, opts);
        const users = args.peers.map((peer) => [peer, scramUser(`${name}-${peer}`, {
            kafka: args.kafka, user: mirrorUserName(peer), acls: mirrorSourceAcls(args.topics), rotationEpoch: args.rotationEpoch,
        }, { parent: this })] as const);
        this.passwords = pulumi.secret(pulumi.all(Object.fromEntries(users.map(([peer, user]) => [peer, user.password]))));
        this.registerOutputs({});
    }
}
