import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, LevelWithSilent } from "pino";

/**
 * The request's logger, made only when something is logged. Fastify builds a pino child (its bindings
 * serialised up front) for every request, although a fast successful read logs nothing at `info`
 * (access-log.ts): on the cached product read that child was pure overhead. Calls below the level
 * return before any child exists; the first call that logs makes it, with the same bindings.
 */
export class LazyRequestLogger implements FastifyBaseLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger & { isLevelEnabled(level: string): boolean },
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): LevelWithSilent | string {
    return this.parent.level;
  }

  set level(level: LevelWithSilent | string) {
    this.logger().level = level;
  }

  // Prototype methods, not arrow-function fields: nothing is allocated per request but this object.
  fatal(...args: unknown[]): void {
    this.at("fatal", args);
  }

  error(...args: unknown[]): void {
    this.at("error", args);
  }

  warn(...args: unknown[]): void {
    this.at("warn", args);
  }

  info(...args: unknown[]): void {
    this.at("info", args);
  }

  debug(...args: unknown[]): void {
    this.at("debug", args);
  }

  trace(...args: unknown[]): void {
    this.at("trace", args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private at(level: "fatal" | "error" | "warn" | "info" | "debug" | "trace", args: unknown[]): void {
    if (this.real === undefined && !this.parent.isLevelEnabled(level)) return;
    Reflect.apply(this.logger()[level], this.real, args);
  }

  private logger(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }
}

/** For Fastify's `childLoggerFactory`. */
export function lazyRequestLogger(
  this: unknown,
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(logger as FastifyBaseLogger & { isLevelEnabled(level: string): boolean }, bindings, options);
}
