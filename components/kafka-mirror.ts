import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KAFKA_VERSION } from "./catalogue";
import type { KafkaClusterRef, KafkaAclRule } from "./kafka-client";
import { scramUser } from "./kafka-client";
import { resources, type ResourceSpec } from "./workload-defaults";

const STRIMZI = "kafka.strimzi.io/v1";
/** MirrorMaker 2's Connect group and internal topics on the target (this region's cluster). */
export const MIRROR_CONNECT = { groupId: "mirror-maker-2", configTopic: "mirror-maker-2-config", offsetTopic: "mirror-maker-2-offset", statusTopic: "mirror-maker-2-status" } as const;
/** Labels Strimzi gives the MirrorMaker 2 pods (strimzi.io/kind); the listener and NetworkPolicies select them. */
export const MIRROR_MAKER_PODS = { "strimzi.io/kind": "KafkaMirrorMaker2" } as const;
/** Kafka Connect's REST API on the MirrorMaker 2 pods, which the cluster operator drives. */
export const MIRROR_MAKER_REST_PORT = 8083;

/**
 * MirrorSourceConnector's offset-syncs topic, on the target (offset-syncs.topic.location=target):
 * "mm2-offset-syncs.<source alias>.internal" (Kafka's DefaultReplicationPolicy.offsetSyncsTopic, which
 * IdentityReplicationPolicy inherits; MirrorSourceConfig names it after the other cluster's alias).
 */
export function offsetSyncsTopic(sourceAlias: string): string {
    return `mm2-offset-syncs.${sourceAlias}.internal`;
}

const literal = (type: "topic" | "group", name: string, operations: string[]): KafkaAclRule => ({ type: "allow", resource: { type, name, patternType: "literal" }, operations });

/**
 * What the mirror's user may do on the SOURCE cluster: read the mirrored topics (Describe to list them, DescribeConfigs
 * as Strimzi's secured MirrorMaker 2 example grants for every mirrored topic). Nothing else: the offset-syncs topic
 * lives on the target, no checkpoint connector runs (no group to describe), topic ACLs and configs are not synced.
 */
export function mirrorSourceAcls(topics: string[]): KafkaAclRule[] {
    return topics.map((topic) => literal("topic", topic, ["Read", "Describe", "DescribeConfigs"]));
}

/**
 * What the mirror's user may do on the TARGET cluster: Kafka Connect's group and its three internal topics (create,
 * then read and write them; DescribeConfigs to check their cleanup policy), the offset-syncs topic, and write the
 * mirrored topics (Create as MirrorSourceConnector creates a missing one; here the topic operator already has).
 */
export function mirrorTargetAcls(topics: string[], sourceAlias: string): KafkaAclRule[] {
    const internal = ["Create", "Describe", "DescribeConfigs", "Read", "Write"];
    return [
        literal("group", MIRROR_CONNECT.groupId, ["Read"]),
        ...[MIRROR_CONNECT.configTopic, MIRROR_CONNECT.offsetTopic, MIRROR_CONNECT.statusTopic, offsetSyncsTopic(sourceAlias)].map((topic) => literal("topic", topic, internal)),
        ...topics.map((topic) => literal("topic", topic, ["Write", "Describe", "Create"])),
    ];
}

