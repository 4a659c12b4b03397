"""docs/extending.md's learner with data of its own kind, run as the page writes it: one file and one config."""

from __future__ import annotations

import re
import sys

import pytest
import torch

from agents import PolicyTeam
from agents.match import play_match
from gymPacMan.rules import BLUE
from marl_lightning import load_policy
from marl_lightning.cli import MARLCLI
from marl_lightning.data import CaptureDataModule
from marl_lightning.loading import slim_checkpoint

from helpers import ROOT


def page_block(language: str, first_line: str) -> str:
    """The code block of docs/extending.md in `language` whose first line is `first_line`."""
    blocks = re.findall(rf"```{language}\n(.*?)```", (ROOT / "docs" / "extending.md").read_text(), flags=re.S)
    found = [block for block in blocks if block.startswith(first_line)]
    assert len(found) == 1, f"docs/extending.md has {len(found)} {language} blocks starting {first_line!r}"
    return found[0]


@pytest.fixture
def my_learner(tmp_path, monkeypatch):
    folder = tmp_path / "user_code"
    folder.mkdir()
    (folder / "my_learner.py").write_text(page_block("python", "# my_learner.py"))
    (folder / "my_learner.yaml").write_text(page_block("yaml", "# my_learner.yaml"))
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    sys.modules.pop("my_learner", None)


def test_the_pages_learner_with_its_own_stream_trains_from_its_file_and_config_and_its_checkpoint_plays(my_learner, tmp_path):
    seen = []
    import my_learner as module

    original = module.ReturnStream.sample

    def sample(self):  # the batches the learner gets: the stream's own fields, as the page computes them
        batch = original(self)
        seen.append(batch)
        return batch

    module.ReturnStream.sample = sample
    cli = MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, args=[
        "fit", "--config", str(my_learner / "my_learner.yaml"), "--trainer.max_steps=6", "--trainer.callbacks=[]",
        "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp_path}", "--trainer.logger=false"])
    model, data = cli.model, cli.datamodule
    assert type(model).__name__ == "ReturnQLearner" and cli.trainer.global_step == 6
    assert type(data.buffer).__name__ == "ReplayBuffer" and model.hparams.n_step == 3  # linked from data.n_step
    assert len(seen) == 6 and model.env_steps_collected > 256  # the warm-up and six collections, counted once
    batch = seen[-1]
    gamma, reward = data.shaper.gamma, batch["reward"][:, :3]
    ended = (batch["terminated"] | batch["truncated"])[:, :3]
    whole = ~ended[:, :2].any(1)  # (B,) windows inside one game: the return is the plain discounted sum
    expected = reward[:, 0] + gamma * reward[:, 1] + gamma ** 2 * reward[:, 2]
    torch.testing.assert_close(batch["return"][whole], expected[whole])
    torch.testing.assert_close(batch["discount"][whole & ~ended[:, 2]], torch.full_like(expected, gamma ** 3)[whole & ~ended[:, 2]])
    assert (batch["discount"][ended.any(1)] == 0).all()  # no bootstrap past the end of a game
    checkpoint = next(tmp_path.glob("**/*.ckpt"))
    slim = slim_checkpoint(checkpoint, tmp_path / "slim.ckpt")
    result = play_match(PolicyTeam(load_policy(slim), BLUE), "random", ["tinyMaze"], games=4, num_envs=4, length=40)
    assert result["blue_wins"] + result["ties"] + result["red_wins"] == 4


def test_a_learner_spec_names_a_stream_that_exists():
    from marl_lightning.learners import LearnerSpec

    with pytest.raises(ValueError, match="LearnerSpec.stream must be one of"):
        LearnerSpec(stream="episodes")
    with pytest.raises(ValueError, match="value_windows is for a learner of demonstrations"):
        LearnerSpec(value_windows=True)
    assert not LearnerSpec(stream="demonstrations").uses_rewards and LearnerSpec(stream="demonstrations", value_windows=True).uses_rewards
