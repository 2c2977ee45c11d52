// A run's Temporal history as searchable text: payloads are base64 in the history's JSON, so each is decoded in place
// (searching the raw JSON for a secret would find nothing even if it were there).
import type { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';

export function historyText(history: temporal.api.history.v1.IHistory): string {
  return historyToJSON(history).replace(/"data":\s*"([A-Za-z0-9+/=]*)"/g, (_m, b64: string) => `"data":${JSON.stringify(Buffer.from(b64, 'base64').toString('utf8'))}`);
}