export interface KafkaMirrorArgs {
    /** This region's cluster (the target). */
    kafka: KafkaClusterRef;
    /** This stack's name: the target's alias. */
    targetAlias: string;
    /** The primary: its stack name (alias), the replication listener's bootstrap, its cluster CA and this mirror's password there. */
    source: { alias: string; bootstrapServers: pulumi.Input<string>; caCertPem: pulumi.Input<string>; username: string; password: pulumi.Input<string> };
    /** Topics mirrored with their names unchanged (IdentityReplicationPolicy): local consumers read them as they are. */
    topics: string[];
    /** Default 1 (one source task: `products` has 3 partitions and a catalogue's change rate). */
    replicas?: number;
    /** Default 250m / 768Mi. */
    resources?: ResourceSpec;
    rotationEpoch?: string;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Strimzi KafkaMirrorMaker2 (kafka.strimzi.io/v1, Strimzi 1.2.0's CRD: `target` + `mirrors[].source`) pulling the
 * given topics from the primary region's Kafka into this region's, over VPC peering to the primary's replication
 * listener (TLS verified against the primary's cluster CA, SCRAM-SHA-512 as the user the primary created for this
 * stack). Names stay as they are (IdentityReplicationPolicy), so the local search indexer reads `products` whichever
 * region wrote it. Only a source connector: no checkpoints (local consumers keep their own groups on the local
 * cluster), no ACL or config sync (the local topic operator owns the topics), offset syncs kept on the target so the
 * source user stays read-only. Its own user on the local cluster has exactly mirrorTargetAcls.
 */
export class KafkaMirror extends pulumi.ComponentResource {
    readonly mirrorMaker: k8s.apiextensions.CustomResource;
    readonly targetUser: string;

    constructor(name: string, args: KafkaMirrorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:KafkaMirror", name, {}, opts);
        const child = { parent: this };
        const { kafka, source } = args;
        this.targetUser = "mirror-maker";
        const target = scramUser(`${name}-target`, { kafka, user: this.targetUser, acls: mirrorTargetAcls(args.topics, source.alias), rotationEpoch: args.rotationEpoch }, child);
        const inKafka = { namespace: kafka.namespace, labels: { "app.kubernetes.io/part-of": "ecommerce-platform" } };
        const sourceCa = new k8s.core.v1.Secret(`${name}-source-ca`, {
            metadata: { name: "mirror-source-ca", ...inKafka },
            type: "Opaque",
            stringData: { "ca.crt": source.caCertPem },
        }, { ...child, dependsOn: [kafka.cluster] });
        const sourceCredentials = new k8s.core.v1.Secret(`${name}-source-credentials`, {
            metadata: { name: "mirror-source-credentials", ...inKafka },
            type: "Opaque",
            stringData: { password: pulumi.secret(source.password) },
        }, { ...child, dependsOn: [kafka.cluster] });

        const scram = (username: string, secretName: string, caSecret: string) => ({
            tls: { trustedCertificates: [{ secretName: caSecret, certificate: "ca.crt" }] },
            authentication: { type: "scram-sha-512", username, passwordSecret: { secretName, password: "password" } },
        });
        this.mirrorMaker = new k8s.apiextensions.CustomResource(`${name}-mirrormaker2`, {
            apiVersion: STRIMZI,
            kind: "KafkaMirrorMaker2",
            metadata: { name: "mirror", namespace: kafka.namespace },
            spec: {
                version: KAFKA_VERSION.kafka,
                replicas: args.replicas ?? 1,
                resources: args.resources ?? resources("250m", "768Mi", { memory: "1Gi" }),
                target: {
                    alias: args.targetAlias,
                    bootstrapServers: kafka.scramBootstrapServers,
                    groupId: MIRROR_CONNECT.groupId,
                    configStorageTopic: MIRROR_CONNECT.configTopic,
                    offsetStorageTopic: MIRROR_CONNECT.offsetTopic,
                    statusStorageTopic: MIRROR_CONNECT.statusTopic,
                    ...scram(this.targetUser, target.passwordSecretName, `${kafka.clusterName}-cluster-ca-cert`),
                    // -1: the broker's default replication factor (3 in prod).
                    config: { "config.storage.replication.factor": -1, "offset.storage.replication.factor": -1, "status.storage.replication.factor": -1 },
                },
                mirrors: [{
                    source: { alias: source.alias, bootstrapServers: source.bootstrapServers, ...scram(source.username, "mirror-source-credentials", "mirror-source-ca") },
                    sourceConnector: {
                        tasksMax: 1,
                        config: {
                            "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
                            "replication.factor": -1,
                            "offset-syncs.topic.location": "target",
                            "offset-syncs.topic.replication.factor": -1,
                            "sync.topic.acls.enabled": "false",
                            "sync.topic.configs.enabled": "false",
                            "refresh.topics.interval.seconds": 600,
                        },
                    },
                    // Exactly the listed topics: a pattern that matched more would need more ACLs on both sides.
                    topicsPattern: args.topics.map((topic) => `^${topic.replace(/[.]/g, "\\.")}$`).join("|"),
                }],
            },
        }, { ...child, dependsOn: [kafka.cluster, target.kafkaUser, sourceCa, sourceCredentials, ...(args.dependsOn ?? [])] });
        this.registerOutputs({ targetUser: this.targetUser });
    }
}
