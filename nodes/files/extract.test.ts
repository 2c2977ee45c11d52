// Extraction over real files (test/fixtures/files, made by generate.py there; the XLSX is written here by exceljs):
// text with page numbers, tables with their columns, and every bound holding against hostile input.
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { declaredTypeAgrees, DOCX, sniffContentType, XLSX } from './content-type.js';
import { extractFile, ExtractError } from './extract.js';
import { htmlToText } from './html-text.js';

const fixture = (name: string) => readFile(new URL(`../../test/fixtures/files/${name}`, import.meta.url));

async function workbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sales = wb.addWorksheet('Sales');
  sales.addRow(['quarter', 'region', 'amount']);
  sales.addRow(['Q3', 'North', 1200]);
  sales.addRow(['Q3', 'South', 800]);
  sales.addRow(['Q4', 'North', { formula: 'C2+1', result: 1201 }]);
  wb.addWorksheet('Notes').addRow(['note', 'note']);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExtractError);
  return (err as ExtractError).code;
}

describe('extractFile', () => {
  it('reads a PDF page by page', async () => {
    const out = await extractFile(await fixture('report.pdf'), 'application/pdf');
    expect(out.kind).toBe('text');
    if (out.kind !== 'text') return;
    expect(out.pages?.map((p) => p.page)).toEqual([1, 2]);
    expect(out.pages?.[0]?.text).toContain('Sales in Q3 grew by twelve percent.');
    expect(out.pages?.[1]?.text).toContain('North and South.');
    expect(out.truncated).toBe(false);
  });

  it('reads a DOCX from a stream', async () => {
    const out = await extractFile(Readable.from([await fixture('memo.docx')]), DOCX);
    expect(out).toMatchObject({ kind: 'text', truncated: false });
    expect(out.kind === 'text' && out.text).toBe('Memo to the sales team\n\nThe Q3 target is 1200 units.');
  });

  it('reads a CSV as columns and typed rows', async () => {
    const out = await extractFile(Buffer.from('quarter,amount,,amount\nQ3,1200,x,1\nQ4,900,y,2\n'), 'text/csv');
    expect(out).toEqual({
      kind: 'table',
      columns: ['quarter', 'amount', 'column_3', 'amount_2'],
      rows: [
        { quarter: 'Q3', amount: 1200, column_3: 'x', amount_2: 1 },
        { quarter: 'Q4', amount: 900, column_3: 'y', amount_2: 2 },
      ],
      truncated: false,
    });
  });

  it('reads every sheet of an XLSX, formulas by their result', async () => {
    const out = await extractFile(await workbook(), XLSX);
    expect(out.kind).toBe('table');
    if (out.kind !== 'table') return;
    expect(out.columns).toEqual(['quarter', 'region', 'amount']);
    expect(out.rows).toEqual([
      { quarter: 'Q3', region: 'North', amount: 1200 },
      { quarter: 'Q3', region: 'South', amount: 800 },
      { quarter: 'Q4', region: 'North', amount: 1201 },
    ]);
    expect(out.sheets?.map((s) => [s.name, s.columns])).toEqual([
      ['Sales', ['quarter', 'region', 'amount']],
      ['Notes', ['note', 'note_2']],
    ]);
  });

  it('keeps the text of HTML, Markdown, JSON and plain text', async () => {
    const html =
      '<html><head><title>t</title><script>if (a < b) alert("x")</script></head><body><h1>Sales</h1><p>Q3 &amp; Q4 &#x2014; up</p><!-- hidden --></body></html>';
    expect(await extractFile(Buffer.from(html), 'text/html')).toEqual({ kind: 'text', text: 'Sales\nQ3 & Q4 — up', truncated: false });
    expect(await extractFile(Buffer.from('# Title\n\nBody'), 'text/markdown')).toEqual({
      kind: 'text',
      text: '# Title\n\nBody',
      truncated: false,
    });
    expect(await extractFile(Buffer.from('\ufeffplain'), 'text/plain; charset=utf-8')).toEqual({
      kind: 'text',
      text: 'plain',
      truncated: false,
    });
  });

  it('does not extract images', async () => {
    expect(await refusal(extractFile(Buffer.from('x'), 'image/png'))).toBe('FILE_NOT_EXTRACTABLE');
  });
});

