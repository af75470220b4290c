import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATABASE_WRITER_OUTPUT } from "../../stacks/data-topology";
import { EDGE_OUTPUTS, REALM_KEY_OUTPUTS } from "../../stacks/edge-zone";
import { MESH_OUTPUTS } from "../../stacks/region-mesh";
import { MockCloud } from "../../tools/mock-cloud";
import { mockZoneId, projectStacks, SELF_MANAGED_ORGANIZATION } from "../../tools/stack-references";
import { ofType, plannedStack } from "../support/plans";

const ROOT = join(__dirname, "..", "..");
const PROJECT = `name: shop
runtime: nodejs
config:
  shop:domain:
    type: string
  shop:edgeStack:
    type: string
    default: ""
  shop:hostedZoneId:
    type: string
    default: ""
`;

/** A project of its own in a temporary directory: Pulumi.yaml and one stack file per entry. */
function project(stacks: Record<string, string>): { dir: string; done: () => void } {
    const dir = mkdtempSync(join(tmpdir(), "stack-references-"));
    writeFileSync(join(dir, "Pulumi.yaml"), PROJECT);
    for (const [stack, body] of Object.entries(stacks)) writeFileSync(join(dir, `Pulumi.${stack}.yaml`), `config:\n${body}`);
    return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe("tools/stack-references (the project's other stacks, as the offline engine serves them)", function () {
    this.timeout(180_000);
    let fixture: ReturnType<typeof project>;
    before(() => {
        fixture = project({
            owner: "  shop:domain: shop.example.com\n",
            existing: "  shop:domain: other.example.com\n  shop:hostedZoneId: Z0EXISTING\n",
            region: "  shop:domain: shop.example.com\n  shop:edgeStack: owner\n",
            chained: "  shop:domain: shop.example.com\n  shop:edgeStack: region\n",
            loopA: "  shop:domain: loop.example.com\n  shop:edgeStack: loopB\n",
            loopB: "  shop:domain: loop.example.com\n  shop:edgeStack: loopA\n",
        });
    });
    after(() => fixture.done());
    const stacks = () => projectStacks(fixture.dir, "shop", "organization");

    it("serves an owner's domain, zone (a placeholder until created, or the configured one), origin name and public URL", () => {
        expect(stacks().outputsOf("organization/shop/owner")).to.deep.include({
            domain: "shop.example.com", hostedZoneId: mockZoneId("shop.example.com"), originHostname: "origin.shop.example.com", publicUrl: "https://shop.example.com",
        });
        // and the realm signing key every other region imports (the private half a secret output)
        expect(stacks().outputsOf("organization/shop/owner")).to.have.keys("domain", "hostedZoneId", "originHostname", "publicUrl", "realmSigningKeyPkcs8", "realmPublicKeyPem", "databaseWriter", "databaseRole");
        expect(stacks().outputsOf("organization/shop/chained")).to.not.have.property("realmPublicKeyPem");
        expect(stacks().outputsOf("organization/shop/existing").hostedZoneId).to.equal("Z0EXISTING");
        expect(mockZoneId("shop.example.com")).to.match(/^Z0MOCK[0-9A-F]{15}$/);
    });

    it("a stack that does not own the edge exports the zone of its own owner", () => {
        expect(stacks().outputsOf("organization/shop/chained").hostedZoneId).to.equal(stacks().outputsOf("organization/shop/owner").hostedZoneId);
    });

    it("refuses, naming why, a reference to another project or organization, a missing stack or a cycle", () => {
        expect(() => stacks().outputsOf("acme/shop/owner")).to.throw(/knows only this project's stacks \(organization\/shop\/<stack>\)/);
        expect(() => stacks().outputsOf("organization/other/owner")).to.throw(/knows only this project's stacks/);
        expect(() => stacks().outputsOf("owner")).to.throw(/expected <organization>\/<project>\/<stack>/);
        expect(() => stacks().outputsOf("organization/shop/nowhere")).to.throw(/no stack nowhere \(no Pulumi.nowhere.yaml beside Pulumi.yaml\)/);
        expect(() => stacks().outputsOf("organization/shop/loopA")).to.throw(/edgeStack forms a cycle \(loopA -> loopB -> loopA\)/);
    });

    it("the offline account holds the zones stack files name by id, under their domain", () => {
        expect(stacks().hostedZones()).to.deep.equal({ Z0EXISTING: "other.example.com" });
    });

    it("the mock cloud answers a StackReference read with those outputs in a preview too (the owner is deployed), and getZone by id", () => {
        const cloud = new MockCloud("eu-west-1", true, stacks());
        const read = cloud.newResource({ type: "pulumi:pulumi:StackReference", name: "prod-edge-owner", inputs: { name: "organization/shop/owner" }, custom: true, id: "organization/shop/owner" });
        expect(read).to.deep.equal({
            id: "organization/shop/owner",
            state: { name: "organization/shop/owner", outputs: stacks().outputsOf("organization/shop/owner"), secretOutputNames: ["realmSigningKeyPkcs8", MESH_OUTPUTS.kafkaMirrorPasswords] },
        });
        expect(cloud.call({ token: "aws:route53/getZone:getZone", inputs: { zoneId: "Z0EXISTING", privateZone: false } })).to.include({ name: "other.example.com.", zoneId: "Z0EXISTING" });
        expect(() => cloud.call({ token: "aws:route53/getZone:getZone", inputs: { zoneId: "Z0NOPE" } })).to.throw(/no matching Route 53 Hosted Zone found/);
        expect(() => new MockCloud("eu-west-1").newResource({ type: "pulumi:pulumi:StackReference", name: "x", inputs: { name: "organization/shop/owner" }, custom: true, id: "organization/shop/owner" }))
            .to.throw(/serves no stack references/);
    });

    it("serves exactly what the edge owner's program exports (compared with prod's planned stack outputs)", () => {
        const served = projectStacks(ROOT, "ecommerce-platform", SELF_MANAGED_ORGANIZATION).outputsOf("organization/ecommerce-platform/prod");
        const exported = ofType(plannedStack("prod"), "pulumi:pulumi:Stack")[0].outputs as Record<string, string>;
        expect(Object.keys(served).sort()).to.deep.equal([...Object.values(EDGE_OUTPUTS), ...Object.values(REALM_KEY_OUTPUTS), ...Object.values(MESH_OUTPUTS), DATABASE_WRITER_OUTPUT, "databaseRole"].sort());
        expect(Object.keys(exported)).to.include.members(Object.values(MESH_OUTPUTS));
        for (const key of [...Object.values(EDGE_OUTPUTS), REALM_KEY_OUTPUTS.publicKeyPem, "databaseRole"]) expect(served[key], key).to.equal(exported[key]);
        // The network as the program lays it out; ids, the NLB name and the CA stay placeholders of their own.
        for (const key of [MESH_OUTPUTS.environment, MESH_OUTPUTS.awsRegion, MESH_OUTPUTS.vpcCidr, MESH_OUTPUTS.privateSubnetCidrs]) expect(served[key], key).to.deep.equal(exported[key]);
        expect(served[MESH_OUTPUTS.kafkaMirrorPasswords]).to.have.keys("prod-us-east-1", "prod-eu-west-1");
        // The writer the other regions replicate: the very instance, key and secret prod's plan shows.
        expect(served[DATABASE_WRITER_OUTPUT]).to.deep.equal(exported[DATABASE_WRITER_OUTPUT]);
        // The private half is a secret output: the export holds ciphertext, the reference the owner's key itself.
        const ownerKey = ofType(plannedStack("prod"), "tls:index/privateKey:PrivateKey").find((k) => k.urn.endsWith("::prod-identity-realm-signing"))!;
        expect(served[REALM_KEY_OUTPUTS.publicKeyPem]).to.equal(ownerKey.outputs.publicKeyPem);
    });

    it("gives every prod region the owner's realm signing key, so a token issued in one region verifies in all", () => {
        for (const region of ["prod-us-east-1", "prod-eu-west-1"]) {
            const planned = plannedStack(region);
            // No key of its own: Keycloak, the gateway and the API take the owner's through the stack reference.
            expect(ofType(planned, "tls:index/privateKey:PrivateKey").filter((k) => k.urn.includes("realm-signing")), region).to.deep.equal([]);
            const outputs = ofType(planned, "pulumi:pulumi:Stack")[0].outputs as Record<string, unknown>;
            expect(outputs.tokenIssuer, region).to.equal("https://shop.example.com/auth/realms/shop");
        }
        const owner = ofType(plannedStack("prod"), "tls:index/privateKey:PrivateKey").filter((k) => k.urn.includes("realm-signing"));
        expect(owner).to.have.length(1);
    });
});
