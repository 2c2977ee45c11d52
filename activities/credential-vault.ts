// The worker's credential vault: decrypts inside the activity that needs the values and records the access.
// The secret values it hands out are registered with the asking execution, which redacts them wherever it writes.
import type { Database } from '../db/client.js';
import { openCredential } from '../db/credential-store.js';
import { findRun } from '../db/run-store.js';
import { BUILTIN_CREDENTIAL_TYPES } from '../nodes/registry.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { SecretBox } from '../platform/secrets.js';
import type { CredentialVault } from './node-context.js';

/** The secret fields of a credential type; undefined for a type this worker does not know. */
export type SecretFieldsOf = (type: string) => readonly string[] | undefined;

const builtinSecretFields: SecretFieldsOf = (type) => BUILTIN_CREDENTIAL_TYPES.find((t) => t.type === type)?.secretFields;

export function createCredentialVault(db: Database, box: SecretBox, secretFieldsOf: SecretFieldsOf = builtinSecretFields): CredentialVault {
  return {
    async open(credentialId, access) {
      // Only the run owner's credentials open: a plan naming another user's credential id gets nothing.
      const run = await findRun(db, access.runId);
      const credential = run ? await openCredential(db, box, credentialId, { runId: access.runId, nodeId: access.nodeId, ownerId: run.ownerId, purpose: 'node_execution' }) : undefined;
      if (!credential) throw new NodeError('MISSING_CREDENTIAL', `Credential ${credentialId} no longer exists`);
      // Only secret fields: a host name or user name redacted from every log line would hide more than it protects.
      // A type this worker does not know has every value treated as secret.
      const fields = secretFieldsOf(credential.type) ?? Object.keys(credential.values);
      for (const field of fields) {
        const value = credential.values[field];
        if (value) access.secrets.add(value);
      }
      return credential;
    },
  };
}
