#!/usr/bin/env bash
# Developer commands, each in its own virtual environment (.venv); no root, no database server.
#
#   ./dev.sh demo [acogida demo options]   set up and start the demo (http://127.0.0.1:8000)
#   ./dev.sh test [pytest options]         ruff, then the whole test suite on SQLite
#
# The environment is (re)installed only when pyproject.toml has changed since the last install.
# PYTHON chooses the interpreter (default python3, version 3.11 or later); ACOGIDA_VENV the
# environment's directory (default .venv).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${ACOGIDA_VENV:-.venv}

die() { echo "dev.sh: $*" >&2; exit 1; }

check_python() {
  command -v "$PYTHON" >/dev/null 2>&1 \
    || die "$PYTHON was not found: install Python 3.11 or later (or set PYTHON=/path/to/python3)"
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "Python 3.11 or later is needed; $PYTHON is $("$PYTHON" -V 2>&1)"
}

make_venv() {
  [ -x "$VENV/bin/python" ] && return
  check_python
  echo "dev.sh: creating the virtual environment $VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian and Ubuntu ship venv without ensurepip unless python3-venv is installed:
    # make the environment without pip and bootstrap pip from PyPA's official installer.
    rm -rf "$VENV"
    "$PYTHON" -m venv --without-pip "$VENV" \
      || die "could not create a virtual environment with $PYTHON -m venv"
    echo "dev.sh: this Python has no ensurepip; fetching pip's installer from bootstrap.pypa.io"
    "$VENV/bin/python" - <<'PY' || die "could not install pip (or install python3-venv)"
import runpy, sys, tempfile, urllib.request
with tempfile.NamedTemporaryFile(suffix=".py") as script:
    script.write(urllib.request.urlopen("https://bootstrap.pypa.io/get-pip.py").read())
    script.flush()
    sys.argv = ["get-pip.py", "--quiet"]
    runpy.run_path(script.name, run_name="__main__")
PY
  fi
}

# install EXTRAS: "" for the app, "test" for the app and its test tools
install() {
  local extras=$1 stamp="$VENV/.acogida-installed${1:+-$1}" digest
  make_venv
  digest=$("$VENV/bin/python" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())' < pyproject.toml)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$digest" ]; then
    return
  fi
  echo "dev.sh: installing acogida${extras:+[$extras]} into $VENV (once per change of pyproject.toml)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --editable ".${extras:+[$extras]}"
  echo "$digest" > "$stamp"
  # the test install includes everything the app needs
  [ -n "$extras" ] && echo "$digest" > "$VENV/.acogida-installed"
  return 0
}

cmd=${1:-help}
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    install ""
    exec "$VENV/bin/acogida" demo "$@"
    ;;
  test)
    install test
    echo "dev.sh: ruff check"
    "$VENV/bin/ruff" check .
    if [ ! -x /usr/bin/chromium ]; then
      echo "dev.sh: /usr/bin/chromium not found: the browser tests will be skipped"
    fi
    echo "dev.sh: pytest on SQLite"
    exec env -u DATABASE_URL "$VENV/bin/pytest" "$@"
    ;;
  help|-h|--help)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    ;;
  *)
    die "unknown command '$cmd' (try: ./dev.sh demo, ./dev.sh test)"
    ;;
esac
