import * as pulumi from "@pulumi/pulumi";
import { KONG_PROXY_PORT } from "../components/api-gateway";
import type { DatabaseBootstrapNamespace } from "../components/database-bootstrap-namespace";
import { POSTGRES_PORT } from "../components/data/database-foundation";
import { ES_EXPORTER_LABELS, ES_EXPORTER_PORT } from "../components/elasticsearch-exporter";
import { KAFKA_EXPORTER_PORT, KAFKA_REPLICATION_PORT, KAFKA_SCRAM_PORT, kafkaExporterLabels } from "../components/kafka";
import { MIRROR_MAKER_PODS, MIRROR_MAKER_REST_PORT } from "../components/kafka-mirror";
import {
    AllowPolicy, ClusterNetwork, FlowRule, Peer, PortSpec, apiServer, cidr, fromControlPlane, internet, namespaceNetworkPolicies, podsHere, podsIn,
} from "../components/network-policies";
import { OTEL_COLLECTOR_PODS, OTLP_HTTP_PORT, type OtelCollector } from "../components/observability/otel-collector";
import { REDIS_EXPORTER_PORT, REDIS_PORT } from "../components/redis-cluster";
import { NOTIFICATIONS_WORKER_PODS, NOTIFICATIONS_WORKER_PORT } from "../components/shop/notifications-worker";
import type { ShopApi } from "../components/shop-api";
import { SHOP_API_PORT } from "../components/shop-api";
import type { ClusterServices } from "./cluster-services";

export interface NetworkPolicyInputs {
    network: ClusterNetwork;
    services: ClusterServices;
    api: ShopApi;
    apiNamespace: string;
    bootstrap: DatabaseBootstrapNamespace;
    /** The OpenTelemetry Collector: the workloads send it traces (OTLP/HTTP), it writes them to Elasticsearch. */
    collector: OtelCollector;
    /**
     * In a secondary region, the primary's VPC range, reached over the peering (routes exist only to its private
     * subnets): the API's workloads write to the writer database there, and the MirrorMaker 2 in the kafka namespace
     * reads the primary's replication listener there. Default none (the primary, or an unpeered stack).
     */
    primaryVpcCidr?: pulumi.Input<string>;
    /**
     * Whether the writer is this region's database. Where it is not (a replica here), Keycloak and the bootstrap Jobs
     * write to the primary's writer across the regions' peering, not to the local replica. Default true.
     */
    writerIsLocal?: boolean;
    opts: pulumi.CustomResourceOptions;
}

/*
 * Pods as the charts and operators label them (templates at the pinned versions in components/catalogue.ts). The
 * wiring test models the same pods (test/stacks/kubernetes-wiring.test.ts) and proves each selector matches them.
 */
