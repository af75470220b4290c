import { expect } from "chai";
import { RegionalCertificate } from "../../../components/edge/regional-certificate";
import { declared, Registered } from "../../support/mock-runtime";

describe("components/edge/regional-certificate", () => {
    it("validates by DNS: one CNAME per name in the zone, shared records kept on destroy, the certificate issued before use", async () => {
        const certificate: Registered = await declared("edgetest-cert", () => new RegionalCertificate("edgetest-cert", {
            hostname: "api.eu-west-1.shop.example.com", alternativeNames: ["origin.shop.example.com"], zoneId: "Z0ZONE",
        }));
        expect(certificate.one("aws:acm/certificate:Certificate").inputs).to.deep.include({
            domainName: "api.eu-west-1.shop.example.com", subjectAlternativeNames: ["origin.shop.example.com"], validationMethod: "DNS",
        });
        const records = certificate.ofType("aws:route53/record:Record");
        expect(records).to.have.length(2);
        for (const name of ["api.eu-west-1.shop.example.com", "origin.shop.example.com"]) {
            expect(records.filter((r) => String(r.inputs.name).endsWith(`.${name}.`)), name).to.have.length(1);
        }
        for (const record of records) expect(record.inputs).to.include({ type: "CNAME", zoneId: "Z0ZONE", allowOverwrite: true });
        const validation = certificate.one("aws:acm/certificateValidation:CertificateValidation");
        expect(validation.inputs.validationRecordFqdns).to.have.length(2);
        expect(validation.dependencies).to.include.members(records.map((r) => r.urn));
    });
});
