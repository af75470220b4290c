import { expect } from "chai";
import { NotificationsMessaging } from "../../../components/shop/notifications-messaging";
import { declared, Registered } from "../../support/mock-runtime";

type Inputs = Record<string, unknown>;

describe("components/shop/notifications-messaging", () => {
    let messaging: Registered;
    let plain: Registered;
    let component: NotificationsMessaging;
    before(async () => {
        messaging = await declared("msgtest-full", () => {
            component = new NotificationsMessaging("msgtest-full", { domain: "shop.example.com", zoneId: "Z0MOCKZONE", region: "ap-south-1", namePrefix: "prod" });
        });
        plain = await declared("msgtest-plain", () => new NotificationsMessaging("msgtest-plain", { domain: "dev.example.com", zoneId: "Z0MOCKZONE", region: "eu-west-1", namePrefix: "dev", customMailFrom: false }));
    });

    it("verifies the domain in its region with Easy DKIM (2048-bit), one CNAME per token in the environment's zone", () => {
        const identity = messaging.one("aws:sesv2/emailIdentity:EmailIdentity");
        expect(identity.inputs).to.deep.include({ emailIdentity: "shop.example.com", configurationSetName: "prod-notifications" });
        expect(identity.inputs.dkimSigningAttributes).to.deep.equal({ nextSigningKeyLength: "RSA_2048_BIT" });
        const tokens = (identity.outputs.dkimSigningAttributes as { tokens: string[] }).tokens;
        const cnames = messaging.ofType("aws:route53/record:Record").filter((r) => r.inputs.type === "CNAME").map((r) => r.inputs);
        expect(cnames.map((r) => r.name).sort()).to.deep.equal(tokens.map((t) => `${t}._domainkey.shop.example.com`).sort());
        for (const record of cnames) {
            expect(record.zoneId).to.equal("Z0MOCKZONE");
            expect(record.records).to.deep.equal([String(record.name).replace("._domainkey.shop.example.com", ".dkim.amazonses.com")]);
        }
    });

    it("requires TLS to recipients, keeps reputation metrics, suppresses bounces and complaints, and publishes its events to CloudWatch", () => {
        const set = messaging.one("aws:sesv2/configurationSet:ConfigurationSet").inputs;
        expect(set).to.deep.include({
            configurationSetName: "prod-notifications",
            deliveryOptions: { tlsPolicy: "REQUIRE" },
            reputationOptions: { reputationMetricsEnabled: true },
            suppressionOptions: { suppressedReasons: ["BOUNCE", "COMPLAINT"] },
        });
        const destination = messaging.one("aws:sesv2/configurationSetEventDestination:ConfigurationSetEventDestination").inputs.eventDestination as Inputs;
        expect(destination.enabled).to.equal(true);
        expect(destination.matchingEventTypes).to.include.members(["BOUNCE", "COMPLAINT", "DELIVERY", "REJECT"]);
        expect(destination).to.have.property("cloudWatchDestination");
    });

    it("sends from a MAIL FROM domain of its region (MX to the region's SES feedback endpoint, SPF), unless turned off", () => {
        expect(messaging.one("aws:sesv2/emailIdentityMailFromAttributes:EmailIdentityMailFromAttributes").inputs).to.deep.include({
            emailIdentity: "shop.example.com", mailFromDomain: "bounce.ap-south-1.shop.example.com", behaviorOnMxFailure: "USE_DEFAULT_VALUE",
        });
        const records = messaging.ofType("aws:route53/record:Record").map((r) => r.inputs);
        expect(records.find((r) => r.type === "MX")).to.deep.include({ name: "bounce.ap-south-1.shop.example.com", records: ["10 feedback-smtp.ap-south-1.amazonses.com"] });
        expect(records.find((r) => r.type === "TXT")).to.deep.include({ name: "bounce.ap-south-1.shop.example.com", records: ["v=spf1 include:amazonses.com ~all"] });
        expect(plain.ofType("aws:sesv2/emailIdentityMailFromAttributes:EmailIdentityMailFromAttributes")).to.have.length(0);
        expect(plain.ofType("aws:route53/record:Record").map((r) => r.inputs.type)).to.deep.equal(["CNAME", "CNAME", "CNAME"]);
    });

    it("publishes customer messages to an encrypted SNS topic and exposes the exact ARNs the sender's policy names", async () => {
        expect(messaging.one("aws:sns/topic:Topic").inputs).to.deep.include({ name: "prod-customer-messages", kmsMasterKeyId: "alias/aws/sns" });
        const arns = await new Promise<string[]>((resolve) => {
            component.identityArn.apply((identity) => component.configurationSetArn.apply((set) => component.topicArn.apply((topic) => resolve([identity, set, topic]))));
        });
        // The test runtime has no provider region: the ARNs' region part is empty here.
        expect(arns.map((arn) => arn.replace(/^(arn:aws:[a-z]+):[a-z0-9-]*:/, "$1:<region>:"))).to.deep.equal([
            "arn:aws:ses:<region>:000000000000:identity/shop.example.com",
            "arn:aws:ses:<region>:000000000000:configuration-set/prod-notifications",
            "arn:aws:sns:<region>:000000000000:prod-customer-messages",
        ]);
        expect(component.fromAddress).to.equal("no-reply@shop.example.com");
    });

    it("refuses a sender name that is not a plain mailbox", () => {
        expect(() => new NotificationsMessaging("msgtest-bad", { domain: "shop.example.com", zoneId: "Z", region: "ap-south-1", namePrefix: "prod", senderLocalPart: "No Reply" })).to.throw(/senderLocalPart "No Reply"/);
    });
});
