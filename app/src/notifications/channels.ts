import type { Logger } from "pino";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** Sends one mail; resolves once the provider accepted it (its message id), rejects otherwise. */
export interface Mailer {
  send(mail: Mail): Promise<{ messageId: string }>;
}

export interface Message {
  subject: string;
  text: string;
  /** Message attributes for subscribers' filter policies (e.g. event type). */
  attributes: Record<string, string>;
}

/** Publishes one message to the notifications topic (SNS); resolves with the provider's message id. */
export interface Messenger {
  publish(message: Message): Promise<{ messageId: string }>;
}

/** No SES configured (local runs): the mail is written to the log instead of sent. */
export class ConsoleMailer implements Mailer {
  private sent = 0;
  constructor(private readonly log: Logger) {}
  async send(mail: Mail): Promise<{ messageId: string }> {
    this.sent += 1;
    const messageId = `console-mail-${this.sent}`;
    this.log.info({ mail, messageId }, "mail (console mailer: not sent)");
    return { messageId };
  }
}

/** No SNS topic configured (local runs): the message is written to the log. */
export class ConsoleMessenger implements Messenger {
  private sent = 0;
  constructor(private readonly log: Logger) {}
  async publish(message: Message): Promise<{ messageId: string }> {
    this.sent += 1;
    const messageId = `console-message-${this.sent}`;
    this.log.info({ message, messageId }, "message (console messenger: not published)");
    return { messageId };
  }
}
