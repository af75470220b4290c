import { expect } from "chai";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import * as yaml from "js-yaml";
import { CHARTS } from "../../components/catalogue";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

/**
 * Helm ignores values keys a chart does not read, so a typo or a key from another chart version changes nothing and
 * nobody notices. Every `helm.v3.Release` of every stack is checked offline against the chart's own default values at
 * the pinned version (test/fixtures/chart-values, sources in its README): each key path the program sets must exist
 * in the defaults, and where the chart ships a values.schema.json the values Helm would render with (defaults
 * overlaid by the program's values) must validate against it, as `helm install` would check.
 */

/** Default values of each pinned chart version: `<chart>-<version>/values.yaml` (+ values.schema.json, Chart.yaml). */
const VALUES_DIR = join(__dirname, "..", "fixtures", "chart-values");
const RELEASE = "kubernetes:helm.sh/v3:Release";
/** A secret in the plan's export is an object carrying this signature key (tools/capture.ts); its content is opaque. */
const SECRET_KEY = "4dabf18193072939515e22adb298388d";

/**
 * Keys below which a chart takes anything: their content is a Kubernetes API object or a map of arbitrary entries
 * that the templates render whole (toYaml), so their defaults list examples, not the allowed keys. A key whose default
 * is `{}` is free-form too, whatever its name.
 */
const FREE_FORM = new Set([
    "annotations", "labels", "podAnnotations", "podLabels", "nodeSelector", "tolerations", "affinity", "resources",
    "securityContext", "podSecurityContext", "containerSecurityContext", "env", "extraEnv",
]);

/**
 * Per chart version: key paths the chart's templates read although its values.yaml does not list them (or lists them
 * only in a comment). Everything at and below such a path is accepted. Each entry names the template that reads it.
 */
const READ_BUT_UNLISTED: Record<string, Record<string, string>> = {
    "kong-3.4.1": {
        // values.yaml has it only as a comment ("Uncomment only one of the following").
        "podDisruptionBudget.maxUnavailable": "templates/pdb.yaml renders .Values.podDisruptionBudget.maxUnavailable into the PodDisruptionBudget spec",
        // values.yaml has it only as a comment (`# topologySpreadConstraints: []`).
        "topologySpreadConstraints": "templates/deployment.yaml renders .Values.topologySpreadConstraints whole (toYaml) into the pod spec",
    },
    "redis-cluster-0.17.4": {
        // storageClassName is only a comment in values.yaml; the whole storageSpec becomes RedisCluster spec.storage.
        "storageSpec.volumeClaimTemplate.spec": "templates/redis-cluster.yaml renders .Values.storageSpec whole (toYaml) as spec.storage: a PersistentVolumeClaimSpec",
        "storageSpec.nodeConfVolumeClaimTemplate.spec": "templates/redis-cluster.yaml renders .Values.storageSpec whole (toYaml) as spec.storage: a PersistentVolumeClaimSpec",
    },
    "opentelemetry-collector-0.170.0": {
        // values.yaml lists only the chart's default pipeline; any component of the image's distribution may be configured.
        "config": "templates/_config.tpl renders .Values.config whole (toYaml, then tpl) as the collector's relay.yaml",
        // values.yaml has it only as a comment (`#   minAvailable: 2`).
        "podDisruptionBudget.minAvailable": "templates/pdb.yaml renders .Values.podDisruptionBudget.minAvailable into the PodDisruptionBudget spec",
    },
    "fluent-bit-0.58.1": {
        "livenessProbe": "templates/_pod.tpl renders .Values.livenessProbe whole (toYaml) as the container's Probe",
        "readinessProbe": "templates/_pod.tpl renders .Values.readinessProbe whole (toYaml) as the container's Probe",
    },
};

type Values = Record<string, unknown>;

const isMap = (value: unknown): value is Values => value !== null && typeof value === "object" && !Array.isArray(value);
const isSecret = (value: unknown): boolean => isMap(value) && SECRET_KEY in value;

/** The fixture directory of a chart version: the chart's name (the last segment of an OCI address) and the version. */
function chartDir(chart: string, version: string): string {
    return `${chart.split("/").pop()}-${version}`;
}

