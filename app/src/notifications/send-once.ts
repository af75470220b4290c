import { randomUUID } from "node:crypto";
import type { RedisClient } from "../redis-client";

/**
 * The few key operations the dedupe needs. On Redis these are exactly SET NX PX, SET PX, GET and DEL on keys under
 * `notifications:` (plus PING for readiness): what the platform's Redis ACL grants the worker.
 */
export interface KeyValueStore {
  /** SET key value PX ttl NX: true when the key was absent and is now set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  ping(): Promise<void>;
}

export const KEY_PREFIX = "notifications:";

export class RedisKeyValueStore implements KeyValueStore {
  constructor(private readonly redis: RedisClient) {}
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(key, value, "PX", ttlMs, "NX")) === "OK";
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(key, value, "PX", ttlMs);
  }
  get(key: string): Promise<string | null> {
    return this.redis.get(key);
  }
  async del(key: string): Promise<void> {
    await this.redis.del(key);
  }
  async ping(): Promise<void> {
    await this.redis.ping();
  }
}

/** No REDIS_URL (local runs, tests): one process, so a map with expiry times is the whole store. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly now: () => number = Date.now) {}
  // Check and set with no await in between: atomic like Redis' SET NX, however callers interleave.
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.current(key) !== null) return false;
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    return true;
  }
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }
  async get(key: string): Promise<string | null> {
    return this.current(key);
  }
  private current(key: string): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }
  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }
  async ping(): Promise<void> {}
}

/** Another worker holds the claim on this send (it is sending right now, or crashed and its claim has not expired). */
export class ClaimHeldError extends Error {
  constructor(key: string) {
    super(`another worker holds the send claim ${key}`);
    this.name = "ClaimHeldError";
  }
}

/**
 * The dedupe store did not answer (a Redis failover or blip). Nothing is known about the send's state, so the caller
 * waits for the store rather than sending blind or giving the event up.
 */
export class DedupeStoreError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`the dedupe store failed to ${operation}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "DedupeStoreError";
  }
}

/** Errors that say "wait and try again", not "this send failed": they never count against the attempt limit. */
export function isTransientSendOnceError(error: unknown): error is ClaimHeldError | DedupeStoreError {
  return error instanceof ClaimHeldError || error instanceof DedupeStoreError;
}

async function inStore<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DedupeStoreError(operation, error);
  }
}

export interface SendOnceOptions {
  /** How long a claim holds: above the longest send (SDK retries included). */
  claimTtlMs: number;
  /** How long a sent mark is kept: at least as long as Kafka keeps the events (a replay within it is not resent). */
  sentTtlMs: number;
}

const SENT = "sent";

/**
 * Runs a send at most once per key, across redeliveries, retries and replicas:
 *
 * 1. claim: SET notifications:<key> claim:<token> PX claimTtl NX. Only one worker wins; a loser reads the key and
 *    skips when it says "sent", or fails with ClaimHeldError (retried with backoff) while a claim holds it.
 * 2. send; on failure the claim is deleted (if still ours) so the retry can send.
 * 3. mark: SET notifications:<key> sent PX sentTtl.
 *
 * The one duplicate window: the provider accepted the send and the worker died (or lost Redis) before step 3. The
 * claim then expires after claimTtl and the redelivered event is sent again: at most one extra copy per such crash,
 * never sooner than claimTtl. Without the claim a crash could not duplicate anything less, and with a mark written
 * before sending a crash would lose the mail instead; a customer gets a rare second mail rather than none.
 */
export class SendOnce {
  /**
   * Keys whose send the provider accepted but whose mark the store refused. A retry within this process only writes
   * the mark; re-claiming would find our own stale claim, wait out its TTL and send a second copy.
   */
  private readonly unmarked = new Set<string>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly options: SendOnceOptions,
  ) {}

  async run(key: string, send: () => Promise<void>): Promise<"sent" | "duplicate"> {
    const storeKey = `${KEY_PREFIX}${key}`;
    if (this.unmarked.has(storeKey)) {
      await this.mark(storeKey);
      return "sent";
    }
    const claim = `claim:${randomUUID()}`;
    const claimTtlMs = this.options.claimTtlMs;
    if (!(await inStore("claim", () => this.store.setIfAbsent(storeKey, claim, claimTtlMs)))) {
      const current = await inStore("read the claim", () => this.store.get(storeKey));
      if (current === SENT) return "duplicate";
      // Expired between SET and GET: claim again, once.
      if (current === null && (await inStore("claim", () => this.store.setIfAbsent(storeKey, claim, claimTtlMs)))) return this.sendClaimed(storeKey, claim, send);
      throw new ClaimHeldError(storeKey);
    }
    return this.sendClaimed(storeKey, claim, send);
  }

  private async sendClaimed(storeKey: string, claim: string, send: () => Promise<void>): Promise<"sent"> {
    try {
      await send();
    } catch (error) {
      // GET then DEL is not atomic (no scripts under the ACL): a claim that expired and was re-taken in between is
      // deleted, and its holder's own mark still settles the key; at worst one more send, as after a crash.
      if ((await this.store.get(storeKey).catch(() => null)) === claim) await this.store.del(storeKey).catch(() => undefined);
      throw error;
    }
    this.unmarked.add(storeKey);
    await this.mark(storeKey);
    return "sent";
  }

  private async mark(storeKey: string): Promise<void> {
    await inStore("mark the send", () => this.store.set(storeKey, SENT, this.options.sentTtlMs));
    this.unmarked.delete(storeKey);
  }
}
