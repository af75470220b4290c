import { isEmailAddress } from "../email-address";
import { NOTIFICATIONS_TOPIC, ORDERS_TOPIC, PAYMENTS_TOPIC } from "../outbox/topics";
import type { Mail, Message } from "./channels";

/** One thing to send for an event; `id` names it within the event, so each send is deduplicated on its own. */
export type NotificationAction = { id: string; kind: "mail"; mail: Mail } | { id: string; kind: "message"; message: Message };

/** An event that can never be handled (malformed, unknown command): no retry, straight to the dead-letter topic. */
export class PoisonEventError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "PoisonEventError";
  }
}

export interface ParsedEvent {
  eventId: string;
  type: string;
  body: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_SUBJECT = 200;
const MAX_TEXT = 10_000;

/** Reads an event as the outbox writes it (JSON with eventId and type; the relay also puts both in headers). */
export function parseEvent(value: Buffer | null, headers: Record<string, string | undefined>): ParsedEvent {
  if (!value) throw new PoisonEventError("empty message value");
  let body: unknown;
  try {
    body = JSON.parse(value.toString("utf8"));
  } catch {
    throw new PoisonEventError("message value is not JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new PoisonEventError("message value is not a JSON object");
  const record = body as Record<string, unknown>;
  const eventId = headers["event-id"] ?? record.eventId;
  const type = headers["event-type"] ?? record.type;
  if (typeof eventId !== "string" || !UUID.test(eventId)) throw new PoisonEventError("event has no eventId (UUID): it cannot be deduplicated");
  if (typeof type !== "string" || type === "") throw new PoisonEventError("event has no type");
  return { eventId, type, body: record };
}

const str = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const cents = (value: unknown, currency: unknown): string =>
  typeof value === "number" && Number.isSafeInteger(value) ? `${(value / 100).toFixed(2)} ${str(currency) ?? "USD"}` : "?";

/** The recipient stored with the order (the token's verified email); none: nobody to mail, which is not an error. */
function recipientOf(body: Record<string, unknown>): string | undefined {
  const customer = body.customer;
  if (typeof customer !== "object" || customer === null) return undefined;
  const email = (customer as Record<string, unknown>).email;
  return isEmailAddress(email) ? email : undefined;
}

function requireString(body: Record<string, unknown>, field: string, type: string): string {
  const value = str(body[field]);
  if (!value) throw new PoisonEventError(`${type} event has no ${field}`);
  return value;
}

function orderConfirmation(event: ParsedEvent): NotificationAction[] {
  const order = event.body.order as { id?: unknown; totalCents?: unknown; items?: unknown } | undefined;
  const orderId = str(order?.id);
  if (!orderId) throw new PoisonEventError("order.confirmed event has no order.id");
  const to = recipientOf(event.body);
  if (!to) return [];
  const items = Array.isArray(order?.items) ? (order.items as Array<{ sku?: unknown; quantity?: unknown }>) : [];
  const lines = items.map((item) => `  ${String(item.quantity)} x ${String(item.sku)}`).join("\n");
  return [
    {
      id: "order-confirmation-mail",
      kind: "mail",
      mail: { to, subject: `Your order ${orderId} is confirmed`, text: `Thank you for your order ${orderId}.\n\n${lines}\n\nTotal: ${cents(order?.totalCents, "USD")}\n` },
    },
  ];
}

function paymentFailed(event: ParsedEvent): NotificationAction[] {
  const orderId = requireString(event.body, "orderId", event.type);
  const reason = str(event.body.reason) ?? "declined";
  const amount = cents(event.body.amountCents, event.body.currency);
  const actions: NotificationAction[] = [
    {
      id: "payment-failed-message",
      kind: "message",
      message: { subject: `Payment failed for order ${orderId}`, text: `Payment of ${amount} for order ${orderId} failed: ${reason}.`, attributes: { eventType: event.type } },
    },
  ];
  const to = recipientOf(event.body);
  if (to) {
    actions.unshift({
      id: "payment-failed-mail",
      kind: "mail",
      mail: { to, subject: `Payment for order ${orderId} did not go through`, text: `We could not take the payment of ${amount} for order ${orderId} (${reason}). Nothing was charged; please try again with another payment method.\n` },
    });
  }
  return actions;
}

function paymentRefunded(event: ParsedEvent): NotificationAction[] {
  const orderId = requireString(event.body, "orderId", event.type);
  const to = recipientOf(event.body);
  if (!to) return [];
  const amount = cents(event.body.amountCents, event.body.currency);
  return [{ id: "refund-mail", kind: "mail", mail: { to, subject: `Order ${orderId} cancelled and refunded`, text: `Your order ${orderId} was cancelled and ${amount} refunded.\n` } }];
}

/** A command on the notifications topic: {type: "notification.send", channel: "email" | "message", to?, subject, text}. */
function command(event: ParsedEvent): NotificationAction[] {
  if (event.type !== "notification.send") throw new PoisonEventError(`unknown notification command "${event.type}"`);
  const subject = requireString(event.body, "subject", event.type);
  const text = requireString(event.body, "text", event.type);
  if (subject.length > MAX_SUBJECT || text.length > MAX_TEXT) throw new PoisonEventError(`subject or text too long (max ${MAX_SUBJECT} and ${MAX_TEXT} characters)`);
  switch (event.body.channel) {
    case "email": {
      const to = event.body.to;
      if (!isEmailAddress(to)) throw new PoisonEventError("notification.send to email needs a valid `to` address");
      return [{ id: "command-mail", kind: "mail", mail: { to, subject, text } }];
    }
    case "message":
      return [{ id: "command-message", kind: "message", message: { subject, text, attributes: { eventType: event.type } } }];
    default:
      throw new PoisonEventError('notification.send needs channel "email" or "message"');
  }
}

/**
 * What to send for an event. Events that need no notification (order.placed, payment.authorised, order.cancelled:
 * the refund mail covers it, events of types added later) plan nothing and are handled as such.
 */
export function planNotifications(topic: string, event: ParsedEvent): NotificationAction[] {
  if (topic === NOTIFICATIONS_TOPIC) return command(event);
  if (topic === ORDERS_TOPIC && event.type === "order.confirmed") return orderConfirmation(event);
  if (topic === PAYMENTS_TOPIC && event.type === "payment.failed") return paymentFailed(event);
  if (topic === PAYMENTS_TOPIC && event.type === "payment.refunded") return paymentRefunded(event);
  return [];
}
