"""The self-play league: snapshots join a capped pool, games are drawn by the sampling rule, results
move the Elo ratings and PFSP weights, and the pool survives a checkpoint."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest
import torch

from agents import MixtureTeam, PolicyTeam
from gymPacMan import VecCaptureEnv
from marl_lightning import CaptureDataModule, load_policy
from marl_lightning.data.league import League, LeagueConfig
from marl_lightning.learners import LearnerSpec

from helpers import config_args, configured_data, short_training_run


class Learner:
    """What the league needs of a LightningModule: `policy()`, the greedy team of the live networks (and, as every
    learner, the `spec` the data module reads)."""

    spec = LearnerSpec()

    def __init__(self, policy):
        self._policy = policy

    def policy(self):
        return self._policy


@pytest.fixture(scope="module")
def learner(tmp_path_factory) -> Learner:
    return Learner(load_policy(short_training_run(tmp_path_factory.mktemp("league"), "--data.layouts=[tinyCapture]", steps=5)))


def league_with_pool(**settings) -> League:
    league = League(LeagueConfig(**settings))
    league.pool = MixtureTeam({}, {}, team=0, seed=0)
    return league


def test_the_pool_plays_its_share_of_the_games_once_it_holds_a_snapshot():
    league = league_with_pool(share=0.25)
    assert league.game_weights() == {"opponents": 1.0, "league": 0.0}  # an empty pool plays no games
    still = PolicyTeam(lambda obs, legal: np.full(legal.shape[:-1], 4), team=league.pool.team, name="still")
    league.pool.add(still, "still")
    assert league.game_weights() == {"opponents": 0.75, "league": 0.25}


def test_snapshots_are_frozen_copies_in_a_capped_pool(learner):
    league = league_with_pool(every_n_steps=10, pool_size=2, sampling="latest")
    assert not league.maybe_snapshot(5, learner)
    assert league.maybe_snapshot(10, learner) and league.maybe_snapshot(25, learner) and not league.maybe_snapshot(30, learner)
    assert league.maybe_snapshot(35, learner) and [s["step"] for s in league.snapshots] == [25, 35]  # the oldest left
    assert league.pool.names == ["snapshot@25", "snapshot@35"]
    live = learner.policy().network
    snapshot = league.pool.members()[0].policy.network
    assert snapshot is not live and not any(p.requires_grad for p in snapshot.parameters())
    with torch.no_grad():
        next(live.parameters()).add_(1.0)  # the learner trains on; the snapshot does not change
    assert not torch.equal(next(live.parameters()), next(snapshot.parameters()))
    np.testing.assert_allclose(league.pool.probabilities, [1 / 3, 2 / 3])  # latest first: each older half as likely


def test_sampling_rules_and_elo(learner):
    league = league_with_pool(every_n_steps=1, pool_size=3, sampling="pfsp")
    for step in (1, 2, 3):
        league.maybe_snapshot(step, learner)
    np.testing.assert_allclose(league.sampling_weights(), [0.25, 0.25, 0.25])  # no games yet: (1 - 1/2)^2
    before = league.pool.games.copy(), league.pool.lost.copy()
    league.pool.games[:] = [10, 10, 10]
    league.pool.lost[:] = [9, 5, 0]  # the learner beat snapshot 0 nine times, snapshot 2 never
    league.record(*before)
    weights = league.pool.probabilities
    assert weights[2] > weights[1] > weights[0]  # PFSP: the snapshot the learner loses to comes most
    assert league.elo < 1500 and league.snapshots[0]["elo"] < 1500 < league.snapshots[2]["elo"]  # it won 14 of 30
    assert league.stats()["league/win_rate_vs_pool"] == pytest.approx(14 / 30)
    uniform = league_with_pool(every_n_steps=1, pool_size=3, sampling="uniform")
    uniform.maybe_snapshot(1, learner), uniform.maybe_snapshot(2, learner)
    np.testing.assert_allclose(uniform.pool.probabilities, [0.5, 0.5])
    with pytest.raises(ValueError, match="sampling must be one of"):
        LeagueConfig(sampling="best")


def test_the_settings_are_typed_and_checked_when_parsed(capsys):
    """`data.league` from a config file is the `LeagueConfig` built in Python; an unknown key or sampling rule is
    refused by the parser, naming it; a bad value names its key and value; the hyperparameters hold a plain dict."""
    data = configured_data(*config_args("qmix_blox_selfplay.yaml"))
    expected = LeagueConfig(every_n_steps=2000, pool_size=8, share=0.3, sampling="pfsp")
    assert data.league.config == expected and data.hparams.league == asdict(expected) and type(data.hparams.league) is dict
    assert configured_data("--data.league.share=0.25", "--data.league.pool_size=3").league.config == \
        LeagueConfig(pool_size=3, share=0.25)
    assert CaptureDataModule(league={"share": 0.25, "pool_size": 3}).league.config == LeagueConfig(pool_size=3, share=0.25)
    with pytest.raises(SystemExit):
        configured_data("--data.league.unknown", "1")
    assert "unknown key data.league.unknown" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        configured_data("--data.league={every_n_step: 5}")
    assert "unknown key data.league.every_n_step (not a setting of LeagueConfig); did you mean data.league.every_n_steps" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        configured_data("--data.league.sampling=best")
    err = capsys.readouterr().err
    assert "data.league.sampling takes one of 'uniform', 'latest', 'pfsp', got 'best'" in err
    with pytest.raises(ValueError, match=r"data\.league\.share .*must be in \(0, 1\), got share=1.5"):
        configured_data("--data.league={share: 1.5}")
    with pytest.raises(ValueError, match=r"data\.league\.pool_size must be at least 1, got pool_size=0"):
        LeagueConfig(pool_size=0)
    with pytest.raises(ValueError, match=r"sampling must be one of uniform, latest, pfsp, got sampling='best'"):
        LeagueConfig(sampling="best")
    with pytest.raises(TypeError, match="every"):  # a mapping from Python: its keys are the fields
        CaptureDataModule(league={"every": 5})


def test_pool_games_are_counted_for_the_snapshot_that_played_them(learner):
    pool = MixtureTeam({}, {}, team=0, seed=0)
    pool.add(PolicyTeam(learner.policy(), team=0, name="a"), "a")
    pool.add(PolicyTeam(learner.policy(), team=0, name="b"), "b")
    env = VecCaptureEnv("tinyCapture", num_envs=8, opponent=pool, length=20, seed=0)
    env.reset()
    assignment = pool.assignment.copy()
    for _ in range(20):
        env.step(np.full((8, 2), 4))
    assert pool.games.sum() == 8  # every game ended at the time limit and was counted once
    np.testing.assert_array_equal(pool.games, np.bincount(assignment, minlength=2))
    assert pool.lost.sum() == 0  # blue stood still: it never won


def test_a_training_run_with_a_league_and_its_resume(tmp_path):
    """Snapshots join during training, the pool plays its share, and the checkpoint restores the pool:
    the same snapshots (weights equal), Elo and counts."""
    ckpt = short_training_run(tmp_path, "--data.layouts=[tinyCapture]", "--data.length=20",
                              "--data.league={every_n_steps: 5, pool_size: 2, share: 0.5, sampling: pfsp}", steps=40)
    checkpoint = torch.load(ckpt, weights_only=True)  # plain values only: the settings are kept as a dict
    assert checkpoint["datamodule_hyper_parameters"]["league"] == {"every_n_steps": 5, "pool_size": 2, "share": 0.5,
                                                                    "sampling": "pfsp", "pfsp_power": 2.0}
    saved = checkpoint["CaptureDataModule"]  # Lightning keeps it under the class name
    league_state = saved["ranks"][0]["league"]
    assert [s["step"] for s in league_state["snapshots"]] == [30, 35] and len(league_state["weights"]) == 2
    assert int(league_state["games"].sum()) > 0  # games of 30 steps ended against the pool
    data = CaptureDataModule(layouts=["tinyCapture"], num_envs=8, length=20,
                             league={"every_n_steps": 5, "pool_size": 2, "share": 0.5, "sampling": "pfsp"})
    data.trainer = type("T", (), {"lightning_module": Learner(load_policy(ckpt)), "world_size": 1, "global_rank": 0,
                                  "global_step": 16, "strategy": type("S", (), {"root_device": torch.device("cpu")})})()
    data.load_state_dict(saved)
    data.setup("fit")
    restored = data.league
    assert [s["step"] for s in restored.snapshots] == [30, 35] and restored.elo == pytest.approx(league_state["elo"])
    for member, weights in zip(restored.pool.members(), league_state["weights"]):
        for name, value in member.policy.network.state_dict().items():
            assert torch.equal(value, weights[name])
