import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as awsEks from "@pulumi/aws/eks";
import * as kms from "@pulumi/aws/kms";
import * as sns from "@pulumi/aws/sns";
import { AlertRule, platformAlertRules } from "./alert-rules";
import { helmRelease } from "./helm-release";
import { OperatorCrds } from "./operator-crds";
import { policyDocument } from "./iam-documents";
import { platformNamespace } from "./namespace";
import { SYSTEM_NODE_LABEL, SYSTEM_TOLERATIONS } from "./scheduling";
import { OidcIdentity, ServiceAccountRole } from "./service-account-role";
import { STORAGE_CLASSES } from "./shared-storage";
import { resources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "./workload-defaults";

export interface MonitoringArgs {
    clusterName: string;
    accountId: pulumi.Input<string>;
    oidc: OidcIdentity;
    /** The RDS instance the database alarms watch. */
    database: {
        instanceIdentifier: pulumi.Input<string>;
        /**
         * Allocated storage (GiB), the instance's own output: storage autoscaling grows it, and the free-storage alarm
         * (below `freeStorageAlarmPercent` of it) follows on the next `pulumi up` after a refresh.
         */
        allocatedStorageGib: pulumi.Input<number>;
        /** Connections at which the connection alarm fires. Default 400 (db.t4g.medium allows about 410). */
        maxConnections?: number;
        /**
         * A copy of a writer in another region: the metric of its lag (RDS ReplicaLag in seconds, Aurora
         * AuroraGlobalDBReplicationLag in milliseconds: unitsPerSecond), alarmed above `replicaLagAlarmSeconds`. Default: none.
         */
        replicaLag?: { metricName: string; dimensions: Record<string, pulumi.Input<string>>; unitsPerSecond: number };
        /** Lag (seconds) at which that alarm fires. Default 300: a shopper's reads may then be 5 minutes stale. */
        replicaLagAlarmSeconds?: number;
    };
    /**
     * Days CloudWatch keeps the Container Insights log groups, which the program declares so they do not default to
     * never expiring. Default 30.
     */
    logRetentionDays?: number;
    /** Container logs to CloudWatch too (the add-on's Fluent Bit), besides Elasticsearch. Default false: shipped once. */
    containerLogsToCloudWatch?: boolean;
    /** E-mail subscribed to the alarm topic; empty or absent for no subscriber. */
    alertEmail?: string;
    /** Minimum number of nodes the cluster should have; fewer raises the node-count alarm. Default 2. */
    minimumNodes?: number;
    /** Percent CPU at which the RDS and node CPU alarms fire. Default 80. */
    cpuAlarmPercent?: number;
    /** Percent of allocated storage below which the free-storage alarm fires. Default 10. */
    freeStorageAlarmPercent?: number;
    /** Install kube-prometheus-stack with Grafana. Default false. */
    grafanaEnabled?: boolean;
    /** Grafana admin password (a Pulumi secret); required when grafanaEnabled. */
    grafanaAdminPassword?: pulumi.Input<string>;
    /** Prometheus retention and volume. Default "10d" / "50Gi". */
    prometheusRetention?: string;
    prometheusVolumeSize?: string;
    /** Prometheus and Alertmanager replicas. Default 1. Grafana always runs one (its login store is one SQLite file). */
    replicas?: number;
    /** Region of the alert topic (Alertmanager signs its SNS calls with SigV4 for it). Required when grafanaEnabled. */
    region?: string;
    /** Certificates Prometheus alerts on before they expire (name, notAfter RFC 3339). Default none. */
    certificates?: { name: string; notAfter: pulumi.Input<string> }[];
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Pulumi `protect` on the alarm topic's KMS key: a replacement or deletion fails until `pulumi state unprotect`.
     * Default false (the composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const CLOUDWATCH_NAMESPACE = "amazon-cloudwatch";
const CLOUDWATCH_SERVICE_ACCOUNT = "cloudwatch-agent";
const GRAFANA_SECRET = "grafana-admin";
/** Set explicitly so the IRSA trust names it exactly (the chart's default is `<fullname>-alertmanager`). */
export const ALERTMANAGER_SERVICE_ACCOUNT = "kube-prometheus-stack-alertmanager";
/** The chart's Prometheus selects PrometheusRules carrying its release label (ruleSelectorNilUsesHelmValues: true). */
export const RULE_SELECTOR_LABELS = { release: "kube-prometheus-stack" };
/** kube-prometheus-stack components (top-level value keys, chart 88.5.3) with no reachable target on EKS. */
export const UNSCRAPED_COMPONENTS = ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"] as const;
/** Their rule groups (`defaultRules.rules.*`); the chart also gates each on the component's `enabled`. */
export const UNSCRAPED_RULE_GROUPS = ["kubeControllerManager", "kubeSchedulerAlerting", "kubeSchedulerRecording", "etcd", "kubeProxy"] as const;

/**
 * Monitoring: CloudWatch Container Insights through the amazon-cloudwatch-observability EKS add-on (IRSA role),
 * a KMS-encrypted SNS alarm topic with an optional e-mail subscriber, CloudWatch alarms for the database (CPU, free
 * storage, connections) and the cluster's nodes (CPU, failed nodes, node count), and, when switched on,
 * kube-prometheus-stack with Grafana whose admin password comes from a Pulumi secret via a Kubernetes Secret.
 */
export class Monitoring extends pulumi.ComponentResource {
    readonly alarmTopicArn: pulumi.Output<string>;
    readonly alarmNames: pulumi.Output<string>[];
    /**
     * The kube-prometheus-stack release when Prometheus runs (it installs the ServiceMonitor CRD and the operator that
     * acts on it); workloads declare their ServiceMonitors depending on it. Undefined when Grafana is off.
     */
    readonly prometheusStack: k8s.helm.v3.Release | undefined;
    /** Namespace of kube-prometheus-stack, and its object (what its NetworkPolicies wait for); undefined when Grafana is off. */
    readonly namespace = "monitoring";
    readonly namespaceResource: k8s.core.v1.Namespace | undefined;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:monitoring:Monitoring", name, {}, opts);
        const child = { parent: this };

        const agentRole = new ServiceAccountRole(`${name}-cloudwatch-agent`, {
            oidc: args.oidc, namespace: CLOUDWATCH_NAMESPACE, serviceAccount: CLOUDWATCH_SERVICE_ACCOUNT,
            managedPolicyArns: ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess"],
        }, child);
        // The groups the add-on's agents write, declared before it with a retention (they would otherwise be created by the
        // agents with none). Fluent Bit writes application, host and dataplane only while container logs are on.
        const containerLogs = args.containerLogsToCloudWatch ?? false;
        const logGroups = containerInsightsLogGroups(args.clusterName, containerLogs).map((group) => new cloudwatch.LogGroup(`${name}-${group.split("/").pop()}-logs`, {
            name: group,
            retentionInDays: args.logRetentionDays ?? 30,
        }, child));
        new awsEks.Addon(`${name}-container-insights`, {
            clusterName: args.clusterName,
            addonName: "amazon-cloudwatch-observability",
            serviceAccountRoleArn: agentRole.roleArn,
            // Fluent Bit already ships every container's log to Elasticsearch (components/log-shipping.ts); the add-on's
            // own Fluent Bit DaemonSet would send the same lines to CloudWatch Logs and bill them twice. Its chart
            // renders that DaemonSet only `if .Values.containerLogs.enabled` (aws-observability/helm-charts).
            configurationValues: JSON.stringify({ containerLogs: { enabled: containerLogs } }),
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "PRESERVE",
        }, { ...child, dependsOn: [...(args.dependsOn ?? []), ...logGroups] });

        // CloudWatch can only publish to an encrypted topic whose key lets the CloudWatch service use it; the AWS
        // managed aws/sns key does not, so the topic gets its own key.
        const key = new kms.Key(`${name}-alarms`, {
            description: `Encrypts the alarm topic of ${args.clusterName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            policy: pulumi.output(args.accountId).apply((account) => policyDocument([
                { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: "kms:*", Resource: "*" },
                {
                    Sid: "CloudWatchPublishes", Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*",
                    Condition: { StringEquals: { "aws:SourceAccount": account } },
                },
            ])),
        }, { ...child, protect: args.protect });
        const topic = new sns.Topic(`${name}-alarms`, {
            displayName: `Alarms of ${args.clusterName}`,
            kmsMasterKeyId: key.arn,
        }, child);
        if (args.alertEmail) {
            new sns.TopicSubscription(`${name}-alarms-email`, { topic: topic.arn, protocol: "email", endpoint: args.alertEmail }, child);
        }

        const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };
        const cpu = args.cpuAlarmPercent ?? 80;
        const db = { DBInstanceIdentifier: args.database.instanceIdentifier };
        const cluster = { ClusterName: args.clusterName };
        const freePercent = args.freeStorageAlarmPercent ?? 10;
        const allocated = pulumi.output(args.database.allocatedStorageGib);
        const freeBytes = allocated.apply((gib) => Math.round(gib * 1024 ** 3 * freePercent / 100));
        const alarm = (id: string, description: pulumi.Input<string>, spec: Omit<cloudwatch.MetricAlarmArgs, "alarmDescription" | "alarmActions" | "okActions">) =>
            new cloudwatch.MetricAlarm(`${name}-${id}`, { alarmDescription: description, ...actions, treatMissingData: "missing", ...spec }, child);
        const lag = args.database.replicaLag;
        const lagSeconds = args.database.replicaLagAlarmSeconds ?? 300;
        const alarms = [
            alarm("rds-cpu", `Database CPU above ${cpu}% for 15 minutes`, {
                namespace: "AWS/RDS", metricName: "CPUUtilization", dimensions: db, statistic: "Average",
                period: 300, evaluationPeriods: 3, threshold: cpu, comparisonOperator: "GreaterThanThreshold",
            }),
            alarm("rds-free-storage", pulumi.interpolate`Database free storage below ${freePercent}% of ${allocated} GiB`, {
                namespace: "AWS/RDS", metricName: "FreeStorageSpace", dimensions: db, statistic: "Minimum",
                period: 300, evaluationPeriods: 2, threshold: freeBytes, comparisonOperator: "LessThanThreshold",
            }),
            alarm("rds-connections", `Database connections above ${args.database.maxConnections ?? 400}`, {
                namespace: "AWS/RDS", metricName: "DatabaseConnections", dimensions: db, statistic: "Maximum",
                period: 300, evaluationPeriods: 2, threshold: args.database.maxConnections ?? 400, comparisonOperator: "GreaterThanThreshold",
            }),
            ...(lag ? [alarm("rds-replica-lag", `Replica more than ${lagSeconds} s behind the writer`, {
                namespace: "AWS/RDS", metricName: lag.metricName, dimensions: lag.dimensions, statistic: "Maximum",
                period: 60, evaluationPeriods: 5, threshold: lagSeconds * lag.unitsPerSecond, comparisonOperator: "GreaterThanThreshold",
                // No lag figure means replication stopped or the source is unreachable: an alarm too.
                treatMissingData: "breaching",
            })] : []),
            alarm("node-cpu", `Average node CPU above ${cpu}% for 15 minutes (Container Insights)`, {
                namespace: "ContainerInsights", metricName: "node_cpu_utilization", dimensions: cluster, statistic: "Average",
                period: 300, evaluationPeriods: 3, threshold: cpu, comparisonOperator: "GreaterThanThreshold",
            }),
            alarm("node-failed", "A node of the cluster is failing (Container Insights)", {
                namespace: "ContainerInsights", metricName: "cluster_failed_node_count", dimensions: cluster, statistic: "Maximum",
                period: 300, evaluationPeriods: 2, threshold: 0, comparisonOperator: "GreaterThanThreshold",
            }),
            alarm("node-count", `Fewer than ${args.minimumNodes ?? 2} nodes (Container Insights)`, {
                namespace: "ContainerInsights", metricName: "cluster_node_count", dimensions: cluster, statistic: "Minimum",
                period: 300, evaluationPeriods: 2, threshold: args.minimumNodes ?? 2, comparisonOperator: "LessThanThreshold",
                // No data at all means the agent or the cluster is gone: that is an alarm too.
                treatMissingData: "breaching",
            }),
        ];

        if (args.grafanaEnabled) {
            if (!args.grafanaAdminPassword) throw new Error(`Monitoring ${name}: grafanaEnabled needs grafanaAdminPassword`);
            // Restricted: node metrics come from Container Insights, so the node exporter (hostPath, hostNetwork) is off.
            this.namespaceResource = platformNamespace(this.namespace, "restricted", child, `${name}-namespace`);
            if (!args.region) throw new Error(`Monitoring ${name}: grafanaEnabled needs region (Alertmanager publishes to the alert topic)`);
            const alertmanagerRole = new ServiceAccountRole(`${name}-alertmanager`, {
                oidc: args.oidc, namespace: this.namespace, serviceAccount: ALERTMANAGER_SERVICE_ACCOUNT,
                // Publish to this topic only; the topic's key must let the publisher encrypt (SNS calls KMS as the caller).
                policy: pulumi.all([topic.arn, key.arn]).apply(([topicArn, keyArn]) => policyDocument([
                    { Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
                    { Effect: "Allow", Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: keyArn },
                ])),
            }, child);
            this.prometheusStack = this.installPrometheusStack(name, args, this.namespaceResource, { topicArn: topic.arn, roleArn: alertmanagerRole.roleArn, region: args.region });
            this.declareRules(`${name}-platform-rules`, platformAlertRules({ certificates: args.certificates }), this.prometheusStack);
        }

        this.alarmTopicArn = topic.arn;
        this.alarmNames = alarms.map((a) => a.name);
        this.registerOutputs({ alarmTopicArn: this.alarmTopicArn });
    }

    /** The rules as a PrometheusRule the chart's Prometheus selects (its release label), after the operator's CRDs exist. */
    private declareRules(name: string, rules: AlertRule[], release: k8s.helm.v3.Release): void {
        new k8s.apiextensions.CustomResource(name, {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name: "platform", namespace: this.namespace, labels: RULE_SELECTOR_LABELS },
            spec: { groups: [{ name: "platform", rules }] },
        }, { parent: this, dependsOn: [release] });
    }

    private installPrometheusStack(
        name: string, args: MonitoringArgs, namespace: k8s.core.v1.Namespace,
        alerts: { topicArn: pulumi.Input<string>; roleArn: pulumi.Input<string>; region: string },
    ): k8s.helm.v3.Release {
        const child = { parent: this };
        const namespaceName = this.namespace;
        const adminSecret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
            metadata: { name: GRAFANA_SECRET, namespace: namespaceName },
            type: "Opaque",
            stringData: { "admin-user": "admin", "admin-password": pulumi.secret(args.grafanaAdminPassword!) },
        }, { ...child, dependsOn: [namespace] });
        // kube-prometheus-stack's CRDs live in the crds/ directory of its `crds` subchart: skipCrds skips them too.
        const crds = new OperatorCrds(`${name}-crds`, { chart: "kubePrometheusStack", protect: args.protect }, child);
        const replicas = args.replicas ?? 1;
        const pod = restrictedPodSecurityContext(65534);
        const container = restrictedContainerSecurityContext();
        return helmRelease(`${name}-kube-prometheus-stack`, {
            releaseName: "kube-prometheus-stack",
            chart: "kubePrometheusStack",
            namespace: namespaceName,
            skipCrds: true,
            values: {
                nodeExporter: { enabled: false },
                // EKS runs the control plane out of the cluster's reach: no scheduler, controller-manager or etcd target
                // exists, so their scrapes and rules would only raise KubeSchedulerDown/KubeControllerManagerDown/etcd
                // alerts for ever. kube-proxy (an EKS add-on in kube-system) is off too: its metrics port 10249 is not
                // among the scrapes the monitoring NetworkPolicy allows, its health is the nodes' (Container Insights
                // alarms), and KubeProxyDown/TargetDown would fire permanently.
                ...Object.fromEntries(UNSCRAPED_COMPONENTS.map((component) => [component, { enabled: false }])),
                defaultRules: { rules: Object.fromEntries(UNSCRAPED_RULE_GROUPS.map((group) => [group, false])) },
                prometheusOperator: {
                    resources: resources("100m", "256Mi", { memory: "512Mi" }),
                    nodeSelector: SYSTEM_NODE_LABEL,
                    tolerations: SYSTEM_TOLERATIONS,
                },
                prometheus: {
                    prometheusSpec: {
                        replicas,
                        retention: args.prometheusRetention ?? "10d",
                        resources: resources("500m", "2Gi", { memory: "4Gi" }),
                        securityContext: pod,
                        // Scrape ServiceMonitors from every namespace, not only this release's.
                        serviceMonitorSelectorNilUsesHelmValues: false,
                        podMonitorSelectorNilUsesHelmValues: false,
                        storageSpec: {
                            volumeClaimTemplate: {
                                spec: { storageClassName: STORAGE_CLASSES.block, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: args.prometheusVolumeSize ?? "50Gi" } } },
                            },
                        },
                    },
                    // The chart renders the whole object over its default minAvailable: 1, so a maxUnavailable would give the
                    // budget both fields (rejected by the API); minAvailable replicas - 1 is the same budget.
                    podDisruptionBudget: { enabled: replicas > 1, minAvailable: replicas - 1 },
                },
                alertmanager: {
                    serviceAccount: { name: ALERTMANAGER_SERVICE_ACCOUNT, annotations: { "eks.amazonaws.com/role-arn": alerts.roleArn } },
                    config: alertmanagerConfig(alerts.topicArn, alerts.region),
                    alertmanagerSpec: { replicas, resources: resources("50m", "128Mi", { memory: "256Mi" }), securityContext: pod },
                    podDisruptionBudget: { enabled: replicas > 1, minAvailable: replicas - 1 },
                },
                grafana: {
                    enabled: true,
                    // One replica: Grafana keeps users and login sessions in its database, here SQLite in the pod (its
                    // dashboards, datasources and admin are provisioned). Two replicas would each keep their own, and a
                    // session made on one would be unknown to the other. Prometheus and Alertmanager, which alert, stay
                    // replicated; a Grafana restart costs a new login.
                    replicas: 1,
                    admin: { existingSecret: GRAFANA_SECRET, userKey: "admin-user", passwordKey: "admin-password" },
                    resources: resources("100m", "256Mi", { memory: "512Mi" }),
                    securityContext: restrictedPodSecurityContext(472),
                    containerSecurityContext: container,
                    persistence: { enabled: false },
                },
                "kube-state-metrics": {
                    resources: resources("50m", "128Mi", { memory: "256Mi" }),
                    securityContext: restrictedPodSecurityContext(65534),
                    containerSecurityContext: container,
                },
            },
        }, { ...child, dependsOn: [namespace, adminSecret, ...crds.crds, ...(args.dependsOn ?? [])] });
    }
}

/**
 * Alertmanager's configuration: every alert but the chart's Watchdog heartbeat goes to the alert topic (the same one
 * the CloudWatch alarms use, so subscribers live in one place: its e-mail subscription). SigV4 credentials come from
 * the pod's IRSA role (web identity in the AWS SDK's default chain). Helm merges this over the chart's `config`:
 * `route` and `receivers` are replaced as lists, `inhibit_rules` and `templates` keep the chart's.
 */
export function alertmanagerConfig(topicArn: pulumi.Input<string>, region: string): Record<string, unknown> {
    return {
        route: {
            receiver: "alert-topic",
            group_by: ["namespace", "alertname"],
            routes: [{ receiver: "null", matchers: ['alertname = "Watchdog"'] }],
        },
        receivers: [
            { name: "null" },
            {
                name: "alert-topic",
                sns_configs: [{
                    topic_arn: topicArn,
                    sigv4: { region },
                    // SNS subjects are limited to 100 characters: the group's name and count only.
                    subject: '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .CommonLabels.alertname }}',
                    send_resolved: true,
                }],
            },
        ],
    };
}

/**
 * Log groups the amazon-cloudwatch-observability add-on writes for a cluster: performance (the agent's metrics as
 * embedded-metric logs) always; application, host and dataplane from its Fluent Bit while container logs are on.
 */
export function containerInsightsLogGroups(clusterName: string, containerLogs: boolean): string[] {
    const kinds = ["performance", ...(containerLogs ? ["application", "host", "dataplane"] : [])];
    return kinds.map((kind) => `/aws/containerinsights/${clusterName}/${kind}`);
}
