import { existsSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";

/**
 * Offline validation of built-in Kubernetes objects against the official OpenAPI schemas, in two passes:
 *  1. kubernetes-models' compiled validators (types, required fields, enums, formats): `new Deployment(obj).validate()`;
 *  2. an unknown-field walk, which kubernetes-models does not do: every key of the object must be a property the
 *     schema declares. The schema is read from kubernetes-models' own type declarations (generated from the same
 *     OpenAPI document) through the TypeScript checker, so maps (labels, data) stay open and everything else is closed.
 */
const MODELS_ROOT = join(__dirname, "..", "..", "node_modules", "kubernetes-models");

/** Kubernetes-models path of a built-in apiVersion ("v1" -> "v1", "apps/v1" -> "apps/v1"); undefined for custom resources. */
export function builtInModule(apiVersion: string, kind: string): string | undefined {
    const path = apiVersion.includes("/") ? apiVersion : apiVersion;
    const file = join(MODELS_ROOT, path, `${kind}.d.ts`);
    return existsSync(file) ? `kubernetes-models/${path}/${kind}` : undefined;
}

export function isBuiltIn(apiVersion: string, kind: string): boolean {
    return builtInModule(apiVersion, kind) !== undefined;
}

/** Pulumi type token of a Kubernetes resource -> apiVersion and kind ("kubernetes:apps/v1:Deployment"). */
export function apiVersionKindOf(type: string): { apiVersion: string; kind: string } | undefined {
    const match = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!match || match[1] === "helm.sh/v3" || match[1] === "helm.sh/v4") return undefined;
    const apiVersion = match[1].startsWith("core/") ? match[1].slice("core/".length) : match[1];
    return { apiVersion, kind: match[2] };
}

interface Model { validate(): void }
type ModelClass = new (data: unknown) => Model;
const modelCache = new Map<string, Promise<ModelClass>>();

async function modelOf(apiVersion: string, kind: string): Promise<ModelClass> {
    const module = builtInModule(apiVersion, kind);
    if (!module) throw new Error(`${apiVersion}/${kind} is not a built-in Kubernetes kind`);
    let loaded = modelCache.get(module);
    if (!loaded) {
        loaded = import(module).then((m: Record<string, unknown>) => m[kind] as ModelClass);
        modelCache.set(module, loaded);
    }
    return loaded;
}

/** Schema errors of a built-in object from kubernetes-models (empty when valid). */
export async function schemaErrors(object: Record<string, unknown>): Promise<string[]> {
    const Model = await modelOf(String(object.apiVersion), String(object.kind));
    try {
        new Model(object).validate();
        return [];
    } catch (error) {
        const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
        return details?.map((e) => `${e.instancePath || "/"} ${e.message ?? "is invalid"}`) ?? [String((error as Error).message)];
    }
}

let checker: { program: ts.Program; checker: ts.TypeChecker } | undefined;
const typeCache = new Map<string, ts.Type>();

function typeOfKind(apiVersion: string, kind: string): ts.Type {
    const key = `${apiVersion}/${kind}`;
    const cached = typeCache.get(key);
    if (cached) return cached;
    if (!checker) {
        // One program over every built-in kind's declaration file, built once per process.
        const files = ts.sys.readDirectory(MODELS_ROOT, [".d.ts"], ["_schemas"], undefined)
            .filter((file) => /\/[A-Z][A-Za-z0-9]*\.d\.ts$/.test(file) && !file.includes("/_schemas/"));
        const program = ts.createProgram(files, {
            noEmit: true, skipLibCheck: true, strict: true, types: [],
            module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
        });
        checker = { program, checker: program.getTypeChecker() };
    }
    const file = join(MODELS_ROOT, apiVersion, `${kind}.d.ts`);
    const source = checker.program.getSourceFile(file);
    const symbol = source && checker.checker.getSymbolAtLocation(source);
    const exported = symbol && checker.checker.getExportsOfModule(symbol).find((s) => s.name === `I${kind}`);
    if (!exported) throw new Error(`no interface I${kind} in ${file}`);
    const type = checker.checker.getDeclaredTypeOfSymbol(exported);
    typeCache.set(key, type);
    return type;
}

/** The object-like member of a declared type (drops undefined/null/primitives of a union); undefined when none. */
function objectPart(tc: ts.TypeChecker, type: ts.Type): ts.Type | undefined {
    if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return undefined;
    const candidates = type.isUnion() ? type.types : [type];
    return candidates.find((t) => (t.flags & ts.TypeFlags.Object) !== 0 || tc.isArrayType(t));
}

function walk(tc: ts.TypeChecker, value: unknown, declared: ts.Type, path: string, problems: string[]): void {
    if (value === null || typeof value !== "object") return;
    // kubernetes-models declares a CRD schema's `items` (JSONSchemaPropsOrArray) and `additionalProperties`/
    // `additionalItems` (JSONSchemaPropsOrBool) as empty interfaces; the API server reads a schema (or, for items, a
    // list of schemas) there, so they are walked as JSONSchemaProps.
    const declaredName = tc.typeToString(declared);
    // A schema's `default` and `example` (JSON, also an empty interface there) hold any value.
    if (/(^|[^A-Za-z])I?(IoK8sApiextensionsApiserverPkgApisApiextensionsV1)?JSON( \| undefined)?$/.test(declaredName)) return;
    if (/JSONSchemaPropsOr(Array|Bool)\b/.test(declaredName)) {
        const schema = typeOfKind("apiextensions.k8s.io/v1", "JSONSchemaProps");
        if (Array.isArray(value)) value.forEach((item, index) => walk(tc, item, schema, `${path}[${index}]`, problems));
        else walk(tc, value, schema, path, problems);
        return;
    }
    const type = objectPart(tc, declared);
    if (!type) return;
    if (Array.isArray(value)) {
        const element = tc.isArrayType(type) ? tc.getTypeArguments(type as ts.TypeReference)[0] : tc.getIndexTypeOfType(type, ts.IndexKind.Number);
        if (element) value.forEach((item, index) => walk(tc, item, element, `${path}[${index}]`, problems));
        return;
    }
    const open = tc.getIndexTypeOfType(type, ts.IndexKind.String);
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const property = type.getProperty(key);
        if (property) walk(tc, inner, tc.getTypeOfSymbol(property), `${path}.${key}`, problems);
        else if (open) walk(tc, inner, open, `${path}.${key}`, problems);
        else problems.push(`${path}.${key}: unknown field`);
    }
}

/** Keys the schema does not declare, as paths such as ".spec.template.spec.containers[0].securityContex". */
export function unknownFields(object: Record<string, unknown>): string[] {
    const type = typeOfKind(String(object.apiVersion), String(object.kind));
    const problems: string[] = [];
    walk(checker!.checker, object, type, "", problems);
    return problems;
}

/** Both passes: schema errors and unknown fields. */
export async function validateBuiltIn(object: Record<string, unknown>): Promise<string[]> {
    return [...await schemaErrors(object), ...unknownFields(object)];
}
