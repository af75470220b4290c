import { expect } from "chai";
import { X509Certificate } from "node:crypto";
import { rdsCaBundle, rdsCaVolume } from "../../components/rds-ca";

/** A fixed evaluation time, so the test does not change meaning as certificates expire. */
const NOW = new Date("2026-12-01T00:00:00Z");

/** Every certificate of a PEM bundle, parsed (throws on anything that is not a certificate). */
function parse(bundle: string): X509Certificate[] {
    const blocks = bundle.match(/-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n/g) ?? [];
    // Nothing but whole certificate blocks: pgjdbc and libpq read every block of the file.
    expect(blocks.join("")).to.equal(bundle);
    return blocks.map((block) => new X509Certificate(block));
}

const cn = (certificate: X509Certificate) => certificate.subject.split("\n").find((p) => p.startsWith("CN="))!.slice(3);

describe("components/rds-ca (the RDS CA bundle shipped with the program)", () => {
    for (const region of ["ap-south-1", "us-east-1", "eu-west-1"]) {
        it(`${region}: the region's CAs, its RSA2048 G1 root included, none expired, as parseable PEM`, () => {
            const certificates = parse(rdsCaBundle(region, NOW));
            const names = certificates.map(cn).sort();
            // rds-ca-rsa2048-g1 is the instance's CA (components/database.ts); the other two are what AWS's region bundle adds.
            expect(names).to.deep.equal([`Amazon RDS ${region} Root CA ECC384 G1`, `Amazon RDS ${region} Root CA RSA2048 G1`, `Amazon RDS ${region} Root CA RSA4096 G1`]);
            for (const certificate of certificates) {
                expect(new Date(certificate.validTo).getTime(), cn(certificate)).to.be.greaterThan(NOW.getTime());
                expect(certificate.ca, cn(certificate)).to.equal(true);
                // Self-signed roots: the bundle is complete without any other file.
                expect(certificate.verify(certificate.publicKey), cn(certificate)).to.equal(true);
            }
        });
    }

    it("leaves out other regions' CAs and the Beta/Preview endpoints' ones", () => {
        const names = parse(rdsCaBundle("us-east-1", NOW)).map(cn);
        expect(names.filter((name) => !name.startsWith("Amazon RDS us-east-1 "))).to.deep.equal([]);
    });

    it("drops certificates once expired, and keeps the 2019 generation with its shared root while it was valid", () => {
        const in2023 = parse(rdsCaBundle("ap-south-1", new Date("2023-06-01T00:00:00Z"))).map(cn);
        expect(in2023).to.include.members(["Amazon RDS ap-south-1 2019 CA", "Amazon RDS Root 2019 CA", "Amazon RDS ap-south-1 Root CA RSA2048 G1"]);
        const now = parse(rdsCaBundle("ap-south-1", NOW)).map(cn);
        expect(now).to.not.include("Amazon RDS ap-south-1 2019 CA").and.not.include("Amazon RDS Root 2019 CA");
    });

    it("refuses a name that is not a region, and a region with no valid RSA2048 G1 root", () => {
        expect(() => rdsCaBundle("ap-south-1/../x", NOW)).to.throw(/not an AWS region name/);
        expect(() => rdsCaBundle("xx-nowhere-1", NOW)).to.throw(/no valid "Amazon RDS xx-nowhere-1 Root CA RSA2048 G1"/);
        expect(() => rdsCaBundle("ap-south-1", new Date("2062-01-01T00:00:00Z"))).to.throw(/RSA2048 G1/);
    });

    it("mounts the bundle by key, so a renamed key fails the wiring test instead of the pod", () => {
        expect(rdsCaVolume("ca", "x-rds-ca")).to.deep.equal({ name: "ca", configMap: { name: "x-rds-ca", items: [{ key: "rds-ca.pem", path: "rds-ca.pem" }] } });
    });
});
