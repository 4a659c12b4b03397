"""Evaluation, tournaments and watching games between built-in teams and checkpoints."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import imageio.v3 as iio
import numpy as np
import pytest

from agents import StatelessPolicy
from marl_lightning import EvaluationCallback, callbacks
from marl_lightning.play.evaluation import head_to_head, wilson_interval
from marl_lightning.play.evaluation import main as evaluate_main
from marl_lightning.play.tournament import elo_ratings, round_robin
from marl_lightning.play.tournament import main as tournament_main
from marl_lightning.play.watch import main as watch_main

from helpers import short_training_run


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return short_training_run(tmp_path_factory.mktemp("eval"), "--data.layouts=[tinyMaze, smallMaze]")


def test_wilson_interval():
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.404, abs=0.001) and high == pytest.approx(0.596, abs=0.001)


BLUE_ONLY_TEAM = """
import numpy as np
from agents import Team, make_team


class BlueOnlyTeam(Team):
    \"\"\"Plays the heuristic team as blue and stands still as red: its results tell the colours apart.\"\"\"

    def __init__(self, team):
        super().__init__(team)
        self.inner = make_team("heuristic", team=team) if team == 1 else None

    def reset(self, state, games):
        if self.inner is not None:
            self.inner.reset(state, games)

    def act(self, state, legal, rng):
        if self.inner is None:
            return np.full((state.num_games, 2), 4)
        return self.inner.act(state, legal, rng)


def create_team(team, **kwargs):
    return BlueOnlyTeam(team)
