import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";

/** Topic operations a KafkaUser ACL accepts (Strimzi 1.2.0 KafkaUser CRD). */
export type KafkaTopicOperation = "Read" | "Write" | "Create" | "Delete" | "Alter" | "Describe" | "AlterConfigs" | "DescribeConfigs" | "All";

export interface KafkaTopicAcl {
    /** A topic of the cluster (or a prefix with `patternType: "prefix"`). */
    topic: string;
    operations: KafkaTopicOperation[];
    /** Default "literal". */
    patternType?: "literal" | "prefix";
}

/** What a stack declares for one client of a Kafka cluster. */
export interface KafkaClientSpec {
    /** Namespace of the application; it receives the Secret `kafka-<user>`. */
    namespace: string;
    /** SCRAM user name (also the KafkaUser name in the kafka namespace). */
    user: string;
    /** Topic ACLs, exactly as granted (allow). */
    acls: KafkaTopicAcl[];
    /** Consumer group the client may join and commit offsets in (adds a group Read ACL). */
    consumerGroup?: string;
    /** Name of the Secret in the client namespace. Default `kafka-<user>`. */
    secretName?: string;
    /** Resources the client-namespace Secret waits for, typically that namespace. */
    /** Changing this value generates its passwords anew (RandomPassword keeper; config `secretRotationEpoch`). Default "1". */
    rotationEpoch?: string;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The parts of a Kafka cluster a client needs (the Kafka component provides them all). */
export interface KafkaClusterRef {
    namespace: string;
    clusterName: string;
    scramBootstrapServers: string;
    caCertPem: pulumi.Input<string>;
    /** Topics the cluster declares; ACLs on other literal topics are rejected. */
    topics: string[];
    /** The Kafka resource; the client's KafkaUser waits for it. */
    cluster: pulumi.Resource;
}

export interface KafkaClientArgs extends KafkaClientSpec {
    kafka: KafkaClusterRef;
}

const STRIMZI = "kafka.strimzi.io/v1";
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Keys of the client-namespace Secret. */
export const KAFKA_CLIENT_SECRET_KEYS = { bootstrap: "bootstrap", username: "username", password: "password", caCert: "ca.crt" } as const;

/**
 * An application's access to Kafka from another namespace over the SCRAM-SHA-512 listener (TLS, port 9094):
 * - a generated password, kept in a Secret in the kafka namespace that the KafkaUser reads it from;
 * - a KafkaUser with scram-sha-512 authentication and exactly the ACLs asked for;
 * - a Secret `kafka-<user>` in the client's namespace with `bootstrap`, `username`, `password` and `ca.crt` (the
 *   cluster CA, which Pulumi owns), since pods cannot read Secrets of another namespace.
 * The password only ever travels as a Pulumi secret.
 */
export class KafkaClient extends pulumi.ComponentResource {
    readonly username: string;
    readonly namespace: string;
    /** Secret in the client namespace (keys: KAFKA_CLIENT_SECRET_KEYS). */
    readonly secretName: string;
    readonly bootstrapServers: string;
    readonly kafkaUser: k8s.apiextensions.CustomResource;

    constructor(name: string, args: KafkaClientArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:KafkaClient", name, {}, opts);
        const child = { parent: this };
        const kafka = args.kafka;
        this.username = args.user;
        this.namespace = args.namespace;
        this.secretName = args.secretName ?? `kafka-${args.user}`;
        this.bootstrapServers = kafka.scramBootstrapServers;
        const acls = kafkaUserAcls(name, args, kafka.topics);

        const user = scramUser(name, { kafka, user: args.user, acls, rotationEpoch: args.rotationEpoch }, child);
        this.kafkaUser = user.kafkaUser;
        const secretPassword = user.password;

        new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: { name: this.secretName, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "ecommerce-platform" } },
            type: "Opaque",
            stringData: {
                [KAFKA_CLIENT_SECRET_KEYS.bootstrap]: kafka.scramBootstrapServers,
                [KAFKA_CLIENT_SECRET_KEYS.username]: args.user,
                [KAFKA_CLIENT_SECRET_KEYS.password]: secretPassword,
                [KAFKA_CLIENT_SECRET_KEYS.caCert]: kafka.caCertPem,
            },
        }, { ...child, dependsOn: [this.kafkaUser, ...(args.dependsOn ?? [])] });

        this.registerOutputs({ username: this.username, namespace: this.namespace, secretName: this.secretName, bootstrapServers: this.bootstrapServers });
    }
}

