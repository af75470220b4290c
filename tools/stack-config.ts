import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";

/** What the Pulumi CLI would hand the program: the project name and the stack's config, flattened to strings. */
export interface StackSettings {
    project: string;
    stack: string;
    /** Fully qualified keys ("project:key", "aws:region") to string values; structured values as JSON. */
    config: Record<string, string>;
    /** Keys whose values were `secure:` in the stack file (replaced by placeholders offline). */
    secretKeys: string[];
}

/** Stack settings the CLI would refuse before running the program; plan.ts prints it without "program error:". */
export class StackSettingsError extends Error {
    override name = "ConfigError";
}

interface ItemsType { type?: string; items?: ItemsType }
interface ConfigDeclaration extends ItemsType { default?: unknown; value?: unknown; secret?: boolean; description?: string }

interface ProjectFile {
    name?: string;
    config?: Record<string, ConfigDeclaration | string | number | boolean>;
}

/**
 * A config value as the CLI holds it (sdk/go/common/resource/config/value.go): stack-file scalars become strings
 * ("3", "true"), lists and maps stay structured ("object" values), `secure:` values are ciphertext.
 */
interface StackValue { text: string; object?: unknown; secure: boolean }

/** The offline stand-in for a secret that only the stack's secrets provider could decrypt. */
export function secretPlaceholder(key: string): string {
    return `offline-placeholder-for-${key.replace(/[^A-Za-z0-9]+/g, "-")}`;
}

