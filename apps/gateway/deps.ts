// What the gateway's route plugins receive. Passed in, never imported as module-level singletons.
import type { Client, Connection } from '@temporalio/client';
import type { DatabaseHandle } from '../../db/client.js';
import type { OwnerNodes } from '../../db/custom-node-registry.js';
import type { CustomNodeRuntime } from '../../nodes/custom/definition.js';
import type { NodeRegistry } from '../../nodes/registry.js';
import type { AiService } from '../../orchestrator/ai/service.js';
import type { LinkSigner } from '../../platform/answer-links.js';
import type { FileStore } from '../../platform/file-store.js';
import type { SecretBox } from '../../platform/secrets.js';
import type { AuthSettings } from './auth/settings.js';

export interface GatewayDeps {
  database: DatabaseHandle;
  /**
   * `runHistoryEvents`: the history budget of a run's execution (see RunStarterDeps); unset, Temporal's suggestion alone.
   * `scheduleMinIntervalSeconds`: the shortest time between two ticks of a schedule (see ScheduleDeps); unset, 60.
   */
  temporal: {
    client: Client;
    connection: Connection;
    taskQueue: string;
    runHistoryEvents?: number | undefined;
    scheduleMinIntervalSeconds?: number | undefined;
  };
  /** The built-in node and credential types. */
  nodes: NodeRegistry;
  /**
   * Custom nodes: each user's node types (the built-ins and the custom versions they may use), and the sandboxes that
   * judge an upload. Filled by buildGateway from `database` and `nodes` when not given.
   */
  customNodes: { owners: OwnerNodes; runtime: CustomNodeRuntime };
  /** Seals credential values on the way in; the gateway never opens them. */
  secrets: SecretBox;
  /** Verifies the signed answer links sent in notifications. */
  links: LinkSigner;
  /** Token signing and lifetimes. */
  auth: AuthSettings;
  /**
   * Uploaded files' bytes, and the enterprise tier's file limits when the installation sets them (unset: the
   * defaults in identity/tiers.ts).
   */
  files: { store: FileStore; enterprise?: { fileBytes?: number | undefined; storedBytes?: number | undefined } | undefined };
  /** Workflow generation and AI edits; undefined: no model configured (the AI routes answer AI_NOT_CONFIGURED). */
  ai?: AiService | undefined;
}
