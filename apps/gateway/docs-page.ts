// The API reference at /docs: one static HTML page rendered on the server from the OpenAPI document. No script and
// no CDN, so the gateway's content policy stays `default-src 'none'` with one hashed stylesheet.
import { createHash } from 'node:crypto';
import { z } from 'zod';

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}
code,pre{font:13px ui-monospace,monospace}h2{margin-top:2.5rem;border-bottom:1px solid #ddd}
.op{margin:.4rem 0;padding:.4rem .6rem;border:1px solid #e3e3e3;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:600}.get{color:#0a6}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c22}
.meta{color:#666;font-size:13px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}`;

/** The content policy of the page: nothing but its own inline stylesheet, by hash. */
export const DOCS_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

/** The parts of the document the page shows; anything else is ignored. */
const OperationSchema = z.looseObject({
  tags: z.array(z.string()).optional(),
  description: z.string().optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
  responses: z.record(z.string(), z.unknown()).optional(),
});
const DocumentSchema = z.looseObject({
  info: z.looseObject({ title: z.string(), version: z.string(), description: z.string().optional() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
});
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export function renderDocsPage(document: unknown): string {
  const doc = DocumentSchema.parse(document);
  const byTag = new Map<string, string[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const parsed = OperationSchema.safeParse(item[method]);
      if (!parsed.success || item[method] === undefined) continue;
      const op = parsed.data;
      const auth = op.security && op.security.length === 0 ? 'public' : 'bearer token or API key';
      const statuses = Object.keys(op.responses ?? {}).join(' ');
      const html = `<div class="op"><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code>
<div class="meta">${escape(auth)}${op.description ? ` · ${escape(op.description)}` : ''}${statuses ? ` · answers ${escape(statuses)}` : ''}</div></div>`;
      const tag = op.tags?.[0] ?? 'other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const sections = [...byTag.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([tag, ops]) => `<h2 id="${escape(tag)}">${escape(tag)}</h2>\n${ops.join('\n')}`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>
<h1>${escape(doc.info.title)} <small class="meta">${escape(doc.info.version)}</small></h1>
<p>The machine-readable description: <a href="/openapi.json"><code>/openapi.json</code></a> (OpenAPI 3.1). Schemas, error codes and examples are there.</p>
${sections.join('\n')}
</body></html>`;
}
