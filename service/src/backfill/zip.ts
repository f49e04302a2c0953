/**
 * Reads one file out of a zip archive in memory: what backfill needs from a GitHub artifact
 * (the zip @actions/artifact made with archiver: entries stored or deflated, sizes and CRC in a
 * data descriptor after each entry and in the central directory). A few dozen lines over
 * node:zlib rather than a production dependency (adm-zip stays a test-only one, and checks
 * this reader's answers): only the central directory is trusted for sizes and offsets, every
 * bound is checked, and the inflated size is capped.
 *
 * Layout: PKWARE APPNOTE.TXT 6.3.10, 4.3.6 (local file header), 4.3.12 (central directory
 * file header), 4.3.16 (end of central directory record).
 */
import { crc32, inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;

/** Why an archive could not be read, for the backfill's message. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

/** One entry of the central directory. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65,535.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let at = zip.length - 22; at >= lowest; at--) {
    if (zip.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new ZipError('not a zip archive (no end of central directory record)');
}

/** Lists the archive's entries from its central directory. */
export function listZipEntries(zip: Buffer): ZipEntry[] {
  if (zip.length < 22) throw new ZipError('not a zip archive (too short)');
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const size = zip.readUInt32LE(eocd + 12);
  const offset = zip.readUInt32LE(eocd + 16);
  if (offset === 0xffffffff || count === 0xffff) throw new ZipError('a ZIP64 archive, far larger than a report');
  if (offset + size > eocd) throw new ZipError('the central directory lies outside the archive');
  const entries: ZipEntry[] = [];
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError(`central directory entry ${i + 1} is damaged`);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    if (at + 46 + nameLength > eocd) throw new ZipError(`central directory entry ${i + 1} is damaged`);
    entries.push({
      flags: zip.readUInt16LE(at + 8),
      method: zip.readUInt16LE(at + 10),
      crc: zip.readUInt32LE(at + 16),
      compressedSize: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
      localHeaderOffset: zip.readUInt32LE(at + 42),
      name: zip.toString('utf8', at + 46, at + 46 + nameLength),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The content of the entry named `name`, checked against its CRC-32.
 * @returns undefined when the archive has no such entry.
 * @throws ZipError when the archive or the entry is damaged, encrypted, of another method, or larger than `maxBytes`.
 */
export function readZipEntry(zip: Buffer, name: string, maxBytes: number): Buffer | undefined {
  const entry = listZipEntries(zip).find((e) => e.name === name);
  if (!entry) return undefined;
  if (entry.flags & 0x1) throw new ZipError(`${name} is encrypted`);
  if (entry.size > maxBytes) throw new ZipError(`${name} is ${entry.size} bytes, more than the ${maxBytes} a report may have`);
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || zip.readUInt32LE(at) !== LOCAL_SIGNATURE) throw new ZipError(`the local header of ${name} is damaged`);
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw new ZipError(`${name} is cut short`);
  const raw = zip.subarray(start, end);
  let data: Buffer;
  if (entry.method === METHOD_STORED) data = Buffer.from(raw);
  else if (entry.method === METHOD_DEFLATED) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: maxBytes });
    } catch (err) {
      throw new ZipError(`${name} does not inflate: ${(err as Error).message}`);
    }
  } else throw new ZipError(`${name} uses compression method ${entry.method}, not stored or deflated`);
  if (data.length !== entry.size || crc32(data) >>> 0 !== entry.crc >>> 0) throw new ZipError(`${name} fails its CRC-32 check`);
  return data;
}
