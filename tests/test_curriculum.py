"""Opponent curricula and entrants: stages advance on their gates, games follow the stage's opponents and
layouts with a share kept against earlier stages, and a resumed run stays in its stage."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pytest

from agents import MixtureTeam, PolicyTeam
from marl_lightning import CaptureDataModule
from marl_lightning.data.curriculum import Curriculum, CurriculumConfig, StageConfig
from marl_lightning.entrants import make_entrant

from helpers import config_args, configured_data

STAGES = [
    {"opponents": {"random": 1.0}, "layouts": ["tinyCapture"], "until_env_steps": 1000},
    {"opponents": {"random": 0.5, "baseline": 0.5}, "until_win_rate": 0.8},
    {"opponents": {"heuristic": 1.0}},
]


def test_weights_keep_a_share_for_the_earlier_stages():
    curriculum = Curriculum(CurriculumConfig(STAGES, keep_earlier=0.2))
    assert curriculum.entrants() == ["random", "baseline", "heuristic"]
    assert curriculum.opponent_weights() == {"random": 1.0, "baseline": 0.0, "heuristic": 0.0}
    curriculum.stage = 1
    assert curriculum.opponent_weights() == pytest.approx({"random": 0.4 + 0.2, "baseline": 0.4, "heuristic": 0.0})
    curriculum.stage = 2
    # 0.8 heuristic; 0.2 split between stage 0 (random) and stage 1 (random 0.5, baseline 0.5)
    assert curriculum.opponent_weights() == pytest.approx({"random": 0.1 + 0.05, "baseline": 0.05, "heuristic": 0.8})
    assert sum(curriculum.opponent_weights().values()) == pytest.approx(1.0)


def test_gates_advance_on_steps_or_on_a_fresh_win_rate_against_each_stage_opponent():
    curriculum = Curriculum(CurriculumConfig(STAGES))
    assert not curriculum.update(env_steps=999, step=10, metrics={})
    assert curriculum.update(env_steps=1000, step=12, metrics={})
    assert curriculum.stage == 1 and "1000 environment steps" in curriculum.history[0]["reason"]
    # an evaluation from before the stage began does not count, however good
    stale = {"eval/at_step": 12.0, "eval/win_rate/random": 1.0, "eval/win_rate/baseline": 1.0}
    assert not curriculum.update(5000, 20, stale)
    # both of the stage's opponents must be beaten, not their mean
    assert not curriculum.update(5000, 30, {"eval/at_step": 30.0, "eval/win_rate/random": 1.0, "eval/win_rate/baseline": 0.7})
    assert curriculum.update(5000, 40, {"eval/at_step": 40.0, "eval/win_rate/random": 0.9, "eval/win_rate/baseline": 0.8})
    assert curriculum.stage == 2 and not curriculum.update(10**9, 10**6, {"eval/at_step": 1e6, "eval/win_rate": 1.0})  # the last stays
    # a stage whose opponents the evaluation does not play gates on the mean win rate
    mean_only = Curriculum(CurriculumConfig(stages=[{"opponents": {"search": 1.0}, "until_win_rate": 0.5}, {"opponents": {"random": 1.0}}]))
    assert mean_only.update(0, 5, {"eval/at_step": 5.0, "eval/win_rate": 0.6})


def test_a_stage_counts_its_environment_steps_from_its_own_start():
    curriculum = Curriculum(CurriculumConfig([StageConfig({"random": 1.0}, until_env_steps=1000),
                                              StageConfig({"baseline": 1.0}, until_env_steps=500), StageConfig({"heuristic": 1.0})]))
    assert curriculum.update(1000, 10, {})
    assert not curriculum.update(1499, 20, {})  # 499 steps into stage 1
    assert curriculum.update(1500, 30, {}) and curriculum.history[-1]["reason"] == "500 environment steps"


def test_bad_curricula_are_named():
    with pytest.raises(TypeError, match="keep"):  # a mapping from Python: its keys are the fields
        CaptureDataModule(layouts=["tinyCapture"], curriculum={"stages": STAGES, "keep": 0.1})
    with pytest.raises(ValueError, match="non-negative weights"):
        StageConfig(opponents={})
    with pytest.raises(ValueError, match=r"keep_earlier must be in \[0, 1\), got keep_earlier=1.0"):
        CurriculumConfig(STAGES, keep_earlier=1.0)
    with pytest.raises(ValueError, match="data.layouts"):
        CaptureDataModule(layouts=["smallCapture"], curriculum={"stages": STAGES})
    ranged = [{"opponents": {"random": 1.0}, "layouts": ["contest_1..3"]}]
    assert Curriculum(CurriculumConfig(ranged)).stage_layouts[0] == ["contest_1", "contest_2", "contest_3"]
    assert CurriculumConfig(ranged).stages[0].layouts == ["contest_1..3"]  # the settings as given
    CaptureDataModule(layouts=["contest_1..5"], curriculum={"stages": ranged})  # a range on both sides
    with pytest.raises(ValueError, match=r"\['contest_3'\].*does not hold"):
        CaptureDataModule(layouts=["contest_1..2"], curriculum={"stages": ranged})
    with pytest.raises(ValueError, match="not both"):
        CaptureDataModule(layouts=["tinyCapture"], opponent="baseline", curriculum={"stages": STAGES})


def test_the_settings_are_typed_and_checked_when_parsed(tmp_path, capsys):
    """`data.curriculum` from a config file is the `CurriculumConfig` built in Python; a misspelt key is refused
    by the parser, naming it; a bad value names its key and value; the hyperparameters hold plain dicts."""
    data = configured_data(*config_args("qmix_blox_curriculum.yaml"))
    expected = CurriculumConfig([StageConfig({"random": 1.0}, until_win_rate=0.9),
                                 StageConfig({"random": 0.3, "baseline": 0.7}, until_win_rate=0.75),
                                 StageConfig({"baseline": 0.6, "heuristic": 0.4})], keep_earlier=0.2)
    assert data.curriculum.config == expected
    assert data.hparams.curriculum == asdict(expected) and type(data.hparams.curriculum["stages"][0]) is dict
    # from Python, a mapping is converted to the same settings
    assert CaptureDataModule(layouts="bloxCapture", curriculum=asdict(expected)).curriculum.config == expected
    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text("data:\n  curriculum:\n    keep_erlier: 0.1\n    stages:\n      - {opponents: {random: 1.0}}\n")
    with pytest.raises(SystemExit):
        configured_data("--config", str(misspelt))
    assert "unknown key data.curriculum.keep_erlier" in capsys.readouterr().err  # and the nearest: keep_earlier
    with pytest.raises(SystemExit):
        configured_data("--data.curriculum={stages: [{opponents: {random: 1.0}, until_winrate: 0.5}]}")
    assert "until_winrate" in capsys.readouterr().err
    with pytest.raises(ValueError, match="opponents={}"):
        configured_data("--data.curriculum={stages: [{opponents: {random: 1.0}}, {opponents: {}}]}")
    with pytest.raises(ValueError, match="until_win_rate=1.5"):
        configured_data("--data.curriculum={stages: [{opponents: {random: 1.0}, until_win_rate: 1.5}]}")
    with pytest.raises(ValueError, match=r"stages must hold at least one stage"):
        configured_data("--data.curriculum={stages: []}")
    with pytest.raises(ValueError, match=r"until_env_steps=0"):
        StageConfig({"random": 1.0}, until_env_steps=0)
    with pytest.raises(ValueError, match=r"contest_5\.\.1.*is empty"):
        StageConfig({"random": 1.0}, layouts=["contest_5..1"])


def test_games_follow_the_stage_and_a_restored_module_stays_in_it():
    data = CaptureDataModule(layouts=["tinyCapture", "smallCapture"], num_envs=32, curriculum={"stages": STAGES, "keep_earlier": 0.25})
    data.setup("fit")
    env = data.collector.env
    mixture = env.opponent
    assert isinstance(mixture, MixtureTeam) and mixture.names == ["random", "baseline", "heuristic"]
    assert {env.layout_name(g) for g in range(env.num_envs)} == {"tinyCapture.lay"}  # stage 0 plays only its layout
    assert set(mixture.assignment.tolist()) == {0}
    data.curriculum.update(1000, 1, {})
    data._apply_stage(env)
    env.reset()
    counts = np.bincount(mixture.assignment, minlength=3)
    assert counts[2] == 0 and counts[0] > counts[1] > 0  # random 0.625, baseline 0.375
    assert {env.layout_name(g) for g in range(env.num_envs)} == {"tinyCapture.lay", "smallCapture.lay"}
    saved = data.state_dict()
    restored = CaptureDataModule(layouts=["tinyCapture", "smallCapture"], num_envs=32, curriculum={"stages": STAGES, "keep_earlier": 0.25})
    restored.load_state_dict(saved)
    restored.setup("fit")
    assert restored.curriculum.stage == 1
    np.testing.assert_allclose(restored.collector.env.opponent.probabilities, mixture.probabilities)
    np.testing.assert_array_equal(restored.collector.env.opponent.assignment, mixture.assignment)


def test_a_checkpoint_is_an_entrant_and_a_mixture_member(tmp_path):
    from helpers import short_training_run

    checkpoint = short_training_run(tmp_path, steps=5)
    mixture = make_entrant({str(checkpoint): 0.5, "random": 0.5}, team=0, seed=0)
    assert isinstance(mixture, MixtureTeam) and isinstance(mixture.members()[0], PolicyTeam)
    data = CaptureDataModule(layouts=["tinyMaze"], num_envs=8, opponent={str(checkpoint): 1.0})
    data.setup("fit")
    assert isinstance(data.collector.env.opponent.members()[0], PolicyTeam)
