/** The pure parts of `backfill --github`: the zip reader, artifact names, API and server URLs, Link headers. */
import { strict as assert } from 'node:assert';
import { deflateRawSync } from 'node:zlib';
import AdmZip from 'adm-zip';
import { isReportArtifactName, nextLink, parseRepository, serverUrlOfApi } from '../../service/src/backfill/githubSource';
import { listZipEntries, readZipEntry, ZipError } from '../../service/src/backfill/zip';

const NAME = 'container-mapping-report.json';
const TEXT = JSON.stringify({
  schemaVersion: 2,
  images: Array.from({ length: 50 }, (_, i) => `sha256:${String(i).repeat(64).slice(0, 64)}`),
});

function admZip(method: 0 | 8): Buffer {
  const zip = new AdmZip();
  zip.addFile(NAME, Buffer.from(TEXT));
  const entry = zip.getEntry(NAME);
  if (entry) entry.header.method = method;
  zip.addFile('other.txt', Buffer.from('other'));
  return zip.toBuffer();
}

describe('readZipEntry', () => {
  it('reads a deflated and a stored entry as adm-zip wrote them', () => {
    for (const method of [8, 0] as const) {
      const zip = admZip(method);
      assert.equal(listZipEntries(zip).find((e) => e.name === NAME)?.method, method);
      assert.equal(readZipEntry(zip, NAME, 1_000_000)?.toString('utf8'), TEXT);
    }
  });

  it('answers undefined for an entry the archive does not have', () => {
    assert.equal(readZipEntry(admZip(8), 'missing.json', 1_000_000), undefined);
  });

  it('refuses what is not a zip, a cut archive, a CRC mismatch and an entry above the limit', () => {
    const zip = admZip(8);
    assert.throws(() => readZipEntry(Buffer.from('PK not really a zip at all, just text'), NAME, 1e6), ZipError);
    assert.throws(() => readZipEntry(zip.subarray(0, zip.length - 30), NAME, 1e6), ZipError);
    const stored = Buffer.from(admZip(0));
    const dataStart = 30 + stored.readUInt16LE(26) + stored.readUInt16LE(28);
    stored[dataStart + 5] = stored[dataStart + 5]! ^ 0xff; // one byte of the stored data flipped
    assert.throws(() => readZipEntry(stored, NAME, 1e6), /fails its CRC-32 check/);
    assert.throws(() => readZipEntry(zip, NAME, 100), /more than the 100 a report may have/);
  });

  it('stops inflating at the limit when the central directory understates the size (a zip bomb)', () => {
    const big = deflateRawSync(Buffer.alloc(5_000_000, 0x20));
    // One entry whose 5 MB of deflated spaces the central directory says are 100 bytes.
    const local = Buffer.alloc(30 + NAME.length);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt16LE(NAME.length, 26);
    local.write(NAME, 30);
    const central = Buffer.alloc(46 + NAME.length);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(big.length, 20);
    central.writeUInt32LE(100, 24); // claims 100 bytes
    central.writeUInt16LE(NAME.length, 28);
    central.write(NAME, 46);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(central.length, 12);
    end.writeUInt32LE(local.length + big.length, 16);
    const bomb = Buffer.concat([local, big, central, end]);
    assert.throws(() => readZipEntry(bomb, NAME, 1_000_000), /does not inflate/);
  });
});

describe('GitHub API helpers', () => {
  it('takes the bare report artifact name and a job-suffixed one, nothing else', () => {
    assert.deepEqual(
      ['container-mapping-report', 'container-mapping-report-0123456789abcdef', 'container-mapping-reports', 'coverage'].map(
        isReportArtifactName,
      ),
      [true, true, false, false],
    );
  });

  it("finds the web server of github.com's, GHE.com's and an Enterprise Server's API", () => {
    assert.deepEqual(
      [
        'https://api.github.com',
        'https://api.contoso.ghe.com/',
        'https://github.contoso.com/api/v3',
        'https://github.contoso.com/api/v3/',
      ].map(serverUrlOfApi),
      ['https://github.com', 'https://contoso.ghe.com', 'https://github.contoso.com', 'https://github.contoso.com'],
    );
  });

  it('reads the next page from a Link header, and OWNER/REPO', () => {
    const link =
      '<https://api.github.com/repositories/1/actions/artifacts?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/actions/artifacts?per_page=100&page=9>; rel="last"';
    assert.equal(nextLink(link), 'https://api.github.com/repositories/1/actions/artifacts?per_page=100&page=2');
    assert.equal(nextLink('<https://x/?page=1>; rel="prev"'), undefined);
    assert.equal(nextLink(null), undefined);
    assert.deepEqual(parseRepository('contoso/shop.web'), { owner: 'contoso', name: 'shop.web' });
    assert.equal(parseRepository('contoso'), undefined);
    assert.equal(parseRepository('contoso/shop/extra'), undefined);
  });
});