interface ChartDefaults {
    dir: string;
    /** The chart's defaults, each subchart's defaults merged under its name or alias (the parent's values win). */
    values: Values;
    /** values.schema.json of the chart and of its subcharts, by the key path they apply to ("" for the chart). */
    schemas: Map<string, object>;
    /** Subchart names or aliases whose default values are not vendored (version range, or not needed so far). */
    unvendoredSubcharts: Map<string, string>;
}

/** Helm's coalescing: maps merge key by key, anything else the overlay sets replaces the base. */
function coalesce(base: unknown, overlay: unknown): unknown {
    if (!isMap(base) || !isMap(overlay) || isSecret(overlay)) return overlay === undefined ? base : overlay;
    const merged: Values = { ...base };
    for (const [key, value] of Object.entries(overlay)) merged[key] = coalesce(base[key], value);
    return merged;
}

function readSchema(dir: string): object | undefined {
    const file = join(dir, "values.schema.json");
    if (!existsSync(file)) return undefined;
    // `$schema: http://json-schema.org/schema#` (keycloakx) names no meta-schema ajv ships; the keywords are draft-07.
    const { $schema: _ignored, ...schema } = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    return schema;
}

const loaded = new Map<string, ChartDefaults | undefined>();

/** The vendored defaults of a chart version, or undefined when none are vendored. */
function chartDefaults(dir: string): ChartDefaults | undefined {
    if (loaded.has(dir)) return loaded.get(dir);
    const root = join(VALUES_DIR, dir);
    let defaults: ChartDefaults | undefined;
    if (existsSync(join(root, "values.yaml"))) {
        const values = (yaml.load(readFileSync(join(root, "values.yaml"), "utf8")) ?? {}) as Values;
        const schemas = new Map<string, object>();
        const unvendoredSubcharts = new Map<string, string>();
        const ownSchema = readSchema(root);
        if (ownSchema) schemas.set("", ownSchema);
        // Subcharts (Chart.yaml dependencies) read the values under their name or alias, over their own defaults.
        const chartFile = join(root, "Chart.yaml");
        const dependencies = existsSync(chartFile)
            ? ((yaml.load(readFileSync(chartFile, "utf8")) as { dependencies?: { name: string; alias?: string; version: string }[] }).dependencies ?? [])
            : [];
        for (const dependency of dependencies) {
            const key = dependency.alias ?? dependency.name;
            const subDir = join(root, "charts", `${dependency.name}-${dependency.version}`);
            if (!existsSync(join(subDir, "values.yaml"))) {
                unvendoredSubcharts.set(key, `${dependency.name} ${dependency.version}`);
                continue;
            }
            const subValues = (yaml.load(readFileSync(join(subDir, "values.yaml"), "utf8")) ?? {}) as Values;
            values[key] = coalesce(subValues, values[key]);
            const subSchema = readSchema(subDir);
            if (subSchema) schemas.set(key, subSchema);
        }
        defaults = { dir, values, schemas, unvendoredSubcharts };
    }
    loaded.set(dir, defaults);
    return defaults;
}

/** Key paths the program sets that the chart's defaults (or the allowlist) do not know. */
function unknownKeys(set: Values, defaults: ChartDefaults, allow: Record<string, string> = READ_BUT_UNLISTED[defaults.dir] ?? {}): string[] {
    const found: string[] = [];
    const walk = (values: Values, known: Values, path: string[]): void => {
        for (const [key, value] of Object.entries(values)) {
            const at = [...path, key].join(".");
            if (at in allow) continue;
            if (path.length === 0 && defaults.unvendoredSubcharts.has(key)) {
                found.push(`${at}: values for subchart ${defaults.unvendoredSubcharts.get(key)}, whose default values are not vendored`);
                continue;
            }
            if (!(key in known)) {
                found.push(`${at}: not a key of the chart`);
                continue;
            }
            const standard = known[key];
            if (!isMap(standard) || Object.keys(standard).length === 0 || FREE_FORM.has(key) || isSecret(value)) continue;
            if (isMap(value)) walk(value, standard, [...path, key]);
            else if (value !== null) found.push(`${at}: the chart's default is an object, the program sets ${Array.isArray(value) ? "an array" : typeof value}`);
        }
    };
    walk(set, defaults.values, []);
    return found;
}

