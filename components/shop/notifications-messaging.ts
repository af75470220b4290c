import * as pulumi from "@pulumi/pulumi";
import * as route53 from "@pulumi/aws/route53";
import * as sesv2 from "@pulumi/aws/sesv2";
import * as sns from "@pulumi/aws/sns";
import { PolicyStatement } from "../iam-documents";

export interface NotificationsMessagingArgs {
    /** The environment's domain (shop.example.com): the SES identity, verified with Easy DKIM in `zoneId`. */
    domain: string;
    /** The environment's public hosted zone (owned by the edge stack, read by the others: stacks/edge-zone.ts). */
    zoneId: pulumi.Input<string>;
    /** The stack's region: SES identities and configuration sets are regional, so each region verifies its own. */
    region: string;
    /** Prefix of the configuration set's and the topic's names (unique per account and region), e.g. the environment. */
    namePrefix: string;
    /** Local part of the sender address. Default "no-reply". */
    senderLocalPart?: string;
    /**
     * A custom MAIL FROM domain (bounce.<region>.<domain>: one per region, as each region's SES answers its own
     * feedback), so SPF aligns with the domain for DMARC. Default true.
     */
    customMailFrom?: boolean;
}

/** Events the configuration set publishes to CloudWatch (SES v2 EventType; OPEN/CLICK need tracking, not used). */
export const SES_EVENT_TYPES = ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY", "RENDERING_FAILURE"] as const;
/** Easy DKIM always publishes three tokens (SES v2 DkimAttributes.Tokens): one CNAME each. */
const DKIM_TOKENS = 3;

/**
 * What the notifications worker sends through: the SES domain identity (Easy DKIM records in the environment's zone,
 * a custom MAIL FROM), a configuration set that requires TLS to the recipient's server, keeps reputation metrics and
 * suppresses addresses that bounced or complained, with its events in CloudWatch, and the SNS topic customer messages
 * are published to (encrypted with the AWS managed aws/sns key, whose key policy lets SNS use it for any principal of
 * the account that may publish: no KMS grant in the publisher's policy).
 *
 * A new SES account is in the sandbox (it may only mail verified addresses): production access is requested by hand
 * per region (README). Nothing here can request it.
 */
export class NotificationsMessaging extends pulumi.ComponentResource {
    readonly identityArn: pulumi.Output<string>;
    readonly configurationSetName: pulumi.Output<string>;
    readonly configurationSetArn: pulumi.Output<string>;
    readonly topicArn: pulumi.Output<string>;
    /** NOTIFY_FROM_ADDRESS: <senderLocalPart>@<domain>. */
    readonly fromAddress: string;
    readonly mailFromDomain?: string;

