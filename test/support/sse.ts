// A minimal SSE client over fetch for tests: yields parsed events and lets the test hang up at any point.
export interface SseEvent {
  id: number;
  type: string;
  data: { seq: number; type: string; nodeId: string | null; data: unknown };
}

export async function* readSse(
  url: string,
  options: { lastEventId?: number; signal?: AbortSignal; authorization?: string } = {},
): AsyncGenerator<SseEvent> {
  const res = await fetch(url, {
    headers: {
      accept: 'text/event-stream',
      ...(options.authorization ? { authorization: options.authorization } : {}),
      ...(options.lastEventId !== undefined ? { 'last-event-id': String(options.lastEventId) } : {}),
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!res.ok || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(
        frame
          .split('\n')
          .filter((l) => l && !l.startsWith(':'))
          .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
      );
      if (fields.data) yield { id: Number(fields.id), type: fields.event ?? 'message', data: JSON.parse(fields.data) as SseEvent['data'] };
    }
  }
}