/** Secrets become strings (what Pulumi sends is their plaintext), so schemas see the type the chart receives. */
function revealShape(value: unknown): unknown {
    if (isSecret(value)) return "secret";
    if (Array.isArray(value)) return value.map(revealShape);
    if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revealShape(inner)]));
    return value;
}

const ajv = new Ajv({ strict: false, allErrors: true });
const compiled = new Map<object, ReturnType<typeof ajv.compile>>();

/** Schema violations of the values Helm renders with: the chart's defaults overlaid by the program's values. */
function schemaProblems(set: Values, defaults: ChartDefaults): string[] {
    const merged = coalesce(defaults.values, revealShape(set)) as Values;
    const problems: string[] = [];
    for (const [path, schema] of defaults.schemas) {
        let validate = compiled.get(schema);
        if (!validate) {
            validate = ajv.compile(schema);
            compiled.set(schema, validate);
        }
        if (!validate(path === "" ? merged : merged[path])) {
            for (const error of validate.errors ?? []) {
                const where = [path, error.instancePath.slice(1).replace(/\//g, ".")].filter((p) => p !== "").join(".") || "(root)";
                problems.push(`${where}: ${error.message}${error.params && "allowedValues" in error.params ? ` (${String(error.params.allowedValues)})` : ""}`);
            }
        }
    }
    return problems;
}

/**
 * A policy/v1 PodDisruptionBudget may not set both minAvailable and maxUnavailable. Charts render their
 * `podDisruptionBudget` values into one, so a budget the program sets must not end up with both once merged with the
 * chart's defaults (e.g. kube-prometheus-stack defaults minAvailable: 1 and renders the whole object).
 */
function disruptionBudgetProblems(set: Values, defaults: ChartDefaults): string[] {
    const problems: string[] = [];
    const walk = (values: Values, known: unknown, path: string[]): void => {
        for (const [key, value] of Object.entries(values)) {
            if (!isMap(value) || isSecret(value)) continue;
            const standard = isMap(known) ? known[key] : undefined;
            if (key === "podDisruptionBudget") {
                const budget = coalesce(standard, value) as Values;
                const both = budget.minAvailable !== undefined && budget.minAvailable !== null && budget.maxUnavailable !== undefined && budget.maxUnavailable !== null;
                if (both && budget.enabled !== false) {
                    problems.push(`${[...path, key].join(".")}: minAvailable ${JSON.stringify(budget.minAvailable)} and maxUnavailable ${JSON.stringify(budget.maxUnavailable)} both set once merged with the chart's defaults (the API rejects such a PodDisruptionBudget)`);
                }
                continue;
            }
            walk(value, standard, [...path, key]);
        }
    };
    walk(set, defaults.values, []);
    return problems;
}

interface Release {
    name: string;
    chart: string;
    version: string;
    values: Values;
}

function releasesOf(stack: string): Release[] {
    return ofType(plannedStack(stack), RELEASE).map((resource: CapturedResource) => ({
        name: `${stack}/${resource.urn.split("::").pop()}`,
        chart: String(resource.inputs.chart),
        version: String(resource.inputs.version),
        values: (resource.inputs.values ?? {}) as Values,
    }));
}

/** Every problem of one release, each naming the release, the chart version and the key path. */
function releaseProblems(release: Release): string[] {
    const dir = chartDir(release.chart, release.version);
    const defaults = chartDefaults(dir);
    const label = `${release.name} (${dir})`;
    if (!defaults) return [`${label}: no default values vendored in test/fixtures/chart-values/${dir} (re-vendor them for this chart version)`];
    return [
        ...unknownKeys(release.values, defaults).map((p) => `${label}: ${p}`),
        ...schemaProblems(release.values, defaults).map((p) => `${label}: values.schema.json: ${p}`),
        ...disruptionBudgetProblems(release.values, defaults).map((p) => `${label}: ${p}`),
    ];
}

describe("stacks: Helm values are keys the pinned charts know", function () {
    this.timeout(180_000);

    it("every catalogue chart has its default values vendored at the pinned version, and only those are vendored", () => {
        const expected = Object.values(CHARTS).map((source) => chartDir(source.chart, source.version)).sort();
        const missing = expected.filter((dir) => !chartDefaults(dir));
        expect(missing, `catalogue charts without vendored values: ${missing.join(", ")}`).to.deep.equal([]);
        const vendored = readdirSync(VALUES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
        expect(vendored, "fixture directories that no catalogue entry pins").to.deep.equal(expected);
        const stale = Object.keys(READ_BUT_UNLISTED).filter((dir) => !expected.includes(dir));
        expect(stale, "allowlist entries for chart versions the catalogue no longer pins").to.deep.equal([]);
    });

    it("the checks catch what they must (typos, misplaced keys, unvendored versions and subcharts, schema types, double budgets)", () => {
        const problems = (values: Values, chart = "metrics-server", version: string = CHARTS.metricsServer.version) =>
            releaseProblems({ name: "test/r", chart, version, values }).join("\n");
        expect(problems({ podDisruptionBudget: { enabled: true, maxUnavaliable: 1 }, replicas: 2, nodeSelector: { any: "x" } }))
            .to.equal("test/r (metrics-server-3.13.0): podDisruptionBudget.maxUnavaliable: not a key of the chart");
        expect(problems({ replicas: 2 }, "metrics-server", "0.0.1")).to.match(/test\/r \(metrics-server-0\.0\.1\): no default values vendored/);
        expect(problems({ serviceMonitorSelectorNilUsesHelmValues: false, prometheus: { prometheusSpec: { replicas: 2 } }, grafana: { replicaz: 2, resources: { any: {} } } },
            "kube-prometheus-stack", CHARTS.kubePrometheusStack.version))
            .to.match(/: serviceMonitorSelectorNilUsesHelmValues: not a key/).and.match(/: grafana\.replicaz: not a key/).and.not.match(/resources|prometheusSpec/);
        expect(problems({ "prometheus-node-exporter": { hostNetwork: false } }, "kube-prometheus-stack", CHARTS.kubePrometheusStack.version))
            .to.match(/prometheus-node-exporter: values for subchart prometheus-node-exporter 4\.56\.1, whose default values are not vendored/);
        expect(problems({ prometheus: { podDisruptionBudget: { enabled: true, maxUnavailable: 1 } } }, "kube-prometheus-stack", CHARTS.kubePrometheusStack.version))
            .to.match(/prometheus\.podDisruptionBudget: minAvailable 1 and maxUnavailable 1 both set/);
        expect(problems({ extraEnv: [{ name: "A", value: "b" }] }, "keycloakx", CHARTS.keycloak.version))
            .to.match(/test\/r \(keycloakx-7\.1\.11\): values\.schema\.json: extraEnv: must be string/);
    });

    for (const stack of allStacks()) {
        describe(`stack ${stack}`, () => {
            it("every Release sets only keys its chart version knows, valid against the chart's schema", () => {
                const releases = releasesOf(stack);
                expect(releases.length, "Helm releases in the plan").to.be.greaterThan(0);
                const problems = releases.flatMap(releaseProblems);
                expect(problems, problems.join("\n")).to.deep.equal([]);
            });
        });
    }

    it("every allowlisted key path is one some release of some stack sets (the allowlist stays minimal)", () => {
        const set = new Set<string>();
        const collect = (dir: string, values: Values, path: string[]): void => {
            for (const [key, value] of Object.entries(values)) {
                const at = [...path, key];
                set.add(`${dir} ${at.join(".")}`);
                if (isMap(value)) collect(dir, value, at);
            }
        };
        for (const stack of allStacks()) for (const release of releasesOf(stack)) collect(chartDir(release.chart, release.version), release.values, []);
        const unused = Object.entries(READ_BUT_UNLISTED).flatMap(([dir, paths]) => Object.keys(paths).map((path) => `${dir} ${path}`)).filter((entry) => !set.has(entry));
        expect(unused, "allowlist entries no release uses").to.deep.equal([]);
    });
});
