#!/usr/bin/env bash
# PostgreSQL from Debian's packages, for the Airflow LocalExecutor test (tests/test_airflow_executor.py), which starts
# a private cluster of its own in a temporary folder. Installs the server when initdb is missing and this user may
# (root, or passwordless sudo); otherwise prints the command. The package's own cluster is not used.
set -u
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && exit 0
command -v initdb >/dev/null 2>&1 && exit 0
cmd="apt-get install -y --no-install-recommends postgresql"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: install PostgreSQL (initdb, pg_ctl) with your package manager for the Airflow LocalExecutor test" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "note: the Airflow LocalExecutor test needs PostgreSQL: sudo apt-get update && sudo $cmd" >&2
  exit 0
fi
echo "installing system packages: postgresql" >&2
$SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO $cmd >/dev/null \
  || echo "warning: could not install postgresql; run: sudo $cmd" >&2
exit 0
