/** Where a JSON body first goes wrong, for the import routes' 400 answers. */
import assert from 'node:assert/strict';
import { findJsonSyntaxError } from '../../service/src/routes/inventory/jsonSyntax';
import { pathToPointer } from '../../service/src/routes/inventory/problems';

describe('Finding the first JSON syntax error', () => {
  const cases: [string, number | null, string?][] = [
    ['{"a":[1,{"b":null}],"c":"d","e":-1.5e3,"f":true}', null],
    [' [ [ [] ] , {} ] ', null],
    ['{"a":}', 5, 'a value'],
    ['{"a":1', 6, "',' or '}'"],
    ['[1,]', 3, 'a value'],
    ['[1 2]', 3, "',' or ']'"],
    ['{"a" 1}', 5, "':'"],
    ['{"a":1,}', 7, 'a property name in double quotes'],
    ['{"a":1} x', 8, 'the end of the body'],
    ['', 0, 'a value'],
    ['{"ab', 4, `a valid string character or its closing '"'`],
    ['["a\\x"]', 3, `a valid string character or its closing '"'`],
  ];
  for (const [text, position, expected] of cases) {
    it(`finds ${position === null ? 'no error' : `"${expected}" expected at ${position}`} in ${JSON.stringify(text)}`, () => {
      const found = findJsonSyntaxError(text);
      assert.equal(found?.position ?? null, position);
      if (expected !== undefined) assert.equal(found?.expected, expected);
    });
  }

  it('counts lines and columns from 1', () => {
    assert.deepEqual(findJsonSyntaxError('{\n  "a": x\n}'), { position: 9, line: 2, column: 8, expected: 'a value' });
  });

  it('reads a body nested far deeper than the call stack allows', () => {
    assert.equal(findJsonSyntaxError('['.repeat(200_000) + ']'.repeat(200_000)), null);
  });
});

describe('Turning a core error path into a JSON pointer', () => {
  for (const [path, pointer] of [
    ['$', ''],
    ['items[3].status.containerStatuses[0].imageID', '/items/3/status/containerStatuses/0/imageID'],
    ['items[0].metadata.labels["a/b~c"]', '/items/0/metadata/labels/a~1b~0c'],
  ] as const) {
    it(`turns ${path} into "${pointer}"`, () => assert.equal(pathToPointer(path), pointer));
  }
});
