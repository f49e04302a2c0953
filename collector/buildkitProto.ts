/**
 * Just enough protobuf and gRPC framing to read BuildKit's build history: the request
 * `BuildHistoryRequest` and the streamed `BuildHistoryEvent`s of
 * `moby.buildkit.v1.Control/ListenBuildHistory` (moby/buildkit api/services/control/control.proto).
 * Hand-written rather than a protobuf library: five messages, read-only, and the collector's
 * bundle size counts. Pure: bytes in, plain objects out.
 *
 * Wire format (protobuf encoding): each field is a varint key `(number << 3) | wireType`, then a
 * varint (type 0), 8 bytes (1), a varint length and that many bytes (2), or 4 bytes (5). A map
 * is a repeated message whose field 1 is the key and field 2 the value. Unknown fields are skipped.
 */

/** A message that does not follow the wire format (cut short, an unknown wire type). */
export class ProtoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtoError';
  }
}

/** One field as read: a number for varints, the bytes for length-delimited fields. */
export interface ProtoField {
  no: number;
  wire: number;
  varint: number;
  bytes: Buffer;
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Reads a varint at `at`; numbers past 2^53 lose precision (no field read here gets there). */
export function readVarint(buf: Buffer, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i] ?? 0;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if ((byte & 0x80) === 0) return { value, next: i + 1 };
  }
  throw new ProtoError('varint cut short');
}

/** The fields of one message, in order. Throws `ProtoError` on malformed input. */
export function readFields(buf: Buffer): ProtoField[] {
  const fields: ProtoField[] = [];
  let at = 0;
  while (at < buf.length) {
    const key = readVarint(buf, at);
    at = key.next;
    const no = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (no === 0) throw new ProtoError('field number 0');
    if (wire === 0) {
      const v = readVarint(buf, at);
      fields.push({ no, wire, varint: v.value, bytes: EMPTY });
      at = v.next;
    } else if (wire === 2) {
      const length = readVarint(buf, at);
      const end = length.next + length.value;
      if (end > buf.length) throw new ProtoError(`field ${no} runs past the end of the message`);
      fields.push({ no, wire, varint: 0, bytes: buf.subarray(length.next, end) });
      at = end;
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
      if (at > buf.length) throw new ProtoError(`field ${no} runs past the end of the message`);
    } else {
      throw new ProtoError(`unsupported wire type ${wire} (field ${no})`);
    }
  }
  return fields;
}

function text(field: ProtoField): string {
  return field.bytes.toString('utf8');
}

/** A `map<string, string>` entry (or `map<int64, …>`: the key is then a varint, returned as its decimal text). */
function mapEntry(field: ProtoField): { key: string; value: Buffer } {
  let key = '';
  let value = EMPTY;
  for (const f of readFields(field.bytes)) {
    if (f.no === 1) key = f.wire === 0 ? String(f.varint) : text(f);
    else if (f.no === 2) value = f.bytes;
  }
  return { key, value };
}

/** `Descriptor`: media_type 1, digest 2, size 3, annotations 5. */
export interface HistoryDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations: Record<string, string>;
}

/**
 * `BuildResultInfo`: ResultDeprecated 1, Attestations 2, Results 3 (`map<int64, Descriptor>`: the
 * descriptor each exporter produced, keyed by the exporter's index in the record's `Exporters`).
 */
export interface HistoryResultInfo {
  attestations: HistoryDescriptor[];
  results: Record<number, HistoryDescriptor>;
}

/** `Exporter`: Type 1, Attrs 2. */
export interface HistoryExporter {
  type: string;
  attrs: Record<string, string>;
}

