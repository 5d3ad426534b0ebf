#!/usr/bin/env bash
# What the test suites (and building better-sqlite3) need from a Debian system, in one place for
# .ci/run and `npm test`: missing packages are installed when we are root with apt-get; otherwise we
# stop and print the one command that installs them. Tests start their own private nginx,
# PostgreSQL and Redis; they never use the machine's services.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# better-sqlite3 compiles from source on install (npm ci, and the packed-package test).
{ command -v g++ >/dev/null 2>&1 && command -v make >/dev/null 2>&1; } || need+=(build-essential)
command -v python3 >/dev/null 2>&1 || need+=(python3)

[ ${#need[@]} -eq 0 ] && exit 0

install=(apt-get install -y -qq --no-install-recommends "${need[@]}")
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${install[@]}"
  exit 0
fi
echo "The test suites need packages this system lacks: ${need[*]}" >&2
echo "Install them, then run npm test again:" >&2
echo "  sudo apt-get update && sudo ${install[*]}" >&2
exit 1
