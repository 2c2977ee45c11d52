// The console's page shell and its static assets. Assets are plain files beside this one (no build step), read once
// at start, served by the gateway under their content hash with Subresource Integrity, and are the only scripts and
// styles a page may load: the content policy below names no inline source, so an injected <script> never runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { html, type SafeHtml } from './html.js';

/** Every console page's policy (set per route: the API's own policy is `default-src 'none'`). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const ASSET_FILES = ['console.css', 'answer.js', 'inbox.js', 'run.js'] as const;
export type AssetName = (typeof ASSET_FILES)[number];

export interface Asset {
  body: Buffer;
  type: string;
  /** `sha384-…`, for the integrity attribute. */
  integrity: string;
  /** The URL the pages use: the hash in the query makes a year-long cache safe. */
  url: string;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of ASSET_FILES) {
    const body = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    const digest = createHash('sha384').update(body).digest('base64');
    const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    assets.set(name, {
      body,
      type,
      integrity: `sha384-${digest}`,
      url: `/console/assets/${name}?v=${digest.slice(0, 12).replace(/[+/]/g, '_')}`,
    });
  }
  return assets;
}

export const ASSETS = loadAssets();

function asset(name: AssetName): Asset {
  return ASSETS.get(name)!;
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  /** The page's scripts (ES modules, in order); pages work without them. */
  scripts?: AssetName[] | undefined;
  /** Signed in: the navigation and the sign-out form (whose CSRF token this is). */
  signedIn?: { csrf: string } | undefined;
}

export function page(o: PageOptions): string {
  const css = asset('console.css');
  const scripts = (o.scripts ?? []).map(asset);
  const nav = o.signedIn
    ? html`<nav aria-label="Console">
        <a href="/console">Inbox</a>
        <a href="/console/runs">Runs</a>
        <form method="post" action="/console/sign-out" class="inline">
          <input type="hidden" name="csrf" value="${o.signedIn.csrf}" />
          <button type="submit" class="link">Sign out</button>
        </form>
      </nav>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · Loom</title>
        <link rel="stylesheet" href="${css.url}" integrity="${css.integrity}" />
        ${scripts.map((s) => html`<script type="module" src="${s.url}" integrity="${s.integrity}"></script>`)}
      </head>
      <body>
        <header class="top"><span class="brand">Loom</span>${nav}</header>
        <main id="main">${o.body}</main>
      </body>
    </html> `.value;
}
