// The HTTP client nodes get through their context: the node's abort signal and a timeout on every request,
// the SSRF guard on every connection, and redirects followed by hand so each hop is checked too: its host read by
// the parser the compiler reads hosts with, against the SSRF guard and the workflow's allowlist, and credentials
// dropped when it leaves the origin they were sent to (nodes/http/redirects.ts).
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { requestHost } from '../../compiler/request-host.js';
import type { HttpClient } from '../sdk/node.js';
import { checkHop, headersForHop, MAX_REDIRECTS, RedirectError, urlForHop } from './redirects.js';
import { checkUrl, createAllowlist, guardedLookup, resolveAllowed, type HttpPolicy } from './ssrf-guard.js';

export interface HttpClientFactory {
  forNode(options: {
    signal: AbortSignal;
    timeoutMs: number;
    /** The run's `settings.allowedHosts` (undefined: none), asked for only when a redirect leaves the first host. */
    allowedHosts?: () => Promise<readonly string[] | undefined>;
    /** Secret values this execution opened: never carried to another origin. Read at each hop, as it fills. */
    secrets?: Iterable<string>;
  }): HttpClient;
  close(): Promise<void>;
}

/** 303, and 301/302 after POST, turn into GET without a body, as browsers do. */
function methodChangesToGet(status: number, method: string | undefined): boolean {
  return status === 303 || ((status === 301 || status === 302) && method !== undefined && method !== 'GET' && method !== 'HEAD');
}

export function createHttpClientFactory(policy: HttpPolicy): HttpClientFactory {
  const allowed = createAllowlist(policy);
  // One connection pool per worker; the guard sits in its connector.
  const agent = new Agent({ connect: { lookup: guardedLookup(allowed) as never } });

  return {
    forNode({ signal, timeoutMs, allowedHosts, secrets = [] }) {
      return {
        async fetch(input, init = {}) {
          const { timeoutMs: perRequest, ...rest } = init;
          const timeout = AbortSignal.timeout(Math.min(perRequest ?? timeoutMs, timeoutMs));
          const combined = AbortSignal.any([signal, timeout, ...(rest.signal ? [rest.signal] : [])]);
          let url = new URL(input);
          const firstHost = requestHost(url);
          let requestInit: RequestInit = { ...rest, headers: new Headers(rest.headers) };
          for (let hop = 0; ; hop++) {
            const host = requestHost(url);
            if (host === undefined)
              throw new RedirectError('HTTP_REDIRECT_BLOCKED', `Only http and https URLs can be requested, not ${url.protocol}`);
            checkUrl(url, allowed);
            if (hop > 0 && firstHost !== undefined && host !== firstHost) checkHop(firstHost, host, await allowedHosts?.());
            const response = await undiciFetch(url, {
              ...(requestInit as UndiciRequestInit),
              redirect: 'manual',
              signal: combined,
              dispatcher: agent,
            });
            const location = response.headers.get('location');
            if (response.status < 300 || response.status >= 400 || !location || rest.redirect === 'manual')
              return response as unknown as Response;
            await response.body?.cancel();
            if (hop >= MAX_REDIRECTS)
              throw new RedirectError('HTTP_TOO_MANY_REDIRECTS', `More than ${MAX_REDIRECTS} redirects from ${url.host}`);
            let target: URL;
            try {
              target = new URL(location, url);
            } catch {
              throw new RedirectError('HTTP_REDIRECT_BLOCKED', `${url.host} redirected to an invalid URL`);
            }
            const next = urlForHop(url, target, secrets);
            const headers = headersForHop(new Headers(requestInit.headers), url, next, secrets);
            const toGet = methodChangesToGet(response.status, requestInit.method);
            if (toGet) headers.delete('content-type');
            requestInit = { ...requestInit, headers, ...(toGet ? { method: 'GET', body: null } : {}) };
            url = next;
          }
        },
        resolveHost: (host) => resolveAllowed(host, allowed),
      };
    },
    close: () => agent.close(),
  };
}
