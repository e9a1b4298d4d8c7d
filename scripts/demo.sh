#!/usr/bin/env bash
# Set-up command 1: create .venv if needed, install, render the built-in demo patch on the farm.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
mkdir -p out
phonon-farm examples/demo.ph -o out/demo.wav --cycles 8 "$@"
echo "demo rendered: $ROOT/out/demo.wav"
