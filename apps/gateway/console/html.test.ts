import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.js';

describe('html', () => {
  it('escapes interpolated text, in text and in quoted attributes', () => {
    const hostile = `"><img src=x onerror=alert(1)>'<script>&`;
    expect(html`<p title="${hostile}">${hostile}</p>`.value).toBe(
      '<p title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&lt;script&gt;&amp;">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&lt;script&gt;&amp;</p>',
    );
  });

  it('keeps nested markup, escapes strings inside arrays, and drops null, undefined and false', () => {
    const items = ['<a>', 'b'].map((t) => html`<li>${t}</li>`);
    const list = html`<ul>
      ${items}${null}${undefined}${false}${0}
    </ul>`;
    expect(list.value.replace(/\s+/g, '')).toBe('<ul><li>&lt;a&gt;</li><li>b</li>0</ul>');
    expect(html`${['<x>']}`.value).toBe('&lt;x&gt;');
    expect(html`${raw('<br>')}`.value).toBe('<br>');
  });

  it('never lets a markup character through, whatever the text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = escapeHtml(s);
        expect(out).not.toMatch(/[<>"']/);
        expect(out.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
      }),
    );
  });
});