    constructor(name: string, args: NotificationsMessagingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("ecommerce:shop:NotificationsMessaging", name, {}, opts);
        const child = { parent: this };
        const local = args.senderLocalPart ?? "no-reply";
        if (!/^[a-z0-9][a-z0-9._+-]{0,63}$/.test(local)) throw new Error(`NotificationsMessaging ${name}: senderLocalPart "${local}" is not a plain mailbox name`);
        this.fromAddress = `${local}@${args.domain}`;

        const configurationSet = new sesv2.ConfigurationSet(`${name}-ses-config`, {
            configurationSetName: `${args.namePrefix}-notifications`,
            // Never hand a customer's mail to a server that cannot do TLS (SES otherwise falls back to plain text).
            deliveryOptions: { tlsPolicy: "REQUIRE" },
            reputationOptions: { reputationMetricsEnabled: true },
            sendingOptions: { sendingEnabled: true },
            suppressionOptions: { suppressedReasons: ["BOUNCE", "COMPLAINT"] },
        }, child);
        new sesv2.ConfigurationSetEventDestination(`${name}-ses-events`, {
            configurationSetName: configurationSet.configurationSetName,
            eventDestinationName: "cloudwatch",
            eventDestination: {
                enabled: true,
                matchingEventTypes: [...SES_EVENT_TYPES],
                cloudWatchDestination: {
                    dimensionConfigurations: [{ dimensionName: "configuration-set", dimensionValueSource: "MESSAGE_TAG", defaultDimensionValue: `${args.namePrefix}-notifications` }],
                },
            },
        }, child);

        const identity = new sesv2.EmailIdentity(`${name}-ses-identity`, {
            emailIdentity: args.domain,
            // Mail sent without naming a configuration set still gets TLS-required delivery and suppression.
            configurationSetName: configurationSet.configurationSetName,
            dkimSigningAttributes: { nextSigningKeyLength: "RSA_2048_BIT" },
        }, child);
        const tokens = identity.dkimSigningAttributes.apply((dkim) => dkim.tokens);
        for (let index = 0; index < DKIM_TOKENS; index++) {
            const token = tokens.apply((all) => {
                if (all.length !== DKIM_TOKENS) throw new Error(`NotificationsMessaging ${name}: SES returned ${all.length} DKIM tokens, expected ${DKIM_TOKENS}`);
                return all[index];
            });
            new route53.Record(`${name}-dkim-${index}`, {
                zoneId: args.zoneId,
                name: pulumi.interpolate`${token}._domainkey.${args.domain}`,
                type: "CNAME",
                records: [pulumi.interpolate`${token}.dkim.amazonses.com`],
                ttl: 1800,
            }, child);
        }

        if (args.customMailFrom ?? true) {
            this.mailFromDomain = `bounce.${args.region}.${args.domain}`;
            new sesv2.EmailIdentityMailFromAttributes(`${name}-mail-from`, {
                emailIdentity: identity.emailIdentity,
                mailFromDomain: this.mailFromDomain,
                // Until the MX record resolves SES sends from amazonses.com instead of refusing to send.
                behaviorOnMxFailure: "USE_DEFAULT_VALUE",
            }, child);
            new route53.Record(`${name}-mail-from-mx`, {
                zoneId: args.zoneId, name: this.mailFromDomain, type: "MX", ttl: 1800,
                records: [`10 feedback-smtp.${args.region}.amazonses.com`],
            }, child);
            new route53.Record(`${name}-mail-from-spf`, {
                zoneId: args.zoneId, name: this.mailFromDomain, type: "TXT", ttl: 1800,
                records: ["v=spf1 include:amazonses.com ~all"],
            }, child);
        }

        const topic = new sns.Topic(`${name}-customer-messages`, {
            name: `${args.namePrefix}-customer-messages`,
            displayName: "Shop notifications",
            kmsMasterKeyId: "alias/aws/sns",
        }, child);

        this.identityArn = identity.arn;
        this.configurationSetName = configurationSet.configurationSetName;
        this.configurationSetArn = configurationSet.arn;
        this.topicArn = topic.arn;
        this.registerOutputs({ identityArn: this.identityArn, configurationSetArn: this.configurationSetArn, topicArn: this.topicArn });
    }
}

/**
 * The sender's IAM statements: SES v2 SendEmail (whose IAM action is ses:SendEmail; raw MIME is ses:SendRawEmail)
 * authorised on the identity and on the configuration set the call names (SES checks both), and sns:Publish on the one
 * topic. Exact ARNs only: no wildcard, no other action.
 */
export function notificationSendStatements(resources: { identityArn: string; configurationSetArn: string; topicArn: string }): PolicyStatement[] {
    for (const [key, arn] of Object.entries(resources)) {
        if (arn.includes("*") || !arn.startsWith("arn:")) throw new Error(`notificationSendStatements: ${key} must be an exact ARN, got "${arn}"`);
    }
    return [
        { Sid: "SendMailAsPlatformIdentity", Effect: "Allow", Action: ["ses:SendEmail", "ses:SendRawEmail"], Resource: [resources.identityArn, resources.configurationSetArn] },
        { Sid: "PublishCustomerMessages", Effect: "Allow", Action: "sns:Publish", Resource: resources.topicArn },
    ];
}
