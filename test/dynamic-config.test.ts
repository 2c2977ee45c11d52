// The Temporal settings are declared once (platform/temporal/dynamic-config.ts); the compose file's copy is derived.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  CLUSTER_DYNAMIC_CONFIG,
  devServerFlags,
  EMBEDDED_DYNAMIC_CONFIG,
  renderDynamicConfig,
} from '../platform/temporal/dynamic-config.js';

describe('Temporal dynamic config', () => {
  it('deploy/temporal/dynamicconfig.yaml is the cluster table rendered', async () => {
    const file = await readFile(new URL('../deploy/temporal/dynamicconfig.yaml', import.meta.url), 'utf8');
    expect(file).toBe(renderDynamicConfig(CLUSTER_DYNAMIC_CONFIG));
  });

  it('docker-compose.yml mounts the file where the server reads it', async () => {
    const compose = await readFile(new URL('../docker-compose.yml', import.meta.url), 'utf8');
    expect(compose).toContain('./deploy/temporal/dynamicconfig.yaml:/etc/temporal/config/dynamicconfig/loom.yaml:ro');
    expect(compose).toContain('DYNAMIC_CONFIG_FILE_PATH: /etc/temporal/config/dynamicconfig/loom.yaml');
  });

  it('raises every history queue reader above the per-shard default of 20', () => {
    for (const q of ['transfer', 'timer', 'visibility', 'outbound']) {
      expect(EMBEDDED_DYNAMIC_CONFIG[`history.${q}ProcessorMaxPollRPS`]?.value).toBeGreaterThan(20);
      expect(CLUSTER_DYNAMIC_CONFIG[`history.${q}ProcessorMaxPollRPS`]?.value).toBeGreaterThan(20);
    }
  });

  it('passes each key to the dev server as one flag', () => {
    expect(devServerFlags({ 'a.b': { value: 5, why: '' }, 'c.d': { value: true, why: '' } })).toEqual([
      '--dynamic-config-value',
      'a.b=5',
      '--dynamic-config-value',
      'c.d=true',
    ]);
  });
});
