// A run's Temporal history as searchable text. Payloads are encrypted in history (platform/temporal/codec.ts) and
// base64 in the history's JSON, so each is decrypted with the stack's codec and decoded in place: searching the raw
// JSON for a secret would find nothing even if it were there. `'raw'` skips decryption, to search what Temporal's
// database holds.
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PayloadJson = { metadata: Record<string, string>; data?: string };

/** Proto JSON of a Payload: base64 metadata with an `encoding`, base64 data. */
function isPayload(value: Json): value is Json & PayloadJson {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const metadata = value.metadata;
  return !!metadata && typeof metadata === 'object' && !Array.isArray(metadata) && typeof metadata.encoding === 'string';
}

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): Required<PayloadJson> => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** Every payload anywhere in the history (inputs, results, memo, headers, failures), decoded with `codec`. */
async function decodeAll(value: Json, codec: PayloadCodec): Promise<Json> {
  if (isPayload(value)) {
    const [decoded] = await codec.decode([fromJson(value)]);
    return toJson(decoded!);
  }
  if (Array.isArray(value)) return Promise.all(value.map((v) => decodeAll(v, codec)));
  if (value && typeof value === 'object')
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await decodeAll(v, codec)] as const)));
  return value;
}

/** The history with every payload decrypted: what a worker sees, and what `Worker.runReplayHistory` can replay without a codec. */
export async function decodedHistory(
  history: temporal.api.history.v1.IHistory,
  codec: PayloadCodec,
): Promise<temporal.api.history.v1.IHistory> {
  return historyFromJSON(await decodeAll(JSON.parse(historyToJSON(history)) as Json, codec));
}

export async function historyText(history: temporal.api.history.v1.IHistory, codec: PayloadCodec | 'raw'): Promise<string> {
  const json =
    codec === 'raw' ? historyToJSON(history) : JSON.stringify(await decodeAll(JSON.parse(historyToJSON(history)) as Json, codec));
  return json.replace(
    /"data":\s*"([A-Za-z0-9+/=]*)"/g,
    (_m, b64: string) => `"data":${JSON.stringify(Buffer.from(b64, 'base64').toString('utf8'))}`,
  );
}
