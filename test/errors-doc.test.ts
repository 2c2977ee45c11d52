// docs/errors.md lists every code of every vocabulary, and only those, with what the tables in code say about it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERRORS, ORCHESTRATOR_TO_API } from '../apps/gateway/errors.js';
import { DIAGNOSTIC_CODES } from '../compiler/diagnostics.js';
import { EXTRACT_ERRORS } from '../nodes/files/extract.js';
import { KNOWLEDGE_ERRORS } from '../nodes/knowledge/errors.js';
import { NODE_ERRORS } from '../nodes/sdk/error-codes.js';
import { RUN_ERRORS } from '../nodes/sdk/run-error-codes.js';
import { EDIT_ERRORS } from '../orchestrator/ai/edits.js';
import { ORCHESTRATOR_ERROR_CODES } from '../orchestrator/errors.js';

/** Each `## ` section's table rows, keyed by the code in the first column, as their remaining cells. */
function sections(markdown: string): Map<string, Map<string, string[]>> {
  const found = new Map<string, Map<string, string[]>>();
  let rows: Map<string, string[]> | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) found.set(line.slice(3).trim(), (rows = new Map()));
    const row = /^\|\s*`([A-Z0-9_]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (row && rows) {
      expect(rows.has(row[1]!), `${row[1]} is listed twice`).toBe(false);
      rows.set(
        row[1]!,
        row[2]!.split('|').map((cell) => cell.trim().replaceAll('`', '')),
      );
    }
  }
  return found;
}

const doc = sections(readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8'));
const yesNo = (retryable: boolean) => (retryable ? 'yes' : 'no');

/** Every vocabulary: its section, and the cells its row must have after the code. */
const vocabularies: Record<string, Record<string, (cells: string[]) => void>> = {
  'Compiler diagnostics': Object.fromEntries(
    Object.entries(DIAGNOSTIC_CODES).map(([code, severity]) => [code, (cells) => expect(cells[1], code).toBe(severity)]),
  ),
  'Node errors': Object.fromEntries(
    Object.entries(NODE_ERRORS).map(([code, e]) => [code, (cells) => expect(cells[1], code).toBe(yesNo(e.retryable))]),
  ),
  'Run errors': Object.fromEntries(
    Object.entries(RUN_ERRORS).map(([code, e]) => [code, (cells) => expect(cells[1], code).toBe(yesNo(e.retryable))]),
  ),
  'Orchestrator errors': Object.fromEntries(
    ORCHESTRATOR_ERROR_CODES.map((code) => [
      code,
      (cells) => expect(cells.slice(1), code).toEqual([ORCHESTRATOR_TO_API[code], String(API_ERRORS[ORCHESTRATOR_TO_API[code]].status)]),
    ]),
  ),
  'Edit errors': Object.fromEntries(
    Object.entries(EDIT_ERRORS).map(([code, meaning]) => [code, (cells) => expect(cells[0], code).toBe(meaning)]),
  ),
  'Extraction errors': Object.fromEntries(Object.keys(EXTRACT_ERRORS).map((code) => [code, () => undefined])),
  'Knowledge errors': Object.fromEntries(
    Object.entries(KNOWLEDGE_ERRORS).map(([code, e]) => [code, (cells) => expect(cells[1], code).toBe(yesNo(e.retryable))]),
  ),
  'API errors': Object.fromEntries(
    Object.entries(API_ERRORS).map(([code, e]) => [code, (cells) => expect(cells[0], code).toBe(String(e.status))]),
  ),
};

describe('docs/errors.md', () => {
  for (const [section, codes] of Object.entries(vocabularies)) {
    it(`lists exactly the ${section.toLowerCase()}, each as its table says`, () => {
      const rows = doc.get(section);
      expect(rows, `a "## ${section}" section`).toBeDefined();
      expect([...rows!.keys()].sort()).toEqual(Object.keys(codes).sort());
      for (const [code, check] of Object.entries(codes)) {
        expect(rows!.get(code)![0], `${code} has a meaning`).not.toBe('');
        check(rows!.get(code)!);
      }
    });
  }
});
