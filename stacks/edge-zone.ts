import * as pulumi from "@pulumi/pulumi";
import { PublicZone } from "../components/edge/public-zone";
import type { PlatformConfig } from "./config";

/** The outputs the edge-owning stack exports for the environment's other stacks (index.ts). */
export const EDGE_OUTPUTS = { domain: "domain", hostedZoneId: "hostedZoneId", originHostname: "originHostname", publicUrl: "publicUrl" } as const;
/**
 * The realm signing key the owner exports so every region's Keycloak signs, and every region's gateway and API verify,
 * with one key: a token issued in one region verifies in all (stacks/realm-signing-key.ts). The private half is a
 * secret output.
 */
export const REALM_KEY_OUTPUTS = { privateKeyPemPkcs8: "realmSigningKeyPkcs8", publicKeyPem: "realmPublicKeyPem" } as const;

/** The environment's public hosted zone, as this stack reaches it. */
export interface EdgeZone {
    zoneId: pulumi.Output<string>;
    /** Name servers to delegate the domain to; only the owner knows them. */
    nameServers?: pulumi.Output<string[]>;
    /** The edge owner's outputs, in every stack but the owner. */
    owner?: pulumi.StackReference;
}

/**
 * The owner stack creates (or looks up) the zone; every other stack of the environment reads its id from the owner's
 * outputs through a StackReference named <organization>/<project>/<edgeStack> (self-managed backends use the
 * organization "organization"). A stack whose `domain` differs from the owner's stops here, naming both.
 */
export function edgeZone(config: PlatformConfig, opts: pulumi.ComponentResourceOptions): EdgeZone {
    const edge = config.edge;
    if (edge.ownsEdge) {
        const zone = new PublicZone(`${config.environment}-zone`, {
            domain: edge.domain,
            existingZoneId: edge.hostedZoneId || undefined,
            protect: config.lifecycle.protectStatefulResources,
        }, opts);
        return { zoneId: zone.zoneId, nameServers: zone.nameServers };
    }
    const owner = new pulumi.StackReference(`${config.environment}-edge-owner`, {
        name: `${pulumi.getOrganization()}/${config.project}/${edge.edgeStack}`,
    });
    const ownerDomain = owner.requireOutput(EDGE_OUTPUTS.domain);
    const zoneId = pulumi.all([ownerDomain, owner.requireOutput(EDGE_OUTPUTS.hostedZoneId)]).apply(([domain, id]) => {
        if (domain !== edge.domain) {
            throw new Error(`${config.project}:domain: ${edge.domain} differs from ${domain}, the domain of its edge stack ${edge.edgeStack}; every stack of an environment serves the same domain`);
        }
        return String(id);
    });
    return { zoneId, owner };
}
