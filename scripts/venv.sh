# shellcheck shell=bash
# Sourced (not run) by scripts/test and scripts/demo, from the repository's root: makes the
# project's virtual environment on a fresh machine.
#   - creates it with `python3 -m venv` (never touches the system Python, so Debian's own
#     python3 works despite PEP 668), installs uv inside it and the project (editable)
#     with its extras.
# The Debian packages in scripts/debian-packages.txt must be installed first (README).
#
# Environment:
#   PYTHON  the interpreter that makes the environment (default: python3, 3.11 or newer)
#   VENV    the environment's folder (default: .venv)
#   EXTRAS  the extras to install (the calling script sets its default first)

_venv_caller="scripts/$(basename "$0")"
PYTHON=${PYTHON:-python3}
# uv trusts the platform's certificate store (a company proxy's CA, as pip does here);
# older uv versions name it UV_NATIVE_TLS
export UV_SYSTEM_CERTS=${UV_SYSTEM_CERTS:-1} UV_NATIVE_TLS=${UV_NATIVE_TLS:-1}
VENV=${VENV:-.venv}
: "${EXTRAS:?$_venv_caller sets EXTRAS before sourcing scripts/venv.sh}"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "$_venv_caller: $PYTHON is $("$PYTHON" --version 2>&1); Python 3.11 or newer is needed" >&2
    exit 1
fi
if [[ ! -x $VENV/bin/python ]]; then
    if ! "$PYTHON" -m venv "$VENV"; then
        echo "$_venv_caller: '$PYTHON -m venv' failed; on Debian install python3-venv" >&2
        exit 1
    fi
fi
"$VENV/bin/python" -m uv --version >/dev/null 2>&1 ||
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check uv
"$VENV/bin/python" -m uv pip install --quiet --python "$VENV/bin/python" -e ".[$EXTRAS]"
