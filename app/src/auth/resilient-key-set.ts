import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from "jose";

export interface KeySetOptions {
  /** Deadline of one fetch of the key set. Default 3 s. */
  timeoutMs?: number;
  /** Age after which a refresh is started in the background; verification goes on with the set in hand. Default 10 min. */
  refreshAfterMs?: number;
  /**
   * How long the last good set keeps verifying while every refresh fails (stale-if-error). Keycloak signs with the same
   * realm key for months, so a day of outage costs nothing; past it, tokens answer 503 rather than trust a set that old.
   * Default 24 h.
   */
  maxStaleMs?: number;
  /** Least time between two fetches (of any cause): a flood of tokens naming random key ids costs one fetch per interval. Default 30 s. */
  minFetchIntervalMs?: number;
  /** Tests substitute the clock and the transport. */
  now?: () => number;
  fetch?: typeof globalThis.fetch;
  /** Told about each failed refresh (the stale set then stays in use). */
  onRefreshFailed?: (error: unknown, staleForMs: number) => void;
}

/** The key set could not be obtained (never fetched, or older than maxStaleMs): the identity provider failed, not the token. */
export class KeySetUnavailableError extends Error {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(`signing keys unavailable: ${reason}`, options);
    this.name = "KeySetUnavailableError";
  }
}

interface Snapshot {
  select: ReturnType<typeof createLocalJWKSet>;
  fetchedAt: number;
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === "object" && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

/**
 * A remote JWKS that fails soft. jose's createRemoteJWKSet refetches before verifying once its cache is 10 minutes old
 * and fails the verification when that fetch fails, so a Keycloak outage of ten minutes blocks every login. Here the
 * last good set keeps verifying (bounded by maxStaleMs) while refreshes fail, refreshes run in the background, and a
 * token naming a key id the set lacks triggers at most one fetch per minFetchIntervalMs (Keycloak key rotation).
 */
export class ResilientKeySet {
  private snapshot: Snapshot | undefined;
  private inFlight: Promise<Snapshot> | undefined;
  private lastFetchStartedAt = Number.NEGATIVE_INFINITY;
  private readonly timeoutMs: number;
  private readonly refreshAfterMs: number;
  private readonly maxStaleMs: number;
  private readonly minFetchIntervalMs: number;
  private readonly now: () => number;
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(
    private readonly url: URL,
    private readonly options: KeySetOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.refreshAfterMs = options.refreshAfterMs ?? 10 * 60_000;
    this.maxStaleMs = options.maxStaleMs ?? 24 * 3_600_000;
    this.minFetchIntervalMs = options.minFetchIntervalMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** A jose key resolver (pass to jwtVerify). */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const snapshot = await this.usableSnapshot();
    try {
      return await snapshot.select(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayFetch()) throw error;
      // An unknown kid: the realm may have rotated its key since the last fetch.
      const fresh = await this.refresh().catch(() => undefined);
      if (!fresh) throw error;
      return fresh.select(header, token);
    }
  };

  private async usableSnapshot(): Promise<Snapshot> {
    const current = this.snapshot;
    if (!current) return this.refresh().catch((error: unknown) => {
      throw new KeySetUnavailableError("the key set was never fetched", { cause: error });
    });
    const age = this.now() - current.fetchedAt;
    if (age > this.maxStaleMs) {
      // Too old to trust blindly: only a successful fetch lets verification go on.
      return this.refresh().catch((error: unknown) => {
        throw new KeySetUnavailableError(`the last good key set is ${Math.round(age / 60_000)} minutes old and a refresh failed`, { cause: error });
      });
    }
    if (age > this.refreshAfterMs && this.mayFetch()) {
      this.refresh().catch((error: unknown) => this.options.onRefreshFailed?.(error, this.now() - current.fetchedAt));
    }
    return current;
  }

  private mayFetch(): boolean {
    return this.inFlight !== undefined || this.now() - this.lastFetchStartedAt >= this.minFetchIntervalMs;
  }

  /** One fetch at a time; concurrent callers share it. A failure keeps the previous snapshot. */
  private refresh(): Promise<Snapshot> {
    this.inFlight ??= this.fetchOnce().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetchOnce(): Promise<Snapshot> {
    this.lastFetchStartedAt = this.now();
    const response = await this.fetchImpl(this.url, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: "manual",
    });
    if (response.status !== 200) throw new Error(`JWKS endpoint answered ${response.status}`);
    const body: unknown = await response.json();
    if (!isKeySet(body)) throw new Error("JWKS endpoint answered something that is not a JSON Web Key Set");
    const snapshot = { select: createLocalJWKSet(body), fetchedAt: this.now() };
    this.snapshot = snapshot;
    return snapshot;
  }
}
