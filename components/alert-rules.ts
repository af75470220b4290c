import * as pulumi from "@pulumi/pulumi";

/** One Prometheus alerting rule (monitoring.coreos.com/v1 PrometheusRule `spec.groups[].rules[]`). */
export interface AlertRule {
    alert: string;
    expr: pulumi.Input<string>;
    for: string;
    labels: { severity: "critical" | "warning" };
    annotations: { summary: string; description: string };
}

export interface PlatformAlertArgs {
    /** Prometheus `job` of the API's scrape (its ServiceMonitor selects the Service of this name). Default "shop-api". */
    apiJob?: string;
    /** Share of API requests answered 5xx over 5 minutes that pages. Default 0.05 (5%). */
    api5xxRatio?: number;
    /** p99 API latency (seconds) that pages; must be one of the histogram's bucket bounds to be exact. Default 1. */
    apiP99Seconds?: number;
    /** Used share of a PersistentVolumeClaim that warns. Default 0.85. */
    pvcUsedRatio?: number;
    /**
     * Certificates that expire without Prometheus seeing them: name and notAfter (RFC 3339, e.g. the tls provider's
     * `validityEndTime`). The rule compares that plan-time date with the clock, so a renewal (a `pulumi up` within the
     * certificate's early-renewal window) moves the rule's date with it. Default none.
     */
    certificates?: { name: string; notAfter: pulumi.Input<string> }[];
    /** Days before notAfter the certificate alert fires. Default 21. */
    certificateWarningDays?: number;
    /** Messages a consumer group may lag behind on one topic before it warns. Default 1000 (Strimzi's example rule). */
    kafkaConsumerLag?: number;
}

/** Bucket bounds of the API's `http_request_duration_seconds` histogram (app/src/http/metrics.ts). */
export const API_LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

/**
 * The platform's alerting rules, on metrics Prometheus really scrapes here: the API's own histogram (its
 * ServiceMonitor), kube-state-metrics (Jobs, StatefulSets) and the kubelets' volume statistics. The chart's default
 * rules already cover what they name (KubePodCrashLooping, KubePersistentVolumeFillingUp at 3%…); these add the
 * platform's own thresholds.
 */
