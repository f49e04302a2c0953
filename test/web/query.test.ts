/** The explorer query in the page's URL and in the API's query string (web/src/query.ts). */
import assert from 'node:assert/strict';
import { DEFAULT_QUERY, exposedApiParams, queryFromParams, queryToParams, TEMPLATES, type ExplorerQuery } from '../../web/src/query';

describe('The explorer query in the URL', () => {
  it('reads back every field it wrote, so a bookmark reproduces the query', () => {
    const query: ExplorerQuery = {
      start: 'pipelines',
      minSeverity: 'medium',
      fixable: true,
      cluster: 'prod',
      namespace: 'shop',
      view: 'table',
    };
    const params = queryToParams(query);
    assert.equal(params.toString(), 'start=pipelines&minSeverity=medium&fixable=true&cluster=prod&namespace=shop&view=table');
    assert.deepEqual(queryFromParams(new URLSearchParams(params.toString())), query);
  });

  it('takes the default for a missing or unknown value, and trims filters', () => {
    assert.deepEqual(queryFromParams(new URLSearchParams('start=galaxies&minSeverity=negligible&view=pie&cluster=%20prod%20')), {
      ...DEFAULT_QUERY,
      cluster: 'prod',
    });
  });

  it('offers the seed question as the first template: exposed workloads, high severity, as a graph', () => {
    assert.match(
      TEMPLATES[0]?.title ?? '',
      /^Internet-exposed workloads running images with high-severity CVEs → the pipelines that built them$/,
    );
    assert.equal(queryToParams(DEFAULT_QUERY).toString(), 'start=workloads&minSeverity=high&view=graph');
  });

  it('asks the API only what it answers: no start, no view, the cursor when paging', () => {
    const query: ExplorerQuery = { ...DEFAULT_QUERY, fixable: true, namespace: 'shop' };
    assert.equal(exposedApiParams(query, { limit: 50 }).toString(), 'minSeverity=high&limit=50&fixable=true&namespace=shop');
    assert.equal(exposedApiParams(DEFAULT_QUERY, { limit: 2, cursor: 'abc' }).toString(), 'minSeverity=high&limit=2&cursor=abc');
  });
});
