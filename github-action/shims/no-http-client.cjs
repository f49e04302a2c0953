// Stands for @actions/http-client in the action's light bundles (pre.js, main.js, post.js):
// they use @actions/core for inputs, state, outputs and logging, never for getIDToken, the one
// part of core that needs an HTTP client (which would bring undici, ~400 KB, into every run).
// The collector bundle (collect.js) has the real one. See scripts/build-action.mjs.
'use strict';
class NotInThisBundle {
  constructor() {
    throw new Error('@actions/http-client is not in this bundle (see scripts/build-action.mjs)');
  }
}
module.exports = { HttpClient: NotInThisBundle, BearerCredentialHandler: NotInThisBundle };
