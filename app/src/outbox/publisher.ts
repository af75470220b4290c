export interface OutboxMessage {
  /** Stable event id (UUID), identical on every redelivery; consumers deduplicate on it. */
  id: string;
  topic: string;
  key: string;
  type: string;
  payload: unknown;
  /** W3C traceparent of the request that wrote the event; the produce continues that trace and carries it on. */
  traceparent?: string;
}

/**
 * Delivers messages to the broker. Resolving means the broker acknowledged every message; rejecting
 * means some may or may not have been delivered, and the relay will send them again (at least once).
 */
export interface Publisher {
  publish(messages: OutboxMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * The broker could not be reached at all (connection refused, timeouts, no broker, authentication): nothing about the
 * messages themselves. The relay backs off and never sets a message aside for it.
 */
export class BrokerUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BrokerUnavailableError";
  }
}
