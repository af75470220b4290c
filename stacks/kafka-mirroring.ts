import * as pulumi from "@pulumi/pulumi";
import type { Kafka } from "../components/kafka";
import { KafkaMirror } from "../components/kafka-mirror";
import { KafkaMirrorSource, mirrorUserName } from "../components/kafka-mirror-source";
import type { PlatformConfig } from "./config";
import { MESH_OUTPUTS, primaryStackOf, projectStack } from "./region-mesh";

/**
 * Topics every region must see as the primary wrote them. Only `products`: catalogue writes happen against the writer
 * database, so only the primary's relay publishes them, and each secondary's search index and product cache follow
 * them. `orders`, `payments`, `notifications` and `notifications-dlq` stay regional (README, "Kafka across regions").
 */
export const GLOBAL_TOPICS = ["products"];

export interface KafkaMirroring {
    /** The peers' mirror passwords on this cluster (secret), in every peered stack. */
    mirrorPasswords?: pulumi.Output<Record<string, string>>;
    /** The primary's VPC range, in a secondary: where its MirrorMaker 2 connects (NetworkPolicy egress). */
    sourceVpcCidr?: pulumi.Output<string>;
    /**
     * In a secondary, the stack its MirrorMaker 2 reads, once the primary's outputs hold this stack's mirror password:
     * a stack output, so a primary that has no user for this stack fails the program.
     */
    mirrorsFrom?: pulumi.Output<string>;
}

/** Whether this stack runs a MirrorMaker 2 (a peered stack that is not the primary). */
export function mirrorsFromPrimary(config: PlatformConfig): boolean {
    return config.network.peerStacks.length > 0 && primaryStackOf(config) !== config.stack;
}

/**
 * Kafka across the peered regions: every peered stack can be the primary, so each creates its peers' mirror users
 * (KafkaMirrorSource); a secondary runs a KafkaMirror from the primary, reading its replication bootstrap, cluster CA
 * and this stack's mirror password from the primary's outputs. Only secondaries read the primary, never the reverse.
 */
export function composeKafkaMirroring(config: PlatformConfig, kafka: Kafka, opts: pulumi.ComponentResourceOptions): KafkaMirroring {
    const peers = config.network.peerStacks;
    if (peers.length === 0) return {};
    const source = new KafkaMirrorSource(`${config.environment}-kafka-mirror-source`, {
        kafka, peers, topics: GLOBAL_TOPICS, rotationEpoch: config.secretRotationEpoch,
    }, opts);
    if (!mirrorsFromPrimary(config)) return { mirrorPasswords: source.passwords };

    const primary = primaryStackOf(config);
    if (!peers.includes(primary)) {
        throw new Error(`${config.project}:peerStacks: lists ${peers.join(", ")} but not ${primary}, the stack holding the primary; a secondary mirrors the primary's Kafka over the peering`);
    }
    const ref = projectStack(config, primary, "primary");
    const password = ref.requireOutput(MESH_OUTPUTS.kafkaMirrorPasswords).apply((passwords: Record<string, string>) => {
        const own = passwords[config.stack];
        if (!own) throw new Error(`${config.project}:peerStacks: ${primary} has no Kafka mirror user for ${config.stack}; add ${config.stack} to its peerStacks and run its \`pulumi up\` first`);
        return own;
    });
    new KafkaMirror(`${config.environment}-kafka-mirror`, {
        kafka,
        targetAlias: config.stack,
        source: {
            alias: primary,
            bootstrapServers: ref.requireOutput(MESH_OUTPUTS.kafkaReplicationBootstrap).apply(String),
            caCertPem: ref.requireOutput(MESH_OUTPUTS.kafkaClusterCaCertPem).apply(String),
            username: mirrorUserName(config.stack),
            password: pulumi.secret(password),
        },
        topics: GLOBAL_TOPICS,
        rotationEpoch: config.secretRotationEpoch,
    }, opts);
    return { mirrorPasswords: source.passwords, sourceVpcCidr: ref.requireOutput(MESH_OUTPUTS.vpcCidr).apply(String), mirrorsFrom: pulumi.unsecret(password.apply(() => primary)) };
}
