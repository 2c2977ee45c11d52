// The HTTP client nodes get through their context: the node's abort signal and a timeout on every request,
// the SSRF guard on every connection, and redirects followed by hand so each hop is checked too.
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import type { HttpClient } from '../sdk/node.js';
import { checkUrl, createAllowlist, guardedLookup, resolveAllowed, type HttpPolicy } from './ssrf-guard.js';

const MAX_REDIRECTS = 5;

export interface HttpClientFactory {
  forNode(options: { signal: AbortSignal; timeoutMs: number }): HttpClient;
  close(): Promise<void>;
}

export function createHttpClientFactory(policy: HttpPolicy): HttpClientFactory {
  const allowed = createAllowlist(policy);
  // One connection pool per worker; the guard sits in its connector.
  const agent = new Agent({ connect: { lookup: guardedLookup(allowed) as never } });

  return {
    forNode({ signal, timeoutMs }) {
      return {
        async fetch(input, init = {}) {
          const { timeoutMs: perRequest, ...rest } = init;
          const timeout = AbortSignal.timeout(Math.min(perRequest ?? timeoutMs, timeoutMs));
          const combined = AbortSignal.any([signal, timeout, ...(rest.signal ? [rest.signal] : [])]);
          let url = new URL(input);
          let requestInit = { ...rest };
          for (let hop = 0; ; hop++) {
            checkUrl(url, allowed);
            const response = await undiciFetch(url, { ...(requestInit as UndiciRequestInit), redirect: 'manual', signal: combined, dispatcher: agent });
            const location = response.headers.get('location');
            if (response.status < 300 || response.status >= 400 || !location || requestInit.redirect === 'manual') return response as unknown as Response;
            if (hop >= MAX_REDIRECTS) throw new Error(`More than ${MAX_REDIRECTS} redirects from ${input.toString()}`);
            await response.body?.cancel();
            url = new URL(location, url);
            // 303, and 301/302 after POST, turn into GET without a body, as browsers do.
            if (response.status === 303 || ((response.status === 301 || response.status === 302) && requestInit.method && requestInit.method !== 'GET' && requestInit.method !== 'HEAD')) {
              requestInit = { ...requestInit, method: 'GET', body: null };
            }
          }
        },
        resolveHost: (host) => resolveAllowed(host, allowed),
      };
    },
    close: () => agent.close(),
  };
}
