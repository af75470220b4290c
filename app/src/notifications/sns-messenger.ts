import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { Message, Messenger } from "./channels";

/** The slice of the SNS client the messenger uses; tests substitute a fake. */
export type SnsClientLike = Pick<SNSClient, "send">;

/** Messages through Amazon SNS Publish to the platform's notifications topic (SNS_TOPIC_ARN). */
export class SnsMessenger implements Messenger {
  constructor(
    private readonly client: SnsClientLike,
    private readonly topicArn: string,
  ) {}

  static create(region: string, topicArn: string): SnsMessenger {
    return new SnsMessenger(new SNSClient({ region, maxAttempts: 3 }), topicArn);
  }

  async publish(message: Message): Promise<{ messageId: string }> {
    const output = await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        // SNS limits subjects to 100 printable ASCII characters.
        Subject: message.subject.replace(/[^ -~]/g, "?").slice(0, 100),
        Message: message.text,
        MessageAttributes: Object.fromEntries(Object.entries(message.attributes).map(([name, value]) => [name, { DataType: "String", StringValue: value }])),
      }),
    );
    return { messageId: output.MessageId ?? "unknown" };
  }
}
