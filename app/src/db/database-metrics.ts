import { Counter, Gauge, type Registry } from "prom-client";
import { STATE_VALUES } from "../cache/cache-metrics";
import type { CircuitState } from "../cache/circuit-breaker";

export interface DatabaseMetrics {
  writerCircuit(state: CircuitState): void;
  readerFallback(): void;
}

/** The writer's circuit (open: this region is read-only) and the reads the replica could not serve. */
export function createDatabaseMetrics(registry: Registry): DatabaseMetrics {
  const state = new Gauge({
    name: "database_writer_circuit_state",
    help: "Circuit breaker in front of the writer (primary) database: 0 closed, 1 half-open (probing), 2 open (writes answer 503 read-only)",
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: "database_reader_fallbacks_total",
    help: "Reads the region's replica could not serve (unreachable or its circuit open) that went to the writer",
    registers: [registry],
  });
  state.set(0);
  return {
    writerCircuit: (next) => state.set(STATE_VALUES[next]),
    readerFallback: () => fallbacks.inc(),
  };
}
