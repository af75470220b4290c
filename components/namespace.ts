import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Pod Security Standards level enforced on a namespace. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * A namespace per concern with Pod Security Standards labels: `enforce` at the given level, and `warn`/`audit` at
 * restricted so a baseline namespace still reports what would not pass the strict profile. `resourceName` (default: the
 * namespace name) lets a component prefix the Pulumi resource name with its own.
 */
export function platformNamespace(name: string, level: PodSecurityLevel, opts: pulumi.CustomResourceOptions, resourceName = name): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(resourceName, {
        metadata: {
            name,
            labels: {
                "app.kubernetes.io/part-of": "ecommerce-platform",
                "pod-security.kubernetes.io/enforce": level,
                "pod-security.kubernetes.io/warn": "restricted",
                "pod-security.kubernetes.io/audit": "restricted",
            },
        },
    }, opts);
}
