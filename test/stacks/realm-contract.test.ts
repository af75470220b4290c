import { expect } from "chai";
import { REQUIRED_ROLES, ROLES } from "../../app/src/auth/roles";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, type PlannedStack } from "../support/plans";

/**
 * Contract between two packages that share no code: the realm the platform imports into Keycloak (read from the prod
 * plan, as the program declares it) defines every role the API's routes require (app/src/auth/roles.ts), and the
 * API is pointed at that realm's issuer and at signing keys it may fetch.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function named(stack: PlannedStack, type: string, name: string): Json {
    const found = ofType(stack, type).find((r: CapturedResource) => (r.inputs.metadata as Json | undefined)?.name === name);
    if (!found) throw new Error(`no ${type} named ${name} in the plan`);
    return found.inputs as Json;
}

describe("stacks: the shop realm and the API agree (contract)", function () {
    this.timeout(180_000);
    let stack: PlannedStack;
    let realm: Json;
    before(() => {
        stack = plannedStack("prod");
        const data = named(stack, "kubernetes:core/v1:ConfigMap", "keycloak-realm-import").data as Record<string, string>;
        expect(Object.keys(data), "one realm file").to.have.length(1);
        realm = JSON.parse(Object.values(data)[0]) as Json;
    });

    it("the imported realm defines every role the API requires, under the same name", () => {
        const realmRoles = (realm.roles.realm as { name: string }[]).map((role) => role.name);
        expect(REQUIRED_ROLES.length).to.be.greaterThan(0);
        expect(realmRoles).to.include.members([...REQUIRED_ROLES]);
        expect(realmRoles.sort()).to.deep.equal(Object.values(ROLES).sort());
    });

    it("the realm-settings Job creates those roles in a realm that already existed (the import skips it)", () => {
        const job = ofType(stack, "kubernetes:batch/v1:Job").find((j: CapturedResource) => (j.inputs as Json).metadata.labels["app.kubernetes.io/name"] === "keycloak-realm-settings");
        const env = (job!.inputs as Json).spec.template.spec.containers[0].env as { name: string; value?: string }[];
        expect(env.find((e) => e.name === "SHOP_REALM")?.value).to.equal(realm.realm);
        expect(env.find((e) => e.name === "SHOP_ROLES")?.value?.split(" ")).to.include.members([...REQUIRED_ROLES]);
    });

    it("every realm the platform configures has brute-force detection, the master realm included", () => {
        expect(realm.bruteForceProtected).to.equal(true);
        const settings = named(stack, "kubernetes:core/v1:ConfigMap", "keycloak-realm-settings").data as Record<string, string>;
        expect(Object.keys(settings)).to.include.members(["master.json", `${realm.realm}.json`]);
        for (const [file, json] of Object.entries(settings)) expect(JSON.parse(json).bruteForceProtected, file).to.equal(true);
    });

    it("the API verifies tokens of that realm, with keys fetched from the in-cluster Keycloak Service", () => {
        const deployment = ofType(stack, "kubernetes:apps/v1:Deployment").find((d: CapturedResource) => (d.inputs as Json).metadata.name === "shop-api");
        const env = (deployment!.inputs as Json).spec.template.spec.containers[0].env as { name: string; value?: string }[];
        const issuer = env.find((e) => e.name === "OIDC_ISSUER")?.value;
        expect(issuer).to.match(new RegExp(`/realms/${realm.realm}$`));
        expect(env.find((e) => e.name === "OIDC_JWKS_URL")?.value)
            .to.equal(`http://keycloak-http.identity.svc.cluster.local/auth/realms/${realm.realm}/protocol/openid-connect/certs`);
    });
});