function readYaml(path: string): unknown {
    try {
        return yaml.load(readFileSync(path, "utf8"));
    } catch (error) {
        throw new StackSettingsError(`cannot read ${path}: ${(error as Error).message.split("\n")[0]}`);
    }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `createConfigValue` in pkg/workspace/config.go: scalars as their text, anything else as a JSON object value. */
function asStackValue(value: unknown): StackValue {
    if (value === null || value === undefined) return { text: "", secure: false };
    if (typeof value === "object") return { text: JSON.stringify(value), object: value, secure: false };
    return { text: String(value), secure: false };
}

/** `ValidateConfigValue` in sdk/go/common/workspace/project.go. */
function validConfigValue(type: string | undefined, items: ItemsType | undefined, value: unknown): boolean {
    switch (type) {
        case "string":
            return typeof value === "string";
        case "integer":
            // YAML whole floats count; strings must parse with Go's strconv.Atoi.
            return (typeof value === "number" && Number.isInteger(value)) || (typeof value === "string" && /^[+-]?\d+$/.test(value));
        case "boolean":
            return typeof value === "boolean" || value === "true" || value === "false";
        case "object":
            return isPlainObject(value);
        default:
            return Array.isArray(value) && items !== undefined && value.every((item) => validConfigValue(items.type, items.items, item));
    }
}

/** `InferFullTypeName`: array<string> for a typed array. */
function fullTypeName(type: string | undefined, items: ItemsType | undefined): string {
    return items ? `array<${fullTypeName(items.type, items.items)}>` : type ?? "";
}

/** `formatMissingKeys`: 'a', 'b' and 'c', sorted. */
function formatKeys(keys: string[]): string {
    const quoted = [...keys].sort().map((key) => `'${key}'`);
    return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/**
 * `Project.Validate` in sdk/go/common/workspace/project.go: the checks the CLI makes on Pulumi.yaml's config block
 * before it loads any stack.
 */
function validateProjectConfig(projectName: string, declarations: Record<string, ConfigDeclaration>): void {
    for (const [key, declaration] of Object.entries(declarations)) {
        if (declaration.default !== undefined && declaration.value !== undefined) {
            throw new StackSettingsError(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
        }
        if (!key.includes(":") || key.startsWith(`${projectName}:`)) {
            if (declaration.type === "array" && !declaration.items) {
                throw new StackSettingsError(`The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`);
            }
            if (declaration.type !== undefined && declaration.default !== undefined && !validConfigValue(declaration.type, declaration.items, declaration.default)) {
                throw new StackSettingsError(`The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(declaration.type, declaration.items)}'`);
            }
        } else if (declaration.type !== undefined) {
            throw new StackSettingsError(`Configuration key '${key}' is not namespaced by the project and should not define a type`);
        } else if (declaration.default !== undefined) {
            throw new StackSettingsError(`Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`);
        } else if (declaration.value === undefined) {
            throw new StackSettingsError(`Configuration key '${key}' is namespaced and must provide an attribute 'value'`);
        }
    }
}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml and validates them as `pulumi preview` / `pulumi up` do before the program
 * runs (pkg/workspace/config.go, ValidateStackConfigAndApplyProjectConfig, pulumi/pulumi at 1b59498, Aug 2026):
 *   1. a key of the project namespace declared with neither `default` nor `value` and absent from the stack file:
 *      "Stack 'dev' is missing configuration value(s) ..." (all of them in one message);
 *   2. then, for each declared key with a `type` (sorted by key; the first failure stops): a `secret: true` key whose
 *      value is not `secure:` ciphertext: "... must be encrypted as it's secret"; a value of the wrong type:
 *      "... must be of type 'integer'". Keys without a `type` are not checked at all, secret or not.
 * The CLI does NOT refuse keys Pulumi.yaml does not declare; the program itself does (stacks/config.ts).
 * Offline only: a `secure:` value with empty ciphertext is refused here, because no secrets provider can decrypt it
 * (the passphrase provider fails with "bad value") and the placeholder would hide that.
 */
export function readStackSettings(stack: string, root = process.cwd()): StackSettings {
    const projectPath = join(root, "Pulumi.yaml");
    const stackPath = join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackSettingsError(`"${stack}" is not a stack name`);
    if (!existsSync(stackPath)) throw new StackSettingsError(`no stack file ${stackPath}; stacks here: see Pulumi.*.yaml`);

    const project = (readYaml(projectPath) ?? {}) as ProjectFile;
    if (!project.name) throw new StackSettingsError(`${projectPath} has no project name`);
    const projectName = project.name;
    const qualify = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);
    // A bare scalar in the config block is shorthand for { value: ... }.
    const declarations: Record<string, ConfigDeclaration> = Object.fromEntries(Object.entries(project.config ?? {})
        .map(([key, declaration]) => [key, isPlainObject(declaration) ? declaration : { value: declaration }]));
    validateProjectConfig(projectName, declarations);

    const values = new Map<string, StackValue>();
    const stackFile = (readYaml(stackPath) ?? {}) as { config?: Record<string, unknown> };
    for (const [key, value] of Object.entries(stackFile.config ?? {})) {
        const qualified = qualify(key);
        if (isPlainObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string") {
            if (value.secure === "") {
                throw new StackSettingsError(`validating stack config: ${qualified}: the secure value is empty, so no secrets provider can decrypt it; set it with \`pulumi config set --secret ${qualified} <value>\``);
            }
            values.set(qualified, { text: value.secure, secure: true });
        } else {
            // A YAML null is an empty string to the CLI (it warns), still a value the stack sets.
            values.set(qualified, asStackValue(value));
        }
    }

    const fail = (message: string) => new StackSettingsError(`validating stack config: ${message}`);
    const missing: string[] = [];
    for (const key of Object.keys(declarations).sort()) {
        const declaration = declarations[key];
        const qualified = qualify(key);
        const fallback = declaration.value ?? declaration.default;
        if (values.has(qualified)) continue;
        if (fallback !== undefined) values.set(qualified, asStackValue(fallback));
        else if (qualified.startsWith(`${projectName}:`)) missing.push(key);
    }
    if (missing.length > 0) {
        throw fail(`Stack '${stack}' is missing configuration value${missing.length > 1 ? "s" : ""} ${formatKeys(missing)}`);
    }
    for (const key of Object.keys(declarations).sort()) {
        const declaration = declarations[key];
        const value = values.get(qualify(key));
        if (declaration.type === undefined || value === undefined) continue;
        if (declaration.secret && !value.secure) throw fail(`Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`);
        // The CLI type-checks a secret's decrypted value; offline it cannot be decrypted, so it is not judged here.
        if (value.secure) continue;
        if (!validConfigValue(declaration.type, declaration.items, value.object ?? value.text)) {
            throw fail(`Stack '${stack}' with configuration key '${key}' must be of type '${fullTypeName(declaration.type, declaration.items)}'`);
        }
    }

    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of values) {
        if (value.secure) {
            config[key] = secretPlaceholder(key);
            secretKeys.push(key);
        } else {
            config[key] = value.text;
        }
    }
    return { project: projectName, stack, config, secretKeys };
}
