import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { RealmSigningKey } from "../components/identity";
import type { PlatformConfig } from "./config";
import { REALM_KEY_OUTPUTS } from "./edge-zone";

/**
 * The shop realm's RS256 signing key of an environment. Every region runs its own Keycloak and gateway behind one
 * issuer (https://<domain>/auth/realms/shop), and latency routing may send a token to any of them: so the edge owner
 * generates the key once and every other region imports the same key through the owner's stack outputs (a secret).
 * A key per region would make a token signed in one region fail the signature check in the next.
 */
export function realmSigningKey(config: PlatformConfig, owner: pulumi.StackReference | undefined, opts: pulumi.CustomResourceOptions): RealmSigningKey {
    if (config.edge.ownsEdge || !owner) {
        const identityName = `${config.environment}-identity`;
        return new tls.PrivateKey(`${identityName}-realm-signing`, { algorithm: "RSA", rsaBits: 2048 }, {
            ...opts,
            // It was Identity's child: the alias keeps the key (and every token it signed) across the move.
            aliases: [{ parent: pulumi.createUrn(identityName, "ecommerce:identity:Identity", opts.parent) }],
        });
    }
    return {
        privateKeyPemPkcs8: pulumi.secret(owner.requireOutput(REALM_KEY_OUTPUTS.privateKeyPemPkcs8).apply(String)),
        publicKeyPem: owner.requireOutput(REALM_KEY_OUTPUTS.publicKeyPem).apply(String),
    };
}
