import http from "node:http";
import https from "node:https";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import FastifyOtel from "@fastify/otel";
import { ROOT_CONTEXT, context, propagation, trace, type Context } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import type { InstrumentationModuleDefinition } from "@opentelemetry/instrumentation";
import { AwsInstrumentation } from "@opentelemetry/instrumentation-aws-sdk";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { KafkaJsInstrumentation } from "@opentelemetry/instrumentation-kafkajs";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from "@opentelemetry/sdk-trace-node";
import { Redis } from "ioredis";
import { Kafka } from "kafkajs";
import pg from "pg";
import pino from "pino";

/**
 * OpenTelemetry traces for the API, the jobs and the notifications worker, configured by the standard variables:
 * OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP, JSON), OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER (parentbased_traceidratio in
 * the platform) and OTEL_TRACES_SAMPLER_ARG, read by the SDK itself. OTEL_SDK_DISABLED=true or no endpoint: no SDK,
 * no spans, no trace context stored or sent.
 *
 * The service is bundled by esbuild, and the instrumentations' require hooks never see a bundled module. So each
 * instrumentation's module definitions (getModuleDefinitions(), the hook opentelemetry-js-contrib provides for
 * compile-time instrumentation) are applied here to the very module objects the bundle uses: the classes are
 * patched on their prototypes (pg Client, ioredis Redis, kafkajs Kafka, the AWS SDK's smithy Client), Node's http
 * through its built-in exports object (the default import is the object every require("node:http") gets), Fastify through its initialization diagnostics channel, and pino by using the
 * patched factory (createLogger asks tracedPino()). The same code path runs unbundled (tsx, tests).
 */

export interface TracingOptions {
  /** Tests: where spans go instead of the OTLP exporter (e.g. a SimpleSpanProcessor over an InMemorySpanExporter). */
  spanProcessor?: SpanProcessor;
  env?: Record<string, string | undefined>;
}

export interface Tracing {
  enabled: boolean;
  /** Modules instrumented, for the start log. */
  instrumented: string[];
  /** Flushes pending spans and uninstalls everything (tests run several setups in one process). */
  shutdown(): Promise<void>;
}

let patchedPino: typeof pino | undefined;

/** The pino factory: the instrumented one (trace_id and span_id on every line logged inside a span) once tracing runs. */
export function tracedPino(): typeof pino {
  return patchedPino ?? pino;
}

/** What every instrumentation class offers (structurally: @fastify/otel brings its own copy of the base class). */
interface ModuleInstrumentation {
  getModuleDefinitions(): InstrumentationModuleDefinition[];
  setTracerProvider(provider: NodeTracerProvider): void;
  disable(): void;
}

interface Target {
  instrumentation: ModuleInstrumentation;
  /** Module (or file) name as the instrumentation defines it, and the exports to patch. */
  modules: Array<[string, unknown]>;
}

function applyDefinitions(target: Target, log: string[]): void {
  const definitions = target.instrumentation.getModuleDefinitions();
  for (const [name, exports] of target.modules) {
    for (const definition of definitions) {
      if (definition.name === name && definition.patch) {
        const patched = definition.patch(exports);
        if (name === "pino") patchedPino = patched as typeof pino;
        log.push(name);
      }
      for (const file of definition.files) {
        if (file.name === name) {
          file.patch(exports);
          log.push(name);
        }
      }
    }
  }
}

let active: Tracing | undefined;

export function startTracing(defaultServiceName: string, options: TracingOptions = {}): Tracing {
  if (active) return active;
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true";
  if (disabled || (!endpoint && !options.spanProcessor)) {
    return { enabled: false, instrumented: [], shutdown: async () => undefined };
  }
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": defaultServiceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // AsyncLocalStorage context manager and the W3C trace-context propagator (traceparent) become the global ones.
  provider.register();

  const fastify = new FastifyOtel({ registerOnInitialization: true, ignorePaths: (route: { url: string }) => ["/healthz", "/readyz", "/metrics"].includes(route.url) });
  // The pino mixin adds trace ids only while its instrumentation reports itself enabled; it is enabled after patching.
  const pinoInstrumentation = new PinoInstrumentation({ enabled: false, disableLogSending: true });
  // Constructed disabled: no require hooks (they would find nothing in the bundle, and could patch a second time when
  // unbundled); the definitions are applied below, once.
  const targets: Target[] = [
    { instrumentation: new HttpInstrumentation({ enabled: false, ignoreIncomingRequestHook: (request) => ["/healthz", "/readyz", "/metrics"].includes(request.url ?? "") }), modules: [["http", http], ["https", https]] },
    // pg-pool spans would only wrap the query spans; the client's are the ones that say what ran.
    { instrumentation: new PgInstrumentation({ enabled: false }), modules: [["pg/lib/client.js", pg.Client]] },
    { instrumentation: new IORedisInstrumentation({ enabled: false }), modules: [["ioredis", Redis]] },
    { instrumentation: new KafkaJsInstrumentation({ enabled: false }), modules: [["kafkajs", { Kafka }]] },
    { instrumentation: pinoInstrumentation, modules: [["pino", pino]] },
    // SESv2Client (and SNSClient) extend the SDK's smithy Client, whose send() the instrumentation wraps.
    { instrumentation: new AwsInstrumentation({ enabled: false, suppressInternalInstrumentation: true }), modules: [["@smithy/smithy-client", { Client: Object.getPrototypeOf(SESv2Client) as unknown }]] },
  ];
  const instrumented: string[] = ["fastify"];
  for (const target of targets) {
    target.instrumentation.setTracerProvider(provider);
    applyDefinitions(target, instrumented);
  }
  pinoInstrumentation.enable();
  fastify.setTracerProvider(provider);
  fastify.enable();

  const tracing: Tracing = {
    enabled: true,
    instrumented,
    async shutdown() {
      fastify.disable();
      for (const target of targets) target.instrumentation.disable();
      patchedPino = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      active = undefined;
    },
  };
  active = tracing;
  return tracing;
}

/** The W3C traceparent of the active span, to store with an outbox row; undefined outside a sampled or any trace. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a stored traceparent names (the relay publishes in it, so the produce continues that trace). */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}