describe('extractFile bounds', () => {
  it('cuts long text and marks it truncated', async () => {
    const out = await extractFile(Readable.from([Buffer.alloc(300_000, 'a')]), 'text/plain', { maxChars: 100_000 });
    expect(out).toMatchObject({ kind: 'text', truncated: true });
    expect(out.kind === 'text' && out.text.length).toBe(100_000);
  });

  it('bounds a CSV of one row with a 10 MB cell', async () => {
    const csv = Buffer.concat([Buffer.from('name,blob\nx,'), Buffer.alloc(10 * 1024 * 1024, 'b'), Buffer.from('\n')]);
    const out = await extractFile(csv, 'text/csv');
    expect(out).toMatchObject({ kind: 'table', columns: ['name', 'blob'], truncated: true });
    expect(out.kind === 'table' && String(out.rows[0]?.blob).length).toBe(32 * 1024);
  });

  it('keeps at most maxRows rows', async () => {
    const csv = 'n\n' + Array.from({ length: 5_000 }, (_, i) => String(i)).join('\n');
    const out = await extractFile(Buffer.from(csv), 'text/csv', { maxRows: 1_000 });
    expect(out).toMatchObject({ kind: 'table', truncated: true });
    expect(out.kind === 'table' && out.rows.length).toBe(1_000);
  });

  it('passes deeply nested JSON through as text, parsing nothing', async () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    const out = await extractFile(Buffer.from(deep), 'application/json');
    expect(out.kind === 'text' && out.text.length).toBe(400_000);
  });

  it('refuses an archive that expands past its bound before any parser inflates it', async () => {
    const bomb = await fixture('expanding.docx');
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(await refusal(extractFile(bomb, DOCX, { maxUnzippedBytes: 1024 * 1024 }))).toBe('FILE_TOO_LARGE');
    // Within a bound it fits, it is text like any other, cut at the character budget.
    const out = await extractFile(bomb, DOCX, { maxChars: 1_000 });
    expect(out).toMatchObject({ kind: 'text', truncated: true });
  });

  it('refuses binary files past the input bound, and malformed ones by their code', async () => {
    expect(await refusal(extractFile(await fixture('report.pdf'), 'application/pdf', { maxInputBytes: 100 }))).toBe('FILE_TOO_LARGE');
    expect(await refusal(extractFile(Buffer.from('PK not a zip'), XLSX))).toBe('FILE_MALFORMED');
    expect(await refusal(extractFile(Buffer.from('%PDF-1.4 garbage'), 'application/pdf'))).toBe('FILE_MALFORMED');
  });

  it('strips HTML in linear time, however hostile the markup', () => {
    const started = performance.now();
    const hostile = '<script>'.repeat(50_000) + '<a '.repeat(100_000) + '&'.repeat(100_000) + '<!--'.repeat(50_000);
    const out = htmlToText(hostile, 1_000);
    expect(out.text.length).toBeLessThanOrEqual(1_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('sniffContentType', () => {
  const sniff = async (bytes: Buffer, name: string) => sniffContentType(Readable.from([bytes]), bytes.subarray(0, 8192), name);

  it('knows binary formats by their bytes and text formats by their extension', async () => {
    expect(await sniff(await fixture('report.pdf'), 'report.csv')).toEqual({ ok: true, type: 'application/pdf' });
    expect(await sniff(await fixture('memo.docx'), 'memo.bin')).toEqual({ ok: true, type: DOCX });
    expect(await sniff(await workbook(), 'sales')).toEqual({ ok: true, type: XLSX });
    expect(await sniff(Buffer.from('a,b\n1,2\n'), 'sales.CSV')).toEqual({ ok: true, type: 'text/csv' });
    expect(await sniff(Buffer.from('{"a":1}'), 'x.json')).toEqual({ ok: true, type: 'application/json' });
    expect(await sniff(Buffer.from('héllo'), 'notes')).toEqual({ ok: true, type: 'text/plain' });
  });

  it('refuses programs and binary data whatever their name', async () => {
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4096, 1)]);
    expect(await sniff(exe, 'sales.csv')).toMatchObject({ ok: false });
    expect(await sniff(Buffer.from([0xff, 0xfe, 0x00, 0x41]), 'x.txt')).toMatchObject({ ok: false });
  });

  it('lets a declared type through only when it agrees with the bytes', () => {
    expect(declaredTypeAgrees('image/png', 'application/pdf')).toBe(false);
    expect(declaredTypeAgrees('application/vnd.ms-excel', 'text/csv')).toBe(true);
    expect(declaredTypeAgrees('text/csv; charset=utf-8', 'text/csv')).toBe(true);
    expect(declaredTypeAgrees(undefined, 'text/csv')).toBe(true);
    expect(declaredTypeAgrees('application/octet-stream', 'application/pdf')).toBe(true);
    expect(declaredTypeAgrees('text/plain', 'application/pdf')).toBe(false);
  });
});
