// Stands for @actions/exec in the action's light bundles (pre.js, main.js, post.js): @actions/core
// imports it only for core.platform.getDetails(), which the action never calls. Left out, it and
// @actions/io (child_process, fs/promises…) cost nothing at start-up. See scripts/build-action.mjs.
'use strict';
function notInThisBundle() {
  throw new Error('@actions/exec is not in this bundle (see scripts/build-action.mjs)');
}
module.exports = { exec: notInThisBundle, getExecOutput: notInThisBundle };