"""


def test_head_to_head_counts_both_colours_from_the_first_entrants_side():
    result = head_to_head("heuristic", "random", ["smallMaze"], games=20, length=100)
    assert result["wins"] + result["ties"] + result["losses"] == 20
    assert result["wins"] >= 18 and result["mean_score"] > 0  # heuristic beats random, whatever its colour
    low, high = result["win_rate_95ci"]
    assert low <= result["win_rate"] <= high


def test_half_the_games_are_played_in_each_colour(tmp_path):
    team_file = tmp_path / "blueOnlyTeam.py"
    team_file.write_text(BLUE_ONLY_TEAM)
    result = head_to_head(str(team_file), "random", ["smallMaze"], games=41, length=100)
    blue, red = result["by_colour"]["blue"], result["by_colour"]["red"]
    assert (blue["games"], red["games"]) == (20, 21)
    assert blue["wins"] >= 18  # the heuristic team as blue
    assert red["wins"] == 0 and red["losses"] >= 1  # standing still as red never wins
    assert result["wins"] == blue["wins"] + red["wins"] and result["losses"] == blue["losses"] + red["losses"]


def test_food_returned_is_counted_for_the_side_that_returned_it():
    still = StatelessPolicy(lambda obs, legal: np.full(legal.shape[:-1], 4))  # never leaves home
    result = head_to_head("heuristic", still, ["smallMaze"], games=8, length=100)
    assert result["mean_food_returned"] > 0 and result["mean_food_returned_by_opponent"] == 0


class Recorder:
    """What the callback needs of a LightningModule: `log` (kept) and `policy()` (the live networks)."""

    def __init__(self):
        self.logged: dict[str, float] = {}

    def log(self, name: str, value: float, **kwargs) -> None:
        self.logged[name] = value

    def policy(self) -> str:
        return "live networks"


def test_the_win_rate_of_each_colour_is_logged_under_its_name():
    result = {"by_colour": {"blue": {"win_rate": 0.9}, "red": {"win_rate": 0.2}}, "mean_score": 1.5}
    module = Recorder()
    EvaluationCallback._log_result(module, "random", result, 0.55)
    assert module.logged == {"eval/win_rate/random": 0.55, "eval/win_rate_blue/random": 0.9,
                             "eval/win_rate_red/random": 0.2, "eval/score/random": 1.5}


def test_the_final_evaluation_plays_the_best_checkpoint(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(callbacks, "load_policy", lambda path: f"policy of {path}")
    played = []
    callback = EvaluationCallback(layouts=["tinyCapture"], final_games=4)
    monkeypatch.setattr(callback, "play", lambda team, sets, games, seed: played.append(team) or ({}, {}))
    trainer = SimpleNamespace(checkpoint_callbacks=[SimpleNamespace(best_model_path="best.ckpt")], global_step=7,
                              loggers=[], default_root_dir=str(tmp_path))
    callback.final_evaluation(trainer, Recorder())
    assert played == ["policy of best.ckpt"] and "best checkpoint best.ckpt" in capsys.readouterr().out
    trainer.checkpoint_callbacks = []  # no checkpoint kept: the live networks, and said so
    callback.final_evaluation(trainer, Recorder())
    assert played[-1] == "live networks" and "networks after 7 gradient steps" in capsys.readouterr().out


def test_evaluate_command_writes_json_and_markdown(tmp_path, checkpoint, capsys):
    rows = evaluate_main([str(checkpoint), "baseline", "--layouts", "tinyMaze", "smallMaze", "--games", "8",
                          "--length", "60", "--out", str(tmp_path)])
    assert [r["layout"] for r in rows] == ["tinyMaze", "smallMaze", "all"]
    assert rows[-1]["games"] == 16
    assert rows[-1]["by_colour"]["blue"]["games"] == rows[-1]["by_colour"]["red"]["games"] == 8
    assert rows[-1]["by_colour"]["red"]["wins"] == sum(r["by_colour"]["red"]["wins"] for r in rows[:2])
    saved = json.loads((tmp_path / "evaluation.json").read_text())
    assert saved[0]["b"] == "baseline"
    assert "| entrant | opponent | layout |" in (tmp_path / "evaluation.md").read_text()
    out = capsys.readouterr().out
    assert "win / tie / loss" in out and "| as blue | as red |" in out


def test_evaluate_and_tournaments_take_a_layout_range():
    rows = evaluate_main(["random", "random", "--layouts", "contest_1..2", "--games", "2", "--length", "5"])
    assert [r["layout"] for r in rows] == ["contest_1", "contest_2", "all"]
    assert round_robin(["random", "baseline"], ["berkeley_1..2"], games=2, length=5)["layouts"] == ["berkeley_1", "berkeley_2"]


def test_elo_orders_by_strength():
    results = [{"a": "strong", "b": "weak", "games": 100, "points": 90}, {"a": "mid", "b": "weak", "games": 100, "points": 70},
               {"a": "strong", "b": "mid", "games": 100, "points": 70}]
    elo = elo_ratings(["weak", "mid", "strong"], results)
    assert elo["strong"] > elo["mid"] > elo["weak"]
    assert sum(elo.values()) / 3 == pytest.approx(1500)


def test_tournament_league_matrix_and_heat_map(tmp_path, checkpoint):
    t = tournament_main(["random", "heuristic", str(checkpoint), "--layouts", "tinyMaze", "--games", "6",
                         "--length", "60", "--out", str(tmp_path)])
    names = t["entrants"]
    assert names[0] == "random" and len(t["league"]) == 3
    assert t["league"][0]["entrant"] == "heuristic"
    total = {row["entrant"]: row["games"] for row in t["league"]}
    assert all(n == 12 for n in total.values())  # two opponents, six games each
    m = t["matrix"]
    assert m[1][0] + m[0][1] == pytest.approx(1.0)  # points shares of a pair add up to one
    assert (tmp_path / "tournament.png").is_file() and "| rank | entrant |" in (tmp_path / "tournament.md").read_text()
    with pytest.raises(ValueError, match="must differ"):
        round_robin(["random", "random"], ["tinyMaze"], 2)


def test_watch_saves_a_gif_and_a_log_and_never_overwrites(tmp_path, checkpoint, capsys):
    gif, log = tmp_path / "game.gif", tmp_path / "game.txt"
    watch_main([str(checkpoint), "heuristic", "--layout", "tinyMaze", "--length", "30", "--gif", str(gif), "--text", str(log)])
    assert len(iio.imread(gif, index=None)) == 31 and log.read_text().count("score=") == 31
    assert "saved" in capsys.readouterr().out
    with pytest.raises(FileExistsError, match="already exists"):
        watch_main(["random", "random", "--layout", "tinyMaze", "--gif", str(gif)])


def test_unknown_entrant_is_named():
    with pytest.raises(ValueError, match="unknown team 'nobody'"):
        head_to_head("nobody", "random", ["tinyMaze"], 2)
