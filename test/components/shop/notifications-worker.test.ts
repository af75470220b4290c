import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { aclLine } from "../../../components/redis-cluster";
import { notificationSendStatements } from "../../../components/shop/notifications-messaging";
import { NOTIFICATIONS_REDIS_ACL, NotificationsWorker, NotificationsWorkerArgs } from "../../../components/shop/notifications-worker";
import { declared, Registered } from "../../support/mock-runtime";

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } };
type Container = {
    image: string; args: string[]; env: Env[]; ports: { name: string; containerPort: number }[]; securityContext: Record<string, unknown>;
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    startupProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } };
};
type PodSpec = {
    serviceAccountName: string; automountServiceAccountToken: boolean; securityContext: Record<string, unknown>; containers: Container[];
    topologySpreadConstraints: { whenUnsatisfiable: string }[]; affinity?: unknown; volumes: { name: string; configMap?: { name: string } }[];
};

const IDENTITY = "arn:aws:ses:ap-south-1:000000000000:identity/shop.example.com";
const CONFIG_SET = "arn:aws:ses:ap-south-1:000000000000:configuration-set/prod-notifications";
const TOPIC = "arn:aws:sns:ap-south-1:000000000000:prod-customer-messages";

const baseArgs: NotificationsWorkerArgs = {
    image: "000000000000.dkr.ecr.ap-south-1.amazonaws.com/shop-api:1.2.3",
    imageArchitectures: ["arm64", "amd64"],
    oidc: { providerArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.ap-south-1.amazonaws.com/id/X", providerUrl: "oidc.eks.ap-south-1.amazonaws.com/id/X" },
    region: "ap-south-1",
    namespace: "shop",
    kafka: { secretName: "kafka-notifications-worker", bootstrapServers: "events-kafka-bootstrap.kafka.svc:9094", caCertPem: "-----BEGIN CERTIFICATE-----\nKAFKA\n-----END CERTIFICATE-----" },
    redis: { host: "redis-cluster-leader.redis.svc", port: 6379, password: "s3cret", caCertPem: "-----BEGIN CERTIFICATE-----\nREDIS\n-----END CERTIFICATE-----", cluster: true },
    messaging: { identityArn: IDENTITY, configurationSetArn: CONFIG_SET, configurationSetName: "prod-notifications", topicArn: TOPIC, fromAddress: "no-reply@shop.example.com" },
    tracing: { endpoint: "http://otel-collector.observability.svc.cluster.local:4318", sampleRatio: 0.1 },
};

describe("components/shop/notifications-worker", () => {
    let prod: Registered;
    let dev: Registered;
    const pod = (r: Registered) => (r.one("kubernetes:apps/v1:Deployment").inputs.spec as { template: { spec: PodSpec } }).template.spec;
    const env = (r: Registered) => Object.fromEntries(pod(r).containers[0].env.map((e) => [e.name, e.value ?? e.valueFrom]));
    before(async () => {
        prod = await declared("nwtest-prod", () => {
            const prometheusOperator = new k8s.core.v1.ConfigMap("nwtest-prod-operator", { metadata: { name: "operator", namespace: "monitoring" } });
            new NotificationsWorker("nwtest-prod", { ...baseArgs, replicas: 2, maxReplicas: 6, strictZoneSpread: true, prometheusOperator });
        });
        dev = await declared("nwtest-dev", () => new NotificationsWorker("nwtest-dev", { ...baseArgs, replicas: 1, maxReplicas: 2, strictZoneSpread: false, tracing: undefined }));
    });

    it("runs the API image with the worker's entry point, HTTP on 8080 with /healthz and /readyz probes", () => {
        const container = pod(prod).containers[0];
        expect(container.image).to.equal(baseArgs.image);
        expect(container.args).to.deep.equal(["dist/notifications-worker.js"]);
        expect(container.ports).to.deep.equal([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        expect(container.startupProbe.httpGet.path).to.equal("/healthz");
        expect(container.livenessProbe.httpGet.path).to.equal("/healthz");
        expect(container.readinessProbe.httpGet.path).to.equal("/readyz");
        expect(container.resources.limits).to.include({ memory: "384Mi" });
        expect(container.resources.requests).to.include({ cpu: "100m" });
    });

    it("is hardened: non-root, read-only root file system, no capabilities, no service-account token mounted, its own IRSA service account", () => {
        const spec = pod(prod);
        expect(spec.securityContext).to.include({ runAsNonRoot: true, runAsUser: 65532 });
        expect(spec.containers[0].securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
        expect(spec.automountServiceAccountToken).to.equal(false);
        expect(spec.serviceAccountName).to.equal("notifications-worker");
        const sa = prod.one("kubernetes:core/v1:ServiceAccount").inputs as { automountServiceAccountToken: boolean; metadata: { annotations: Record<string, string> } };
        expect(sa.automountServiceAccountToken).to.equal(false);
        expect(sa.metadata.annotations).to.have.property("eks.amazonaws.com/role-arn");
    });

    it("lets the HPA own the count (CPU), keeps one pod through disruptions in prod, spreads over zones strictly in prod only", () => {
        expect(prod.one("kubernetes:apps/v1:Deployment").inputs.spec).not.to.have.property("replicas");
        expect(prod.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec).to.deep.include({ minReplicas: 2, maxReplicas: 6 });
        expect((prod.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec as { metrics: { resource: { name: string } }[] }).metrics[0].resource.name).to.equal("cpu");
        expect(prod.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec).to.have.property("minAvailable", 1);
        expect(dev.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec).to.have.property("maxUnavailable", 1);
        expect(pod(prod).topologySpreadConstraints[0].whenUnsatisfiable).to.equal("DoNotSchedule");
        expect(pod(dev).topologySpreadConstraints[0].whenUnsatisfiable).to.equal("ScheduleAnyway");
    });

    it("gets exactly the contract's settings: Kafka as its own user and group, Redis from its Secret, SES, SNS, region, tracing; no database, no Elasticsearch", () => {
        const vars = env(prod);
        expect(vars).to.include({
            KAFKA_BROKERS: "events-kafka-bootstrap.kafka.svc:9094", KAFKA_SSL: "true", KAFKA_SASL_MECHANISM: "scram-sha-512", KAFKA_CLIENT_ID: "notifications-worker",
            NOTIFICATIONS_GROUP: "notifications-worker", REDIS_CLUSTER: "true", NOTIFY_FROM_ADDRESS: "no-reply@shop.example.com",
            SES_CONFIGURATION_SET: "prod-notifications", SNS_TOPIC_ARN: TOPIC, AWS_REGION: "ap-south-1", PORT: "8080",
            OTEL_SERVICE_NAME: "notifications-worker", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1",
            OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.observability.svc.cluster.local:4318",
        });
        expect(vars.KAFKA_SASL_USERNAME).to.deep.equal({ secretKeyRef: { name: "kafka-notifications-worker", key: "username" } });
        expect(vars.KAFKA_SASL_PASSWORD).to.deep.equal({ secretKeyRef: { name: "kafka-notifications-worker", key: "password" } });
        expect(vars.REDIS_URL).to.deep.equal({ secretKeyRef: { name: "notifications-worker-env", key: "REDIS_URL" } });
        for (const absent of ["DATABASE_URL", "ES_URL", "ES_PASSWORD", "OIDC_ISSUER"]) expect(vars, absent).not.to.have.property(absent);
        expect(Object.keys(env(dev)).filter((name) => name.startsWith("OTEL_"))).to.deep.equal([]);
    });

    it("keeps its Redis URL in its own secret Secret, trusting the Kafka and Redis CAs only", () => {
        // The URL carries the password: the whole map is a secret (the plan shows only its signature).
        const secret = prod.one("kubernetes:core/v1:Secret").inputs as { metadata: { name: string }; stringData: Record<string, string> };
        expect(secret.metadata.name).to.equal("notifications-worker-env");
        expect(secret.stringData).to.have.property("4dabf18193072939515e22adb298388d");
        const trust = prod.named("nwtest-prod-trust").inputs as { data: { "ca.pem": string } };
        expect(trust.data["ca.pem"]).to.equal("-----BEGIN CERTIFICATE-----\nKAFKA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nREDIS\n-----END CERTIFICATE-----\n");
        expect(env(prod).NODE_EXTRA_CA_CERTS).to.equal("/etc/notifications-worker/trust/ca.pem");
    });

    it("may send mail only as the platform's identity and configuration set and publish only to its topic (IAM policy exact)", () => {
        const policy = JSON.parse(String(prod.one("aws:iam/rolePolicy:RolePolicy").inputs.policy)) as { Statement: unknown[] };
        expect(policy.Statement).to.deep.equal([
            { Sid: "SendMailAsPlatformIdentity", Effect: "Allow", Action: ["ses:SendEmail", "ses:SendRawEmail"], Resource: [IDENTITY, CONFIG_SET] },
            { Sid: "PublishCustomerMessages", Effect: "Allow", Action: "sns:Publish", Resource: TOPIC },
        ]);
        const trust = JSON.parse(String(prod.one("aws:iam/role:Role").inputs.assumeRolePolicy)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
        expect(trust.Statement[0].Condition.StringEquals["oidc.eks.ap-south-1.amazonaws.com/id/X:sub"]).to.equal("system:serviceaccount:shop:notifications-worker");
    });

    it("refuses a wildcard ARN for the send statements", () => {
        expect(() => notificationSendStatements({ identityArn: "arn:aws:ses:ap-south-1:000000000000:identity/*", configurationSetArn: CONFIG_SET, topicArn: TOPIC })).to.throw(/identityArn must be an exact ARN/);
        expect(() => notificationSendStatements({ identityArn: IDENTITY, configurationSetArn: CONFIG_SET, topicArn: "*" })).to.throw(/topicArn/);
    });

    it("is scraped through a ServiceMonitor and alerts on its group's lag and on dead letters, where Prometheus runs", () => {
        expect(prod.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).to.have.length(1);
        const rule = prod.one("kubernetes:monitoring.coreos.com/v1:PrometheusRule").inputs as { metadata: { labels: Record<string, string> }; spec: { groups: { rules: { alert: string; expr: string }[] }[] } };
        expect(rule.metadata.labels).to.include({ release: "kube-prometheus-stack" });
        const rules = rule.spec.groups[0].rules;
        expect(rules.map((r) => r.alert)).to.deep.equal(["NotificationsWorkerLagging", "NotificationsDeadLettered"]);
        expect(rules[0].expr).to.include('consumergroup="notifications-worker"');
        expect(rules[1].expr).to.include('topic="notifications-dlq"');
        expect(dev.ofType("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")).to.have.length(0);
        expect(dev.ofType("kubernetes:monitoring.coreos.com/v1:PrometheusRule")).to.have.length(0);
    });

    it("has a Redis ACL user for its dedupe keys and the claim's commands only", () => {
        expect(NOTIFICATIONS_REDIS_ACL.keyPatterns).to.deep.equal(["notifications:*"]);
        expect([...NOTIFICATIONS_REDIS_ACL.commands].sort()).to.deep.equal(["cluster|info", "cluster|slots", "del", "exists", "get", "pexpire", "ping", "set"]);
        expect(NOTIFICATIONS_REDIS_ACL.channelPatterns ?? []).to.deep.equal([]);
        const line = aclLine(NOTIFICATIONS_REDIS_ACL, "pw");
        expect(line).to.include("~notifications:*").and.to.include("-@all").and.not.to.include("+eval");
    });
});
