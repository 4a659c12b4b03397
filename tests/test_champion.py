"""The champion team we ship: it loads with weights_only, plays both colours and any map size, and exports."""

from __future__ import annotations

import numpy as np
import torch

from agents.match import play_match
from marl_lightning import load_policy
from marl_lightning.play.evaluation import make_entrant
from marl_lightning.play.export import export
from gymPacMan.planes import plane_scales
from gymPacMan.rules import BLUE, RED

from helpers import ROOT

CHAMPION = ROOT / "teams" / "champion.ckpt"


def test_the_champion_is_small_and_loads_safely():
    assert CHAMPION.stat().st_size < 5e6
    checkpoint = torch.load(CHAMPION, weights_only=True)
    assert not any(k.startswith("target_") for k in checkpoint["state_dict"])
    policy = load_policy(CHAMPION)
    assert policy.network.size_free  # fully convolutional: plays a map of any size, not only 20 x 20


def test_the_champion_beats_random_on_bloxcapture_in_both_colours(tmp_path):
    blue = play_match(make_entrant(str(CHAMPION), BLUE), "random", "bloxCapture", 16, num_envs=16, seed=31)
    red = play_match("random", make_entrant(str(CHAMPION), RED), "bloxCapture", 16, num_envs=16, seed=32)
    assert blue["blue_wins"] >= 14 and red["red_wins"] >= 14
    assert export(CHAMPION, tmp_path / "team").is_file()


def test_the_champion_beats_random_on_an_unseen_maze_of_another_size():
    blue = play_match(make_entrant(str(CHAMPION), BLUE), "random", "smallCapture", 8, num_envs=8, seed=33)
    assert blue["blue_wins"] >= 7


def test_the_champion_plays_the_recorded_moves():
    """A faster network must compute the same function: the champion's Q-values and moves on 60 recorded
    states (bloxCapture, random mazes and smallCapture padded beside them; `tests/data/champion_moves.npz`,
    recorded with the network as shipped) are what they were."""
    recorded = np.load(ROOT / "tests" / "data" / "champion_moves.npz")
    policy = load_policy(CHAMPION)
    scales = torch.tensor(plane_scales(policy.planes), dtype=torch.float32)[:, None, None]
    obs = torch.from_numpy(recorded["obs"]) * scales  # (60, 2, C, 20, 20)
    q, _ = policy.q_values(obs)
    torch.testing.assert_close(q, torch.from_numpy(recorded["q"]), atol=1e-4, rtol=1e-4)
    actions, _ = policy.act(obs, torch.from_numpy(recorded["legal"]))
    assert torch.equal(actions, torch.from_numpy(recorded["actions"]))