export function platformAlertRules(args: PlatformAlertArgs = {}): AlertRule[] {
    const job = args.apiJob ?? "shop-api";
    const errorRatio = args.api5xxRatio ?? 0.05;
    const p99 = args.apiP99Seconds ?? 1;
    if (!(API_LATENCY_BUCKETS as readonly number[]).includes(p99)) {
        throw new Error(`platformAlertRules: apiP99Seconds ${p99} is not a bucket bound of http_request_duration_seconds (${API_LATENCY_BUCKETS.join(", ")})`);
    }
    const pvc = args.pvcUsedRatio ?? 0.85;
    const certDays = args.certificateWarningDays ?? 21;
    const lag = args.kafkaConsumerLag ?? 1000;
    const requests = `http_request_duration_seconds_count{job="${job}"}`;
    return [
        {
            alert: "ShopApiHighErrorRate",
            expr: `sum(rate(http_request_duration_seconds_count{job="${job}",status_code=~"5.."}[5m])) / sum(rate(${requests}[5m])) > ${errorRatio}`,
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: `More than ${percent(errorRatio)} of API requests fail with 5xx`,
                description: "{{ $value | humanizePercentage }} of shop API requests answered 5xx over 5 minutes. Look at the API's logs (Kibana, index k8s-logs-*, kubernetes.namespace_name: shop) and its dependencies' alerts.",
            },
        },
        {
            alert: "ShopApiHighLatency",
            expr: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="${job}"}[5m]))) > ${p99}`,
            for: "10m",
            labels: { severity: "warning" },
            annotations: {
                summary: `API p99 latency above ${p99}s`,
                description: "The shop API's 99th-percentile latency is {{ $value | humanizeDuration }} over 5 minutes (Grafana: query http_request_duration_seconds_bucket by route).",
            },
        },
        {
            alert: "CronJobRunFailed",
            // A Job owned by a CronJob that has failed pods and no later success; the chart's KubeJobFailed does not
            // wait for the retry budget, this one waits until the Job itself is marked Failed.
            expr: "kube_job_status_failed > 0 and on (namespace, job_name) (kube_job_failed{condition=\"true\"} == 1) and on (namespace, job_name) kube_job_owner{owner_kind=\"CronJob\"}",
            for: "1m",
            labels: { severity: "warning" },
            annotations: {
                summary: "A CronJob run failed",
                description: "Job {{ $labels.namespace }}/{{ $labels.job_name }} failed. kubectl -n {{ $labels.namespace }} logs job/{{ $labels.job_name }}; delete the Job once understood (the alert clears with it).",
            },
        },
        {
            alert: "PersistentVolumeClaimNearlyFull",
            expr: `kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > ${pvc}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: `A PersistentVolumeClaim is more than ${percent(pvc)} full`,
                description: "PVC {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full. gp3 volumes grow online: raise the claim's request (the StorageClass allows expansion).",
            },
        },
        {
            // ECK exports no Prometheus metrics: a StatefulSet of the Elasticsearch cluster below its replicas means a
            // node is down (health yellow or red). Shard-level health (yellow with all nodes up) is not seen here.
            alert: "ElasticsearchNodesNotReady",
            expr: "kube_statefulset_status_replicas_ready{namespace=\"search\"} < kube_statefulset_replicas{namespace=\"search\"}",
            for: "10m",
            labels: { severity: "critical" },
            annotations: {
                summary: "An Elasticsearch node is not ready",
                description: "StatefulSet search/{{ $labels.statefulset }} has fewer ready pods than replicas: the cluster is at best yellow. kubectl -n search get elasticsearch (HEALTH column).",
            },
        },
        // elasticsearch_exporter v1.11.0 (collector/cluster_health.go): elasticsearch_cluster_health_status{cluster,color}
        // is 1 for the cluster's current color. Yellow (a replica unassigned) waits out a node's restart; red (a
        // primary unassigned: writes to it fail) pages sooner.
        {
            alert: "ElasticsearchClusterYellow",
            expr: "max by (cluster) (elasticsearch_cluster_health_status{color=\"yellow\"}) == 1",
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: "Elasticsearch cluster health is yellow",
                description: "Cluster {{ $labels.cluster }} has unassigned replica shards: one more node loss loses data. kubectl -n search get elasticsearch; GET _cluster/allocation/explain (Kibana Dev Tools).",
            },
        },
        {
            alert: "ElasticsearchClusterRed",
            expr: "max by (cluster) (elasticsearch_cluster_health_status{color=\"red\"}) == 1",
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "Elasticsearch cluster health is red",
                description: "Cluster {{ $labels.cluster }} has unassigned primary shards: searches miss documents and writes to those indices fail. kubectl -n search get elasticsearch,pods; GET _cluster/allocation/explain.",
            },
        },
        // Kafka Exporter metrics (Strimzi 1.2.0 examples/metrics/prometheus-install/prometheus-rules/
        // prometheus-kafka-exporter-topic-rules-group.yaml); longer `for` than the example's 10s so a broker roll, which
        // leaves partitions under-replicated for a minute, does not page.
        {
            alert: "KafkaUnderReplicatedPartitions",
            expr: "kafka_topic_partition_under_replicated_partition > 0",
            for: "5m",
            labels: { severity: "critical" },
            annotations: {
                summary: "A Kafka partition is under-replicated",
                description: "Topic {{ $labels.topic }} partition {{ $labels.partition }} has fewer in-sync replicas than replicas: a broker is down or behind. kubectl -n kafka get pods; the brokers' logs in Kibana (kubernetes.namespace_name: kafka).",
            },
        },
        {
            alert: "KafkaConsumerGroupLag",
            expr: `sum by (consumergroup, topic) (kafka_consumergroup_lag) > ${lag}`,
            for: "15m",
            labels: { severity: "warning" },
            annotations: {
                summary: `A Kafka consumer group lags more than ${lag} messages`,
                description: "Consumer group {{ $labels.consumergroup }} is {{ $value }} messages behind on topic {{ $labels.topic }}: its consumers are down, stuck or too few.",
            },
        },
        {
            // The redis-exporter sidecar of each node reports whether it can reach its Redis. The chart's ServiceMonitor
            // selects both the node Service and the operator's `-metrics` Service (same labels, both with the port
            // "redis-exporter", operator v0.26.0), so each pod is scraped twice: one alert per pod.
            alert: "RedisDown",
            expr: "max by (namespace, pod) (redis_up) == 0",
            for: "2m",
            labels: { severity: "critical" },
            annotations: {
                summary: "A Redis node is down",
                description: "The exporter of {{ $labels.namespace }}/{{ $labels.pod }} cannot reach its Redis. kubectl -n redis get pods; kubectl -n redis describe pod {{ $labels.pod }}; kubectl -n redis get rediscluster.",
            },
        },
        ...(args.certificates ?? []).map(({ name, notAfter }): AlertRule => ({
            alert: "CertificateNearExpiry",
            expr: pulumi.output(notAfter).apply((date) => {
                const epoch = Date.parse(date);
                if (Number.isNaN(epoch)) throw new Error(`platformAlertRules: notAfter of ${name} is not a date: "${date}"`);
                return `${Math.floor(epoch / 1000)} - time() < ${certDays * 86400}`;
            }),
            for: "1h",
            labels: { severity: "warning" },
            annotations: {
                summary: `Certificate ${name} expires within ${certDays} days`,
                description: `${name} expires in {{ $value | humanizeDuration }}. Run \`pulumi up\` on the stack: the tls provider renews it inside its early-renewal window.`,
            },
        })),
    ];
}
