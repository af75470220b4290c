import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { Monitoring } from "../../components/monitoring";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function declareMonitoring(name: string, grafana: boolean, alertEmail: string): Promise<Registered> {
    return declared(name, () => new Monitoring(name, {
        clusterName: "shop-test",
        accountId: "000000000000",
        oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.example", providerUrl: "oidc.example" },
        database: { instanceIdentifier: "shop-db", allocatedStorageGib: 100 },
        alertEmail,
        minimumNodes: 3,
        grafanaEnabled: grafana,
        grafanaAdminPassword: grafana ? pulumi.secret("grafana-test-password") : undefined,
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
        const trust = JSON.parse(String(prod.one("aws:iam/role:Role").inputs.assumeRolePolicy));
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
});
