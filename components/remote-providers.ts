import type * as pulumi from "@pulumi/pulumi";

/**
 * The aws provider a component inherited, as an explicit `providers` option for a multi-language child component
 * (awsx, eks). The Node SDK sends a remote component only the providers given to it explicitly, so without this the
 * resources it creates would use the engine's default aws provider: stack config only, without our default tags.
 */
export function explicitAwsProvider(component: pulumi.ComponentResource): pulumi.ProviderResource[] {
    const aws = component.getProvider("aws::");
    return aws ? [aws] : [];
}
