import { expect } from "chai";
import { PrivateBucket } from "../../components/private-bucket";
import { declared, Registered } from "../support/mock-runtime";

describe("components/private-bucket", () => {
    let later: Registered;
    let now: Registered;
    let bucket: PrivateBucket;
    before(async () => {
        now = await declared("pbtest-now", () => new PrivateBucket("pbtest-now"));
        later = await declared("pbtest-later", () => { bucket = new PrivateBucket("pbtest-later", { grantLater: true }); });
    });

    it("refuses plain HTTP at once unless the owner grants access later, and then holds one policy", async () => {
        const statements = JSON.parse(String(now.one("aws:s3/bucketPolicy:BucketPolicy").inputs.policy)).Statement as { Sid: string }[];
        expect(statements.map((s) => s.Sid)).to.deep.equal(["DenyInsecureTransport"]);
        expect(later.ofType("aws:s3/bucketPolicy:BucketPolicy")).to.have.length(0);
        expect(() => { bucket.grant(() => []); bucket.grant(() => []); }).to.throw(/already set/);
    });

    it("keeps versioning off unless asked, and always cleans up incomplete uploads", () => {
        expect(now.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration).to.deep.equal({ status: "Disabled" });
        const rules = now.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as { id: string; abortIncompleteMultipartUpload?: unknown }[];
        expect(rules.find((r) => r.id === "abort-incomplete-uploads")?.abortIncompleteMultipartUpload).to.deep.equal({ daysAfterInitiation: 7 });
        expect(now.one("aws:s3/bucket:Bucket").inputs.forceDestroy).to.equal(false);
    });
});
