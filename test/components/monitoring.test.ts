import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Monitoring, MonitoringArgs } from "../../components/monitoring";
import { validateCustomResource } from "../support/crd-validator";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function declareMonitoring(name: string, grafana: boolean, alertEmail: string, extra: Partial<MonitoringArgs> = {}): Promise<Registered> {
    return declared(name, () => new Monitoring(name, {
        clusterName: "shop-test",
        accountId: "000000000000",
        oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.example", providerUrl: "oidc.example" },
        database: { instanceIdentifier: "shop-db", allocatedStorageGib: 100 },
        alertEmail,
        minimumNodes: 3,
        grafanaEnabled: grafana,
        grafanaAdminPassword: grafana ? pulumi.secret("grafana-test-password") : undefined,
        region: "eu-west-1",
        replicas: 2,
        certificates: [{ name: "Elasticsearch HTTP", notAfter: "2027-12-06T09:00:00Z" }],
        ...extra,
    }));
}

describe("components/monitoring", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declareMonitoring("montest-prod", true, "oncall@example.com");
        dev = await declareMonitoring("montest-dev", false, "");
    });

    it("turns on Container Insights through the EKS add-on with its own IRSA role", () => {
        const addon = prod.one("aws:eks/addon:Addon").inputs;
        expect(addon.addonName).to.equal("amazon-cloudwatch-observability");
        expect(addon.serviceAccountRoleArn).to.match(/^arn:aws:iam::/);
        const role = prod.ofType("aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes(":cloudwatch-agent"))!;
        const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
        expect(JSON.stringify(trust)).to.include("system:serviceaccount:amazon-cloudwatch:cloudwatch-agent");
    });

    it("sends alarms to a KMS-encrypted SNS topic whose key CloudWatch may use", () => {
        const topic = prod.one("aws:sns/topic:Topic");
        expect(topic.inputs.kmsMasterKeyId).to.match(/^arn:aws:kms:/);
        const policy = JSON.parse(String(prod.one("aws:kms/key:Key").inputs.policy));
        expect(JSON.stringify(policy)).to.include("cloudwatch.amazonaws.com");
    });

    it("subscribes the alert e-mail when one is configured, and nobody otherwise", () => {
        expect(prod.one("aws:sns/topicSubscription:TopicSubscription").inputs).to.include({ protocol: "email", endpoint: "oncall@example.com" });
        expect(dev.ofType("aws:sns/topicSubscription:TopicSubscription")).to.have.length(0);
    });

    it("alarms on database CPU, free storage and connections and on node CPU, failures and count, all routed to the topic", () => {
        const alarms = prod.ofType(ALARM);
        const metrics = alarms.map((a) => `${a.inputs.namespace}/${a.inputs.metricName}`);
        expect(metrics).to.have.members([
            "AWS/RDS/CPUUtilization", "AWS/RDS/FreeStorageSpace", "AWS/RDS/DatabaseConnections",
            "ContainerInsights/node_cpu_utilization", "ContainerInsights/cluster_failed_node_count", "ContainerInsights/cluster_node_count",
        ]);
        const topicArn = prod.one("aws:sns/topic:Topic").outputs.arn;
        for (const alarm of alarms) {
            expect(alarm.inputs.alarmActions).to.deep.equal([topicArn]);
            expect(alarm.inputs.okActions).to.deep.equal([topicArn]);
        }
    });

    it("sets the free-storage threshold at 10% of the allocated storage and the node-count threshold at the minimum", () => {
        const byMetric = (metric: string) => prod.ofType(ALARM).find((a) => a.inputs.metricName === metric)!.inputs;
        expect(byMetric("FreeStorageSpace").threshold).to.equal(10 * 1024 ** 3);
        expect(byMetric("FreeStorageSpace").dimensions).to.deep.equal({ DBInstanceIdentifier: "shop-db" });
        expect(byMetric("cluster_node_count")).to.include({ threshold: 3, comparisonOperator: "LessThanThreshold", treatMissingData: "breaching" });
    });

    it("installs Grafana (kube-prometheus-stack) only when switched on, with the admin password from a Secret", () => {
        expect(dev.ofType("kubernetes:helm.sh/v3:Release")).to.have.length(0);
        const release = prod.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release.chart).to.equal("kube-prometheus-stack");
        const grafana = (release.values as Spec).grafana;
        expect(grafana.enabled).to.equal(true);
        expect(grafana.admin).to.deep.equal({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
        expect(JSON.stringify(release)).to.not.include("grafana-test-password");
        const secret = prod.one("kubernetes:core/v1:Secret").inputs;
        expect(JSON.stringify(secret.stringData)).to.include("ciphertext").and.not.include("grafana-test-password");
    });

    it("keeps Prometheus on gp3 and the namespace restricted (no node exporter)", () => {
        const values = prod.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
        expect(values.nodeExporter.enabled).to.equal(false);
        expect(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).to.equal("gp3");
        expect((prod.one("kubernetes:core/v1:Namespace").inputs.metadata as Spec).labels["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
    });

    it("scrapes and alerts on no control-plane component EKS hides, nor kube-proxy (no permanently firing *Down alerts)", () => {
        const values = prod.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
        for (const component of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) expect(values[component], component).to.deep.equal({ enabled: false });
        expect(values.defaultRules).to.deep.equal({
            rules: { kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, etcd: false, kubeProxy: false },
        });
        // What EKS does expose stays on: the API server, the kubelets and CoreDNS.
        for (const component of ["kubeApiServer", "kubelet", "coreDns"]) expect(values[component], component).to.equal(undefined);
    });

    it("routes every alert but the Watchdog heartbeat to the alert topic over SigV4, as an IRSA role that may only publish there", () => {
        const values = prod.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
        const topicArn = prod.one("aws:sns/topic:Topic").outputs.arn;
        const config = values.alertmanager.config;
        expect(config.route.receiver).to.equal("alert-topic");
        expect(config.route.routes).to.deep.equal([{ receiver: "null", matchers: ['alertname = "Watchdog"'] }]);
        const receiver = (config.receivers as Spec[]).find((r) => r.name === "alert-topic")!;
        expect(receiver.sns_configs).to.have.length(1);
        expect(receiver.sns_configs[0]).to.include({ topic_arn: topicArn, send_resolved: true });
        expect(receiver.sns_configs[0].sigv4).to.deep.equal({ region: "eu-west-1" });

        const account = values.alertmanager.serviceAccount;
        expect(account.name).to.equal("kube-prometheus-stack-alertmanager");
        const role = prod.ofType("aws:iam/role:Role").find((r) => String(r.inputs.assumeRolePolicy).includes("monitoring:kube-prometheus-stack-alertmanager"));
        expect(role, "IRSA role trusted by the Alertmanager service account").to.not.equal(undefined);
        expect(account.annotations["eks.amazonaws.com/role-arn"]).to.equal(role!.outputs.arn);
        const policies = prod.ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.urn.endsWith("::montest-prod-alertmanager"));
        expect(policies).to.have.length(1);
        const statements = JSON.parse(String(policies[0].inputs.policy)).Statement as Spec[];
        const publish = statements.find((st) => [st.Action].flat().includes("sns:Publish"))!;
        expect(publish.Resource).to.equal(topicArn);
        expect(statements.flatMap((st) => [st.Action].flat())).to.not.include("sns:*");
    });

    it("declares the platform's alerts as a PrometheusRule the chart's Prometheus selects, valid against the operator's CRD", () => {
        expect(dev.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")).to.have.length(0);
        const rule = prod.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule").inputs;
        expect((rule.metadata as Spec).labels).to.deep.equal({ release: "kube-prometheus-stack" });
        expect(validateCustomResource(rule as Spec)).to.deep.equal([]);
        const rules = (rule.spec as Spec).groups.flatMap((g: Spec) => g.rules) as Spec[];
        const expr = (alert: string) => String(rules.find((r) => r.alert === alert)?.expr);
        // The API's own histogram (app/src/http/metrics.ts), by the job its ServiceMonitor gives it.
        expect(expr("ShopApiHighErrorRate")).to.include('http_request_duration_seconds_count{job="shop-api",status_code=~"5.."}');
        expect(expr("ShopApiHighLatency")).to.match(/histogram_quantile\(0\.99, .*http_request_duration_seconds_bucket\{job="shop-api"\}/);
        expect(expr("CronJobRunFailed")).to.include("kube_job_status_failed").and.include('owner_kind="CronJob"');
        expect(expr("PersistentVolumeClaimNearlyFull")).to.equal("kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes > 0.85");
        expect(expr("ElasticsearchNodesNotReady")).to.include("kube_statefulset_status_replicas_ready");
        // elasticsearch_exporter v1.11.0 collector/cluster_health.go: status{cluster,color} is 1 for the current color.
        expect(expr("ElasticsearchClusterYellow")).to.equal('max by (cluster) (elasticsearch_cluster_health_status{color="yellow"}) == 1');
        expect(expr("ElasticsearchClusterRed")).to.equal('max by (cluster) (elasticsearch_cluster_health_status{color="red"}) == 1');
        expect(rules.find((r) => r.alert === "ElasticsearchClusterYellow")).to.deep.include({ for: "15m", labels: { severity: "warning" } });
        expect(rules.find((r) => r.alert === "ElasticsearchClusterRed")).to.deep.include({ for: "5m", labels: { severity: "critical" } });
        // Kafka Exporter metric names as Strimzi 1.2.0's example rules use them
        // (examples/metrics/prometheus-install/prometheus-rules/prometheus-kafka-exporter-topic-rules-group.yaml).
        expect(expr("KafkaUnderReplicatedPartitions")).to.equal("kafka_topic_partition_under_replicated_partition > 0");
        expect(expr("KafkaConsumerGroupLag")).to.equal("sum by (consumergroup, topic) (kafka_consumergroup_lag) > 1000");
        // The redis-exporter sidecar's own up metric, once per pod (two Services select it), for two minutes.
        expect(expr("RedisDown")).to.equal("max by (namespace, pod) (redis_up) == 0");
        expect(rules.find((r) => r.alert === "RedisDown")!.for).to.equal("2m");
        // notAfter 2027-12-06T09:00:00Z as epoch seconds, 21 days ahead.
        expect(expr("CertificateNearExpiry")).to.equal(`${Date.parse("2027-12-06T09:00:00Z") / 1000} - time() < ${21 * 86400}`);
        for (const r of rules) expect(r.labels.severity, r.alert).to.be.oneOf(["critical", "warning"]);
    });

    it("runs one Grafana (one login store: its SQLite database) while Prometheus and Alertmanager are replicated", () => {
        const values = prod.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
        expect(values.grafana.replicas).to.equal(1);
        expect(values.prometheus.prometheusSpec.replicas).to.equal(2);
        expect(values.alertmanager.alertmanagerSpec.replicas).to.equal(2);
    });

    it("sets the free-storage threshold from the instance's current allocation (an output), not a configured number", async () => {
        const grown = await declareMonitoring("montest-grown", false, "", {
            database: { instanceIdentifier: "shop-db", allocatedStorageGib: pulumi.output(250) },
        });
        const alarm = grown.ofType(ALARM).find((a) => a.inputs.metricName === "FreeStorageSpace")!.inputs;
        expect(alarm.threshold).to.equal(25 * 1024 ** 3);
        expect(alarm.alarmDescription).to.include("250 GiB");
    });

    it("declares the Container Insights log groups with a retention, before the add-on, and ships container logs once", async () => {
        const groups = (r: Registered) => r.ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => g.inputs);
        expect(groups(dev).map((g) => g.name)).to.deep.equal(["/aws/containerinsights/shop-test/performance"]);
        for (const group of groups(dev)) expect(group.retentionInDays).to.equal(30);
        const addon = dev.one("aws:eks/addon:Addon");
        expect(JSON.parse(String(addon.inputs.configurationValues))).to.deep.equal({ containerLogs: { enabled: false } });
        const both = await declareMonitoring("montest-cwlogs", false, "", { containerLogsToCloudWatch: true, logRetentionDays: 14 });
        expect(groups(both).map((g) => g.name)).to.have.members(["performance", "application", "host", "dataplane"].map((k) => `/aws/containerinsights/shop-test/${k}`));
        for (const group of groups(both)) expect(group.retentionInDays).to.equal(14);
        expect(JSON.parse(String(both.one("aws:eks/addon:Addon").inputs.configurationValues))).to.deep.equal({ containerLogs: { enabled: true } });
    });
});
