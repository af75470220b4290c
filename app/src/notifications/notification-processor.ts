import { SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import type { Logger } from "pino";
import { backoffDelayMs, type BackoffPolicy } from "../outbox/backoff";
import type { Mailer, Messenger } from "./channels";
import { PoisonEventError, parseEvent, planNotifications, type NotificationAction } from "./notification-plan";
import { isTransientSendOnceError, type SendOnce } from "./send-once";
import type { DeadLetterSink, InboundMessage } from "./transport";
import type { WorkerMetrics } from "./worker-metrics";

export interface NotificationProcessorArgs {
  mailer: Mailer;
  messenger: Messenger;
  sendOnce: SendOnce;
  deadLetters: DeadLetterSink;
  metrics: WorkerMetrics;
  log: Logger;
  /**
   * Failed handling attempts of one event before it is dead-lettered. Waits on another worker's send claim or on an
   * unreachable dedupe store are not attempts: they are retried (same capped backoff) until the claim expires or the
   * store answers.
   */
  maxAttempts: number;
  backoff: BackoffPolicy;
}

/** Handling was abandoned because the worker is stopping: the event stays uncommitted and is redelivered. */
export class StoppingError extends Error {
  constructor() {
    super("worker stopping");
    this.name = "StoppingError";
  }
}

const tracer = trace.getTracer("shop-api/notifications-worker");

function reasonOf(error: unknown): string {
  return `${error instanceof Error ? error.name : "Error"}: ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Handles one event: plans what to send, sends each notification at most once (SendOnce), retries failures with
 * backoff in place (the partition waits: per-order events keep their order), and after `maxAttempts` failed sends (or
 * at once for a poison event) hands it to the dead-letter topic with the reason. A claim held by another (possibly
 * crashed) worker or a dedupe-store outage says nothing about the event: dead-lettering on it would lose the mail, so
 * those are waited out without counting. Resolves when the event is done and may be
 * committed; rejects only when stopping or when even the dead-letter topic refuses it (then it is redelivered).
 */
export class NotificationProcessor {
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(private readonly args: NotificationProcessorArgs) {}

  /** Ends retry waits at once; the event being retried is abandoned uncommitted. */
  stop(): void {
    this.stopping = true;
    this.wake?.();
  }

  async handle(message: InboundMessage): Promise<void> {
    // The trace of the request that wrote the event continues here through the message's traceparent header.
    const parent = propagation.extract(context.active(), message.headers);
    return tracer.startActiveSpan(
      `${message.topic} process`,
      { kind: SpanKind.CONSUMER, attributes: { "messaging.system": "kafka", "messaging.destination.name": message.topic, "messaging.operation.type": "process" } },
      parent,
      async (span) => {
        try {
          await this.handleWithRetries(message);
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: reasonOf(error) });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  }

  private async handleWithRetries(message: InboundMessage): Promise<void> {
    const { metrics, log } = this.args;
    const stopTimer = metrics.handlingSeconds.startTimer({ topic: message.topic });
    let attempt = 1;
    let waits = 0;
    for (;;) {
      if (this.stopping) throw new StoppingError();
      try {
        const outcome = await this.handleOnce(message);
        metrics.handled.inc({ topic: message.topic, outcome });
        stopTimer();
        return;
      } catch (error) {
        if (isTransientSendOnceError(error)) {
          waits += 1;
          const delayMs = backoffDelayMs(waits, this.args.backoff);
          log.warn({ topic: message.topic, offset: message.offset, waits, retryInMs: delayMs, err: error }, "send claim held or dedupe store unavailable; waiting");
          await this.sleep(delayMs);
          continue;
        }
        const poison = error instanceof PoisonEventError;
        if (!poison) metrics.failed.inc({ topic: message.topic });
        if (poison || attempt >= this.args.maxAttempts) {
          const reason = poison ? `poison: ${error.message}` : `failed ${attempt} times; last: ${reasonOf(error)}`;
          await this.args.deadLetters.send(message, reason, attempt);
          metrics.deadLettered.inc({ topic: message.topic });
          log.error({ topic: message.topic, offset: message.offset, eventId: message.headers["event-id"], reason }, "event sent to the dead-letter topic");
          stopTimer();
          return;
        }
        const delayMs = backoffDelayMs(attempt, this.args.backoff);
        log.warn({ topic: message.topic, offset: message.offset, attempt, retryInMs: delayMs, err: error }, "notification failed; retrying");
        attempt += 1;
        await this.sleep(delayMs);
      }
    }
  }

  private async handleOnce(message: InboundMessage): Promise<"sent" | "nothing-to-send"> {
    const event = parseEvent(message.value, message.headers);
    const actions = planNotifications(message.topic, event);
    for (const action of actions) {
      const result = await this.args.sendOnce.run(`${event.eventId}:${action.id}`, () => this.perform(action));
      if (result === "duplicate") this.args.metrics.duplicates.inc({ kind: action.kind });
    }
    return actions.length > 0 ? "sent" : "nothing-to-send";
  }

  private async perform(action: NotificationAction): Promise<void> {
    if (action.kind === "mail") await this.args.mailer.send(action.mail);
    else await this.args.messenger.publish(action.message);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }
}
