// Every code an embedding or an ingestion may fail with, declared once: its meaning and whether trying again can
// help (Temporal retries an activity only when it can). docs/errors.md lists them (test/errors-doc.test.ts).
import { z } from 'zod';
import { codesOf, type ErrorMeaning } from '../sdk/error-codes.js';

export const KNOWLEDGE_ERRORS = {
  EMBEDDING_DIMENSION_MISMATCH: {
    retryable: false,
    message: "The embedding provider returned vectors of another size than the knowledge base's dimensions",
  },
  EMBEDDING_FAILED: { retryable: true, message: 'The embedding provider could not be reached, failed or is rate limiting' },
  EMBEDDING_REFUSED: { retryable: false, message: 'The embedding provider refused the request (credential, model or input)' },
  SOURCE_UNREADABLE: { retryable: false, message: "The source's text could not be read" },
  INGEST_INTERNAL: { retryable: false, message: "The ingestion failed for a reason of Loom's own (it could not start, or a bug)" },
} as const satisfies Record<string, ErrorMeaning>;

export const KnowledgeErrorCodeSchema = z.enum(codesOf(KNOWLEDGE_ERRORS));
export type KnowledgeErrorCode = z.infer<typeof KnowledgeErrorCodeSchema>;

export class KnowledgeError extends Error {
  override readonly name = 'KnowledgeError';
  readonly retryable: boolean;
  constructor(
    readonly code: KnowledgeErrorCode,
    message: string = KNOWLEDGE_ERRORS[code].message,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = KNOWLEDGE_ERRORS[code].retryable;
  }
}

/** A provider's HTTP status as one of the codes: 429 and 5xx (and no answer at all) may pass; other 4xx will not. */
export function providerFailure(provider: string, status: number | undefined, message: string): KnowledgeError {
  if (status === undefined) return new KnowledgeError('EMBEDDING_FAILED', `${provider} could not be reached: ${message}`);
  if (status === 429 || status >= 500) return new KnowledgeError('EMBEDDING_FAILED', `${provider} failed (${status}): ${message}`);
  return new KnowledgeError('EMBEDDING_REFUSED', `${provider} refused the request (${status}): ${message}`);
}
