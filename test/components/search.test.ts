import { expect } from "chai";
import { CHARTS, ELASTIC_STACK_VERSION } from "../../components/catalogue";
import { Search, fileRealmRoles } from "../../components/search";
import { validateCustomResource } from "../support/crd-validator";
import { declared, Registered } from "../support/mock-runtime";

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ES = "kubernetes:elasticsearch.k8s.elastic.co/v1:Elasticsearch";
const KIBANA = "kubernetes:kibana.k8s.elastic.co/v1:Kibana";
const es = (r: Registered): Spec => r.one(ES).inputs.spec as Spec;

describe("components/search (ECK)", () => {
    let prod: Registered;
    let dev: Registered;
    before(async () => {
        prod = await declared("searchtest-prod", () => new Search("searchtest-prod", { namespace: "search-prod", operatorNamespace: "eck-prod", nodes: 3, kibanaReplicas: 2, strictZoneSpread: true }));
        dev = await declared("searchtest-dev", () => new Search("searchtest-dev", { namespace: "search-dev", operatorNamespace: "eck-dev", nodes: 1 }));
    });

    it("installs the pinned ECK operator", () => {
        const release = prod.one("kubernetes:helm.sh/v3:Release").inputs;
        expect(release).to.include({ chart: "eck-operator", version: CHARTS.eckOperator.version });
    });

    it("prod runs 3 Elasticsearch nodes spread strictly over zones, dev one", () => {
        expect(es(prod).nodeSets[0].count).to.equal(3);
        expect(es(prod).nodeSets[0].podTemplate.spec.topologySpreadConstraints[0].whenUnsatisfiable).to.equal("DoNotSchedule");
        expect(es(dev).nodeSets[0].count).to.equal(1);
        expect(es(prod).version).to.equal(ELASTIC_STACK_VERSION);
    });

    it("keeps data on gp3 volumes on the stateful pool", () => {
        const nodeSet = es(prod).nodeSets[0];
        expect(nodeSet.volumeClaimTemplates[0].metadata.name).to.equal("elasticsearch-data");
        expect(nodeSet.volumeClaimTemplates[0].spec.storageClassName).to.equal("gp3");
        expect(nodeSet.podTemplate.spec.tolerations[0].key).to.equal("workload-class.ecommerce.io/stateful");
        expect(nodeSet.podTemplate.spec.containers[0].resources.limits).to.have.property("memory");
    });

    it("has security on: TLS with our own CA and a least-privilege file-realm user for log shipping", () => {
        expect(es(prod).http.tls.certificate.secretName).to.equal("search-es-http-cert");
        expect(es(prod).http.tls).to.not.have.property("selfSignedCertificate");
        expect(es(prod).auth.fileRealm[0].secretName).to.equal("search-log-writer");
        const roleFile = fileRealmRoles();
        expect(roleFile.log_writer.indices[0].names).to.deep.equal(["k8s-logs-*"]);
        expect(roleFile.log_writer.cluster).to.not.include("all");
        expect(es(prod).auth.fileRealm.map((r: { secretName: string }) => r.secretName)).to.include("search-log-lifecycle");
        expect(es(prod).auth.roles[0].secretName).to.equal("search-roles");
        for (const name of ["search-log-writer", "search-es-http-cert", "search-roles"]) {
            const secret = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Spec).name === name)!;
            expect(JSON.stringify(secret.inputs.stringData)).to.include("ciphertext");
        }
    });

    it("splits the log writer (append documents only) from the lifecycle user (ILM policy and template only)", () => {
        const roles = fileRealmRoles();
        expect(roles.log_writer).to.deep.equal({ cluster: [], indices: [{ names: ["k8s-logs-*"], privileges: ["create_doc", "create_index"] }] });
        expect(roles.log_lifecycle.cluster).to.have.members(["manage_ilm", "manage_index_templates"]);
        expect(roles.log_lifecycle.indices[0].privileges).to.not.include.members(["read", "write", "create_doc", "index", "all"]);
        const lifecycle = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Spec).name === "search-log-lifecycle")!;
        expect(lifecycle.inputs.type).to.equal("kubernetes.io/basic-auth");
    });

    it("gives the shop API its own file-realm user that can only use the product indices", () => {
        expect(es(prod).auth.fileRealm.map((r: { secretName: string }) => r.secretName)).to.include("search-search-client");
        const role = fileRealmRoles().shop_product_search;
        expect(role.indices[0].names).to.deep.equal(["products*"]);
        expect(role.indices[0].privileges).to.not.include("all");
        const secret = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Spec).name === "search-search-client")!;
        expect(secret.inputs.type).to.equal("kubernetes.io/basic-auth");
        expect(JSON.stringify(secret.inputs.stringData)).to.include("ciphertext");
    });

    it("gives the OpenTelemetry Collector its own file-realm user that may only append to the traces data streams", () => {
        const role = fileRealmRoles().trace_writer;
        expect(role).to.deep.equal({ cluster: [], indices: [{ names: ["traces-*.otel-*"], privileges: ["create_doc", "auto_configure"] }] });
    });

    it("gives the metrics exporter its own file-realm user with only the `monitor` cluster privilege and no index", () => {
        expect(fileRealmRoles().metrics_reader).to.deep.equal({ cluster: ["monitor"], indices: [] });
        expect(es(prod).auth.fileRealm.map((r: { secretName: string }) => r.secretName)).to.include("search-metrics-reader");
        const secret = prod.ofType("kubernetes:core/v1:Secret").find((s) => (s.inputs.metadata as Spec).name === "search-metrics-reader")!;
        expect(secret.inputs.type).to.equal("kubernetes.io/basic-auth");
        expect(JSON.stringify(secret.inputs.stringData)).to.include("ciphertext");
    });

    it("connects Kibana to the cluster, 2 replicas in prod", () => {
        const kibana = prod.one(KIBANA).inputs.spec as Spec;
        expect(kibana).to.deep.include({ count: 2, elasticsearchRef: { name: "search" } });
    });

    it("writes objects the ECK 3.5 CRDs accept", () => {
        for (const resource of [prod.one(ES), prod.one(KIBANA), dev.one(ES)]) expect(validateCustomResource(resource.inputs)).to.deep.equal([]);
    });
});
