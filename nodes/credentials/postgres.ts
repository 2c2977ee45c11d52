// Credential type for a user's own PostgreSQL database.
import { defineCredentialType } from '../sdk/credentials.js';
import { field } from '../sdk/fields.js';

export const postgresCredential = defineCredentialType({
  type: 'postgres',
  displayName: 'PostgreSQL',
  description: 'A PostgreSQL server and the user to connect as.',
  fields: {
    host: field.string({ label: 'Host', required: true }),
    port: field.number({ label: 'Port', default: 5432, min: 1, max: 65535, int: true }),
    database: field.string({ label: 'Database', required: true }),
    user: field.string({ label: 'User', required: true }),
    password: field.string({ label: 'Password', secret: true }),
    ssl: field.select(
      [
        { value: 'disable', label: 'No TLS' },
        { value: 'require', label: 'Require TLS' },
      ],
      { label: 'TLS', default: 'disable' },
    ),
  },
});
