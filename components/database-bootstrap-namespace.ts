import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { BootstrapPlacement } from "./database";
import { platformNamespace } from "./namespace";

/** The namespace the bootstrap Jobs run in (see DatabaseBootstrapNamespace). */
export const BOOTSTRAP_NAMESPACE = "db-bootstrap";

/**
 * The one namespace whose service accounts may use the RDS master secret: the DatabaseBootstrap Jobs of every
 * application run here, and nothing else does. Applications' namespaces then hold no role that can read the master
 * secret, so creating a pod in `shop` or `identity` no longer makes anyone database superuser; creating pods here
 * must stay reserved to the platform's deployer (cluster RBAC), and its NetworkPolicies let these pods reach only DNS,
 * AWS APIs and PostgreSQL.
 */
export class DatabaseBootstrapNamespace extends pulumi.ComponentResource {
    readonly namespace: string;
    readonly namespaceResource: k8s.core.v1.Namespace;
    /** What a DatabaseEndpoint carries (`bootstrap`) so its DatabaseBootstraps run here. */
    readonly placement: BootstrapPlacement;

    constructor(name: string, args: { namespace?: string }, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:data:DatabaseBootstrapNamespace", name, {}, opts);
        this.namespace = args.namespace ?? BOOTSTRAP_NAMESPACE;
        this.namespaceResource = platformNamespace(this.namespace, "restricted", { parent: this }, `${name}-namespace`);
        this.placement = { namespace: this.namespace, resource: this.namespaceResource };
        this.registerOutputs({ namespace: this.namespace });
    }
}
