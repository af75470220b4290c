import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { CONFIG_KEYS, PlatformConfig, SECRET_KEYS, parsePlatformConfig } from "./config";

/**
 * Whether the engine handed this key to the program as a secret (`secure:` in the stack file). @pulumi/pulumi keeps
 * `isConfigSecret` internal (absent from its typings), yet it is the only reader of the secret-key list the language
 * host passes (PULUMI_CONFIG_SECRET_KEYS) and that `setAllConfig(config, secretKeys)` sets offline. Without it a
 * plain-text secret could not be told apart, so the program refuses to run rather than skip the check.
 */
function isConfigSecret(key: string): boolean {
    const reader: unknown = Reflect.get(runtimeConfig, "isConfigSecret");
    if (typeof reader !== "function") throw new Error("@pulumi/pulumi no longer exposes runtime isConfigSecret; stacks/load-config.ts cannot tell secret config from plain text");
    return (reader as (key: string) => unknown)(key) === true;
}

/** The one place that reads Pulumi config. Everything downstream receives the typed PlatformConfig. */
export function loadPlatformConfig(): PlatformConfig {
    const projectName = pulumi.getProject();
    const project = new pulumi.Config();
    // Every key of the project namespace, not only the ones the program asks for, so a misspelt key is refused;
    // other namespaces (aws:region, provider settings) are not this program's to judge and pass through.
    const all = pulumi.runtime.allConfig();
    const prefix = `${projectName}:`;
    const keys = Object.keys(all).filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
    const secretValue = (key: string) => all[`${prefix}${key}`];
    return parsePlatformConfig({
        project: projectName,
        stack: pulumi.getStack(),
        region: new pulumi.Config("aws").get("region"),
        values: Object.fromEntries(CONFIG_KEYS.map((key) => [key, project.get(key)])),
        secrets: Object.fromEntries(SECRET_KEYS.map((key) => [key, secretValue(key) ? project.requireSecret(key) : undefined])),
        keys,
        emptySecrets: SECRET_KEYS.filter((key) => secretValue(key) === "" && isConfigSecret(`${prefix}${key}`)),
        plaintextSecrets: SECRET_KEYS.filter((key) => secretValue(key) && !isConfigSecret(`${prefix}${key}`)),
    });
}
