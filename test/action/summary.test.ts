import assert from 'node:assert/strict';
import type { PushedImage } from '../../common/report';
import { digestsOutput, imagesOutput, summaryRows } from '../../github-action/src/summary';
import { readWindowStart } from '../../github-action/src/state';

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const image = (over: Partial<PushedImage>): PushedImage => ({
  digest: digest('a'),
  registry: '127.0.0.1:5000',
  repository: 'contoso/shop',
  tag: 'v1',
  pushedAt: '2026-03-01T10:00:00.000Z',
  origin: 'docker-events',
  ...over,
});

describe("the action's outputs and summary", () => {
  it('lists each digest once, one per line, and the images as JSON', () => {
    const images = [image({}), image({ tag: 'latest' }), image({ digest: digest('b'), tag: undefined })];
    assert.equal(digestsOutput(images), `${digest('a')}\n${digest('b')}`);
    assert.deepEqual(JSON.parse(imagesOutput(images)), [
      { image: '127.0.0.1:5000/contoso/shop:v1', digest: digest('a') },
      { image: '127.0.0.1:5000/contoso/shop:latest', digest: digest('a') },
      { image: '127.0.0.1:5000/contoso/shop', digest: digest('b') },
    ]);
    assert.equal(digestsOutput([]), '');
    assert.equal(imagesOutput([]), '[]');
  });

  it('escapes what an image name could hold as HTML in the summary table, and names platforms', () => {
    const rows = summaryRows([
      image({ repository: 'contoso/<script>', platforms: [{ digest: digest('c'), os: 'linux', architecture: 'arm', variant: 'v7' }] }),
    ]);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[1], ['127.0.0.1:5000/contoso/&lt;script&gt;:v1', `<code>${digest('a')}</code>`, 'linux/arm/v7']);
  });
});

describe("the action's saved window", () => {
  it('reads the start pre saved, and main-step when main saved it', () => {
    const state = (values: Record<string, string>) => (name: string) => values[name] ?? '';
    assert.deepEqual(readWindowStart(state({ windowStart: '1772359200000', windowSource: 'pre-step' })), {
      sinceMs: 1772359200000,
      source: 'pre-step',
    });
    assert.deepEqual(readWindowStart(state({ windowStart: '1772359200000', windowSource: 'main-step' })), {
      sinceMs: 1772359200000,
      source: 'main-step',
    });
    assert.equal(readWindowStart(state({})), undefined);
    assert.equal(readWindowStart(state({ windowStart: 'yesterday' })), undefined);
  });
});
