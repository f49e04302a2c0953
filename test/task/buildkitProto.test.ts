/**
 * The hand-written protobuf reader and gRPC framing for BuildKit's build history, on bytes built
 * by hand from the wire format (protobuf encoding: key = field << 3 | wire type; control.proto's
 * field numbers, moby/buildkit api/services/control/control.proto).
 */
import { strict as assert } from 'node:assert';
import {
  encodeContentRead,
  completedSinceFilter,
  encodeHistoryRequest,
  grpcFrame,
  GrpcFrameReader,
  ProtoError,
  readFields,
  readContentChunk,
  readHistoryEvent,
  readVarint,
  HISTORY_COMPLETE,
} from '../../collector/buildkitProto';

/** A varint, seven bits a byte, low bits first. */
function varint(value: number): number[] {
  const out: number[] = [];
  for (let v = value; ; v = Math.floor(v / 128)) {
    if (v < 128) return [...out, v];
    out.push((v % 128) | 0x80);
  }
}
/** A length-delimited field (wire type 2) holding `body`. */
function ld(field: number, body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), bytes]);
}
/** A map entry: key 1, value 2. */
function entry(field: number, key: string, value: string | Buffer): Buffer {
  return ld(field, Buffer.concat([ld(1, key), ld(2, value)]));
}

const INDEX = `sha256:${'8b'.repeat(32)}`;
const PROVENANCE = `sha256:${'03'.repeat(32)}`;

