import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/catalogue";
import { ILM_POLICY, LogShipping } from "../../components/log-shipping";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("components/log-shipping (Fluent Bit)", () => {
    let logs: Registered;
    before(async () => {
        logs = await declared("logstest", () => new LogShipping("logstest", {
            namespace: "logging-test",
            elasticsearch: { host: "search-es-http.search.svc", port: 9200, caCertPem: "-----BEGIN CERTIFICATE-----", username: "fluent-bit", password: pulumi.secret("log-writer-test-password") },
            retentionDays: 30,
        }));
    });
    const values = () => logs.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;

    it("runs Fluent Bit as a DaemonSet from the pinned chart on every node", () => {
        const release = logs.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release).to.include({ chart: "fluent-bit", version: CHARTS.fluentBit.version });
        expect(values().kind).to.equal("DaemonSet");
        expect(values().tolerations).to.deep.equal([{ operator: "Exists" }]);
        expect(values().testFramework.enabled).to.equal(false);
    });

    it("ships container logs to Elasticsearch over verified TLS with credentials from a Secret", () => {
        const output = values().config.outputs as string;
        expect(output).to.match(/Name es/).and.match(/tls.verify On/).and.match(/tls.ca_file/).and.match(/Logstash_Prefix k8s-logs/);
        expect(output).to.include("HTTP_Passwd ${ES_PASSWORD}");
        expect(JSON.stringify(logs.resources.map((r) => r.inputs))).to.not.include("log-writer-test-password");
        expect(values().config.inputs).to.match(/Path \/var\/log\/containers\/\*\.log/);
    });

    it("deletes old logs: a Job puts an ILM policy with a delete phase and binds the log indices to it", () => {
        const job = logs.one("kubernetes:batch/v1:Job").inputs as Spec;
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.filter((e: Spec) => e.value).map((e: Spec) => [e.name, e.value]));
        const policy = JSON.parse(env.ILM_POLICY);
        expect(policy.policy.phases.delete).to.deep.equal({ min_age: "30d", actions: { delete: {} } });
        const template = JSON.parse(env.INDEX_TEMPLATE);
        expect(template.index_patterns).to.deep.equal(["k8s-logs-*"]);
        expect(template.template.settings["index.lifecycle.name"]).to.equal(ILM_POLICY);
        expect(job.spec.template.spec.containers[0].command[2]).to.include(`_ilm/policy/${ILM_POLICY}`).and.include("--cacert");
    });

    it("runs in a privileged namespace (hostPath) but without privilege escalation or capabilities", () => {
        const ns = logs.one("kubernetes:core/v1:Namespace").inputs as Spec;
        expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal("privileged");
        expect(values().securityContext).to.include({ privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        expect(values().securityContext.capabilities.drop).to.deep.equal(["ALL"]);
        expect(values().daemonSetVolumeMounts.find((m: Spec) => m.name === "varlog").readOnly).to.equal(true);
        expect(values().resources.limits).to.have.keys("cpu", "memory");
    });
});
