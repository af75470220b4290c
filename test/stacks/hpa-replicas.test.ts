import { expect } from "chai";
import { ofType, plannedStack } from "../support/plans";
import { allStacks, describe as describeResource } from "../support/stacks";

type Meta = { name?: string; namespace?: string };
type Workload = { metadata?: Meta; spec?: { replicas?: number } };
type Hpa = { metadata?: Meta; spec?: { scaleTargetRef?: { kind?: string; name?: string } } };

/** Every `autoscaling: { enabled: true }` in a values tree, with the replica count set beside it (the chart's own key). */
function autoscaledWithReplicas(values: unknown, path = "values"): string[] {
    if (!values || typeof values !== "object" || Array.isArray(values)) return [];
    const record = values as Record<string, unknown>;
    const here = (record.autoscaling as { enabled?: unknown } | undefined)?.enabled === true
        ? ["replicaCount", "replicas"].filter((key) => key in record).map((key) => `${path}.${key}`)
        : [];
    return [...here, ...Object.entries(record).flatMap(([key, inner]) => autoscaledWithReplicas(inner, `${path}.${key}`))];
}

/**
 * Pulumi re-applies the manifest on every update: with server-side apply a `spec.replicas` the manifest carries is a
 * field Pulumi owns and sets back, undoing what the HPA scaled to (and Helm's three-way merge does the same for a
 * rendered value). An HPA's target must leave the count out.
 */
describe("the HPA owns replicas", function () {
    this.timeout(300_000);
    for (const stackName of allStacks()) {
        it(`${stackName}: no Deployment or StatefulSet an HPA targets sets spec.replicas, and no autoscaled chart is given a replica count`, () => {
            const stack = plannedStack(stackName);
            const hpas = ofType(stack, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
            expect(hpas, "the API's HPA").to.have.length.greaterThan(0);
            const fighting: string[] = [];
            for (const hpa of hpas) {
                const { metadata, spec } = hpa.inputs as Hpa;
                const kind = spec?.scaleTargetRef?.kind;
                const target = [...ofType(stack, "kubernetes:apps/v1:Deployment"), ...ofType(stack, "kubernetes:apps/v1:StatefulSet")].find((w) => {
                    const meta = (w.inputs as Workload).metadata;
                    return w.type.endsWith(`:${kind}`) && meta?.name === spec?.scaleTargetRef?.name && meta?.namespace === metadata?.namespace;
                });
                expect(target, `${describeResource(hpa)} targets a workload of the plan`).not.to.equal(undefined);
                if (target && (target.inputs as Workload).spec?.replicas !== undefined) fighting.push(describeResource(target));
            }
            for (const release of ofType(stack, "kubernetes:helm.sh/v3:Release")) {
                fighting.push(...autoscaledWithReplicas(release.inputs.values).map((path) => `${describeResource(release)} ${path}`));
            }
            expect(fighting).to.deep.equal([]);
        });
    }
});
