export interface OutboxMessage {
  /** Stable event id (UUID), identical on every redelivery; consumers deduplicate on it. */
  id: string;
  topic: string;
  key: string;
  type: string;
  payload: unknown;
}

/**
 * Delivers messages to the broker. Resolving means the broker acknowledged every message; rejecting
 * means some may or may not have been delivered, and the relay will send them again (at least once).
 */
export interface Publisher {
  publish(messages: OutboxMessage[]): Promise<void>;
  close(): Promise<void>;
}
