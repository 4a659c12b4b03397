#!/usr/bin/env bash
# Create .venv and install the project with its test extras, on the CPU build of torch.
# For a GPU, install the CUDA build of torch into .venv first (see README), then run this.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -c "import torch" 2>/dev/null || python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[test]"
