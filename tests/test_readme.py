"""The README's Python snippets run as written, in order, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def short_training_run(tmp_path: Path) -> Path:
    """A checkpoint of a few gradient steps, for the snippet that loads one."""
    from marl_lightning import CaptureDataModule, ValueDecompositionModule
    from marl_lightning.cli import MARLCLI

    MARLCLI(ValueDecompositionModule, CaptureDataModule, save_config_callback=None, args=[
        "fit", "--config", str(ROOT / "configs" / "qmix.yaml"), "--trainer.max_steps=3", "--trainer.logger=false",
        "--trainer.callbacks=[]", "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp_path}",
        "--data.num_envs=4", "--data.warmup=16", "--data.batch_size=8",
    ])
    return next(tmp_path.glob("**/*.ckpt"))


def test_readme_has_no_placeholders():
    import re as _re

    text = (ROOT / "README.md").read_text() + (ROOT / "docs" / "results.md").read_text()
    placeholders = set(_re.findall(r"\b[A-Z]{4,}_(?:TABLE|RESULTS?|FIGURES?)\b|\bTODO\b|\bTBD\b", text))
    assert not placeholders  # e.g. a TOURNAMENT_TABLE left unfilled


def test_readme_snippets_run(monkeypatch, tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("GYMPACMAN_DISPLAY_DIR", str(tmp_path))
    namespace: dict = {"CHECKPOINT": str(short_training_run(tmp_path))}
    for block in blocks:
        # outputs the snippets write go to a temporary folder, not the checkout
        exec(compile(block.replace('"runs/', f'"{tmp_path}/'), "README.md", "exec"), namespace)
    assert (tmp_path / "game.gif").is_file() and (tmp_path / "game.txt").is_file()
