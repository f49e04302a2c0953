#!/usr/bin/env node
// Thin shim: the CLI is built into build/service/cli.js by `npm run build:service`.
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const built = path.join(__dirname, '..', 'build', 'service', 'cli.js');
if (!fs.existsSync(built)) {
  process.stderr.write('container-mapping: build/service/cli.js is missing; run `npm run build:service` first\n');
  process.exit(1);
}
require(built).runCli();
