/** The explorer query in the page's URL and in the API's query string (web/src/query.ts). */
import assert from 'node:assert/strict';
import {
  DEFAULT_QUERY,
  exposedApiParams,
  queryFromParams,
  queryToParams,
  sourceApiParams,
  TEMPLATES,
  usesSourceRoute,
  type ExplorerQuery,
} from '../../web/src/query';

describe('The explorer query in the URL', () => {
  it('reads back every field it wrote, so a bookmark reproduces the query', () => {
    const query: ExplorerQuery = {
      start: 'pipelines',
      minSeverity: 'medium',
      fixable: true,
      cluster: 'prod',
      namespace: 'shop',
      repository: 'web-api',
      organization: 'contoso',
      project: 'Shop',
      since: '2026-03-01',
      until: '2026-03-31',
      view: 'table',
    };
    const params = queryToParams(query);
    assert.equal(
      params.toString(),
      'start=pipelines&minSeverity=medium&fixable=true&cluster=prod&namespace=shop&repository=web-api&organization=contoso&project=Shop&since=2026-03-01&until=2026-03-31&view=table',
    );
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

  it('drops a day that does not exist or is not YYYY-MM-DD, so the API is never asked a bad date', () => {
    const query = queryFromParams(new URLSearchParams('since=2026-02-30&until=yesterday&repository=%20web-api%20'));
    assert.equal(query.since, '');
    assert.equal(query.until, '');
    assert.equal(query.repository, 'web-api');
    assert.equal(queryFromParams(new URLSearchParams('since=2024-02-29')).since, '2024-02-29');
  });

  it('asks exposed the "pushed by" conditions, the days as the first and last instant of each UTC day', () => {
    const query: ExplorerQuery = {
      ...DEFAULT_QUERY,
      repository: 'web-api',
      organization: 'contoso',
      project: 'Shop',
      since: '2026-03-01',
      until: '2026-03-02',
    };
    assert.equal(
      exposedApiParams(query, { limit: 50 }).toString(),
      'minSeverity=high&limit=50&repository=web-api&organization=contoso&project=Shop&since=2026-03-01T00%3A00%3A00Z&until=2026-03-02T23%3A59%3A59.999Z',
    );
  });

  it('asks the by-source route for pipelines / repositories once a repository is named, with only the conditions it takes', () => {
    const query: ExplorerQuery = {
      ...DEFAULT_QUERY,
      start: 'pipelines',
      repository: 'web-api',
      cluster: 'prod',
      fixable: true,
      since: '2026-03-01',
    };
    assert.ok(usesSourceRoute(query));
    assert.ok(!usesSourceRoute({ ...query, repository: '' }), 'without a repository the regrouped exposed rows answer');
    assert.ok(!usesSourceRoute({ ...query, start: 'images' }));
    assert.equal(
      sourceApiParams(query, { limit: 50, cursor: 'abc' }).toString(),
      'repository=web-api&since=2026-03-01T00%3A00%3A00Z&limit=50&cursor=abc',
    );
  });
});
