/**
 * What holds data or identity a replacement would lose: the types a preview must never replace without a decision,
 * and whose URNs the stateful-URN test holds stable. Shared by tools/preview-replacements.ts and the tests.
 */
export interface StatefulSelector {
    type: string;
    /** Only resources whose name (the URN's last segment) matches; every resource of the type when absent. */
    name?: RegExp;
    why: string;
}

export const STATEFUL_SELECTORS: readonly StatefulSelector[] = [
    { type: "aws:rds/instance:Instance", why: "the shop's database" },
    { type: "aws:kms/key:Key", why: "a key whose replacement schedules the old one, and what it encrypted, for deletion" },
    { type: "aws:efs/fileSystem:FileSystem", why: "shared volumes" },
    { type: "eks:index:Cluster", why: "the cluster component" },
    { type: "aws:eks/cluster:Cluster", why: "the cluster and everything in it" },
    { type: "awsx:ec2:Vpc", why: "the VPC component" },
    { type: "aws:ec2/vpc:Vpc", why: "the network everything runs in" },
    { type: "kubernetes:core/v1:Namespace", name: /-(kafka|search|redis)-namespace$/, why: "a data namespace: deleting it deletes its volume claims" },
    { type: "kubernetes:kafka.strimzi.io/v1:Kafka", why: "Kafka's brokers and their logs" },
    { type: "kubernetes:kafka.strimzi.io/v1:KafkaNodePool", why: "Kafka's volumes" },
    { type: "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch", why: "search indices and logs" },
    { type: "kubernetes:helm.sh/v3:Release", name: /-redis-cluster$/, why: "the release that renders the RedisCluster" },
    { type: "aws:s3/bucket:Bucket", name: /-(static|lake)$/, why: "the static site or the data lake" },
    { type: "aws:route53/zone:Zone", why: "the hosted zone: its name servers are delegated from the registrar" },
    { type: "aws:ecr/repository:Repository", why: "release images a rollback deploys" },
    { type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", why: "an operator's CRD: deleting it deletes every object of its kind (the Kafka cluster, the Elasticsearch, the NodePools)" },
];

/** The selector a resource matches, by its URN (type from the last `$` segment, name after the last `::`). */
export function statefulSelectorOf(urn: string, type = typeOfUrn(urn)): StatefulSelector | undefined {
    const name = urn.split("::").pop() ?? "";
    return STATEFUL_SELECTORS.find((s) => s.type === type && (!s.name || s.name.test(name)));
}

/** urn:pulumi:<stack>::<project>::<parent types joined by $>$<type>::<name> */
export function typeOfUrn(urn: string): string {
    const parts = urn.split("::");
    return (parts[2] ?? "").split("$").pop() ?? "";
}