/** kong chart, _helpers.tpl "kong.selectorLabels" (release "kong"): the proxy pods (the ingress controller runs in them). */
export const KONG = { "app.kubernetes.io/name": "kong", "app.kubernetes.io/instance": "kong" };
const KONG_PORTS = { proxy: KONG_PROXY_PORT, status: 8100, admissionWebhook: 8080 };
/** keycloakx chart, _helpers.tpl "keycloak.selectorLabels" (release "keycloak"). */
const KEYCLOAK = { "app.kubernetes.io/name": "keycloakx", "app.kubernetes.io/instance": "keycloak" };
/** Keycloak's HTTP port; 9000 (management: health, metrics) stays closed to other pods (kubelet probes pass anyway). */
const KEYCLOAK_HTTP = 8080;
/** The Job that applies the realms' security settings through Keycloak's admin API (components/identity.ts). */
const REALM_SETTINGS = { "app.kubernetes.io/name": "keycloak-realm-settings" };
/** Infinispan over JGroups TCP between Keycloak replicas (jdbc-ping stack): 7800, and 57800 for failure detection. */
const KEYCLOAK_CLUSTER_PORTS: PortSpec[] = [{ port: 7800 }, { port: 57800 }];
/** The API image's workloads (API, CronJobs, search indexer) and the API pods alone (components/shop-api.ts). */
const SHOP_WORKLOADS = { "app.kubernetes.io/name": "shop-api" };
const SHOP_API = { ...SHOP_WORKLOADS, "app.kubernetes.io/component": "api" };
/** OT redis-cluster chart: the operator labels leaders and followers by `role` (components/redis-cluster.ts spreads by it). */
const REDIS_NODES = { matchExpressions: [{ key: "role", operator: "In" as const, values: ["leader", "follower"] }] };
const REDIS_OPERATOR = { matchExpressions: [{ key: "role", operator: "DoesNotExist" as const }] };
/** The cluster bus: the data port + 10000. */
const REDIS_BUS = REDIS_PORT + 10000;
/** Strimzi: every pod of the cluster, the brokers and controllers (strimzi.io/kind Kafka), the operators. */
const strimzi = (cluster: string) => ({
    cluster: { "strimzi.io/cluster": cluster },
    nodes: { "strimzi.io/cluster": cluster, "strimzi.io/kind": "Kafka", "strimzi.io/name": `${cluster}-kafka` },
    clusterOperator: { "strimzi.io/kind": "cluster-operator" },
    entityOperator: { "strimzi.io/name": `${cluster}-entity-operator` },
    exporter: kafkaExporterLabels(cluster),
});
/** Strimzi's fixed ports: KRaft controllers, replication (brokers and Strimzi's own clients), the Kafka agent. */
const KAFKA_INTERNAL_PORTS: PortSpec[] = [{ port: 9090 }, { port: 9091 }, { port: 8443 }];
/** ECK: pods of the Elasticsearch cluster and of Kibana (labels ECK sets), and the operator (eck-operator chart). */
const ES_NODES = { "elasticsearch.k8s.elastic.co/cluster-name": "search" };
const KIBANA = { "kibana.k8s.elastic.co/name": "search" };
const ECK_OPERATOR = { "control-plane": "elastic-operator" };
const ES_HTTP = 9200;
const ES_TRANSPORT = 9300;
const ECK_WEBHOOK = 9443;
/** fluent-bit chart "fluent-bit.selectorLabels"; the lifecycle Job's own label (components/log-shipping.ts). */
const FLUENT_BIT = { "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit" };
const LOG_LIFECYCLE = { "app.kubernetes.io/name": "log-lifecycle" };
/** kube-prometheus-stack: Prometheus (operator-set label) and the Prometheus operator (chart labels). */
export const PROMETHEUS = { "app.kubernetes.io/name": "prometheus" };
const PROMETHEUS_OPERATOR = { app: "kube-prometheus-stack-operator" };
/** Alertmanager's pods (operator-set label). */
const ALERTMANAGER = { "app.kubernetes.io/name": "alertmanager" };
/** The operator's admission webhook (container port "https"). */
const PROMETHEUS_OPERATOR_WEBHOOK = 10250;
/** Kubelets (Prometheus scrapes node and cAdvisor metrics from them) and CoreDNS's metrics. */
const KUBELET = 10250;
const COREDNS_METRICS = 9153;

const tcp = (...ports: number[]): PortSpec[] => ports.map((port) => ({ port }));
const to = (peers: FlowRule["peers"], ports: PortSpec[]): FlowRule => ({ peers, ports });

/**
 * Every platform namespace's NetworkPolicies, in one table: each namespace denies everything by default (ingress and
 * egress) and allows DNS (namespaceNetworkPolicies), then exactly the flows below. A flow between two namespaces is
 * written twice, as egress at its source and ingress at its destination, since both must allow it.
 *
 * kube-system is left out on purpose: it holds the EKS add-ons (CoreDNS, the VPC CNI, kube-proxy, CSI drivers) whose
 * pods and ports AWS changes with add-on versions, metrics-server and the controllers the API server calls back
 * (Karpenter, the Load Balancer Controller webhooks); a default deny there would break the cluster itself.
 */
