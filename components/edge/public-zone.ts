import * as pulumi from "@pulumi/pulumi";
import * as route53 from "@pulumi/aws/route53";

export interface PublicZoneArgs {
    /** The environment's domain (shop.example.com): the zone's name. */
    domain: string;
    /**
     * An existing public hosted zone of `domain`, by id. Default "": the zone is created here. An existing zone is looked
     * up and its name checked, so a wrong id stops `pulumi up` before a certificate waits on records nobody serves.
     */
    existingZoneId?: string;
    /**
     * Pulumi `protect` on the zone it creates (a new zone gets new name servers, and the registrar's delegation breaks): a replacement or deletion fails until `pulumi state unprotect`. Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

/**
 * The public hosted zone of an environment's domain, owned by the stack that owns the edge. Every regional stack of the
 * environment writes its certificate validation, latency and regional records into it (the others through a stack
 * reference to the owner's `hostedZoneId` output). Delegate the domain to `nameServers` at its registrar.
 */
export class PublicZone extends pulumi.ComponentResource {
    readonly zoneId: pulumi.Output<string>;
    /** Name servers to delegate the domain to (known after the zone exists). */
    readonly nameServers: pulumi.Output<string[]>;

    constructor(name: string, args: PublicZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:edge:PublicZone", name, {}, opts);
        if (args.existingZoneId) {
            const found = route53.getZoneOutput({ zoneId: args.existingZoneId, privateZone: false }, { parent: this });
            this.zoneId = found.apply((zone) => {
                // Route 53 answers the name fully qualified, with its trailing dot, and lower-cased.
                const zoneName = zone.name.replace(/\.$/, "").toLowerCase();
                if (zoneName !== args.domain) {
                    throw new Error(`hosted zone ${args.existingZoneId} is ${zoneName}, not ${args.domain}: set hostedZoneId to the zone of the domain, or leave it empty to create one`);
                }
                return zone.zoneId;
            });
            this.nameServers = found.nameServers;
        } else {
            const zone = new route53.Zone(`${name}-zone`, {
                name: args.domain,
                comment: `Public zone of ${args.domain} (ecommerce-platform edge)`,
                // Records other stacks wrote (their latency and validation records) must stop a destroy, not vanish with it.
                forceDestroy: false,
            }, { parent: this, protect: args.protect });
            this.zoneId = zone.zoneId;
            this.nameServers = zone.nameServers;
        }
        this.registerOutputs({ zoneId: this.zoneId, nameServers: this.nameServers });
    }
}
