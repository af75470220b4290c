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

export class StackSettingsError extends Error {}

interface ProjectFile {
    name?: string;
    config?: Record<string, { default?: unknown; value?: unknown } | string | number | boolean>;
}

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

function asConfigString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

export function readStackSettings(stack: string, root = process.cwd()): StackSettings {
    const projectPath = join(root, "Pulumi.yaml");
    const stackPath = join(root, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new StackSettingsError(`"${stack}" is not a stack name`);
    if (!existsSync(stackPath)) throw new StackSettingsError(`no stack file ${stackPath}; stacks here: see Pulumi.*.yaml`);

    const project = (readYaml(projectPath) ?? {}) as ProjectFile;
    if (!project.name) throw new StackSettingsError(`${projectPath} has no project name`);
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);

    for (const [key, declaration] of Object.entries(project.config ?? {})) {
        const fallback = declaration && typeof declaration === "object" ? declaration.default ?? declaration.value : declaration;
        if (fallback !== undefined) config[qualify(key)] = asConfigString(fallback);
    }

    const stackFile = (readYaml(stackPath) ?? {}) as { config?: Record<string, unknown> };
    for (const [key, value] of Object.entries(stackFile.config ?? {})) {
        const qualified = qualify(key);
        if (value && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
            config[qualified] = secretPlaceholder(qualified);
            secretKeys.push(qualified);
        } else if (value !== null && value !== undefined) {
            config[qualified] = asConfigString(value);
        }
    }
    return { project: project.name, stack, config, secretKeys };
}