/** The parts of `BuildHistoryRecord` the task reads. */
export interface HistoryRecord {
  /** Ref 1: the build's id. */
  ref: string;
  /** Exporters 4. */
  exporters: HistoryExporter[];
  /** error 5 (`google.rpc.Status`): its code, when the build failed (0 = OK). */
  errorCode?: number;
  errorMessage?: string;
  /** CreatedAt 6 and CompletedAt 7 (`google.protobuf.Timestamp`), epoch ms. */
  createdAtMs?: number;
  completedAtMs?: number;
  /** ExporterResponse 9. */
  exporterResponse: Record<string, string>;
  /** Result 10: a single-platform build. */
  result?: HistoryResultInfo;
  /** Results 11: per platform (`linux/amd64`…). */
  results: Record<string, HistoryResultInfo>;
}

/** `BuildHistoryEventType`. */
export const HISTORY_STARTED = 0;
export const HISTORY_COMPLETE = 1;
export const HISTORY_DELETED = 2;

/** `BuildHistoryEvent`: type 1, record 2. */
export interface HistoryEvent {
  type: number;
  record?: HistoryRecord;
}

function readDescriptor(buf: Buffer): HistoryDescriptor {
  const d: HistoryDescriptor = { mediaType: '', digest: '', size: 0, annotations: {} };
  for (const f of readFields(buf)) {
    if (f.no === 1) d.mediaType = text(f);
    else if (f.no === 2) d.digest = text(f);
    else if (f.no === 3 && f.wire === 0) d.size = f.varint;
    else if (f.no === 5) {
      const e = mapEntry(f);
      d.annotations[e.key] = e.value.toString('utf8');
    }
  }
  return d;
}

function readResultInfo(buf: Buffer): HistoryResultInfo {
  const info: HistoryResultInfo = { attestations: [], results: {} };
  for (const f of readFields(buf)) {
    if (f.no === 2) info.attestations.push(readDescriptor(f.bytes));
    else if (f.no === 3) {
      const e = mapEntry(f);
      info.results[Number(e.key)] = readDescriptor(e.value);
    }
  }
  return info;
}

/** `google.protobuf.Timestamp` (seconds 1, nanos 2) as epoch ms. */
function readTimestamp(buf: Buffer): number {
  let seconds = 0;
  let nanos = 0;
  for (const f of readFields(buf)) {
    if (f.no === 1 && f.wire === 0) seconds = f.varint;
    else if (f.no === 2 && f.wire === 0) nanos = f.varint;
  }
  return seconds * 1000 + Math.floor(nanos / 1e6);
}

/** Reads a `BuildHistoryRecord`. */
export function readHistoryRecord(buf: Buffer): HistoryRecord {
  const record: HistoryRecord = { ref: '', exporters: [], exporterResponse: {}, results: {} };
  for (const f of readFields(buf)) {
    switch (f.no) {
      case 1:
        record.ref = text(f);
        break;
      case 4: {
        const exporter: HistoryExporter = { type: '', attrs: {} };
        for (const g of readFields(f.bytes)) {
          if (g.no === 1) exporter.type = text(g);
          else if (g.no === 2) {
            const e = mapEntry(g);
            exporter.attrs[e.key] = e.value.toString('utf8');
          }
        }
        record.exporters.push(exporter);
        break;
      }
      case 5:
        record.errorCode = 0;
        for (const g of readFields(f.bytes)) {
          if (g.no === 1 && g.wire === 0) record.errorCode = g.varint;
          else if (g.no === 2) record.errorMessage = text(g);
        }
        break;
      case 6:
        record.createdAtMs = readTimestamp(f.bytes);
        break;
      case 7:
        record.completedAtMs = readTimestamp(f.bytes);
        break;
      case 9: {
        const e = mapEntry(f);
        record.exporterResponse[e.key] = e.value.toString('utf8');
        break;
      }
      case 10:
        record.result = readResultInfo(f.bytes);
        break;
      case 11: {
        const e = mapEntry(f);
        record.results[e.key] = readResultInfo(e.value);
        break;
      }
      default:
        break;
    }
  }
  return record;
}

