import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as yaml from "js-yaml";
import { OPERATOR_CHARTS, vendoredCrdDir } from "../../components/operator-crds";

/**
 * Validates custom resources against the CRDs the plan installs (crds/<chart>/<catalogue version>/, the same files
 * components/operator-crds.ts creates) and, for kinds no operator chart of the program installs, the upstream CRDs in
 * test/fixtures/crds (sources in its README): the served version's openAPIV3Schema compiled with ajv, plus a strict
 * copy in which every closed object rejects unknown properties, as kubectl's server-side strict field validation would.
 */
/** Upstream CRDs, copied byte-for-byte from named release tags, so a clean checkout validates offline. */
export const CRD_DIRS = process.env.CRD_DIR ? [process.env.CRD_DIR] : [...OPERATOR_CHARTS.map(vendoredCrdDir), join(__dirname, "..", "fixtures", "crds")];

interface Crd {
    spec: {
        group: string;
        names: { kind: string };
        versions: { name: string; served: boolean; schema?: { openAPIV3Schema: Record<string, unknown> } }[];
    };
}

let crds: Crd[] | undefined;
const validators = new Map<string, ValidateFunction>();

function loadCrds(): Crd[] {
    crds ??= CRD_DIRS.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith(".yaml"))
        .map((f) => yaml.load(readFileSync(join(dir, f), "utf8")) as Crd));
    return crds;
}

/** Whether a CRD for this group and kind is available (any version). */
export function hasCrd(apiVersion: string, kind: string): boolean {
    const group = apiVersion.split("/")[0];
    return loadCrds().some((crd) => crd.spec.group === group && crd.spec.names.kind === kind);
}

/** Closes every object node that declares properties and does not ask to stay open (README step 5). */
function strict(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(strict);
    if (!schema || typeof schema !== "object") return schema;
    const node = Object.fromEntries(Object.entries(schema as Record<string, unknown>).map(([k, v]) => [k, strict(v)]));
    if (node.type === "object" && node.properties && node.additionalProperties === undefined && !node["x-kubernetes-preserve-unknown-fields"]) {
        node.additionalProperties = false;
    }
    return node;
}

/**
 * The API server compiles CRD patterns with Go's RE2, which takes a leading inline flag group such as `^(?i)`
 * (prometheus-operator's PrometheusRule `labels` patterns) that ECMAScript rejects: moved to the RegExp's flags.
 */
function goRegExp(pattern: string, flags: string): RegExp {
    const inline = /^(\^?)\(\?([ims]+)\)/.exec(pattern);
    if (!inline) return new RegExp(pattern, flags);
    return new RegExp(inline[1] + pattern.slice(inline[0].length), flags + inline[2]);
}
// ajv reads `code` only when it emits standalone validator source, which these tests never do.
goRegExp.code = "goRegExp";

function validatorFor(apiVersion: string, kind: string): ValidateFunction | string {
    const key = `${apiVersion}/${kind}`;
    const cached = validators.get(key);
    if (cached) return cached;
    const [group, version] = apiVersion.split("/");
    const crd = loadCrds().find((c) => c.spec.group === group && c.spec.names.kind === kind);
    if (!crd) return `no CRD for ${kind} in group ${group}`;
    const served = crd.spec.versions.find((v) => v.name === version && v.served);
    if (!served?.schema) return `${apiVersion} ${kind}: version not served (served: ${crd.spec.versions.filter((v) => v.served).map((v) => v.name).join(", ")})`;
    // unicodeRegExp off: some CRD patterns (e.g. Kong's `\-`) are valid ECMAScript only without the u flag.
    const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false, code: { regExp: goRegExp } });
    addFormats(ajv);
    ajv.addFormat("int32", { type: "number", validate: Number.isInteger });
    ajv.addFormat("int64", { type: "number", validate: Number.isInteger });
    const validate = ajv.compile(strict(served.schema.openAPIV3Schema) as Record<string, unknown>);
    validators.set(key, validate);
    return validate;
}

/** Problems of one custom resource (empty when valid); `object` must be plain JSON (Outputs resolved). */
export function validateCustomResource(object: Record<string, unknown>): string[] {
    const plain = JSON.parse(JSON.stringify(object)) as Record<string, unknown>;
    const validate = validatorFor(String(plain.apiVersion), String(plain.kind));
    if (typeof validate === "string") return [validate];
    if (validate(plain)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.keyword === "additionalProperties" ? `: ${String((e.params as { additionalProperty: string }).additionalProperty)}` : ""}`);
}
