// DOCX and XLSX are ZIP archives, and their parsers (mammoth, exceljs) inflate every entry whole in memory. Before
// they see an archive, this inflates each entry once with a hard output cap (zlib's maxOutputLength), so an archive
// whose entries expand past the budget (a zip bomb, or sizes that lie in the headers) is refused having used at most
// the budget, never more.
import { inflateRawSync } from 'node:zlib';

export class ZipBoundsError extends Error {}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535.
  const stop = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= stop; i--) if (zip.readUInt32LE(i) === EOCD) return i;
  throw new ZipBoundsError('not a ZIP archive (no end of central directory)');
}

/** Throws ZipBoundsError unless every entry inflates and all of them together stay within `budget` bytes. */
export function checkZipBounds(zip: Buffer, budget: number, maxEntries = 10_000): void {
  if (zip.length < 22) throw new ZipBoundsError('not a ZIP archive (too short)');
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || at === 0xffffffff) throw new ZipBoundsError('ZIP64 archives are not accepted');
  if (count > maxEntries) throw new ZipBoundsError(`the archive holds more than ${maxEntries} entries`);
  let remaining = budget;
  for (let n = 0; n < count; n++) {
    if (at + 46 > zip.length || zip.readUInt32LE(at) !== CENTRAL) throw new ZipBoundsError('corrupt central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const local = zip.readUInt32LE(at + 42);
    const next = at + 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL) throw new ZipBoundsError('corrupt local header');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    if (start + compressed > zip.length) throw new ZipBoundsError('an entry runs past the end of the archive');
    const data = zip.subarray(start, start + compressed);
    if (method === 0) remaining -= data.length;
    else if (method === 8) {
      try {
        remaining -= inflateRawSync(data, { maxOutputLength: Math.max(1, remaining + 1) }).length;
      } catch (err) {
        if (err instanceof RangeError) throw new ZipBoundsError(`the archive expands past ${budget} bytes`);
        throw new ZipBoundsError(`an entry does not inflate: ${(err as Error).message}`);
      }
    } else throw new ZipBoundsError(`compression method ${method} is not accepted`);
    if (remaining < 0) throw new ZipBoundsError(`the archive expands past ${budget} bytes`);
    at = next;
  }
}