export function composeNetworkPolicies({ network, services, api, apiNamespace, bootstrap, collector, primaryVpcCidr, writerIsLocal = true, opts }: NetworkPolicyInputs): void {
    const { redis, kafka, search, gateway, identity, monitoring, logs } = services;
    const aws = to([internet()], tcp(443));
    // RDS lives in the private subnets (its subnet group): PostgreSQL anywhere else in the VPC stays closed.
    const database = to(network.privateSubnetCidrs.map((block) => cidr(block)), tcp(POSTGRES_PORT));
    // Writers (Keycloak, the bootstraps) reach the local database only where it is the writer.
    const k = strimzi(kafka.clusterName);
    const primary: Peer[] = primaryVpcCidr ? [{ ipBlock: { cidr: primaryVpcCidr } }] : [];
    // Where the writer is not here, Keycloak and the bootstrap Jobs write to it in the primary region, over the peering.
    const writer = writerIsLocal ? [database] : primary.length > 0 ? [to(primary, tcp(POSTGRES_PORT))] : [];
    // Prometheus runs only where monitoring installs it: the exporters admit its scrapes there.
    const prometheus = monitoring.namespaceResource ? [podsIn(monitoring.namespace, PROMETHEUS)] : [];
    const scrapedBy = (port: number): FlowRule[] => (prometheus.length > 0 ? [to(prometheus, tcp(port))] : []);
    const redisNodes = to([{ ...podsIn(redis.namespace), podSelector: REDIS_NODES }], tcp(REDIS_PORT));
    const kafkaScram = to([podsIn(kafka.namespace, k.nodes)], tcp(KAFKA_SCRAM_PORT));
    const traces = to([podsIn(collector.namespace, OTEL_COLLECTOR_PODS)], tcp(OTLP_HTTP_PORT));

    // The API, its CronJobs and the indexer share an image and its settings: each may open what those settings name.
    namespaceNetworkPolicies(`${apiNamespace}-netpol`, { name: apiNamespace, resource: api.namespace }, [{
        name: "shop-workloads-egress",
        pods: SHOP_WORKLOADS,
        egress: [
            // PostgreSQL (RDS in the VPC's private subnets), Secrets Manager and STS (IRSA), S3, the catalogue feed.
            database, aws,
            // A secondary's writes go to the writer database in the primary region, over the peering.
            ...(primary.length > 0 ? [to(primary, tcp(POSTGRES_PORT))] : []),
            // Cluster mode: after a MOVED redirect (or a failover) the client talks to any node, leader or follower.
            redisNodes,
            kafkaScram,
            to([podsIn(search.namespace, ES_NODES)], tcp(ES_HTTP)),
            // Signing keys (JWKS) come from Keycloak's in-cluster Service whatever the public issuer is.
            to([podsIn(identity.namespace, KEYCLOAK)], tcp(KEYCLOAK_HTTP)),
            traces,
        ],
    }, {
        // The notifications worker: Kafka, its Redis dedupe keys, STS (IRSA) then SES and SNS over HTTPS, the collector.
        // No database, no Elasticsearch, no Keycloak.
        name: "notifications-worker",
        pods: NOTIFICATIONS_WORKER_PODS,
        ingress: scrapedBy(NOTIFICATIONS_WORKER_PORT),
        egress: [aws, redisNodes, kafkaScram, traces],
    }], opts);
    // Ingress to the API pods (from the gateway and Prometheus) is the API's own policy (components/shop-api.ts).

    namespaceNetworkPolicies(`${gateway.namespace}-netpol`, { name: gateway.namespace, resource: gateway.namespaceResource }, [{
        name: "kong",
        pods: KONG,
        ingress: [
            // The NLB (IP targets) delivers clients from anywhere, decrypted, on the HTTP proxy port (its TLS listener on 443
            // is the only way in; Kong itself serves no TLS); the NLB's security group filters sources.
            to([cidr("0.0.0.0/0")], tcp(KONG_PORTS.proxy)),
            // NLB health checks (from its addresses in the VPC) and the ingress controller's admission webhook.
            to([cidr(network.vpcCidr)], tcp(KONG_PORTS.status)),
            fromControlPlane(network, tcp(KONG_PORTS.admissionWebhook)),
        ],
        egress: [
            // The ingress controller watches Ingresses, Services and plugins.
            apiServer(network),
            to([podsIn(apiNamespace, SHOP_API)], tcp(SHOP_API_PORT)),
            to([podsIn(identity.namespace, KEYCLOAK)], tcp(KEYCLOAK_HTTP)),
        ],
    }], opts);

    // Keycloak: no internet egress (the RDS CA bundle ships as a ConfigMap, components/rds-ca.ts).
    namespaceNetworkPolicies(`${identity.namespace}-netpol`, { name: identity.namespace, resource: identity.namespaceResource }, [{
        name: "keycloak",
        pods: KEYCLOAK,
        ingress: [
            // The API fetches the realm's signing keys (JWKS) from the in-cluster Service whatever the public issuer is.
            to([podsIn(gateway.namespace, KONG), podsHere(REALM_SETTINGS), podsIn(apiNamespace, SHOP_WORKLOADS)], tcp(KEYCLOAK_HTTP)),
            to([podsHere(KEYCLOAK)], KEYCLOAK_CLUSTER_PORTS),
        ],
        egress: [...writer, to([podsHere(KEYCLOAK)], KEYCLOAK_CLUSTER_PORTS)],
    }, {
        // The realm-settings Job calls Keycloak's admin API at its in-cluster Service address, and nothing else.
        name: "keycloak-realm-settings",
        pods: REALM_SETTINGS,
        egress: [to([podsHere(KEYCLOAK)], tcp(KEYCLOAK_HTTP))],
    }], opts);

    namespaceNetworkPolicies(`${redis.namespace}-netpol`, { name: redis.namespace, resource: redis.namespaceResource }, [
        {
            name: "redis-nodes",
            pods: REDIS_NODES,
            ingress: [
                to([podsIn(apiNamespace, SHOP_WORKLOADS), podsIn(apiNamespace, NOTIFICATIONS_WORKER_PODS), podsHere({}) /* replication and the operator's redis-cli */], tcp(REDIS_PORT)),
                to([{ podSelector: REDIS_NODES }], tcp(REDIS_BUS)),
                // The redis-exporter sidecar, through the chart's ServiceMonitors.
                ...scrapedBy(REDIS_EXPORTER_PORT),
            ],
            // Followers replicate from leaders; every node gossips on the cluster bus.
            egress: [to([{ podSelector: REDIS_NODES }], tcp(REDIS_PORT, REDIS_BUS))],
        },
        {
            name: "redis-operator",
            pods: REDIS_OPERATOR,
            // The operator creates the StatefulSets and forms the cluster with redis-cli on each node.
            egress: [apiServer(network), to([{ podSelector: REDIS_NODES }], tcp(REDIS_PORT))],
        },
    ], opts);

    // Ingress to the brokers and controllers is the NetworkPolicy Strimzi generates per Kafka cluster (9090 from the
    // cluster and its operator, 9091 from the cluster and Strimzi's clients, 8443 from the operator, each listener from
    // its networkPolicyPeers); the other pods here serve nothing. Egress is declared here.
    // MirrorMaker 2 (secondaries): reads the primary's replication listener through its internal NLBs, in the primary's
    // VPC over the peering, writes into the local brokers on the SCRAM listener (whose Strimzi-generated policy names
    // these pods), and is driven by the cluster operator through Kafka Connect's REST API.
    const mirror: AllowPolicy[] = primary.length > 0 ? [{
        name: "kafka-mirror-maker",
        pods: MIRROR_MAKER_PODS,
        ingress: [to([podsHere(k.clusterOperator)], tcp(MIRROR_MAKER_REST_PORT))],
        egress: [to([podsHere(k.nodes)], tcp(KAFKA_SCRAM_PORT)), to(primary, tcp(KAFKA_REPLICATION_PORT))],
    }] : [];
    const operatorToMirror = primary.length > 0 ? [to([podsHere(MIRROR_MAKER_PODS)], tcp(MIRROR_MAKER_REST_PORT))] : [];
    namespaceNetworkPolicies(`${kafka.namespace}-netpol`, { name: kafka.namespace, resource: kafka.namespaceResource }, [
        { name: "kafka-nodes", pods: k.nodes, egress: [to([podsHere(k.nodes)], tcp(9090, 9091))] },
        { name: "strimzi-cluster-operator", pods: k.clusterOperator, egress: [apiServer(network), to([podsHere(k.nodes)], KAFKA_INTERNAL_PORTS), ...operatorToMirror] },
        ...mirror,
        { name: "strimzi-entity-operator", pods: k.entityOperator, egress: [apiServer(network), to([podsHere(k.nodes)], tcp(9091))] },
        // The Kafka Exporter reads topics and consumer groups on the replication listener, which Strimzi's generated
        // policy admits for strimzi.io/name <cluster>-kafka-exporter (KafkaCluster.generateNetworkPolicy). Its own
        // generated policy opens 9404 to every pod; the ingress here names the one scraper in case generation is off.
        { name: "kafka-exporter", pods: k.exporter, ingress: scrapedBy(KAFKA_EXPORTER_PORT), egress: [to([podsHere(k.nodes)], tcp(9091))] },
    ], opts);

    // The Elasticsearch exporter runs where Prometheus does (stacks/cluster-services.ts).
    const esExporter = prometheus.length > 0 ? [podsHere(ES_EXPORTER_LABELS)] : [];
    namespaceNetworkPolicies(`${search.namespace}-netpol`, { name: search.namespace, resource: search.namespaceResource }, [
        {
            name: "elasticsearch",
            pods: ES_NODES,
            ingress: [
                to([
                    podsIn(apiNamespace, SHOP_WORKLOADS), podsIn(logs.namespace, FLUENT_BIT), podsIn(logs.namespace, LOG_LIFECYCLE),
                    podsHere(KIBANA), podsIn(search.operatorNamespace, ECK_OPERATOR), podsIn(collector.namespace, OTEL_COLLECTOR_PODS), ...esExporter,
                ], tcp(ES_HTTP)),
                to([podsHere(ES_NODES)], tcp(ES_TRANSPORT)),
            ],
            egress: [to([podsHere(ES_NODES)], tcp(ES_TRANSPORT))],
        },
        { name: "kibana", pods: KIBANA, egress: [to([podsHere(ES_NODES)], tcp(ES_HTTP))] },
        ...(esExporter.length > 0 ? [{
            name: "elasticsearch-exporter",
            pods: ES_EXPORTER_LABELS,
            ingress: scrapedBy(ES_EXPORTER_PORT),
            egress: [to([podsHere(ES_NODES)], tcp(ES_HTTP))],
        }] : []),
    ], opts);
    namespaceNetworkPolicies(`${search.operatorNamespace}-netpol`, { name: search.operatorNamespace, resource: search.operatorNamespaceResource }, [{
        name: "eck-operator",
        pods: ECK_OPERATOR,
        ingress: [fromControlPlane(network, tcp(ECK_WEBHOOK))],
        // The operator manages Elasticsearch through its API (users, settings, shard allocation during rollouts).
        egress: [apiServer(network), to([podsIn(search.namespace, ES_NODES)], tcp(ES_HTTP))],
    }], opts);

    namespaceNetworkPolicies(`${logs.namespace}-netpol`, { name: logs.namespace, resource: logs.namespaceResource }, [
        // Fluent Bit's kubernetes filter reads pod metadata from the API server.
        { name: "fluent-bit", pods: FLUENT_BIT, egress: [apiServer(network), to([podsIn(search.namespace, ES_NODES)], tcp(ES_HTTP))] },
        { name: "log-lifecycle", pods: LOG_LIFECYCLE, egress: [to([podsIn(search.namespace, ES_NODES)], tcp(ES_HTTP))] },
    ], opts);

    // The collector: OTLP/HTTP from the API's workloads and the worker in, spans to Elasticsearch out.
    namespaceNetworkPolicies(`${collector.namespace}-netpol`, { name: collector.namespace, resource: collector.namespaceResource }, [{
        name: "otel-collector",
        pods: OTEL_COLLECTOR_PODS,
        ingress: [to([podsIn(apiNamespace, SHOP_WORKLOADS), podsIn(apiNamespace, NOTIFICATIONS_WORKER_PODS)], tcp(OTLP_HTTP_PORT))],
        egress: [to([podsIn(search.namespace, ES_NODES)], tcp(ES_HTTP))],
    }], opts);

    if (monitoring.namespaceResource) {
        namespaceNetworkPolicies(`${monitoring.namespace}-netpol`, { name: monitoring.namespace, resource: monitoring.namespaceResource }, [
            {
                // Prometheus, Alertmanager, Grafana, the operator and kube-state-metrics talk among themselves on ports the
                // chart chooses (scrapes of each other, Grafana's datasource, alerts); nothing outside reaches them.
                name: "within-namespace",
                pods: {},
                ingress: [to([podsHere({})], [])],
                egress: [to([podsHere({})], []), apiServer(network)],
            },
            { name: "prometheus-operator-webhook", pods: PROMETHEUS_OPERATOR, ingress: [fromControlPlane(network, tcp(PROMETHEUS_OPERATOR_WEBHOOK))] },
            // Alerts leave the cluster through the SNS alert topic: STS (IRSA web identity) then SNS, both HTTPS.
            { name: "alertmanager-to-sns", pods: ALERTMANAGER, egress: [aws] },
            {
                name: "prometheus-scrapes",
                pods: PROMETHEUS,
                egress: [
                    to([podsIn(apiNamespace, SHOP_API)], tcp(SHOP_API_PORT)),
                    to([podsIn(apiNamespace, NOTIFICATIONS_WORKER_PODS)], tcp(NOTIFICATIONS_WORKER_PORT)),
                    to([{ ...podsIn(redis.namespace), podSelector: REDIS_NODES }], tcp(REDIS_EXPORTER_PORT)),
                    to([podsIn(kafka.namespace, k.exporter)], tcp(KAFKA_EXPORTER_PORT)),
                    to([podsIn(search.namespace, ES_EXPORTER_LABELS)], tcp(ES_EXPORTER_PORT)),
                    to([podsIn("kube-system", { "k8s-app": "kube-dns" })], tcp(COREDNS_METRICS)),
                    // Kubelets on the nodes' VPC addresses (the chart's kubelet and cAdvisor ServiceMonitors).
                    to([cidr(network.vpcCidr)], tcp(KUBELET)),
                ],
            },
        ], opts);
    }

    // The bootstrap Jobs: the master secret from Secrets Manager (STS for IRSA first), then PostgreSQL. Nothing else.
    namespaceNetworkPolicies(`${bootstrap.namespace}-netpol`, { name: bootstrap.namespace, resource: bootstrap.namespaceResource }, [
        { name: "bootstrap-jobs", pods: {}, egress: [aws, ...writer] },
    ], opts);
}
