#!/usr/bin/env bash
# Local stand-ins for the services the deploy engine talks to, for the end-to-end tests.
#
#   scripts/services.sh start   install what is missing, start everything, wait until it answers
#   scripts/services.sh env     print the environment the tests need (eval "$(scripts/services.sh env)")
#   scripts/services.sh stop    stop what `start` started
#
# Everything listens on loopback only:
#   * moto server (the AWS APIs: STS, SSM, S3, ECR, CloudFormation, SageMaker) on 127.0.0.1:$MOTO_PORT;
#   * a Docker engine with its own data and exec roots and socket under the state directory;
#   * a TLS container registry answering for the ECR registry host name of the moto account, on
#     127.0.0.1:443, with the user name and password that moto's ECR GetAuthorizationToken returns,
#     so the engine pushes images exactly as it would to ECR.
# `start` is idempotent: services already running are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

state=${SAGECDK_SERVICES_DIR:-${TMPDIR:-/tmp}/sagecdk-services}
moto_port=${SAGECDK_MOTO_PORT:-5055}
account=123456789012
region=us-west-2
registry_host="${account}.dkr.ecr.${region}.amazonaws.com"
registry_password="${account}-auth-token"
docker_sock="$state/docker.sock"

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

# Root is needed for packages, /etc/hosts, /etc/docker/certs.d, port 443 and the Docker engine.
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || die "run as root (or install sudo): packages, /etc/hosts and port 443 need it"
  sudo_cmd=(sudo)
fi
as_root() { "${sudo_cmd[@]}" "$@"; }

running() { # pidfile
  [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_for() { # description, seconds, command...
  local what=$1 secs=$2
  shift 2
  for _ in $(seq 1 $((secs * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what did not answer within ${secs}s (logs in $state)"
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-registry >/dev/null || missing+=(docker-registry)
  command -v htpasswd >/dev/null || missing+=(apache2-utils)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v curl >/dev/null || missing+=(curl)
  [ -x /bin/busybox ] || missing+=(busybox-static)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -x .venv/bin/moto_server ]; then
    log "installing moto server into .venv"
    [ -x .venv/bin/pip ] || python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6'
  fi
}

start_moto() {
  if ! running "$state/moto.pid"; then
    log "starting moto server on 127.0.0.1:$moto_port"
    nohup "$root/.venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$state/moto.log" 2>&1 &
    echo $! >"$state/moto.pid"
  fi
  wait_for "moto server" 60 curl -sf "http://127.0.0.1:$moto_port/moto-api/"
}

start_registry() {
  local dir="$state/registry"
  mkdir -p "$dir/data"
  if [ ! -f "$dir/cert.pem" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$registry_host" \
      -addext "subjectAltName=DNS:$registry_host" \
      -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  fi
  as_root mkdir -p "/etc/docker/certs.d/$registry_host"
  as_root cp "$dir/cert.pem" "/etc/docker/certs.d/$registry_host/ca.crt"
  if ! grep -qE "^127\.0\.0\.1[[:space:]]+$registry_host\$" /etc/hosts; then
    echo "127.0.0.1 $registry_host" | as_root tee -a /etc/hosts >/dev/null
  fi
  htpasswd -Bbn AWS "$registry_password" >"$dir/htpasswd" 2>/dev/null
  cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:443
  tls:
    certificate: $dir/cert.pem
    key: $dir/key.pem
auth:
  htpasswd:
    realm: sagecdk-test-registry
    path: $dir/htpasswd
EOF
  if ! running "$state/registry.pid"; then
    log "starting the container registry for $registry_host on 127.0.0.1:443"
    nohup "${sudo_cmd[@]}" docker-registry serve "$dir/config.yml" >"$state/registry.log" 2>&1 &
    echo $! >"$state/registry.pid"
  fi
  wait_for "container registry" 30 \
    curl -sf --cacert "$dir/cert.pem" -u "AWS:$registry_password" "https://$registry_host/v2/"
}

start_docker() {
  if ! running "$state/dockerd.pid"; then
    log "starting the Docker engine at unix://$docker_sock"
    mkdir -p "$state/docker-data" "$state/docker-exec"
    nohup "${sudo_cmd[@]}" dockerd --storage-driver=vfs \
      --data-root "$state/docker-data" --exec-root "$state/docker-exec" \
      --pidfile "$state/docker-exec/dockerd.pid" -H "unix://$docker_sock" \
      >"$state/dockerd.log" 2>&1 &
    echo $! >"$state/dockerd.pid"
  fi
  wait_for "Docker engine" 60 docker -H "unix://$docker_sock" version
}

print_env() {
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$moto_port
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=$region
export AWS_DEFAULT_REGION=$region
export AWS_EC2_METADATA_DISABLED=true
export DOCKER_HOST=unix://$docker_sock
export SAGECDK_TEST_SERVICES=$state
export SAGECDK_TEST_REGISTRY=$registry_host
export SAGECDK_TEST_REGISTRY_CA=$state/registry/cert.pem
export SAGECDK_TEST_BUSYBOX=/bin/busybox
EOF
}

stop_one() { # name
  local pidfile="$state/$1.pid"
  if running "$pidfile"; then
    log "stopping $1"
    local pid
    pid=$(cat "$pidfile")
    as_root kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  rm -f "$pidfile"
}

case "${1:-}" in
  start)
    mkdir -p "$state"
    install_packages
    start_moto
    start_registry
    start_docker
    log "ready; environment: eval \"\$(scripts/services.sh env)\""
    ;;
  env)
    print_env
    ;;
  stop)
    stop_one dockerd
    stop_one registry
    stop_one moto
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
