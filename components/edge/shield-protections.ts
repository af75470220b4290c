import * as pulumi from "@pulumi/pulumi";
import * as shield from "@pulumi/aws/shield";

/** A resource Shield Advanced protects: a CloudFront distribution, a hosted zone, a load balancer, an EIP... */
export interface ShieldProtectedResource {
    /** A short name for the protection (unique within the stack). */
    name: string;
    arn: pulumi.Input<string>;
}

export interface ShieldProtectionsArgs {
    resources: ShieldProtectedResource[];
    /**
     * An aws provider for us-east-1, where Shield Advanced's API lives; it protects resources of every region from
     * there (a regional stack passes its own load balancer's ARN with the same provider kind).
     */
    usEast1: pulumi.ProviderResource;
}

/**
 * Shield Advanced protections. They fail to create unless the account already has a Shield Advanced subscription,
 * which this program never buys: it is a one-year commitment billed to the organisation (see the README).
 */
export class ShieldProtections extends pulumi.ComponentResource {
    readonly protectionIds: pulumi.Output<string>[];

    constructor(name: string, args: ShieldProtectionsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:ShieldProtections", name, {}, opts);
        const names = args.resources.map((r) => r.name);
        const duplicate = names.find((n, i) => names.indexOf(n) !== i);
        if (duplicate) throw new Error(`${name}: two protected resources are named ${duplicate}`);
        this.protectionIds = args.resources.map((resource) => new shield.Protection(`${name}-${resource.name}`, {
            name: `${name}-${resource.name}`,
            resourceArn: resource.arn,
        }, { parent: this, provider: args.usEast1 }).id);
        this.registerOutputs({});
    }
}
