// Temporal server settings Loom runs with, declared once: the embedded dev server passes them as flags, and the
// compose/production shape mounts `deploy/temporal/dynamicconfig.yaml`, which `renderDynamicConfig` writes (a test
// holds the committed file to this table).
//
// Why: every step of a run costs two reads of the history service's transfer queue (dispatch the activity, then
// the workflow task after it completes), and each queue reader is rate-limited per shard at 20 reads a second by
// default (`history.*ProcessorMaxPollRPS`, Temporal server 1.29, common/dynamicconfig/constants.go). The dev server
// has one shard, so a no-op activity step cost ~52 ms whatever the machine; raised, ~17 ms. Clusters have the same
// per-shard default: hundreds of shards spread it, but a busy shard (one tenant's burst of runs) hits it.

export interface DynamicConfigValue {
  value: boolean | number;
  /** Why Loom sets it; written above the key in the YAML file. */
  why: string;
}

export type DynamicConfig = Readonly<Record<string, DynamicConfigValue>>;

/** Per-shard reads a second for each history queue reader; the embedded server has one shard and one host. */
const EMBEDDED_QUEUE_READS = 1_000;
/**
 * In a cluster the per-shard ceiling is what one busy shard may read; the host-level ceilings stay at their default
 * (0, no limit of their own), so the database's capacity, not a constant, bounds a host.
 */
const CLUSTER_QUEUE_READS = 200;

const QUEUES = ['transfer', 'timer', 'visibility', 'outbound'] as const;

function queueReads(perShard: number): Record<string, DynamicConfigValue> {
  return Object.fromEntries(
    QUEUES.map((q) => [
      `history.${q}ProcessorMaxPollRPS`,
      { value: perShard, why: `${q} queue reads a second per shard (default 20: ~50 ms a step on a lightly sharded server)` },
    ]),
  );
}

const EAGER: DynamicConfigValue = {
  value: true,
  why: 'hands a just-scheduled activity to the worker that scheduled it, skipping a poll round trip',
};

/** The embedded dev server (`loom dev`, tests, benchmarks). */
export const EMBEDDED_DYNAMIC_CONFIG: DynamicConfig = {
  'system.enableActivityEagerExecution': EAGER,
  ...queueReads(EMBEDDED_QUEUE_READS),
};

/** A Temporal cluster of the compose/production shape. */
export const CLUSTER_DYNAMIC_CONFIG: DynamicConfig = {
  'system.enableActivityEagerExecution': EAGER,
  ...queueReads(CLUSTER_QUEUE_READS),
};

/** `--dynamic-config-value key=value` pairs for `temporal server start-dev`. */
export function devServerFlags(config: DynamicConfig): string[] {
  return Object.entries(config).flatMap(([key, { value }]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
}

/** The file Temporal's server reads (`DYNAMIC_CONFIG_FILE_PATH`): each key a list of values without constraints. */
export function renderDynamicConfig(config: DynamicConfig): string {
  const header = [
    '# Temporal dynamic configuration for Loom. Generated from platform/temporal/dynamic-config.ts; do not edit here',
    '# (test/dynamic-config.test.ts holds this file to it). Mounted by docker-compose.yml.',
  ];
  const body = Object.entries(config).flatMap(([key, { value, why }]) => [
    '',
    `# ${why}`,
    `${key}:`,
    `  - value: ${JSON.stringify(value)}`,
    '    constraints: {}',
  ]);
  return [...header, ...body, ''].join('\n');
}
