// The worker's credential vault: decrypts inside the activity that needs the values and records the access.
// The secret values it hands out are registered with the asking execution, which redacts them wherever it writes.
import type { Database } from '../db/client.js';
import { openCredential } from '../db/credential-store.js';
import { findRun } from '../db/run-store.js';
import type { NodeRegistry } from '../nodes/registry.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { SecretBox } from '../platform/secrets.js';
import type { CredentialVault } from './node-context.js';

/** `nodes`: the worker's registry, whose credential types say which fields are secret. */
export function createCredentialVault(db: Database, box: SecretBox, nodes: Pick<NodeRegistry, 'credentialType'>): CredentialVault {
  return {
    async open(credentialId, access) {
      // Only the run owner's credentials open: a plan naming another user's credential id gets nothing.
      const run = await findRun(db, access.runId);
      const credential = run
        ? await openCredential(db, box, credentialId, {
            runId: access.runId,
            nodeId: access.nodeId,
            ownerId: run.ownerId,
            purpose: 'node_execution',
          })
        : undefined;
      if (!credential) throw new NodeError('MISSING_CREDENTIAL', `Credential ${credentialId} no longer exists`);
      // Only secret fields: a host name or user name redacted from every log line would hide more than it protects.
      // A type this worker does not know has every value treated as secret.
      const fields = nodes.credentialType(credential.type)?.secretFields ?? Object.keys(credential.values);
      for (const field of fields) {
        const value = credential.values[field];
        if (value) access.secrets.add(value);
      }
      return credential;
    },
    openForOwner: (credentialId, access) => openCredential(db, box, credentialId, access),
  };
}
