/**
 * The page's entry: decides whether to sign in, then routes the URL's hash to a view
 * (`#/explore?…`, `#/coverage`, `#/images/{digest}`, `#/runs/{id}?…`).
 */
import { ApiClient, ApiError } from './api';
import { h, show, statusLine } from './dom';
import { queryFromParams } from './query';
import { forgetToken, savedToken } from './session';
import { coverageView } from './views/coverage';
import { explorerView } from './views/explorer';
import { imageView, runView } from './views/pushes';
import { signInView } from './views/signIn';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
/** "Sign out" with a token; on a read-open service without one, "Sign in" (to file work items, a remediate token is needed). */
const signOut = document.getElementById('sign-out') as HTMLButtonElement;
let signedIn = false;
let api: ApiClient | null = null;

/** A refused token ends the session: back to sign-in, saying why; the URL (the query) is kept. */
function onError(err: unknown): void {
  if (err instanceof ApiError && err.status === 401) {
    forgetToken();
    api = null;
    signIn('The service refused the token (401): sign in again.');
  }
}

function failed(err: unknown): void {
  onError(err);
  if (api !== null) show(main, h('h1', {}, 'Something went wrong'), statusLine(err instanceof Error ? err.message : String(err), 'error'));
}

function route(): void {
  if (api === null) return;
  const hash = location.hash.replace(/^#/, '') || '/explore';
  const [path = '', search = ''] = hash.split('?', 2);
  const params = new URLSearchParams(search);
  const segments = path.split('/').filter(Boolean);
  document
    .querySelectorAll('#nav a')
    .forEach((a) => a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${segments[0] ?? ''}`));
  if (segments[0] === 'coverage') {
    document.title = 'Coverage · Container mapping';
    coverageView(main, api).catch(failed);
  } else if (segments[0] === 'images' && segments[1]) {
    document.title = 'Image · Container mapping';
    imageView(main, api, decodeURIComponent(segments[1])).catch(failed);
  } else if (segments[0] === 'runs' && segments[1]) {
    document.title = 'Run · Container mapping';
    runView(main, api, decodeURIComponent(segments[1]), params).catch(failed);
  } else {
    document.title = 'Explorer · Container mapping';
    explorerView(main, api, queryFromParams(params), search !== '', onError);
  }
}

function start(client: ApiClient, withToken: boolean): void {
  api = client;
  nav.hidden = false;
  signedIn = withToken;
  signOut.hidden = false;
  signOut.textContent = withToken ? 'Sign out' : 'Sign in';
  route();
}

function signIn(message: string | null): void {
  nav.hidden = true;
  signInView(main, message, (client) => start(client, true));
}

async function boot(): Promise<void> {
  window.addEventListener('hashchange', route);
  signOut.addEventListener('click', () => {
    if (signedIn) forgetToken();
    api = null;
    signIn(null);
  });
  const token = savedToken();
  // A read-open service answers without a token: then there is nothing to sign in to, unless this tab signed in
  // (with a token that may do more than read, such as file work items), which it then keeps using.
  if (token === null) {
    try {
      await new ApiClient(null).coverage();
      start(new ApiClient(null), false);
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        show(main, statusLine(`The service could not be asked: ${err instanceof Error ? err.message : String(err)}`, 'error'));
        return;
      }
    }
    return signIn(null);
  }
  try {
    await new ApiClient(token).coverage();
    start(new ApiClient(token), true);
  } catch (err) {
    forgetToken();
    signIn(err instanceof ApiError && err.status === 401 ? 'The service refused the token (401): sign in again.' : null);
  }
}

void boot();
