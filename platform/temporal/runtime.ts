// Installs the Temporal worker runtime once per process, routing the SDK's and the Rust core's logs
// (warnings and worse) into Loom's logger instead of raw stderr.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../logger.js';

let installed = false;

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * `prometheusBindAddress`: host:port where the SDK's Rust core serves its worker metrics (task slots, poll latency,
 * sticky cache, activity and workflow task timings) in Prometheus format; unset, none are exported.
 */
export function installTemporalRuntime(log: Logger, options: { prometheusBindAddress?: string | undefined } = {}): void {
  if (installed) return;
  installed = true;
  const temporalLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => temporalLog[LEVELS[entry.level]](entry.meta ?? {}, entry.message)),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
      ...(options.prometheusBindAddress ? { metrics: { prometheus: { bindAddress: options.prometheusBindAddress } } } : {}),
    },
  });
}
