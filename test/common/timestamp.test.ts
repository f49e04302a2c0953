import { strict as assert } from 'node:assert';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { formatTimestamp, parseTimestamp } from '../../common/timestamp';

const ajv = new Ajv();
addFormats(ajv);
const isSchemaDateTime = ajv.compile({ type: 'string', format: 'date-time' });

const normalised = (text: string): string | undefined => {
  const ms = parseTimestamp(text);
  return ms === undefined ? undefined : formatTimestamp(ms);
};

describe('parseTimestamp', () => {
  const cases: Array<[string, string | undefined]> = [
    ['2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z'],
    // Azure DevOps timeline records carry 7-digit fractions; milliseconds are kept, the rest truncated.
    ['2026-03-01T10:00:00.1239999Z', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01T10:00:00.5Z', '2026-03-01T10:00:00.500Z'],
    ['2026-03-01 10:00:00+02:00', '2026-03-01T08:00:00.000Z'],
    ['2026-03-01t10:00:00z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00+0200', '2026-03-01T08:00:00.000Z'],
    ['2026-03-01T10:00:00-02', '2026-03-01T12:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    // A leap second is the last millisecond of its minute.
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
    ['2016-12-31T23:59:60.5Z', '2016-12-31T23:59:59.999Z'],
    ['2017-01-01T01:29:60+01:30', '2016-12-31T23:59:59.999Z'],
    ['2016-12-31T18:59:60-05:00', '2016-12-31T23:59:59.999Z'],
    // Refused: not a date-time, or an instant outside years 0000–9999 once in UTC.
    ['2026-03-01T12:00:60Z', undefined],
    ['2026-02-29T00:00:00Z', undefined],
    ['2026-04-31T00:00:00Z', undefined],
    ['2026-03-01T24:00:00Z', undefined],
    ['2026-03-01T10:00:00', undefined],
    ['2026-03-01T10:00:00+24:00', undefined],
    ['2026-03-01', undefined],
    ['0000-01-01T00:00:00+00:01', undefined],
    ['9999-12-31T23:59:59.999-00:01', undefined],
    ['2026-03-01T10:00:00.000Z\u0000', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)} as ${expected ?? 'no instant'}`, () => {
      assert.equal(normalised(text), expected);
    });
  }

  it('finds an instant for every date-time the report schema accepts (within years 0000–9999), and none for the others', () => {
    // Deterministic pseudo-random strings near the grammar's edges.
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[next(items.length)] as T;
    const two = (max: number) => String(next(max + 1)).padStart(2, '0');
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const year = pick(['0000', '0001', '1970', '2016', '2024', '2026', '9999']);
      const text =
        `${year}-${two(13)}-${two(32)}${pick(['T', 't', ' ', '\t', 'X'])}` +
        `${pick([two(24), '23'])}:${pick([two(60), '59'])}:${pick([two(61), '60', '59'])}` +
        `${pick(['', '.5', '.123', '.1234567', '.'])}` +
        `${pick(['Z', 'z', '', '+00:00', '-00:00', `+${two(24)}:${two(60)}`, `-${two(24)}${two(60)}`, `+${two(24)}`, '+1:00'])}`;
      const schemaSays = isSchemaDateTime(text);
      const ms = parseTimestamp(text);
      if (ms !== undefined) {
        accepted++;
        assert.ok(schemaSays, `${JSON.stringify(text)} has an instant but the schema refuses it`);
      } else if (schemaSays) {
        // The only date-times without an instant are those that leave years 0000–9999.
        assert.ok(/^(0000|9999)/.test(text), `${JSON.stringify(text)} passes the schema but has no instant`);
      }
    }
    assert.ok(accepted > 100, `only ${accepted} generated date-times were valid: the generator is broken`);
  });
});
