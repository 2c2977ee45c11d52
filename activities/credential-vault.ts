// The worker's credential vault: decrypts inside the activity that needs the values and records the access.
import type { Database } from '../db/client.js';
import { openCredential } from '../db/credential-store.js';
import { NodeError } from '../nodes/sdk/errors.js';
import type { SecretBox } from '../platform/secrets.js';
import type { CredentialVault } from './node-context.js';

export function createCredentialVault(db: Database, box: SecretBox): CredentialVault {
  return {
    async open(credentialId, access) {
      const credential = await openCredential(db, box, credentialId, { ...access, purpose: 'node_execution' });
      if (!credential) throw new NodeError('MISSING_CREDENTIAL', `Credential ${credentialId} no longer exists`);
      return credential;
    },
  };
}
