import { expect } from "chai";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

/**
 * What the gateway publishes of Keycloak, read from each whole plan: no Ingress sends a path of the admin console or
 * REST API (/auth/admin) or of the master realm to Keycloak, except the one that answers them with Kong's
 * request-termination. Paths are matched as KIC matches a Prefix path `/p`: `/p` itself and everything below `/p/`.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PROBES = ["/auth/admin", "/auth/admin/master/console/", "/auth/admin/realms/shop/users", "/auth/realms/master", "/auth/realms/master/protocol/openid-connect/token"];

function matches(path: string, pathType: string, request: string): boolean {
    if (pathType === "Exact") return request === path;
    const base = path.replace(/\/+$/, "");
    return base === "" || request === base || request.startsWith(`${base}/`);
}

describe("stacks: Keycloak's admin side and master realm are not published", function () {
    this.timeout(180_000);
    for (const stack of allStacks()) {
        it(`${stack}: only the refusing route matches an admin or master-realm path`, () => {
            const ingresses = ofType(plannedStack(stack), "kubernetes:networking.k8s.io/v1:Ingress").map((r: CapturedResource) => r.inputs as Json);
            const plugins = ofType(plannedStack(stack), "kubernetes:configuration.konghq.com/v1:KongPlugin").map((r: CapturedResource) => r.inputs as Json);
            const refusing = new Set(plugins.filter((p) => p.plugin === "request-termination").map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
            const offending: string[] = [];
            let refused = 0;
            for (const ingress of ingresses) {
                const pluginNames = String(ingress.metadata.annotations?.["konghq.com/plugins"] ?? "").split(",").map((n) => `${ingress.metadata.namespace}/${n.trim()}`);
                const refuses = pluginNames.some((n) => refusing.has(n));
                for (const rule of ingress.spec.rules ?? []) for (const path of rule.http?.paths ?? []) {
                    for (const probe of PROBES.filter((p) => matches(path.path, path.pathType, p))) {
                        if (refuses) refused++;
                        else offending.push(`${ingress.metadata.namespace}/${ingress.metadata.name} ${rule.host ?? "*"}${path.path} matches ${probe}`);
                    }
                }
            }
            expect(offending).to.deep.equal([]);
            expect(refused, "every probe meets the refusing route").to.equal(PROBES.length);
        });
    }
});
