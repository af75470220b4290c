import { expect } from "chai";
import { IMAGES } from "../../../components/catalogue";
import { OTEL_COLLECTOR_PODS, OtelCollector, otelCollectorValues } from "../../../components/observability/otel-collector";
import { declared, Registered } from "../../support/mock-runtime";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const elasticsearch = { url: "https://search-es-http.search.svc:9200", username: "otel-collector", password: "es-s3cret", caCertPem: "-----BEGIN CERTIFICATE-----\nES\n-----END CERTIFICATE-----" };

describe("components/observability/otel-collector", () => {
    let prod: Registered;
    let collector: OtelCollector;
    const values = (replicas: number) => otelCollectorValues({ elasticsearch, replicas, strictZoneSpread: true }) as Json;
    before(async () => {
        prod = await declared("oteltest", () => { collector = new OtelCollector("oteltest", { elasticsearch, replicas: 2, strictZoneSpread: true }); });
    });

    it("installs the pinned chart as a Deployment of the contrib image (the distribution with the elasticsearch exporter)", () => {
        const release = prod.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release).to.include({ chart: "opentelemetry-collector", version: "0.170.0", namespace: "observability", name: "otel-collector" });
        const v = values(2);
        expect(v.mode).to.equal("deployment");
        expect(`${v.image.repository}:${v.image.tag}`).to.equal(IMAGES.otelCollector);
        expect(IMAGES.otelCollector).to.match(/opentelemetry-collector-contrib:0\.158\.0$/);
        expect(collector.otlpHttpEndpoint).to.equal("http://otel-collector.observability.svc.cluster.local:4318");
    });

    it("runs 2 replicas with a PDB in prod, one without in dev, spread over zones", () => {
        expect(values(2)).to.deep.include({ replicaCount: 2, podDisruptionBudget: { enabled: true, minAvailable: 1 } });
        expect(values(1)).to.deep.include({ replicaCount: 1, podDisruptionBudget: { enabled: false } });
        expect(values(2).topologySpreadConstraints[0].labelSelector.matchLabels).to.include(OTEL_COLLECTOR_PODS);
        expect(() => new OtelCollector("oteltest-bad", { elasticsearch, replicas: 0 })).to.throw(/replicas must be a positive integer/);
    });

    it("is hardened: non-root (the image's uid), read-only root, no service-account token, limits that size GOMEMLIMIT and the memory limiter", () => {
        const v = values(2);
        expect(v.podSecurityContext).to.include({ runAsNonRoot: true, runAsUser: 10001 });
        expect(v.securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(v.serviceAccount.automountServiceAccountToken).to.equal(false);
        expect(v.resources.limits.memory).to.equal("512Mi");
        expect(v.config.processors.memory_limiter).to.include({ limit_percentage: 80 });
    });

    it("receives OTLP over HTTP only: every other default receiver, port and the debug exporter are removed", () => {
        const v = values(2);
        expect(Object.entries(v.ports).filter(([, port]) => (port as Json).enabled).map(([name]) => name)).to.deep.equal(["otlp-http"]);
        expect(v.config.receivers).to.deep.equal({ otlp: { protocols: { grpc: null, http: { endpoint: "${env:MY_POD_IP}:4318" } } }, jaeger: null, zipkin: null, prometheus: null });
        expect(v.config.exporters.debug).to.equal(null);
        expect(v.config.service.pipelines).to.deep.equal({
            traces: { receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["elasticsearch"] },
            logs: null,
            metrics: null,
        });
    });

    it("exports to Elasticsearch over HTTPS verifying ECK's CA, as its own user whose password comes from a Secret", () => {
        const exporter = values(2).config.exporters.elasticsearch;
        expect(exporter).to.deep.include({ endpoint: elasticsearch.url, user: "otel-collector", password: "${env:ES_PASSWORD}", mapping: { mode: "otel" } });
        expect(exporter.tls).to.deep.equal({ ca_file: "/etc/otel/elasticsearch-ca/ca.crt" });
        const v = values(2);
        expect(v.extraEnvs).to.deep.equal([{ name: "ES_PASSWORD", valueFrom: { secretKeyRef: { name: "otel-collector-elasticsearch", key: "password" } } }]);
        expect(v.extraVolumeMounts[0]).to.include({ mountPath: "/etc/otel/elasticsearch-ca", readOnly: true });
        const secret = prod.one("kubernetes:core/v1:Secret").inputs as Json;
        expect(secret.metadata).to.include({ name: "otel-collector-elasticsearch", namespace: "observability" });
        expect(prod.one("kubernetes:core/v1:Namespace").inputs.metadata).to.deep.include({ name: "observability" });
    });
});
