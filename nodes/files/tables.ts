// Tabular files as rows keyed by column: the first row names the columns (blank or repeated names are made unique),
// every later row is one record. Cells are bounded in length, tables in rows, and all cells together in characters.
import ExcelJS from 'exceljs';
import Papa from 'papaparse';

export type Cell = string | number | boolean | null;
export interface Table {
  columns: string[];
  rows: Record<string, Cell>[];
}
export interface TableBounds {
  maxRows: number;
  maxCellChars: number;
  /** All cells of all tables together. */
  maxChars: number;
}

/** Builds tables within one shared character budget; `truncated` once any bound cut something. */
export class TableBuilder {
  truncated = false;
  private chars = 0;
  constructor(private readonly bounds: TableBounds) {}

  get full(): boolean {
    return this.chars >= this.bounds.maxChars;
  }

  private cell(value: Cell): Cell {
    if (typeof value !== 'string') return value;
    const room = Math.min(this.bounds.maxCellChars, Math.max(0, this.bounds.maxChars - this.chars));
    if (value.length > room) this.truncated = true;
    const kept = value.length > room ? value.slice(0, room) : value;
    this.chars += kept.length;
    return kept;
  }

  /** A table from its rows of cells, the first row naming the columns. */
  table(raw: Iterable<Cell[]>): Table {
    const columns: string[] = [];
    const rows: Record<string, Cell>[] = [];
    for (const cells of raw) {
      if (columns.length === 0) {
        columns.push(...uniqueNames(cells.map((c) => String(this.cell(c) ?? ''))));
        continue;
      }
      if (rows.length >= this.bounds.maxRows || this.full) {
        this.truncated = true;
        break;
      }
      const row: Record<string, Cell> = {};
      cells.forEach((c, i) => {
        if (i < columns.length) row[columns[i]!] = this.cell(c);
        else this.truncated = true;
      });
      rows.push(row);
    }
    return { columns, rows };
  }
}

function uniqueNames(names: string[]): string[] {
  const seen = new Set<string>();
  return names.map((raw, i) => {
    const base = raw.trim() || `column_${i + 1}`;
    let name = base;
    for (let n = 2; seen.has(name); n++) name = `${base}_${n}`;
    seen.add(name);
    return name;
  });
}

export function csvTable(text: string, builder: TableBuilder, maxRows: number): Table {
  // One row more than kept (the header), and one more again to know whether rows were left out.
  const parsed = Papa.parse<Cell[]>(text, { header: false, dynamicTyping: true, skipEmptyLines: 'greedy', preview: maxRows + 2 });
  return builder.table(parsed.data.map((row) => row.map((c) => (c === undefined ? null : c))));
}

/** A cell of exceljs as plain data: formulas give their result, rich text and links their text, dates ISO text. */
function plainCell(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString();
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('formula' in value || 'sharedFormula' in value) return plainCell((value as { result?: ExcelJS.CellValue }).result ?? null);
  if ('text' in value) return String(value.text);
  if ('error' in value) return null;
  return null;
}

export async function xlsxTables(bytes: Buffer, builder: TableBuilder, maxRows: number): Promise<({ name: string } & Table)[]> {
  const workbook = new ExcelJS.Workbook();
  // exceljs types its input as an ArrayBuffer (its zip reader takes one): a copy of exactly these bytes.
  await workbook.xlsx.load(new Uint8Array(bytes).buffer);
  const sheets: ({ name: string } & Table)[] = [];
  for (const sheet of workbook.worksheets) {
    if (builder.full) {
      builder.truncated = true;
      break;
    }
    const last = Math.min(sheet.rowCount, maxRows + 2);
    if (sheet.rowCount > last) builder.truncated = true;
    function* rows(): Generator<Cell[]> {
      for (let r = 1; r <= last; r++) {
        const row = sheet.getRow(r);
        if (!row.hasValues) continue;
        const cells: Cell[] = [];
        for (let c = 1; c <= Math.min(row.cellCount, 16_384); c++) cells.push(plainCell(row.getCell(c).value));
        yield cells;
      }
    }
    sheets.push({ name: sheet.name, ...builder.table(rows()) });
  }
  return sheets;
}
