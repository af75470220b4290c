import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../../components/catalogue";
import { ILM_POLICY, LOG_SHIPPER_TOLERATIONS, LogShipping } from "../../components/log-shipping";
import { STATEFUL_TAINT } from "../../components/scheduling";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("components/log-shipping (Fluent Bit)", () => {
    let logs: Registered;
    before(async () => {
        logs = await declared("logstest", () => new LogShipping("logstest", {
            namespace: "logging-test",
            elasticsearch: { host: "search-es-http.search.svc", port: 9200, caCertPem: "-----BEGIN CERTIFICATE-----", username: "fluent-bit", password: pulumi.secret("log-writer-test-password"),
                lifecycle: { username: "log-lifecycle", password: pulumi.secret("lifecycle-test-password") } },
            retentionDays: 30,
        }));
    });
    const values = () => logs.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;

    it("runs Fluent Bit as a DaemonSet from the pinned chart on every node the platform runs workloads on, and no other tainted node", () => {
        const release = logs.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release).to.include({ chart: "fluent-bit", version: CHARTS.fluentBit.version });
        expect(values().kind).to.equal("DaemonSet");
        const tolerations = values().tolerations as Spec[];
        expect(tolerations).to.deep.equal(LOG_SHIPPER_TOLERATIONS);
        expect(tolerations.map((t) => t.key)).to.have.members(["CriticalAddonsOnly", STATEFUL_TAINT.key]);
        // Every toleration names its taint: none matches any taint (a key-less Exists would).
        for (const toleration of tolerations) expect(toleration.key, JSON.stringify(toleration)).to.be.a("string").and.not.equal("");
        expect(values().testFramework.enabled).to.equal(false);
    });

    it("writes log documents as a user that may only append them; the lifecycle Job uses its own user", () => {
        expect(values().config.outputs).to.include("Write_Operation create");
        const fluentEnv = values().env as Spec[];
        expect(fluentEnv.find((e) => e.name === "ES_USER")!.valueFrom.secretKeyRef.name).to.equal("elasticsearch-log-writer");
        const job = logs.one("kubernetes:batch/v1:Job").inputs as Spec;
        const jobEnv = job.spec.template.spec.containers[0].env as Spec[];
        expect(jobEnv.find((e) => e.name === "ES_USER")!.valueFrom.secretKeyRef.name).to.equal("elasticsearch-log-lifecycle");
        expect(JSON.stringify(logs.resources.map((r) => r.inputs))).to.not.include("lifecycle-test-password");
    });

    it("rolls the DaemonSet when the log writer's password changes (checksum annotation)", () => {
        expect(values().podAnnotations["checksum/elasticsearch-credentials"]).to.match(/^[0-9a-f]{64}$/);
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
        expect(values().securityContext.capabilities).to.not.have.property("add");
        expect(values().daemonSetVolumeMounts.find((m: Spec) => m.name === "varlog")).to.include({ readOnly: true, recursiveReadOnly: "IfPossible" });
        expect(values().daemonSetVolumes.find((v: Spec) => v.name === "varlog").hostPath).to.deep.equal({ path: "/var/log", type: "Directory" });
        // The only writable host path is the position database's own directory.
        const writable = (values().daemonSetVolumeMounts as Spec[]).filter((m) => !m.readOnly);
        expect(writable.map((m) => m.mountPath)).to.deep.equal(["/var/lib/fluent-bit"]);
        expect(values().resources.limits).to.have.keys("cpu", "memory");
    });
});
