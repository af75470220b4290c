import { expect } from "chai";
import { noneMatchSatisfied, parseIfMatch } from "../src/products/entity-tags";

describe("entity tags", () => {
  it("parses If-Match: absent, *, strong tags (weak ones never match), malformed", () => {
    expect(parseIfMatch(undefined)).to.deep.equal({ kind: "absent" });
    expect(parseIfMatch(" * ")).to.deep.equal({ kind: "any" });
    expect(parseIfMatch('"v3", W/"v4", "other"')).to.deep.equal({ kind: "versions", versions: [3] });
    expect(parseIfMatch("v3")).to.deep.equal({ kind: "malformed" });
    expect(parseIfMatch('"v3" "v4"')).to.deep.equal({ kind: "malformed" });
  });

  it("compares If-None-Match weakly", () => {
    expect(noneMatchSatisfied('W/"v3"', '"v3"')).to.equal(true);
    expect(noneMatchSatisfied('"v3"', 'W/"abc"')).to.equal(false);
    expect(noneMatchSatisfied('"abc"', 'W/"abc"')).to.equal(true);
    expect(noneMatchSatisfied("garbage", '"v3"')).to.equal(false);
  });
});
