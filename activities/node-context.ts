// Builds the NodeContext an executing node receives: its only door to credentials, HTTP, logs and progress.
import type { HttpClientFactory } from '../nodes/http/client.js';
import { NodeError } from '../nodes/sdk/errors.js';
import { idempotencyKeyOf } from '../nodes/sdk/idempotency.js';
import type { FileAccess, KnowledgeAccess, NodeContext } from '../nodes/sdk/node.js';
import type { Logger } from '../platform/logger.js';
import { redactKnownDeep, redactText, SecretRegistry } from '../platform/redact.js';

/**
 * Decrypts a stored credential for one node execution and records the access. Secrets never leave the activity:
 * the vault adds the secret values it decrypted to `secrets`, so whatever the execution writes redacts them.
 */
export interface CredentialVault {
  open(
    credentialId: string,
    access: { runId: string; nodeId: string; secrets: SecretRegistry },
  ): Promise<{ type: string; values: Record<string, string> }>;
  /**
   * A credential of this owner outside a run: a knowledge base's embedding provider (activities/knowledge.ts).
   * Undefined when it no longer exists.
   */
  openForOwner?(
    credentialId: string,
    access: { ownerId: string; purpose: string },
  ): Promise<{ type: string; values: Record<string, string> } | undefined>;
}

/** One progress report of a node, redacted; `key` counts the reports of one attempt. */
export interface ProgressReport {
  key: string;
  nodeId: string;
  message: string;
  fraction?: number;
}

export interface NodeContextDeps {
  http: HttpClientFactory;
  vault?: CredentialVault | undefined;
  log: Logger;
  /** Where non-blocking progress goes: the run's event stream. */
  emitProgress?: (runId: string, report: ProgressReport) => Promise<void>;
  /** The run owner's files and knowledge bases, given how to find the owner (activities/file-access.ts, knowledge). */
  files?: ((owner: () => Promise<string | undefined>) => FileAccess) | undefined;
  knowledge?: ((owner: () => Promise<string | undefined>) => KnowledgeAccess) | undefined;
}

export function buildNodeContext(
  deps: NodeContextDeps,
  args: {
    runId: string;
    nodeId: string;
    nodeType: string;
    attempt: number;
    /** The loop item this execution is for; undefined for the node itself. Part of the idempotency key. */
    item?: number | undefined;
    signal: AbortSignal;
    timeoutMs: number;
    credentials: Record<string, string>;
    accepted: Record<string, string[]>;
    /** The execution's own registry, when the caller redacts what it writes itself (events, errors) too. */
    secrets?: SecretRegistry;
    /** Hears every progress report: a sign of life for supervision. */
    onProgress?: () => void;
    /** Awaited before the first progress event is stored: the node's start comes first in the stream. */
    beforeProgress?: () => Promise<void>;
    /** The run's owner, looked up when a node asks (the code nodes, for their sandboxes). */
    owner?: () => Promise<string | undefined>;
    /** The run's `settings.allowedHosts`, which every redirect to another host is checked against. */
    allowedHosts?: () => Promise<readonly string[] | undefined>;
  },
): NodeContext {
  const log = deps.log.child({ runId: args.runId, nodeId: args.nodeId, nodeType: args.nodeType, attempt: args.attempt });
  const secrets = args.secrets ?? new SecretRegistry();
  return {
    runId: args.runId,
    nodeId: args.nodeId,
    attempt: args.attempt,
    idempotencyKey: idempotencyKeyOf(args.runId, args.nodeId, args.item),
    signal: args.signal,
    timeoutMs: args.timeoutMs,
    // The known values only: what looks secret is caught by the logger itself (platform/logger.ts), once.
    log: {
      info: (m, d) => log.info(redactKnownDeep(d ?? {}, secrets), redactKnownDeep(m, secrets)),
      warn: (m, d) => log.warn(redactKnownDeep(d ?? {}, secrets), redactKnownDeep(m, secrets)),
      error: (m, d) => log.error(redactKnownDeep(d ?? {}, secrets), redactKnownDeep(m, secrets)),
    },
    credentials: {
      has: (slot) => args.credentials[slot] !== undefined,
      async get(slot) {
        const id = args.credentials[slot];
        if (!id) throw new NodeError('MISSING_CREDENTIAL', `No credential is attached to "${slot}"`);
        if (!deps.vault) throw new NodeError('MISSING_CREDENTIAL', 'This worker has no credential store');
        const credential = await deps.vault.open(id, { runId: args.runId, nodeId: args.nodeId, secrets });
        const accepted = args.accepted[slot];
        if (accepted && !accepted.includes(credential.type)) {
          throw new NodeError(
            'MISSING_CREDENTIAL',
            `Credential ${id} is a ${credential.type}; "${slot}" needs one of ${accepted.join(', ')}`,
          );
        }
        return credential;
      },
    },
    // The execution's secrets never follow a redirect to another origin.
    http: deps.http.forNode({
      signal: args.signal,
      timeoutMs: args.timeoutMs,
      secrets,
      ...(args.allowedHosts ? { allowedHosts: args.allowedHosts } : {}),
    }),
    ...(args.owner ? { owner: args.owner } : {}),
    ...(args.owner && deps.files ? { files: deps.files(args.owner) } : {}),
    ...(args.owner && deps.knowledge ? { knowledge: deps.knowledge(args.owner) } : {}),
    progress: (() => {
      let count = 0;
      // One after another, so the stream shows them in the order the node reported them.
      let queue: Promise<void> = Promise.resolve();
      return (reported: string, fraction?: number) => {
        const message = redactText(reported, secrets);
        args.onProgress?.();
        log.info({ progress: fraction }, message);
        const key = `progress:${args.nodeId}:${args.attempt}:${++count}`;
        // Progress never waits and never fails the node: a lost progress event costs nothing but the message.
        queue = queue
          .then(() => args.beforeProgress?.())
          .then(() =>
            deps.emitProgress?.(args.runId, { key, nodeId: args.nodeId, message, ...(fraction !== undefined ? { fraction } : {}) }),
          )
          .catch((err: unknown) => log.warn({ err }, 'progress event not stored'));
      };
    })(),
  };
}
