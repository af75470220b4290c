import * as k8s from "@pulumi/kubernetes";
import { expect } from "chai";
import { CHARTS, IMAGES } from "../../components/catalogue";
import { ElasticsearchExporter, ES_EXPORTER_LABELS } from "../../components/elasticsearch-exporter";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("components/elasticsearch-exporter", () => {
    let registered: Registered;
    before(async () => {
        registered = await declared("esexportertest", () => {
            const operator = new k8s.core.v1.ConfigMap("esexportertest-operator", { metadata: { name: "stand-in" } });
            new ElasticsearchExporter("esexportertest", {
                namespace: "search",
                elasticsearch: { url: "https://search-es-http.search.svc:9200", caCertPem: "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n", username: "metrics", password: "s3cret" },
                prometheusOperator: operator,
            });
        });
    });

    it("installs the pinned chart and image, reading cluster health over HTTPS with the cluster's CA, index collectors off", () => {
        const release = registered.one("kubernetes:helm.sh/v3:Release");
        expect(release.inputs).to.include({ chart: CHARTS.elasticsearchExporter.chart, version: CHARTS.elasticsearchExporter.version, name: ES_EXPORTER_LABELS["app.kubernetes.io/instance"] });
        const values = release.inputs.values as Spec;
        expect(`${values.image.repository}:${values.image.tag}`).to.equal(IMAGES.elasticsearchExporter);
        expect(values.es.uri).to.equal("https://search-es-http.search.svc:9200");
        expect(values.es.ssl).to.deep.equal({ enabled: true, useExistingSecrets: true, ca: { path: "/ssl/ca.crt" }, client: { enabled: false } });
        for (const collector of ["all", "indices", "indices_settings", "indices_mappings", "shards", "snapshots"]) expect(values.es[collector], collector).to.equal(false);
        expect(values.serviceMonitor).to.deep.equal({ enabled: true });
        expect(values.serviceAccount).to.deep.equal({ create: true, name: "elasticsearch-exporter", automountServiceAccountToken: false });
    });

    it("passes the credentials as environment from a Secret, mounts only the CA file, and rolls the pod when they change", () => {
        const values = registered.one("kubernetes:helm.sh/v3:Release").inputs.values as Spec;
        expect(values.extraEnvSecrets).to.deep.equal({ ES_USERNAME: { secret: "elasticsearch-exporter", key: "username" }, ES_PASSWORD: { secret: "elasticsearch-exporter", key: "password" } });
        expect(values.secretMounts).to.deep.equal([{ name: "elasticsearch-ca", secretName: "elasticsearch-exporter", path: "/ssl/ca.crt", subPath: "ca.crt" }]);
        expect(values.podAnnotations["checksum/elasticsearch-credentials"]).to.match(/^[0-9a-f]{64}$/);
        const secret = registered.one("kubernetes:core/v1:Secret");
        expect((secret.inputs.metadata as Spec).name).to.equal("elasticsearch-exporter");
        expect(JSON.stringify(secret.inputs.stringData)).to.include("ciphertext").and.not.include("s3cret");
    });

    it("waits for the Prometheus operator's release (the ServiceMonitor's CRD) and its credentials", () => {
        const release = registered.one("kubernetes:helm.sh/v3:Release");
        expect(release.dependencies).to.include(registered.one("kubernetes:core/v1:ConfigMap").urn);
        expect(release.dependencies).to.include(registered.one("kubernetes:core/v1:Secret").urn);
    });
});