describe('BuildKit protobuf reader and gRPC framing', function () {
  it('reads one- and multi-byte varints, and refuses one cut short', function () {
    assert.deepEqual(readVarint(Buffer.from([0x01]), 0), { value: 1, next: 1 });
    // 300 = 0b1_0010_1100: 0xac 0x02 (the protobuf encoding guide's example).
    assert.deepEqual(readVarint(Buffer.from([0xac, 0x02]), 0), { value: 300, next: 2 });
    // 1795922532 seconds (a 2026 timestamp): five bytes.
    assert.deepEqual(readVarint(Buffer.from([0xe4, 0xb4, 0xae, 0xd8, 0x06]), 0), { value: 1795922532, next: 5 });
    assert.throws(() => readVarint(Buffer.from([0x80, 0x80]), 0), ProtoError);
  });

  it('skips fixed-width fields it does not know, and refuses a length running past the message', function () {
    const fields = readFields(Buffer.from([0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4, 0x18, 0x05]));
    assert.deepEqual(
      fields.map((f) => [f.no, f.wire, f.varint]),
      [[3, 0, 5]],
    );
    assert.throws(() => readFields(Buffer.from([0x0a, 0x05, 0x61])), /runs past the end/);
    assert.throws(() => readFields(Buffer.from([0x0b])), /unsupported wire type 3/);
  });

  it('encodes the request with EarlyExit (field 3), optional Filters (field 4, repeated) and an optional Limit (field 5)', function () {
    assert.deepEqual([...encodeHistoryRequest()], [0x18, 0x01]);
    assert.deepEqual([...encodeHistoryRequest({ limit: 300 })], [0x18, 0x01, 0x28, 0xac, 0x02]);
    const filter = 'completedAt>=2026-11-29T12:59:00Z';
    assert.deepEqual(
      [...encodeHistoryRequest({ filters: [filter, 'status=completed'] })],
      [0x18, 0x01, 0x22, filter.length, ...Buffer.from(filter), 0x22, 16, ...Buffer.from('status=completed')],
    );
  });

  it('writes the completed-since filter in whole seconds, rounded down, as BuildKit parses RFC 3339', function () {
    assert.equal(completedSinceFilter(Date.parse('2026-11-29T12:59:00.999Z')), 'completedAt>=2026-11-29T12:59:00Z');
    assert.equal(completedSinceFilter(Date.parse('2026-11-29T12:59:01.000Z')), 'completedAt>=2026-11-29T12:59:01Z');
    assert.equal(completedSinceFilter(-5), 'completedAt>=1970-01-01T00:00:00Z');
  });

  it("reads a completed build's record: exporter, times, the exporter's result and the provenance attestation", function () {
    const timestamp = (seconds: number[], nanos: number[]) => Buffer.from([0x08, ...seconds, 0x10, ...nanos]);
    const descriptor = (mediaType: string, digest: string, extra: Buffer[] = []) =>
      Buffer.concat([ld(1, mediaType), ld(2, digest), Buffer.from([0x18, 0xd7, 0x06]), ...extra]);
    const exporter = Buffer.concat([ld(1, 'image'), entry(2, 'name', '127.0.0.1:5000/a/b:1'), entry(2, 'push', 'true')]);
    const resultInfo = Buffer.concat([
      ld(
        2,
        descriptor('application/vnd.in-toto+json', PROVENANCE, [entry(5, 'in-toto.io/predicate-type', 'https://slsa.dev/provenance/v0.2')]),
      ),
      // Results: map<int64, Descriptor>, key 0 as a varint.
      ld(3, Buffer.concat([Buffer.from([0x08, 0x00]), ld(2, descriptor('application/vnd.oci.image.index.v1+json', INDEX))])),
    ]);
    const record = Buffer.concat([
      ld(1, 'ref1'),
      ld(2, 'dockerfile.v0'),
      ld(4, exporter),
      // CreatedAt 6, CompletedAt 7: 1795922532 s + 568,000,000 ns (0x10 varint 568000000 = 80 fc eb 8e 02).
      ld(6, timestamp([0xe4, 0xb4, 0xae, 0xd8, 0x06], [0x00])),
      ld(7, timestamp([0xe4, 0xb4, 0xae, 0xd8, 0x06], [0x80, 0xfc, 0xeb, 0x8e, 0x02])),
      entry(9, 'refs.platforms', '{}'),
      ld(10, resultInfo),
    ]);
    const event = readHistoryEvent(Buffer.concat([Buffer.from([0x08, 0x01]), ld(2, record)]));
    assert.equal(event.type, HISTORY_COMPLETE);
    assert.deepEqual(event.record, {
      ref: 'ref1',
      exporters: [{ type: 'image', attrs: { name: '127.0.0.1:5000/a/b:1', push: 'true' } }],
      createdAtMs: 1795922532000,
      completedAtMs: 1795922532568,
      exporterResponse: { 'refs.platforms': '{}' },
      result: {
        attestations: [
          {
            mediaType: 'application/vnd.in-toto+json',
            digest: PROVENANCE,
            size: 855,
            annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
          },
        ],
        results: { 0: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: INDEX, size: 855, annotations: {} } },
      },
      results: {},
    });
  });

  it('reads a failed build (error 5: google.rpc.Status code and message)', function () {
    const event = readHistoryEvent(
      Buffer.concat([
        Buffer.from([0x08, 0x01]),
        ld(2, Buffer.concat([ld(1, 'r'), ld(5, Buffer.concat([Buffer.from([0x08, 0x02]), ld(2, 'boom')]))])),
      ]),
    );
    assert.equal(event.record?.errorCode, 2);
    assert.equal(event.record?.errorMessage, 'boom');
  });

  it('encodes a content read of a whole blob (digest 1) and reads a chunk of the answer (offset 1, data 2)', function () {
    assert.deepEqual(encodeContentRead(INDEX), Buffer.concat([Buffer.from([0x0a, 71]), Buffer.from(INDEX)]));
    assert.deepEqual(readContentChunk(Buffer.concat([Buffer.from([0x08, 0xac, 0x02]), ld(2, 'abc')])), {
      offset: 300,
      data: Buffer.from('abc'),
    });
  });

  it('frames a message with a zero flag and a big-endian length, and splits a body arriving in pieces', function () {
    assert.deepEqual([...grpcFrame(Buffer.from([0x18, 0x01]))], [0, 0, 0, 0, 2, 0x18, 0x01]);
    const body = Buffer.concat([grpcFrame(Buffer.from('abc')), grpcFrame(Buffer.alloc(0)), grpcFrame(Buffer.from('de'))]);
    const reader = new GrpcFrameReader();
    const messages: string[] = [];
    for (let i = 0; i < body.length; i += 3) messages.push(...reader.push(body.subarray(i, i + 3)).map((m) => m.toString()));
    assert.deepEqual(messages, ['abc', '', 'de']);
    assert.equal(reader.incomplete, false);
    const cut = new GrpcFrameReader();
    cut.push(grpcFrame(Buffer.from('abcdef')).subarray(0, 7));
    assert.equal(cut.incomplete, true);
  });

  it('refuses a compressed message and one over the size limit', function () {
    assert.throws(() => new GrpcFrameReader().push(Buffer.from([1, 0, 0, 0, 1, 0x61])), /compressed/);
    assert.throws(() => new GrpcFrameReader(4).push(Buffer.from([0, 0, 0, 0, 5])), /5 bytes/);
  });
});