/** Reads a `BuildHistoryEvent`. */
export function readHistoryEvent(buf: Buffer): HistoryEvent {
  const event: HistoryEvent = { type: HISTORY_STARTED };
  for (const f of readFields(buf)) {
    if (f.no === 1 && f.wire === 0) event.type = f.varint;
    else if (f.no === 2) event.record = readHistoryRecord(f.bytes);
  }
  return event;
}

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/**
 * `BuildHistoryRequest` with `EarlyExit` (3) set: the stream sends the records the history
 * holds and ends, instead of staying open for builds to come (`buildx history ls` asks the same,
 * docker/buildx commands/history/utils.go). Each of `filters` is a `Filter` (4), which BuildKit
 * 0.20 and later apply before sending (`completedSinceFilter`); an older BuildKit does not know the
 * field and, as protobuf decoders do, skips it: it sends every record. `limit` (5) caps the records sent.
 */
export function encodeHistoryRequest(options: { filters?: readonly string[]; limit?: number } = {}): Buffer {
  const bytes = [(3 << 3) | 0, 1];
  for (const filter of options.filters ?? []) {
    const text = Buffer.from(filter, 'utf8');
    bytes.push((4 << 3) | 2, ...varint(text.length), ...text);
  }
  if (options.limit !== undefined && options.limit > 0) bytes.push((5 << 3) | 0, ...varint(options.limit));
  return Buffer.from(bytes);
}

/**
 * The history filter for builds completed at or after `sinceMs`: `completedAt>=<RFC 3339, whole
 * seconds>`, as BuildKit's time-based history filters read it (`time.Parse(time.RFC3339, …)`,
 * compared in whole seconds; solver/llbsolver/history in BuildKit 0.20, where filters came).
 * Rounded down to the second, so it never leaves out a build completed in the window.
 */
export function completedSinceFilter(sinceMs: number): string {
  return `completedAt>=${new Date(Math.floor(Math.max(0, sinceMs) / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z')}`;
}

/** A gRPC message on the wire: a compressed flag (0), a 4-byte big-endian length, the message. */
export function grpcFrame(message: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** Splits a gRPC response body into its messages, as the bytes arrive. */
export class GrpcFrameReader {
  private pending: Buffer = EMPTY;

  constructor(private readonly maxMessageBytes = 16 * 1024 * 1024) {}

  /** Adds bytes; returns the messages now complete. Throws `ProtoError` on a compressed or oversized message. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (this.pending.length >= 5) {
      if (this.pending[0] !== 0) throw new ProtoError('compressed gRPC message (none was accepted)');
      const length = this.pending.readUInt32BE(1);
      if (length > this.maxMessageBytes) throw new ProtoError(`gRPC message of ${length} bytes`);
      if (this.pending.length < 5 + length) break;
      messages.push(this.pending.subarray(5, 5 + length));
      this.pending = this.pending.subarray(5 + length);
    }
    return messages;
  }

  /** True when a message was started and not finished. */
  get incomplete(): boolean {
    return this.pending.length > 0;
  }
}

/**
 * `containerd.services.content.v1.ReadContentRequest` for a whole blob: digest 1 (offset 2 and
 * size 3 left at 0: from the start, to the end). BuildKit serves its content store read-only on
 * the same gRPC server (moby/buildkit control/control.go, `Controller.Register`).
 */
export function encodeContentRead(digest: string): Buffer {
  const bytes = Buffer.from(digest, 'utf8');
  return Buffer.concat([Buffer.from([(1 << 3) | 2, ...varint(bytes.length)]), bytes]);
}

/** `ReadContentResponse`: offset 1, data 2. */
export function readContentChunk(buf: Buffer): { offset: number; data: Buffer } {
  let offset = 0;
  let data = EMPTY;
  for (const f of readFields(buf)) {
    if (f.no === 1 && f.wire === 0) offset = f.varint;
    else if (f.no === 2) data = f.bytes;
  }
  return { offset, data };
}
