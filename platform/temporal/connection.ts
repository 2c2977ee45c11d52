// Connects Loom to a Temporal cluster and makes sure the cluster knows Loom's search attributes.
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec, SearchAttributePair } from '@temporalio/common';
// CommonJS package: named ESM imports of it fail under Node, so take the default export.
import proto from '@temporalio/proto';
import type { TemporalSecurity } from '../config.js';
import type { Logger } from '../logger.js';
import { FAILURE_CONVERTER_PATH } from './failure-converter-path.js';

/**
 * The search attributes a cluster must know. The caller passes them (Loom's list is workflows/search-attributes.ts,
 * owned by the workflow that sets them), so the platform layer imports nothing above it.
 */
export type SearchAttributeList = readonly SearchAttributePair['key'][];

export interface TemporalHandle {
  connection: Connection;
  client: Client;
  namespace: string;
  close(): Promise<void>;
}

/**
 * `codec` is required: every client Loom creates encrypts what it sends and decrypts what it reads
 * (platform/temporal/codec.ts), so no code path can start a run whose input Temporal stores in clear. Failure
 * messages go through it too (failure-converter.cjs).
 */
export async function connectTemporal(options: {
  address: string;
  namespace: string;
  codec: PayloadCodec;
  /** TLS and an API key for a secured cluster (Temporal Cloud); unset: plain gRPC. */
  security?: TemporalSecurity | undefined;
}): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address: options.address, ...connectionSecurity(options.security) });
  const client = new Client({
    connection,
    namespace: options.namespace,
    dataConverter: { payloadCodecs: [options.codec], failureConverterPath: FAILURE_CONVERTER_PATH },
  });
  return { connection, client, namespace: options.namespace, close: () => connection.close() };
}

/** The options both Temporal connection types take for TLS and an API key. */
export function connectionSecurity(security: TemporalSecurity | undefined): { tls?: TemporalSecurity['tls']; apiKey?: string } {
  return {
    ...(security?.tls ? { tls: security.tls } : {}),
    ...(security?.apiKey ? { apiKey: security.apiKey } : {}),
  };
}

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

/**
 * Registers the search attributes a cluster lacks (the embedded dev server registers them at launch; a production
 * cluster gets them here, once). Idempotent.
 */
export async function ensureSearchAttributes(handle: TemporalHandle, keys: SearchAttributeList, log: Logger): Promise<void> {
  const { operatorService } = handle.connection;
  const existing = await operatorService.listSearchAttributes({ namespace: handle.namespace });
  const known = new Set([...Object.keys(existing.customAttributes ?? {}), ...Object.keys(existing.systemAttributes ?? {})]);
  const missing = keys.filter((key) => !known.has(key.name));
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]]));
  await operatorService.addSearchAttributes({ namespace: handle.namespace, searchAttributes });
  log.info({ searchAttributes: missing.map((k) => k.name) }, 'registered Loom search attributes on the Temporal cluster');
}