/** A KafkaUser ACL rule exactly as Strimzi's KafkaUser v1 takes it (spec.authorization.acls[]). */
export interface KafkaAclRule {
    type: "allow";
    resource: { type: "topic" | "group"; name: string; patternType: "literal" | "prefix" } | { type: "cluster" };
    operations: string[];
}

/**
 * A SCRAM-SHA-512 KafkaUser with exactly the given ACLs and a generated password (Pulumi secret), kept in a Secret in
 * the kafka namespace that the KafkaUser reads it from (not named after the user: the User Operator writes its own
 * Secret `<user>` there).
 */
export function scramUser(name: string, args: { kafka: Pick<KafkaClusterRef, "namespace" | "clusterName" | "cluster">; user: string; acls: KafkaAclRule[]; rotationEpoch?: string },
    opts: pulumi.CustomResourceOptions): { kafkaUser: k8s.apiextensions.CustomResource; password: pulumi.Output<string>; passwordSecretName: string } {
    const { kafka } = args;
    const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false, keepers: { rotationEpoch: args.rotationEpoch ?? "1" } }, opts);
    const secretPassword = pulumi.secret(password.result);
    const passwordSecretName = `${args.user}-scram-password`;
    const passwordSecret = new k8s.core.v1.Secret(`${name}-scram-password`, {
        metadata: { name: passwordSecretName, namespace: kafka.namespace, labels: { "strimzi.io/cluster": kafka.clusterName } },
        type: "Opaque",
        stringData: { password: secretPassword },
    }, { ...opts, dependsOn: [kafka.cluster] });
    const kafkaUser = new k8s.apiextensions.CustomResource(`${name}-user`, {
        apiVersion: STRIMZI,
        kind: "KafkaUser",
        metadata: { name: args.user, namespace: kafka.namespace, labels: { "strimzi.io/cluster": kafka.clusterName } },
        spec: {
            authentication: {
                type: "scram-sha-512",
                password: { valueFrom: { secretKeyRef: { name: passwordSecret.metadata.name, key: "password" } } },
            },
            authorization: { type: "simple", acls: args.acls },
        },
    }, { ...opts, dependsOn: [kafka.cluster, passwordSecret] });
    return { kafkaUser, password: secretPassword, passwordSecretName };
}

/** The KafkaUser ACLs for a client: its topic ACLs as given, plus Read on its consumer group. */
export function kafkaUserAcls(name: string, spec: Pick<KafkaClientSpec, "user" | "namespace" | "acls" | "consumerGroup">, topics: string[]): KafkaAclRule[] {
    if (!DNS_LABEL.test(spec.user)) throw new Error(`KafkaClient ${name}: user "${spec.user}" is not a valid Kubernetes name`);
    if (!DNS_LABEL.test(spec.namespace)) throw new Error(`KafkaClient ${name}: namespace "${spec.namespace}" is not a valid Kubernetes name`);
    if (spec.acls.length === 0 && !spec.consumerGroup) throw new Error(`KafkaClient ${name}: no ACLs`);
    for (const acl of spec.acls) {
        if (acl.operations.length === 0) throw new Error(`KafkaClient ${name}: ACL on ${acl.topic} has no operations`);
        // Topics are not auto-created, so a literal ACL on an undeclared topic is a typo.
        if ((acl.patternType ?? "literal") === "literal" && !topics.includes(acl.topic)) {
            throw new Error(`KafkaClient ${name}: topic "${acl.topic}" is not a topic of the cluster (${topics.join(", ")})`);
        }
    }
    return [
        ...spec.acls.map((acl): KafkaAclRule => ({
            type: "allow",
            resource: { type: "topic", name: acl.topic, patternType: acl.patternType ?? "literal" },
            operations: [...acl.operations],
        })),
        ...(spec.consumerGroup ? [{ type: "allow" as const, resource: { type: "group" as const, name: spec.consumerGroup, patternType: "literal" as const }, operations: ["Read"] }] : []),
    ];
}
