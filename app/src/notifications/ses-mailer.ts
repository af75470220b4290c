import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { Mail, Mailer } from "./channels";

/** The slice of the SES v2 client the mailer uses; tests substitute a fake. */
export type SesClientLike = Pick<SESv2Client, "send">;

export interface SesMailerArgs {
  client: SesClientLike;
  /** The verified identity mail is sent from (NOTIFY_FROM_ADDRESS). */
  fromAddress: string;
  /** Configuration set recording deliveries, bounces and complaints; none: SES defaults. */
  configurationSet?: string;
}

/** Mail through Amazon SES v2 SendEmail (credentials from the pod's IRSA role, region from AWS_REGION). */
export class SesMailer implements Mailer {
  constructor(private readonly args: SesMailerArgs) {}

  static create(region: string, fromAddress: string, configurationSet: string | undefined): SesMailer {
    // The SDK's own retries (3 attempts) cover throttling; the worker's retries with backoff come on top.
    const client = new SESv2Client({ region, maxAttempts: 3 });
    return new SesMailer({ client, fromAddress, ...(configurationSet ? { configurationSet } : {}) });
  }

  async send(mail: Mail): Promise<{ messageId: string }> {
    const output = await this.args.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.args.fromAddress,
        Destination: { ToAddresses: [mail.to] },
        Content: { Simple: { Subject: { Data: mail.subject, Charset: "UTF-8" }, Body: { Text: { Data: mail.text, Charset: "UTF-8" } } } },
        ...(this.args.configurationSet ? { ConfigurationSetName: this.args.configurationSet } : {}),
      }),
    );
    return { messageId: output.MessageId ?? "unknown" };
  }
}
