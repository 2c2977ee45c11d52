// Loom's Prometheus metrics, declared once: every family a gateway or a worker exports, in one registry per process
// (not prom-client's global one, so two gateways in one test process keep their own counts). A process moves the
// counters it owns and shows the others at zero; gauges read from the database are filled when scraped.
import client from 'prom-client';

/** Seconds, from a few milliseconds (a pure node, a cached read) to minutes (a run with a slow API). */
const SECONDS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface MetricsSources {
  /** Human requests waiting for an answer. */
  openHumanRequests?: () => Promise<number>;
  /** Notifications not yet delivered (pending in the outbox). */
  outboxBacklog?: () => Promise<number>;
}

export function createMetrics(processName: 'gateway' | 'worker' | 'dev', sources: MetricsSources = {}) {
  const registry = new client.Registry();
  registry.setDefaultLabels({ process: processName });
  // Resident memory, heap, event-loop lag, handles: what the soak test and an operator watch.
  client.collectDefaultMetrics({ register: registry, prefix: 'loom_' });
  const registers = [registry];
  const gaugeOf = (name: string, help: string, read: (() => Promise<number>) | undefined) =>
    new client.Gauge({
      name,
      help,
      registers,
      ...(read
        ? {
            async collect() {
              // A failed read keeps the last value: a scrape must not fail because the database blinked.
              const value = await read().catch(() => undefined);
              if (value !== undefined) this.set(value);
            },
          }
        : {}),
    });
  return {
    registry,
    httpRequests: new client.Counter({
      name: 'loom_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    }),
    httpDuration: new client.Histogram({
      name: 'loom_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: SECONDS,
      registers,
    }),
    runsStarted: new client.Counter({ name: 'loom_runs_started_total', help: 'Runs recorded as started by the workflow', registers }),
    runsFinished: new client.Counter({
      name: 'loom_runs_finished_total',
      help: 'Runs that ended, by outcome (completed, failed, cancelled, terminated, timed_out)',
      labelNames: ['status'] as const,
      registers,
    }),
    nodeExecutions: new client.Counter({
      name: 'loom_node_executions_total',
      help: 'Attempts of activity nodes, by node type and outcome (completed, failed, retrying, cancelled)',
      labelNames: ['node_type', 'outcome'] as const,
      registers,
    }),
    nodeDuration: new client.Histogram({
      name: 'loom_node_duration_seconds',
      help: 'Time of one attempt of an activity node, by node type',
      labelNames: ['node_type'] as const,
      buckets: SECONDS,
      registers,
    }),
    outboxFailures: new client.Counter({
      name: 'loom_outbox_delivery_failures_total',
      help: 'Notification deliveries that failed (each is retried with backoff until it gives up)',
      registers,
    }),
    rateLimited: new client.Counter({
      name: 'loom_rate_limit_refusals_total',
      help: 'Requests refused by a tier limit, by limit (execute, compile, login, streams)',
      labelNames: ['limit'] as const,
      registers,
    }),
    liveStreams: new client.Gauge({ name: 'loom_live_streams_open', help: 'SSE and WebSocket streams open on this process', registers }),
    openHumanRequests: gaugeOf('loom_human_requests_open', 'Human requests waiting for an answer', sources.openHumanRequests),
    outboxBacklog: gaugeOf('loom_outbox_backlog', 'Notifications waiting to be delivered', sources.outboxBacklog),
  };
}

export type LoomMetrics = ReturnType<typeof createMetrics>;
export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;

/**
 * The text a scrape answers: Loom's families, then the Temporal SDK's own (Core serves them on the runtime's
 * Prometheus address, LOOM_TEMPORAL_METRICS_ADDRESS; read here so one scrape and one access rule cover both).
 */
export async function scrapeMetrics(metrics: LoomMetrics, temporalMetricsAddress?: string): Promise<{ contentType: string; body: string }> {
  const own = await metrics.registry.metrics();
  if (!temporalMetricsAddress) return { contentType: METRICS_CONTENT_TYPE, body: own };
  const sdk = await fetch(`http://${temporalMetricsAddress}/metrics`, { signal: AbortSignal.timeout(2_000) })
    .then((r) => (r.ok ? r.text() : ''))
    // The SDK's endpoint down must not cost the operator Loom's own numbers.
    .catch(() => '');
  return { contentType: METRICS_CONTENT_TYPE, body: `${own}\n${sdk}` };
}
