// The image's HEALTHCHECK: GET /healthz on this container's own port (CM_PORT, default 8080); exit 0 when it answers
// 200 within 4 s, else 1. Node rather than curl: the slim base image has no curl.
'use strict';
const http = require('node:http');

const port = Number(process.env.CM_PORT || 8080);
const host = process.env.CM_HOST && process.env.CM_HOST !== '0.0.0.0' && process.env.CM_HOST !== '::' ? process.env.CM_HOST : '127.0.0.1';
const request = http.get({ host, port, path: '/healthz', timeout: 4000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('timed out')));
request.on('error', () => process.exit(1));
