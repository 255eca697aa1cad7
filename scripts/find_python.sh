#!/usr/bin/env bash
# Print a Python 3.10 interpreter: $PYTHON, else python3.10 on PATH, else pyenv's 3.10.
set -euo pipefail
ok() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; }
for candidate in "${PYTHON:-}" "$(command -v python3.10 || true)" \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10 2>/dev/null | sort -V -r); do
  if [ -n "$candidate" ] && ok "$candidate"; then echo "$candidate"; exit 0; fi
done
echo "error: Rasa 3.6 needs Python 3.10. Install it (e.g. 'pyenv install 3.10.13' or Debian/Ubuntu 'apt-get install python3.10 python3.10-venv'), or set PYTHON=/path/to/python3.10." >&2
exit 1
