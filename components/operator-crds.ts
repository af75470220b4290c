import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { CHARTS } from "./catalogue";

/** The catalogue charts whose CRDs are vendored in crds/<chart>/<version>/ (sources in crds/sources.json). */
export type OperatorChart = "strimzi" | "kong" | "kubePrometheusStack" | "eckOperator" | "karpenter" | "redisOperator";

export const OPERATOR_CHARTS: readonly OperatorChart[] = ["strimzi", "kong", "kubePrometheusStack", "eckOperator", "karpenter", "redisOperator"];

/** Where `npm run crds:vendor` writes each chart's CRDs. */
export const CRDS_ROOT = join(__dirname, "..", "crds");

/** Annotation on every CRD naming the chart version it was vendored from (PROVENANCE.json's chartVersion). */
export const CHART_VERSION_ANNOTATION = "ecommerce.io/chart-version";

export interface VendoredCrd {
    /** metadata.name, e.g. kafkas.kafka.strimzi.io. */
    name: string;
    /** The CRD as upstream ships it (plain JSON). */
    object: {
        apiVersion: string;
        kind: string;
        metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
        spec: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec & { names: { kind: string } };
    };
}

export interface CrdProvenance {
    operator: string;
    chartVersion: string;
    repository: string;
    ref: string;
    commit: string;
    crds: Record<string, { path: string; blob: string }>;
}

/** The directory of a chart's CRDs at the catalogue's pinned version. */
export function vendoredCrdDir(chart: OperatorChart): string {
    return join(CRDS_ROOT, chart, CHARTS[chart].version);
}

export function crdProvenance(chart: OperatorChart): CrdProvenance {
    const dir = vendoredCrdDir(chart);
    const file = join(dir, "PROVENANCE.json");
    // A catalogue bump without re-vendoring lands here: the plan stops instead of running a new operator on old CRDs.
    if (!existsSync(file)) {
        throw new Error(`no vendored CRDs for ${chart} ${CHARTS[chart].version} (components/catalogue.ts) in ${dir}: run \`npm run crds:vendor -- ${chart}\``);
    }
    return JSON.parse(readFileSync(file, "utf8")) as CrdProvenance;
}

const parsed = new Map<OperatorChart, VendoredCrd[]>();

/** Every CRD vendored for the chart's pinned version, parsed once per process (a region's stack plans them once). */
export function vendoredCrds(chart: OperatorChart): VendoredCrd[] {
    const cached = parsed.get(chart);
    if (cached) return cached;
    const dir = vendoredCrdDir(chart);
    const provenance = crdProvenance(chart);
    const crds = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((file) => {
        const object = yaml.load(readFileSync(join(dir, file), "utf8")) as VendoredCrd["object"];
        if (object?.kind !== "CustomResourceDefinition") throw new Error(`${join(dir, file)} is not a CustomResourceDefinition`);
        return { name: object.metadata.name, object };
    });
    const listed = Object.keys(provenance.crds).sort();
    const found = crds.map((c) => c.name);
    if (JSON.stringify(listed) !== JSON.stringify(found)) {
        throw new Error(`${dir}: the CRD files (${found.join(", ")}) differ from PROVENANCE.json (${listed.join(", ")}): run \`npm run crds:vendor -- ${chart}\``);
    }
    parsed.set(chart, crds);
    return crds;
}

export interface OperatorCrdsArgs {
    /** The catalogue chart whose CRDs to manage; its pinned version selects crds/<chart>/<version>/. */
    chart: OperatorChart;
    /**
     * Pulumi `protect` on every CRD: deleting a CRD deletes every custom resource of its kind (the Kafka cluster, the
     * Elasticsearch and their volumes). Default false (the composition sets it from protectStatefulResources).
     */
    protect?: boolean;
}

/**
 * An operator chart's CRDs as resources of their own, at the chart's pinned version. Helm installs a chart's crds/
 * only on the first install and never upgrades them, so the operator's release skips them (skipCrds) and waits for
 * these; a chart bump (catalogue + `npm run crds:vendor`) then updates the CRDs before the new operator starts.
 */
export class OperatorCrds extends pulumi.ComponentResource {
    readonly crds: k8s.apiextensions.v1.CustomResourceDefinition[];
    private readonly byKind: ReadonlyMap<string, k8s.apiextensions.v1.CustomResourceDefinition>;
    private readonly chart: OperatorChart;

    constructor(name: string, args: OperatorCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:kubernetes:OperatorCrds", name, {}, opts);
        const { chartVersion } = crdProvenance(args.chart);
        const byKind = new Map<string, k8s.apiextensions.v1.CustomResourceDefinition>();
        this.crds = vendoredCrds(args.chart).map(({ name: crdName, object }) => {
            const crd = new k8s.apiextensions.v1.CustomResourceDefinition(`${name}-${crdName}`, {
                spec: object.spec,
                metadata: {
                    ...object.metadata,
                    annotations: {
                        ...object.metadata.annotations,
                        [CHART_VERSION_ANNOTATION]: chartVersion,
                        // Helm (field manager "helm") created these on clusters deployed before the program owned them;
                        // the program is now their only owner, so server-side apply takes the fields over.
                        "pulumi.com/patchForce": "true",
                    },
                },
            }, { parent: this, protect: args.protect });
            byKind.set(object.spec.names.kind, crd);
            return crd;
        });
        this.byKind = byKind;
        this.chart = args.chart;
        this.registerOutputs({});
    }

    /** The CRD serving a kind: what a custom resource of that kind waits for. */
    of(kind: string): k8s.apiextensions.v1.CustomResourceDefinition {
        const crd = this.byKind.get(kind);
        if (!crd) throw new Error(`the ${this.chart} chart's CRDs serve no kind ${kind} (kinds: ${[...this.byKind.keys()].join(", ")})`);
        return crd;
    }
}
