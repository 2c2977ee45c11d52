// Knowledge-base sources through the API, as a client follows them: poll a source until its ingestion has ended.
import type { Api } from './users.js';

export interface SourceView {
  id: string;
  status: string;
  chunks: number;
  totalChunks: number | null;
  error?: { code: string; message: string } | null;
}

/** The source once it is ready, failed or cancelled; throws past the deadline. */
export async function settledSource(api: Api, kbId: string, sourceId: string, timeoutMs = 60_000): Promise<SourceView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.inject({ method: 'GET', url: `/v1/knowledge-bases/${kbId}/sources/${sourceId}` });
    const source = res.json<SourceView>();
    if (['ready', 'failed', 'cancelled'].includes(source.status)) return source;
    if (Date.now() > until) throw new Error(`source still ${source.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
