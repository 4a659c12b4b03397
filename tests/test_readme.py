"""The Python snippets of the README and of `docs/` run as written, in reading order, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import ROOT, short_training_run


# the order a reader follows: a page's snippets may use what an earlier page's defined
PAGES = ["README.md", "docs/environments.md", "docs/opponents.md", "docs/training.md", "docs/evaluation.md",
         "docs/performance.md", "docs/testing.md", "docs/extending.md"]


def test_every_page_is_in_the_reading_order():
    pages = {"README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))}
    with_snippets = {p for p in pages if "```python" in (ROOT / p).read_text()}
    assert with_snippets <= set(PAGES), with_snippets - set(PAGES)


def test_readme_has_no_placeholders():
    text = "".join((ROOT / p).read_text() for p in ["README.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))])
    placeholders = set(re.findall(r"\b[A-Z]{4,}_(?:TABLE|RESULTS?|FIGURES?)\b|\bTODO\b|\bTBD\b", text))
    assert not placeholders  # e.g. a TOURNAMENT_TABLE left unfilled


def test_readme_snippets_run(monkeypatch, tmp_path):
    blocks = [(page, block) for page in PAGES
              for block in re.findall(r"```python\n(.*?)```", (ROOT / page).read_text(), flags=re.S)]
    assert len(blocks) >= 6
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    namespace: dict = {"CHECKPOINT": str(short_training_run(tmp_path, steps=3))}
    for page, block in blocks:
        # outputs the snippets write go to a temporary folder, not the checkout
        exec(compile(block.replace('"runs/', f'"{tmp_path}/'), page, "exec"), namespace)
    assert (tmp_path / "game.gif").is_file() and (tmp_path / "game.txt").is_file()
