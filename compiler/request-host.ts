// The one reading of "which host will this URL reach", shared by the compiler's allowlist pass and the HTTP client
// at run time. Both use the WHATWG URL parser, the parser undici connects with, so a URL cannot mean one host to
// the check and another to the connection (userinfo, backslashes, percent-encoding, IDN, IPv4 shorthands...).

/** Schemes whose host Loom checks; anything else has no host an HTTP request could reach. */
const HTTP_SCHEMES = new Set(['http:', 'https:']);

/** Appended after the literal part of a template: if any changes the host, an expression can change it too. */
const PROBES = ['x', '@probe.invalid', ':1@probe.invalid', '.probe.invalid'];

/**
 * The host a request to `url` connects to, as the URL parser reads it (lower case, IPv4 in dotted form, IPv6 in
 * brackets, no trailing dot); undefined when it is not a valid http(s) URL.
 */
export function requestHost(url: string | URL): string | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  if (!HTTP_SCHEMES.has(parsed.protocol) || parsed.hostname === '') return undefined;
  // "example.com." is the same DNS name as "example.com": one spelling, so an allowlist entry matches both.
  return parsed.hostname.replace(/\.$/, '');
}

/**
 * The host of a URL template whose `{{ }}` expressions cannot change it; undefined when they can, or when it is
 * no http(s) URL. The literal text before the first expression must end the authority (a `/`, `?`, `#` or, for
 * http(s), a `\`): then nothing appended can reach the host, which the probes confirm with the parser itself.
 */
export function staticRequestHost(template: string): string | undefined {
  const cut = template.indexOf('{{');
  if (cut < 0) return requestHost(template);
  const head = template.slice(0, cut);
  const host = requestHost(head);
  return host !== undefined && PROBES.every((probe) => requestHost(head + probe) === host) ? host : undefined;
}

/** A host or an allowlist entry in one comparable form: the parser's, without IPv6 brackets. */
export function canonicalHost(host: string): string {
  const bare = host.trim().replace(/^\[|\]$/g, '');
  const parsed = requestHost(`http://${bare.includes(':') ? `[${bare}]` : bare}/`);
  return (parsed ?? bare.toLowerCase()).replace(/^\[|\]$/g, '');
}

/** `*.example.com` covers every subdomain (not example.com itself); anything else matches exactly. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = canonicalHost(host);
  return allowed.some((pattern) =>
    pattern.startsWith('*.') ? h.endsWith(`.${canonicalHost(pattern.slice(2))}`) : h === canonicalHost(pattern),
  );
}
