// Credential types for HTTP APIs: bearer token, basic auth, and an API key sent as a header or query parameter.
import { defineCredentialType } from '../sdk/credentials.js';
import { field } from '../sdk/fields.js';

export const httpBearer = defineCredentialType({
  type: 'httpBearer',
  displayName: 'Bearer token',
  description: 'Sends Authorization: Bearer <token>.',
  fields: { token: field.string({ label: 'Token', required: true, secret: true }) },
});

export const httpBasic = defineCredentialType({
  type: 'httpBasic',
  displayName: 'Basic auth',
  description: 'Sends Authorization: Basic with a user name and password.',
  fields: {
    username: field.string({ label: 'User name', required: true }),
    password: field.string({ label: 'Password', required: true, secret: true }),
  },
});

export const httpApiKey = defineCredentialType({
  type: 'httpApiKey',
  displayName: 'API key',
  description: 'Sends an API key in a header (e.g. X-API-Key) or a query parameter.',
  fields: {
    name: field.string({ label: 'Header or parameter name', required: true, placeholder: 'X-API-Key' }),
    value: field.string({ label: 'Key', required: true, secret: true }),
    in: field.select(['header', 'query'], { label: 'Send in', default: 'header' }),
  },
});

export const HTTP_AUTH_TYPES = [httpBearer.type, httpBasic.type, httpApiKey.type];
