import type { ConsumerTransport, InboundMessage } from "../../src/notifications/transport";

/**
 * A hostile at-least-once transport: every message is delivered, some handled messages are delivered again as if
 * their commit was lost, and some are delivered to two workers at once as during a rebalance. A handler that
 * rejects gets the message again later. `random` makes a run reproducible.
 */
export class RedeliveringTransport {
  private readonly handlers: Array<(message: InboundMessage) => Promise<void>> = [];
  deliveries = 0;

  constructor(
    private readonly messages: InboundMessage[],
    private readonly random: () => number,
    private readonly options = { lostCommitRate: 0.3, concurrentRate: 0.2, maxRounds: 200 },
  ) {}

  /** A transport for one worker replica; all replicas share the stream. */
  replica(): ConsumerTransport {
    return {
      start: async (handle) => void this.handlers.push(handle),
      stop: async () => undefined,
      isRunning: () => true,
      failure: () => undefined,
    };
  }

  /** Delivers until every message was handled at least once, with redeliveries along the way. */
  async run(): Promise<void> {
    const pending = [...this.messages];
    for (let round = 0; pending.length > 0 && round < this.options.maxRounds; round += 1) {
      const message = pending.shift()!;
      const concurrent = this.handlers.length > 1 && this.random() < this.options.concurrentRate;
      const targets = concurrent ? this.handlers : [this.handlers[Math.floor(this.random() * this.handlers.length)]!];
      this.deliveries += targets.length;
      const outcomes = await Promise.allSettled(targets.map((handle) => handle(message)));
      const handled = outcomes.some((outcome) => outcome.status === "fulfilled");
      if (!handled || this.random() < this.options.lostCommitRate) pending.push(message);
    }
    if (pending.length > 0) throw new Error(`${pending.length} messages never handled`);
  }
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
