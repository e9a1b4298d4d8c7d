#!/usr/bin/env bash
# Set-up command 2: create .venv if needed, install the test extra, run the test suite.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" test
exec python -m pytest "$@"
