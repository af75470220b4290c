import { expect } from "chai";
import { tracingEnv, withServiceName } from "../../../components/observability/tracing";

const endpoint = "http://otel-collector.observability.svc.cluster.local:4318";

describe("components/observability/tracing", () => {
    it("sets the SDK's standard variables: endpoint, service name, parent-based ratio sampler with the ratio, resource attributes", () => {
        const env = Object.fromEntries(tracingEnv({ endpoint, sampleRatio: 0.1, resourceAttributes: { "deployment.environment.name": "prod", "cloud.region": "ap-south-1" } }, "shop-api").map((v) => [v.name, v.value]));
        expect(env).to.deep.equal({
            OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
            OTEL_SERVICE_NAME: "shop-api",
            OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
            OTEL_TRACES_SAMPLER_ARG: "0.1",
            OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod,cloud.region=ap-south-1",
        });
    });

    it("refuses a ratio outside 0..1 and an endpoint that is not a base URL", () => {
        expect(() => tracingEnv({ endpoint, sampleRatio: 1.5 }, "x")).to.throw(/sampleRatio must lie between 0 and 1/);
        expect(() => tracingEnv({ endpoint, sampleRatio: Number.NaN }, "x")).to.throw(/sampleRatio/);
        expect(() => tracingEnv({ endpoint: `${endpoint}/v1/traces`, sampleRatio: 1 }, "x")).to.throw(/not an http\(s\) base URL/);
    });

    it("renames the service of a workload that shares another's environment, and leaves an untraced one alone", () => {
        const api = tracingEnv({ endpoint, sampleRatio: 1 }, "shop-api");
        expect(withServiceName(api, "shop-analyse").find((v) => v.name === "OTEL_SERVICE_NAME")?.value).to.equal("shop-analyse");
        expect(withServiceName([{ name: "LOG_LEVEL", value: "info" }], "shop-analyse")).to.deep.equal([{ name: "LOG_LEVEL", value: "info" }]);
    });
});
