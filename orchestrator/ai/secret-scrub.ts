// Removes what looks like a secret from a generated document's node configs, so a key a model (or a person's prompt)
// wrote into a workflow never gets stored or run: credentials belong in credential slots. Each finding names the node
// and the path (from the node: ['config', 'headers', 'Authorization']) so the caller can open a slot and warn.
//
// What is removed: the secret part of the string, cut out (a key embedded in code or a sentence goes, the rest stays);
// the whole string for a header or field whose name says it holds a credential (Authorization, X-Api-Key, password,
// token, ...) and for `{name, value}` pairs naming one; for URLs, the userinfo (`user:pass@`) or the parameter's value.
// A value that was nothing but a secret becomes "". Keys are never deleted, so the config keeps its shape.
import type { WorkflowDocument } from '../../compiler/document.js';
import { isPlainObject } from './config-path.js';
import { cutSpans, findSecrets, maskExpressions, type SecretKind, type SecretSpan } from './secret-patterns.js';

export interface SecretFinding {
  nodeId: string;
  path: (string | number)[];
  kind: SecretKind;
}

/** Names of headers and fields that hold a credential, matched at the end of the lowercased name. */
const CREDENTIAL_NAME =
  /(?:authorization|cookie|password|passwd|secret|token|apikey|api[-_]key|accesskey|access[-_]key|privatekey|private[-_]key)$/;
/** An auth scheme before the credential itself; "Bearer {{ $credentials.token }}" leaves nothing behind it. */
const AUTH_SCHEME = /^(?:bearer|basic|token|bot|digest|apikey)\s+/i;
/** A credential-named value this short (after the scheme, without expressions) is a placeholder, not a secret. */
const MIN_CREDENTIAL_CHARS = 6;

export function scrubSecrets<D extends WorkflowDocument>(document: D): { document: D; findings: SecretFinding[] } {
  const copy = structuredClone(document);
  const findings: SecretFinding[] = [];
  for (const node of copy.nodes) {
    if (!isPlainObject(node.config)) continue;
    const report = (path: (string | number)[], kind: SecretKind) => findings.push({ nodeId: node.id, path: ['config', ...path], kind });
    scrubContainer(node.config, [], false, report);
  }
  return { document: copy, findings };
}

interface Frame {
  container: Record<string, unknown> | unknown[];
  path: (string | number)[];
  inHeaders: boolean;
}

/** Walks with an explicit stack, in document order, so a deep config cannot exhaust the call stack. */
function scrubContainer(
  root: Record<string, unknown>,
  path: (string | number)[],
  inHeaders: boolean,
  report: (path: (string | number)[], kind: SecretKind) => void,
): void {
  const stack: Frame[] = [{ container: root, path, inHeaders }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const entries: [string | number, unknown][] = Array.isArray(frame.container)
      ? frame.container.map((v, i) => [i, v])
      : Object.entries(frame.container);
    const pairName = Array.isArray(frame.container) ? undefined : pairCredentialName(frame.container);
    const children: Frame[] = [];
    for (const [key, value] of entries) {
      const at = [...frame.path, key];
      if (typeof value === 'string') {
        const named = typeof key === 'string' && (CREDENTIAL_NAME.test(key.toLowerCase()) || (key === 'value' && pairName));
        const replaced = scrubString(value, named ? (frame.inHeaders ? 'auth_header' : 'sensitive_field') : undefined, (kind) =>
          report(at, kind),
        );
        if (replaced !== value) setEntry(frame.container, key, replaced);
      } else if (Array.isArray(value) || isPlainObject(value)) {
        children.push({
          container: value,
          path: at,
          inHeaders: frame.inHeaders || (typeof key === 'string' && key.toLowerCase() === 'headers'),
        });
      }
    }
    // Reversed onto the stack, so findings come out in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** `{ name: 'Authorization', value: '...' }` and `{ key: 'api_key', value: '...' }`: the value is the credential. */
function pairCredentialName(object: Record<string, unknown>): boolean {
  if (typeof object.value !== 'string') return false;
  const name = typeof object.name === 'string' ? object.name : typeof object.key === 'string' ? object.key : undefined;
  return name !== undefined && CREDENTIAL_NAME.test(name.toLowerCase());
}

function setEntry(container: Record<string, unknown> | unknown[], key: string | number, value: string): void {
  if (Array.isArray(container)) container[key as number] = value;
  else container[key as string] = value;
}

/** The string with its secrets removed; `named` when its name says the whole value is a credential. */
function scrubString(value: string, named: SecretKind | undefined, report: (kind: SecretKind) => void): string {
  if (named) {
    const bare = maskExpressions(value).trim().replace(AUTH_SCHEME, '').trim();
    if (bare.length >= MIN_CREDENTIAL_CHARS) {
      report(named);
      return '';
    }
  }
  const spans: SecretSpan[] = findSecrets(value);
  if (spans.length === 0) return value;
  for (const span of spans) report(span.kind);
  return cutSpans(value, spans);
}
