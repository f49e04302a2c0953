/** Sign-in: a read token, checked against the service once, then kept for this tab's session. */
import { ApiClient, ApiError } from '../api';
import { h, show, statusLine } from '../dom';
import { saveToken } from '../session';

/** Shows the sign-in form; calls `signedIn` with a client once the service accepted the token. */
export function signInView(main: HTMLElement, message: string | null, signedIn: (api: ApiClient) => void): void {
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const status = h('div', { class: 'sign-in-status' }, message ? statusLine(message, 'error') : null);
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in'),
    h('p', {}, 'Enter a read token of this service. It is kept for this browser tab only and sent in a header, never in a URL.'),
    h('div', { class: 'field' }, h('label', { for: 'token' }, 'Read token'), input),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    status,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === '') return;
    const api = new ApiClient(token);
    api.coverage().then(
      () => {
        saveToken(token);
        signedIn(api);
      },
      (err: unknown) => {
        const text =
          err instanceof ApiError && err.status === 401
            ? 'The service refused this token (401). Check it and try again.'
            : err instanceof ApiError && err.status === 403
              ? 'This token may not read (403): ask for a token with the read scope.'
              : `The service could not be asked: ${err instanceof Error ? err.message : String(err)}`;
        show(status, statusLine(text, 'error'));
        input.focus();
      },
    );
  });
  show(main, form);
  input.focus();
}
