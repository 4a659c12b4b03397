"""The README's Python snippets run as written, in order, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_snippets_run(monkeypatch, tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    namespace: dict = {}
    for block in blocks:
        # outputs the snippets write go to a temporary folder, not the checkout
        exec(compile(block.replace('"runs/', f'"{tmp_path}/'), "README.md", "exec"), namespace)
    assert (tmp_path / "game.gif").is_file() and (tmp_path / "game.txt").is_file()
