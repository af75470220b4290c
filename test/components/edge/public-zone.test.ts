import { expect } from "chai";
import { PublicZone } from "../../../components/edge/public-zone";
import { declared, Registered } from "../../support/mock-runtime";

describe("components/edge/public-zone", () => {
    it("creates the domain's zone, refusing to destroy it while other stacks' records are in it", async () => {
        const zone: Registered = await declared("edgetest-zone", () => new PublicZone("edgetest-zone", { domain: "shop.example.com" }));
        expect(zone.one("aws:route53/zone:Zone").inputs).to.include({ name: "shop.example.com", forceDestroy: false });
    });
});
