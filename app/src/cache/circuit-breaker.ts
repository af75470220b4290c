/**
 * A circuit breaker for an optional dependency (the Redis cache): after `failureThreshold` consecutive
 * failures it opens and calls fail at once instead of each paying a timeout; after `coolDownMs` one
 * call goes through as a probe (half-open): success closes the circuit, failure opens it again.
 *
 * It also bounds every call by `timeoutMs`. One sweeping interval serves all calls in flight (a timer
 * per command, as ioredis' commandTimeout arms, costs measurable throughput on the cache path).
 */
export type CircuitState = "closed" | "open" | "half_open";

export class CircuitOpenError extends Error {
  constructor(name: string) {
    super(`${name} circuit is open`);
    this.name = "CircuitOpenError";
  }
}

export class CircuitTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name} did not answer within ${timeoutMs} ms`);
    this.name = "CircuitTimeoutError";
  }
}

export interface CircuitBreakerOptions {
  /** Names the dependency in errors. */
  name: string;
  /** Consecutive failures that open the circuit. Default 5. */
  failureThreshold?: number;
  /** Time the circuit stays open before a probe is let through. Default 5000 ms. */
  coolDownMs?: number;
  /** A call still pending after this long fails (and counts as a failure). Default 500 ms. */
  timeoutMs?: number;
  onStateChange?: (state: CircuitState) => void;
  now?: () => number;
}

interface Pending {
  deadline: number;
  reject: (error: Error) => void;
}

export class CircuitBreaker {
  private state: CircuitState = "closed";
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private readonly pending = new Set<Pending>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly failureThreshold: number;
  private readonly coolDownMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    this.failureThreshold = options.failureThreshold ?? 5;
    this.coolDownMs = options.coolDownMs ?? 5000;
    this.timeoutMs = options.timeoutMs ?? 500;
    this.now = options.now ?? Date.now;
  }

  get currentState(): CircuitState {
    return this.state;
  }

  /** Whether a call made now would be attempted (closed, or open long enough for a probe). */
  allowsCalls(): boolean {
    return this.state === "closed" || (this.state === "open" && this.now() - this.openedAt >= this.coolDownMs);
  }

  async call<T>(work: () => Promise<T>): Promise<T> {
    if (this.state !== "closed") {
      if (this.state === "half_open" || this.probing || this.now() - this.openedAt < this.coolDownMs) {
        throw new CircuitOpenError(this.options.name);
      }
      this.probing = true;
      this.transition("half_open");
    }
    try {
      const result = await this.bounded(work());
      this.succeeded();
      return result;
    } catch (error) {
      this.failed();
      throw error;
    }
  }

  /** Stops the timeout sweeper; pending calls fail. */
  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const entry of this.pending) entry.reject(new Error(`${this.options.name} client closed`));
    this.pending.clear();
  }

  private bounded<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: this.now() + this.timeoutMs, reject };
      this.pending.add(entry);
      this.ensureSweeper();
      promise.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private ensureSweeper(): void {
    if (this.sweeper) return;
    // A quarter of the timeout: a call fails at most 25% late. unref: it never keeps the process alive.
    this.sweeper = setInterval(() => this.sweep(), Math.max(10, Math.floor(this.timeoutMs / 4)));
    this.sweeper.unref();
  }

  private sweep(): void {
    const now = this.now();
    for (const entry of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.reject(new CircuitTimeoutError(this.options.name, this.timeoutMs));
      }
    }
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.probing = false;
    if (this.state !== "closed") this.transition("closed");
  }

  private failed(): void {
    this.failures += 1;
    const probeFailed = this.probing;
    this.probing = false;
    if (probeFailed || (this.state === "closed" && this.failures >= this.failureThreshold)) {
      this.openedAt = this.now();
      this.transition("open");
    }
  }

  private transition(state: CircuitState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onStateChange?.(state);
  }
}
