/** CSV export of the rows on screen (web/src/csv.ts). */
import assert from 'node:assert/strict';
import { csvCell, toCsv } from '../../web/src/csv';

describe('CSV export', () => {
  const cases: Array<[string | number, string]> = [
    ['plain', 'plain'],
    [3, '3'],
    ['Ingress ×2, LoadBalancer', '"Ingress ×2, LoadBalancer"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['=HYPERLINK("x")', `"'=HYPERLINK(""x"")"`],
    ['-1+2', "'-1+2"],
    ['@sum', "'@sum"],
  ];
  for (const [value, expected] of cases) {
    it(`writes ${JSON.stringify(value)} as ${expected}`, () => assert.equal(csvCell(value), expected));
  }

  it('writes a header line and one CRLF-ended line per row', () => {
    assert.equal(
      toCsv(
        ['a', 'b'],
        [
          [1, 'x,y'],
          [2, ''],
        ],
      ),
      'a,b\r\n1,"x,y"\r\n2,\r\n',
    );
  });
});
