// What the gateway's route plugins receive. Passed in, never imported as module-level singletons.
import type { Client, Connection } from '@temporalio/client';
import type { DatabaseHandle } from '../../db/client.js';
import type { NodeRegistry } from '../../nodes/registry.js';

export interface GatewayDeps {
  database: DatabaseHandle;
  temporal: { client: Client; connection: Connection; taskQueue: string };
  nodes: NodeRegistry;
}
