import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Pod Security Standards level enforced on a namespace. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * A namespace per concern with Pod Security Standards labels: `enforce` at the given level, and `warn`/`audit` at
 * restricted so a baseline namespace still reports what would not pass the strict profile.
 */
export function platformNamespace(name: string, level: PodSecurityLevel, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(name, {
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
