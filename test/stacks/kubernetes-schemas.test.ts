import { expect } from "chai";
import { hasCrd, validateCustomResource } from "../support/crd-validator";
import { apiVersionKindOf, isBuiltIn, validateBuiltIn } from "../support/kubernetes-schemas";
import { plannedStack } from "../support/plans";
import { allStacks, describe as name, kubernetesObject } from "../support/stacks";

/**
 * Every Kubernetes object every stack declares is checked offline the way the API server would check it: built-in
 * kinds against the official OpenAPI schemas (kubernetes-models) with unknown fields rejected, custom resources
 * against their upstream CRDs (crds/<chart>/<version>, test/fixtures/crds) in strict mode.
 */
describe("stacks: Kubernetes objects validate against their schemas", function () {
    this.timeout(180_000);

    it("the validators catch what they must (a broken Deployment and a broken Kafka are rejected)", async () => {
        const deployment = {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
            spec: { replicas: "2", template: { spec: { containers: [{ name: "c", image: "i", securityContex: {} }] } } },
        };
        const problems = await validateBuiltIn(deployment);
        expect(problems.join("\n")).to.match(/selector/).and.match(/replicas must be integer/).and.match(/securityContex: unknown field/);
        // A CRD's schema is walked through `items` (an empty interface in kubernetes-models) but not into `default`.
        const crd = {
            apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
            spec: {
                group: "example.com", scope: "Namespaced", names: { kind: "Widget", plural: "widgets" },
                versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", properties: {
                    tags: { type: "array", items: { typ: "string" } },
                    size: { type: "object", default: { anything: 1 } },
                } } } }],
            },
        };
        expect(await validateBuiltIn(crd)).to.deep.equal([".spec.versions[0].schema.openAPIV3Schema.properties.tags.items.typ: unknown field"]);
        const kafka = { apiVersion: "kafka.strimzi.io/v1", kind: "Kafka", metadata: { name: "k" }, spec: { kafka: { listeners: [{ name: "tls", port: "9093", type: "internal-ish", tls: true }], replicaz: 3 } } };
        expect(validateCustomResource(kafka).join("\n")).to.match(/must be integer/).and.match(/allowed values/).and.match(/replicaz/);
        expect(validateCustomResource({ apiVersion: "kafka.strimzi.io/v1beta2", kind: "KafkaTopic", metadata: { name: "t" }, spec: {} })[0]).to.match(/not served/);
    });

    for (const stack of allStacks()) {
        describe(`stack ${stack}`, () => {
            const kubernetesResources = () => plannedStack(stack).resources
                .map((resource) => ({ resource, kind: apiVersionKindOf(resource.type) }))
                .filter((r): r is { resource: typeof r.resource; kind: { apiVersion: string; kind: string } } => r.kind !== undefined);

            it("every built-in object is valid and has no unknown fields", async () => {
                const builtIns = kubernetesResources().filter((r) => isBuiltIn(r.kind.apiVersion, r.kind.kind));
                expect(builtIns.length, "built-in objects in the plan").to.be.greaterThan(0);
                const problems: string[] = [];
                for (const { resource } of builtIns) {
                    for (const problem of await validateBuiltIn(kubernetesObject(resource))) problems.push(`${name(resource)}: ${problem}`);
                }
                expect(problems, problems.join("\n")).to.deep.equal([]);
            });

            it("every custom resource is valid against its upstream CRD (strict: no unknown fields)", () => {
                const custom = kubernetesResources().filter((r) => !isBuiltIn(r.kind.apiVersion, r.kind.kind));
                const problems: string[] = [];
                for (const { resource, kind } of custom) {
                    if (!hasCrd(kind.apiVersion, kind.kind)) {
                        problems.push(`${name(resource)}: no CRD in crds/ or test/fixtures/crds to validate ${kind.apiVersion} ${kind.kind}`);
                        continue;
                    }
                    for (const problem of validateCustomResource(kubernetesObject(resource))) problems.push(`${name(resource)}: ${problem}`);
                }
                expect(problems, problems.join("\n")).to.deep.equal([]);
            });
        });
    }
});
