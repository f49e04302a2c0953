// Stands in, in the task's bundle, for dockerode's optional dependencies the task never uses
// (ssh2 for ssh:// engines, grpc for BuildKit sessions). Loading it is free; using any of
// its members throws, so a code path that needed them fails loudly instead of silently.
'use strict';
function unavailable() {
  throw new Error('this transport is not available in the Container mapping task');
}
module.exports = new Proxy(
  {},
  {
    get(_target, property) {
      return property === '__esModule' || typeof property === 'symbol' ? undefined : unavailable;
    },
  },
);
