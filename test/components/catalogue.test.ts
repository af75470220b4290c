import { expect } from "chai";
import { IMAGES, IMAGES_WITHOUT_DIGEST } from "../../components/catalogue";

const DIGEST = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}@sha256:[0-9a-f]{64}$/;

describe("components/catalogue: images pinned by digest, or argued", () => {
    it("pins every image by tag and digest, or lists it with the reason it cannot be yet", () => {
        for (const [key, image] of Object.entries(IMAGES) as [keyof typeof IMAGES, string][]) {
            const reason = IMAGES_WITHOUT_DIGEST[key];
            if (DIGEST.test(image)) expect(reason, `${key} is pinned by digest: drop it from IMAGES_WITHOUT_DIGEST`).to.equal(undefined);
            else expect(reason, `${key} (${image}) has no digest and no documented reason`).to.be.a("string").and.have.length.greaterThan(20);
        }
    });

    it("lists no image that the catalogue does not hold", () => {
        expect(Object.keys(IMAGES_WITHOUT_DIGEST).filter((key) => !(key in IMAGES))).to.deep.equal([]);
    });

    it("never pins by a mutable tag", () => {
        for (const image of Object.values(IMAGES)) expect(image, image).to.not.match(/:latest(@|$)/);
    });
});
