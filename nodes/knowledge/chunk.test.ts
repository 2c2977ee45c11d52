import { describe, expect, it } from 'vitest';
import { chunkContent, type Chunk } from './chunk.js';

const source = { sourceId: 'kbs_1', title: 'Handbook' };
const all = (gen: Iterable<Chunk>) => [...gen];

describe('chunkContent', () => {
  it('splits markdown by headings and cites each heading', () => {
    const chunks = all(chunkContent({ kind: 'text', text: 'Intro line.\n\n# Sales\nQ3 was good.\n\n## Costs\nRent went up.' }, source));
    expect(chunks.map((c) => [c.citation.heading, c.text])).toEqual([
      [undefined, 'Intro line.'],
      ['Sales', 'Sales\n\nQ3 was good.'],
      ['Costs', 'Costs\n\nRent went up.'],
    ]);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(chunks[1]!.citation).toEqual({ sourceId: 'kbs_1', title: 'Handbook', heading: 'Sales' });
  });

  it('cites pages, and packs paragraphs up to the size with an overlap between neighbours', () => {
    const para = (n: number) => `Paragraph ${n} ` + 'word '.repeat(30).trim();
    const text = [1, 2, 3, 4, 5].map(para).join('\n\n');
    const chunks = all(
      chunkContent(
        {
          kind: 'text',
          text: '',
          pages: [
            { page: 1, text },
            { page: 2, text: 'Last page.' },
          ],
        },
        source,
        { maxChars: 400, overlapChars: 60, rowsPerChunk: 10 },
      ),
    );
    const first = chunks.filter((c) => c.citation.page === 1);
    expect(first.length).toBeGreaterThan(1);
    for (const c of first) expect(c.text.length).toBeLessThanOrEqual(400 + 60 + 2);
    // The next chunk starts with the end of the previous one.
    const end = first[0]!.text.slice(-20);
    expect(first[1]!.text.slice(0, 80)).toContain(end.slice(end.indexOf(' ') + 1));
    expect(chunks.at(-1)).toMatchObject({ text: 'Last page.', citation: { page: 2 } });
  });

  it('cuts an overlong paragraph at word boundaries, losing no word', () => {
    const words = Array.from({ length: 2_000 }, (_, i) => `w${i}`);
    const chunks = all(chunkContent({ kind: 'text', text: words.join(' ') }, source, { maxChars: 500, overlapChars: 0, rowsPerChunk: 10 }));
    expect(chunks.every((c) => c.text.length <= 500)).toBe(true);
    expect(chunks.flatMap((c) => c.text.split(/\s+/))).toEqual(words);
  });

  it('groups table rows, each written with its column names, citing the row range', () => {
    const rows = Array.from({ length: 45 }, (_, i) => [`Q${(i % 4) + 1}`, i * 10]);
    const chunks = all(chunkContent({ kind: 'table', columns: ['quarter', 'sales'], rows }, source));
    expect(chunks.map((c) => c.citation.rows)).toEqual([
      { from: 1, to: 20 },
      { from: 21, to: 40 },
      { from: 41, to: 45 },
    ]);
    expect(chunks[0]!.text.split('\n')[0]).toBe('quarter: Q1; sales: 0');
    const objects = all(chunkContent({ kind: 'table', columns: ['a'], rows: [{ a: 1 }] }, source));
    expect(objects[0]!.text).toBe('a: 1');
  });

  it('is deterministic', () => {
    const content = { kind: 'text' as const, text: '# A\n' + 'x y z '.repeat(1_000) };
    expect(all(chunkContent(content, source))).toEqual(all(chunkContent(content, source)));
  });
});
