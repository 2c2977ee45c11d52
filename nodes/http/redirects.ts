// What a redirect may carry and where it may go. A credential is meant for the origin it was sent to: on a hop to
// another origin (host, port or scheme) only a safelist of headers survives, as the fetch standard drops
// Authorization (and browsers never send another site's cookies), and query parameters carrying a secret of this
// execution are removed from the new URL. The new host is checked against the workflow's allowlist on every hop.
import { hostAllowed } from '../../compiler/request-host.js';

export const MAX_REDIRECTS = 5;

/** Headers that describe the request, never who sends it: the only ones that cross to another origin. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'user-agent']);

export type RedirectErrorCode = 'HTTP_REDIRECT_BLOCKED' | 'HTTP_TOO_MANY_REDIRECTS';

export class RedirectError extends Error {
  constructor(
    readonly code: RedirectErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The headers to send to `next` after a response from `from`. Once dropped, credentials stay dropped. */
export function headersForHop(headers: Headers, from: URL, next: URL, secrets: Iterable<string>): Headers {
  if (from.origin === next.origin) return headers;
  const known = [...secrets];
  const kept = new Headers();
  for (const [name, value] of headers) {
    if (CROSS_ORIGIN_HEADERS.has(name) && !known.some((s) => value.includes(s))) kept.set(name, value);
  }
  return kept;
}

/** The URL to request after a redirect to another origin: without query parameters that carry a known secret. */
export function urlForHop(from: URL, next: URL, secrets: Iterable<string>): URL {
  if (from.origin === next.origin) return next;
  const known = [...secrets];
  if (known.length === 0) return next;
  const url = new URL(next);
  const carriesSecret = ([name, value]: [string, string]) => known.some((s) => value.includes(s) || name.includes(s));
  const params = [...url.searchParams];
  if (!params.some(carriesSecret)) return next;
  url.search = new URLSearchParams(params.filter((p) => !carriesSecret(p))).toString();
  return url;
}

/**
 * Refuses a hop to a host the run may not call: with a workflow allowlist, a redirect may go back to the host the
 * request started at (the compiler gated that one, or a person approved it) or to a listed host, nowhere else.
 */
export function checkHop(firstHost: string, host: string, allowlist: readonly string[] | undefined): void {
  if (!allowlist || host === firstHost || hostAllowed(host, allowlist)) return;
  throw new RedirectError('HTTP_REDIRECT_BLOCKED', `A redirect to ${host} was refused: it is not on this workflow's allowedHosts`);
}
