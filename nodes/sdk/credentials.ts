// Credential types are declared like nodes: fields (some secret) and an optional test call.
import type { z } from 'zod';
import type { Fields } from './fields.js';
import { fieldViews, schemaFromFields } from './fields.js';
import type { HttpClient } from './node.js';

export interface CredentialTypeSpec<F extends Fields> {
  type: string;
  displayName: string;
  description: string;
  fields: F;
  /** Checks the values against the real service ("Test connection" in the editor). */
  test?(values: Record<string, string>, http: HttpClient): Promise<{ ok: boolean; message: string }>;
}

export interface CredentialTypeDefinition<F extends Fields = Fields> extends CredentialTypeSpec<F> {
  schema: z.ZodType;
  secretFields: string[];
}

export function defineCredentialType<F extends Fields>(spec: CredentialTypeSpec<F>): CredentialTypeDefinition<F> {
  return {
    ...spec,
    schema: schemaFromFields(spec.fields),
    secretFields: Object.entries(spec.fields)
      .filter(([, f]) => f.secret)
      .map(([name]) => name),
  };
}

export function credentialTypeView(def: CredentialTypeDefinition) {
  return {
    type: def.type,
    displayName: def.displayName,
    description: def.description,
    fields: fieldViews(def.fields),
    testable: def.test !== undefined,
  };
}
