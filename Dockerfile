# The mapping service's image: `docker build -t container-mapping .` (see deploy/README.md).
# One image for every command: `serve` (the default), `migrate`, `backfill`, `sync kubernetes`, `query …`.
# No `# syntax=` line: it would pull a frontend image; this file builds with the classic builder and with BuildKit.
ARG BASE_IMAGE=node:20-bookworm-slim

# ---- build: every dependency, the service bundle and the page, then only the production dependencies kept ----
FROM ${BASE_IMAGE} AS build
# better-sqlite3's native module is compiled here, against the base image's own Node.js (its headers are in
# /usr/local/include/node in the official images), so the runtime stage below, on the same base, can load it.
# Nothing is downloaded from outside the npm registry and Debian (no prebuilt binaries, no Node headers).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_build_from_source=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
WORKDIR /src
# An extra CA for npm (a TLS-inspecting proxy): put it in deploy/build-ca/extra-ca.crt (ignored by git). It is read
# in this stage only; the runtime stage copies named build outputs, never this folder.
COPY deploy/build-ca/ /tmp/build-ca/
COPY package.json package-lock.json .prebuild-installrc ./
RUN if [ -s /tmp/build-ca/extra-ca.crt ]; then export NODE_EXTRA_CA_CERTS=/tmp/build-ca/extra-ca.crt; fi \
 && npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json ./
COPY scripts/build-service.mjs scripts/build-web.mjs scripts/
COPY common/ common/
COPY service/src/ service/src/
COPY web/ web/
COPY bin/ bin/
COPY deploy/docker/healthcheck.cjs deploy/docker/
# Of better-sqlite3's compilation only the module itself is needed at run time (not SQLite's sources nor the objects).
RUN npm run build:service \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && rm -rf node_modules/.cache node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
 && find node_modules/better-sqlite3/build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
 && find node_modules/better-sqlite3/build/Release -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +

# ---- runtime: the base image, production dependencies and the built files only ----
FROM ${BASE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CM_HOST=0.0.0.0 \
    CM_PORT=8080 \
    CM_DATABASE_URL=sqlite:/data/mappings.db
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules/ node_modules/
COPY --from=build /src/bin/ bin/
COPY --from=build /src/build/service/ build/service/
COPY --from=build /src/build/web/ build/web/
COPY --from=build /src/deploy/docker/healthcheck.cjs deploy/docker/
# The one writable place (SQLite and its WAL): the root filesystem may be read-only. A mounted config file
# goes anywhere, e.g. /etc/container-mapping/config.json with CM_CONFIG pointing at it.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
# The base image's user node, by number so that Kubernetes can check runAsNonRoot.
USER 1000:1000
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/deploy/docker/healthcheck.cjs"]
ENTRYPOINT ["node", "/app/bin/container-mapping.js"]
CMD ["serve"]
