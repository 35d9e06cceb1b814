#!/bin/sh
# Prints the path of Autobahn's `wstest`, first installing autobahntestsuite (which runs only
# on Python 2.7) into a cached virtualenv if it is not there yet.
#
# Exit status 3 means no Python 2.7 interpreter was found: the caller skips, loudly.
# Cache: ${PETREL_CACHE:-~/.cache/petrel}/autobahn-py27.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${PETREL_CACHE:-$HOME/.cache/petrel}
venv=$cache/autobahn-py27

if [ -x "$venv/bin/wstest" ]; then
    echo "$venv/bin/wstest"
    exit 0
fi

python27=
for candidate in "${PYTHON27:-}" python2.7 "$HOME"/.pyenv/versions/2.7*/bin/python; do
    [ -n "$candidate" ] || continue
    path=$(command -v "$candidate" 2>/dev/null) || continue
    if "$path" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))' 2>/dev/null; then
        python27=$path
        break
    fi
done
if [ -z "$python27" ]; then
    echo "no Python 2.7 found (tried \$PYTHON27, python2.7, ~/.pyenv/versions/2.7*)" >&2
    exit 3
fi

mkdir -p "$cache"
# Python 2.7 has no venv module, and virtualenv stopped creating 2.7 environments in 20.22,
# so an older virtualenv runs from a small Python 3 environment of its own.
tools=$cache/virtualenv-py3
if [ ! -x "$tools/bin/virtualenv" ]; then
    python3 -m venv "$tools" >&2
    "$tools/bin/pip" install -q 'virtualenv<20.22' >&2
fi
# A half-made environment (an interrupted run) has no wstest yet and is made again.
rm -rf "$venv"
"$tools/bin/virtualenv" -q -p "$python27" "$venv" >&2
# Pinned: the versions the expected results were recorded with.
if ! "$venv/bin/pip" install -q -r "$here/requirements.txt" >&2; then
    rm -rf "$venv"
    echo "installing autobahntestsuite failed" >&2
    exit 1
fi
echo "$venv/bin/wstest"
