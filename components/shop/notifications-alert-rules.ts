import type { AlertRule } from "../alert-rules";

export interface NotificationAlertArgs {
    /** The worker's consumer group. */
    consumerGroup: string;
    /** Dead-letter topic. Default "notifications-dlq". */
    deadLetterTopic?: string;
    /**
     * Messages the worker's group may lag behind, summed over its topics, before it warns. Default 500: a customer
     * waits for an order confirmation, so this pages earlier than the platform-wide KafkaConsumerGroupLag (1000 per topic).
     */
    maxLag?: number;
    /** Minutes of lag above maxLag before the alert fires. Default 10. */
    lagForMinutes?: number;
}

/**
 * The notifications worker's alerts, on the Kafka Exporter's metrics (Strimzi's exporter, scraped through its
 * PodMonitor: components/kafka.ts): its group's lag, and any new message in the dead-letter topic (the log-end
 * offset of its partitions grew), which means a customer did not get a mail or message.
 */
export function notificationAlertRules(args: NotificationAlertArgs): AlertRule[] {
    const dlq = args.deadLetterTopic ?? "notifications-dlq";
    const lag = args.maxLag ?? 500;
    const group = args.consumerGroup;
    if (!/^[A-Za-z0-9._-]+$/.test(group)) throw new Error(`notificationAlertRules: consumer group "${group}" is not a plain Kafka group name`);
    if (!Number.isInteger(lag) || lag < 1) throw new Error(`notificationAlertRules: maxLag must be a positive integer, got ${lag}`);
    return [
        {
            alert: "NotificationsWorkerLagging",
            expr: `sum(kafka_consumergroup_lag{consumergroup="${group}"}) > ${lag}`,
            for: `${args.lagForMinutes ?? 10}m`,
            labels: { severity: "warning" },
            annotations: {
                summary: `The notifications worker is more than ${lag} events behind`,
                description: "Consumer group " + group + " lags {{ $value }} messages over orders, payments and notifications: mails and messages go out late. kubectl -n shop get pods -l app.kubernetes.io/name=notifications-worker; its logs in Kibana (kubernetes.labels.app_kubernetes_io/name: notifications-worker).",
            },
        },
        {
            alert: "NotificationsDeadLettered",
            expr: `sum(increase(kafka_topic_partition_current_offset{topic="${dlq}"}[15m])) > 0`,
            for: "0m",
            labels: { severity: "warning" },
            annotations: {
                summary: `Notifications landed in ${dlq}`,
                description: "{{ $value }} events were dead-lettered in the last 15 minutes: their customers got no mail or message. The reason is in each record's headers; read them with a consumer of " + dlq + " and replay once fixed.",
            },
        },
    ];
}
