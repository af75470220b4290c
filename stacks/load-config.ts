import * as pulumi from "@pulumi/pulumi";
import { CONFIG_KEYS, PlatformConfig, SECRET_KEYS, parsePlatformConfig } from "./config";

/** The one place that reads Pulumi config. Everything downstream receives the typed PlatformConfig. */
export function loadPlatformConfig(): PlatformConfig {
    const project = new pulumi.Config();
    return parsePlatformConfig({
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        region: new pulumi.Config("aws").get("region"),
        values: Object.fromEntries(CONFIG_KEYS.map((key) => [key, project.get(key)])),
        secrets: Object.fromEntries(SECRET_KEYS.map((key) => [key, project.getSecret(key)])),
    });
}
