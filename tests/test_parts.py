"""Composable parts: mixers and networks injected by class_path, one policy interface, layered configs,
an engine that knows no team, and a data module and learner that do not reach into each other."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
import torch

from agents import PolicyTeam
from agents.match import play_match
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.rules import BLUE, RED
from marl_lightning import CaptureDataModule, GreedyPolicy, ValueDecompositionModule, load_policy
from marl_lightning.cli import MARLCLI
from marl_lightning.config_layers import stack, with_config_files
from marl_lightning.data import TrainingBatch
from marl_lightning.play.evaluation import make_entrant

from helpers import config_args, shipped_config

ROOT = Path(__file__).resolve().parents[1]

USER_MIXER = """
import torch
from torch import nn
from marl_lightning import Mixer


class WeightedSumMixer(Mixer):
    # Q_tot = sum_a softplus(w_a) * Q_a + b(s): monotonic, with a state-dependent bias

    def __init__(self, n_agents, state_shape, scale: float = 1.0):
        super().__init__(n_agents, state_shape)
        self.scale = scale
        self.weight = nn.Parameter(torch.zeros(n_agents))
        self.bias = nn.Linear(state_shape[0], 1)

    def forward(self, agent_qs, state):
        return self.scale * (nn.functional.softplus(self.weight) * agent_qs).sum(1) + self.bias(state.mean((2, 3)))[:, 0]
"""

USER_EXPLORATION = """
from marl_lightning.exploration import EpsilonGreedy


class StepEpsilon(EpsilonGreedy):
    # epsilon `start` for the first `at` environment steps, `end` after: a schedule of one's own

    metric = "train/step_epsilon"

    def __init__(self, start: float = 1.0, end: float = 0.1, at: int = 100):
        super().__init__(start, end)
        self.at = at

    def rate(self, env_steps):
        return self.start if env_steps < self.at else self.end
"""


def cli_fit(tmp_path: Path, *extra: str, steps: int = 8) -> MARLCLI:
    return MARLCLI(ValueDecompositionModule, CaptureDataModule, save_config_callback=None, args=[
        "fit", "--config", str(ROOT / "configs" / "algo" / "qmix.yaml"), f"--trainer.max_steps={steps}", "--trainer.logger=false",
        "--trainer.callbacks=[]", "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp_path}",
        "--data.num_envs=4", "--data.replay.warmup=32", "--data.batch_size=16", "--data.length=40", *extra,
    ])

USER_LEARNER = """
import torch
from marl_lightning.learners import Learner
from marl_lightning.networks import AgentQNetworks
from marl_lightning.policy import EpsilonGreedyPolicy, GreedyPolicy


class MyLearner(Learner):
    \"\"\"One-step Q-learning of the agents' summed values on the team reward: a learner of one's own.\"\"\"

    train_metric_names = ("loss", "grad_norm")

    def __init__(self, n_agents: int = 2, obs_shape: tuple[int, int, int] = (8, 20, 20), planes: list[str] = [],
                 n_step: int = 1, gamma: float = 0.9, lr: float = 0.001, grad_clip: float = 10.0):
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.agents = AgentQNetworks(n_agents, tuple(obs_shape), channels=[8], hidden=16)

    def policy(self):
        return GreedyPolicy(self.agents, self.hparams.obs_shape, self.hparams.planes)

    def exploration_policy(self, generator):
        return EpsilonGreedyPolicy(self.agents, self.hparams.obs_shape, self.hparams.planes, lambda: 0.5, generator)

    def training_step(self, batch, batch_idx):
        self.count(batch)
        sample, state = batch.sample, self.agents.initial_state(batch.sample["obs"].shape[0], self.device)
        q, _ = self.agents(sample["obs"][:, 0], state)
        with torch.no_grad():
            after, _ = self.agents(sample["obs"][:, 1], state)
        taken = q.gather(-1, sample["action"][:, 0].long().unsqueeze(-1)).squeeze(-1).sum(-1)
        alive = 1.0 - sample["terminated"][:, 0].float()
        loss = torch.nn.functional.mse_loss(taken, sample["reward"][:, 0] + self.hparams.gamma * alive * after.amax(-1).sum(-1))
        self.record({"loss": loss})
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
"""


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module of the user's own, importable as `my_parts`, outside the project."""
    folder = tmp_path / "user_code"
    folder.mkdir()
    (folder / "my_parts.py").write_text(textwrap.dedent(USER_MIXER) + USER_LEARNER + USER_EXPLORATION)
    monkeypatch.syspath_prepend(str(folder))
    yield "my_parts"
    sys.modules.pop("my_parts", None)


def test_a_users_mixer_trains_by_class_path_alone_and_its_checkpoint_plays(tmp_path, user_module):
    cli = cli_fit(tmp_path, f"--model.mixer.class_path={user_module}.WeightedSumMixer", "--model.mixer.init_args.scale=2.0")
    mixer = cli.model.mixer
    assert type(mixer).__name__ == "WeightedSumMixer" and mixer.scale == 2.0 and mixer.state_shape == (16, 6, 12)
    assert not torch.equal(mixer.weight, torch.zeros(2))  # it was trained
    checkpoint = next(tmp_path.glob("**/*.ckpt"))
    saved = torch.load(checkpoint, weights_only=True)["hyper_parameters"]["mixer"]
    assert saved == {"class_path": "my_parts.WeightedSumMixer", "init_args": {"scale": 2.0}}
    policy = load_policy(checkpoint)
    assert isinstance(policy, GreedyPolicy)
    result = play_match(PolicyTeam(policy, BLUE), "random", ["tinyMaze"], games=4, num_envs=4, length=40)
    assert result["blue_wins"] + result["ties"] + result["red_wins"] == 4


def test_a_users_learner_trains_by_class_path_with_the_linked_settings_and_its_checkpoint_plays(tmp_path, user_module):
    cli = MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, args=[
        "fit", f"--model.class_path={user_module}.MyLearner", "--model.gamma=0.8", "--data.planes=[time]", "--trainer.max_steps=4",
        "--trainer.callbacks=[]", "--trainer.enable_progress_bar=false", f"--trainer.default_root_dir={tmp_path}",
        f"--trainer.logger=[{{class_path: lightning.pytorch.loggers.CSVLogger, init_args: {{save_dir: '{tmp_path}', name: auto}}}}]",
        "--data.num_envs=4", "--data.replay.warmup=32", "--data.batch_size=16", "--data.length=40"])
    model = cli.model
    assert type(model).__name__ == "MyLearner" and cli.trainer.global_step == 4
    assert model.hparams.obs_shape == (9, 6, 12) and model.hparams.planes == ["time"]  # linked from the data module
    assert cli.datamodule.shaper.gamma == 0.8  # and its discount into the data's shaping
    assert cli.trainer.logger.name == "mylearner__tinyMaze__random__0"  # named by the learner's class
    checkpoint = next(tmp_path.glob("**/*.ckpt"))
    assert torch.load(checkpoint, weights_only=True)["learner"] == f"{user_module}.MyLearner"
    result = play_match(PolicyTeam(load_policy(checkpoint), BLUE), "random", ["tinyMaze"], games=4, num_envs=4, length=40)
    assert result["blue_wins"] + result["ties"] + result["red_wins"] == 4


def test_a_users_exploration_trains_by_class_path_alone_and_its_checkpoint_loads(tmp_path, user_module):
    cli = cli_fit(tmp_path, f"--model.exploration.class_path={user_module}.StepEpsilon",
                  "--model.init_args.exploration.init_args.at", "40", "--model.exploration.init_args.end=0.2")
    exploration = cli.model.exploration
    assert type(exploration).__name__ == "StepEpsilon" and (exploration.start, exploration.end, exploration.at) == (1.0, 0.2, 40)
    assert int(cli.model.env_steps) > 40 and cli.model.exploration_rate == 0.2
    assert cli.model.logged_scalars()["train/step_epsilon"] == 0.2  # logged under its own name
    checkpoint = next(tmp_path.glob("**/*.ckpt"))
    saved = torch.load(checkpoint, weights_only=True)["hyper_parameters"]["exploration"]
    assert saved == {"class_path": "my_parts.StepEpsilon", "init_args": {"start": 1.0, "end": 0.2, "at": 40}}
    from marl_lightning.checkpoint_files import read_checkpoint
    from marl_lightning.loading import rebuild

    assert rebuild(read_checkpoint(checkpoint), checkpoint).exploration.rate(39) == 1.0
    assert isinstance(load_policy(checkpoint), GreedyPolicy)


def test_an_exploration_that_is_no_exploration_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli_fit(tmp_path, "--model.exploration.class_path=torch.nn.Identity")
    assert "torch.nn.Identity does not correspond to a subclass of Exploration" in capsys.readouterr().err
    with pytest.raises(ValueError, match="EpsilonGreedy: decay_steps must be .* got 0"):  # refused before anything trains
        cli_fit(tmp_path, "--model.exploration.init_args.decay_steps=0")


def test_a_mixer_that_is_no_mixer_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli_fit(tmp_path, "--model.mixer.class_path=torch.nn.Identity")
    assert "Expected 'torch.nn.Identity' to be a subclass of <class 'Mixer'>" in capsys.readouterr().err


def test_mixer_null_is_iql_and_aliases_still_work(tmp_path):
    assert cli_fit(tmp_path / "iql", "--model.mixer=null", steps=2).model.mixer is None
    assert type(cli_fit(tmp_path / "vdn", "--model.mixer=vdn", steps=2).model.mixer).__name__ == "VDNMixer"


def test_the_network_is_injected_too(tmp_path):
    cli = cli_fit(tmp_path, "--model.network.init_args.channels=[4]", "--model.network.init_args.hidden=8", steps=2)
    conv = cli.model.agents.nets[0].encoder.net[0]
    assert conv.out_channels == 4 and cli.model.agents.nets[0].head[0].out_features == 8
    policy = load_policy(next(tmp_path.glob("**/*.ckpt")))  # rebuilt from the checkpoint's own configuration
    assert policy.network.nets[0].encoder.net[0].out_channels == 4


# -- one greedy player ---------------------------------------------------------------------------------


class CountingPolicy:
    """Stop; the state counts each game's steps since it began, so resets are visible."""

    def __init__(self):
        self.seen: list[torch.Tensor] = []

    def initial_state(self, num_games: int) -> torch.Tensor:
        return torch.zeros(num_games, 2, 1)

    def act(self, obs, legal, state):
        self.seen.append(state[:, 0, 0].clone())
        return torch.full(obs.shape[:2], 4), state + 1


@pytest.mark.parametrize("team", [BLUE, RED])
def test_policy_team_keeps_each_games_state_and_clears_it_when_the_game_starts(team):
    policy = CountingPolicy()
    me = PolicyTeam(policy, team)
    env = VecCaptureEnv("tinyMaze", num_envs=3, opponent=me if team == RED else "random", length=5, seed=0)
    env.reset()
    me.reset(env.state, np.arange(3))
    for _ in range(7):
        if team == BLUE:
            actions = me.act(env.state, engine.legal_actions(env.state), env.rng)
            _, _, _, _, info = env.step(actions)
            if len(info["episodes"]):
                me.reset(env.state, info["episodes"].env_index)
        else:
            env.step(np.full((3, 2), 4))
    steps = torch.stack(policy.seen)[:, 0].tolist()
    assert steps == [0, 1, 2, 3, 4, 0, 1]  # games of 5 steps: the state restarts with the next game


def test_one_greedy_player_everywhere(tmp_path):
    cli = cli_fit(tmp_path, steps=2)
    checkpoint = next(tmp_path.glob("**/*.ckpt"))
    assert type(cli.model.policy()) is GreedyPolicy  # evaluation games on the live module
    assert type(load_policy(checkpoint)) is GreedyPolicy  # load_policy, export
    assert type(make_entrant(str(checkpoint), RED).policy) is GreedyPolicy  # evaluate, tournament, watch
    from marl_lightning.play import export as export_module

    assert "GreedyActor" not in dir(sys.modules["marl_lightning.learners.value_decomposition"])
    assert export_module.load_policy is load_policy


# -- layers and layered configs -----------------------------------------------------------------------


def test_the_game_imports_no_team():
    sources = sorted((ROOT / "gymPacMan").glob("**/*.py"))
    offending = [str(p) for p in sources if re.search(r"^\s*(from|import) agents", p.read_text(), re.M)]
    assert sources and not offending
    check = ("import sys, numpy as np\nfrom gymPacMan import VecCaptureEnv\n"
             "class Stand:\n    team, name, time_limit = 0, 'stand', 300\n"
             "    def reset(self, state, games): pass\n    def act(self, state, legal, rng): return np.full((state.num_games, 2), 4)\n"
             "    def state_dict(self): return {}\n    def load_state_dict(self, d): pass\n"
             "env = VecCaptureEnv('tinyMaze', 2, Stand()); env.reset(); env.step(np.zeros((2, 2), int))\n"
             "assert 'agents' not in sys.modules, 'the engine imported the teams'\n")
    subprocess.run([sys.executable, "-c", check], check=True, cwd=ROOT)


def test_team_names_come_from_the_installed_team_factory():
    from gymPacMan.opponents import resolve_opponent, team_factories

    from agents import make_team

    assert make_team in team_factories()
    assert type(resolve_opponent("baselineTeam", team=RED)).__name__ == "BaselineTeam"


def test_configs_are_a_base_and_small_layers(capsys):
    base = leaves(yaml.safe_load((ROOT / "configs" / "base.yaml").read_text()))
    assert not any(key.startswith("model") for key in base)  # the learner and its defaults are an algorithm's layer
    assert sorted(p.name for p in (ROOT / "configs").iterdir()) == ["algo", "base.yaml", "env", "recipe"]
    names = [p.stem for p in (ROOT / "configs").glob("*/*.yaml")]
    assert len(names) == len(set(names)) >= 20  # a bare name (`--config qmix_blox`) finds one file
    for path in sorted((ROOT / "configs").glob("*/*.yaml")):
        layer = leaves(yaml.safe_load(path.read_text()))
        below = dict(base)  # what the layer goes on top of: base.yaml, and the layers it names (theirs first)
        for lower in stack(path)[:-1]:
            below.update(leaves(yaml.safe_load(lower.read_text())))
        if path.parent.name == "env":
            assert not any(key.startswith("model") for key in layer), f"{path.name}: an environment layer sets no learner"
        else:
            assert "model.class_path" in {**below, **layer}, f"{path.name} names no learner (model.class_path), nor does a layer below"
        if path.parent.name == "recipe":
            folders = {lower.parent.name for lower in stack(path)[:-1]}
            assert {"algo", "env"} <= folders, f"{path.name}: a recipe composes an algorithm and an environment, got {folders}"
        repeated = [key for key, value in layer.items() if below.get(key, object()) == value and not key.endswith("class_path")
                    and key != "layers" and same_classes(key, layer, below)]
        assert not repeated, f"{path.name} repeats what a layer below holds: {repeated}"
        assert len(layer) <= 30, f"{path.name} sets {len(layer)} values: a layer should change a few"
    with pytest.raises(SystemExit):
        MARLCLI(datamodule_class=CaptureDataModule, args=["fit", *config_args("qmix_rnn"), "--data.num_envs=5", "--print_config"])
    out = capsys.readouterr().out
    assert "tau: 0.01" in out and "max_steps: 6000" in out  # from algo/qmix.yaml and base.yaml
    assert "sequence_length: 8" in out and "class_path: marl_lightning.mixers.QMixer" in out  # from qmix_rnn.yaml, qmix.yaml
    assert "recurrent: true" in out and "channels:\n        - 16\n        - 32\n        - 32" in out  # init_args merged
    assert "num_envs: 5" in out  # from the command line, last


def test_a_recipe_reads_its_layers_first_each_once(tmp_path, capsys):
    """recipe/qmix_maze stacks on recipe/qmix_blox and env/maze, both of which stack on env/blox: env/blox is read
    once, before qmix_blox, so qmix_blox's values stand and env/maze's replace env/blox's."""
    files = [p.relative_to(ROOT / "configs").as_posix() for p in stack(shipped_config("qmix_maze"))]
    assert files == ["algo/qmix.yaml", "env/blox.yaml", "recipe/qmix_blox.yaml", "env/maze.yaml", "recipe/qmix_maze.yaml"]
    args = with_config_files(["fit", "--config", "algo/qmix", "--config", "qmix_maze", "--config=algo/qmix"])
    read = [Path(a).relative_to(ROOT / "configs").as_posix() for a in args if a.endswith(".yaml")]
    assert read == ["algo/qmix.yaml", "env/blox.yaml", "recipe/qmix_blox.yaml", "env/maze.yaml", "recipe/qmix_maze.yaml",
                    "algo/qmix.yaml"]  # a file the command line names is read where it is named, even again
    args = with_config_files(["fit", "--config", "recipe/qmix_blox", "--config", "recipe/qmix_maze"])
    read = [Path(a).relative_to(ROOT / "configs").as_posix() for a in args if a.endswith(".yaml")]
    assert read == ["algo/qmix.yaml", "env/blox.yaml", "recipe/qmix_blox.yaml", "env/maze.yaml", "recipe/qmix_maze.yaml"]
    mine = tmp_path / "mine.yaml"  # a user's recipe: shipped layers by name, their own files by path
    (tmp_path / "fast.yaml").write_text("model:\n  init_args:\n    lr: 0.003\n")
    mine.write_text("layers: [algo/vdn, env/ladder, fast.yaml]\ndata:\n  num_envs: 6\n")
    with pytest.raises(SystemExit):
        MARLCLI(datamodule_class=CaptureDataModule, args=["fit", "--config", str(mine), "--print_config"])
    out = capsys.readouterr().out
    assert "mixer: vdn" in out and "lr: 0.003" in out and "zero_sum: true" in out and "num_envs: 6" in out
    mine.write_text("layers: [algo/nosuch]\n")
    with pytest.raises(FileNotFoundError, match="stacks on layer 'algo/nosuch'"):
        MARLCLI(datamodule_class=CaptureDataModule, args=["fit", "--config", str(mine), "--print_config"])
    mine.write_text("layers: [mine.yaml]\n")
    with pytest.raises(ValueError, match="cycle"):
        with_config_files(["--config", str(mine)])


def test_an_environment_alone_trains_the_default_learner(capsys):
    with pytest.raises(SystemExit):
        MARLCLI(datamodule_class=CaptureDataModule, args=["fit", "--config", "env/ladder", "--print_config"])
    out = capsys.readouterr().out
    assert "class_path: marl_lightning.learners.ValueDecompositionModule" in out and "zero_sum: true" in out


def same_classes(key: str, layer: dict, below: dict) -> bool:
    """Whether every `class_path` above `key` (`model.init_args.mixer.init_args.embed`: the model's and the mixer's)
    stays what the layers below name: an `init_args` value of another class repeats nothing."""
    parts = key.split(".")
    paths = [".".join(parts[:i] + ["class_path"]) for i, part in enumerate(parts) if part == "init_args"]
    return all(layer.get(path, below.get(path)) == below.get(path) for path in paths)


WHOLE = ("data.opponent", "data.layouts")  # weighted mixtures: a layer's replaces the one below whole, not key by key


def leaves(tree: dict, prefix: str = "") -> dict:
    """`{"model.network.init_args.hidden": 64, ...}`: a YAML tree's values by dotted key (lists and mixtures are values)."""
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict) and f"{prefix}{key}" not in WHOLE:
            out.update(leaves(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def test_a_config_file_stacks_on_another(tmp_path, capsys):
    mine = tmp_path / "mine.yaml"
    mine.write_text("model:\n  init_args:\n    lr: 0.0003\ndata:\n  layouts: smallMaze\n")
    with pytest.raises(SystemExit):
        MARLCLI(datamodule_class=CaptureDataModule, args=["fit", *config_args("vdn"), "--config", str(mine), "--print_config"])
    out = capsys.readouterr().out
    assert "lr: 0.0003" in out and "layouts: smallMaze" in out and "mixer: vdn" in out


# -- the data module and the learner stay apart ---------------------------------------------------------


def test_the_stream_hands_the_step_its_counts_results_and_priorities(tmp_path):
    cli = cli_fit(tmp_path, "--data.replay.prioritized=true", steps=6)
    data, module = cli.datamodule, cli.model
    # 32 warm-up transitions of 4 games: 8 vector steps and one for a whole window, then 2 per gradient
    # step; the learner counts them
    assert int(module.env_steps) == (8 + 1 + 2 * 6) * 4
    batch = next(iter(data.train_dataloader()))
    assert isinstance(batch, TrainingBatch) and batch.replay is data.buffer
    assert batch.env_steps == 2 * 4 and set(batch.episodes) <= {"episode_return", "win", "tie", "score", "food_returned", "length"}
    assert int(module.env_steps) == (8 + 1 + 2 * 6) * 4  # the stream itself changes nothing in the learner
    batch.report_td_error(torch.full((16,), 3.0))  # what the training step does with its TD errors
    priorities = data.buffer.priority[batch.sample["index"][:, 0], batch.sample["index"][:, 1]]
    torch.testing.assert_close(priorities, torch.full((16,), (3.0 + 1e-6) ** 0.6, dtype=priorities.dtype))


def test_a_command_line_that_names_no_learner_trains_the_default_recipe():
    """`marl fit --trainer.max_steps 20` (no --config): base.yaml, then qmix.yaml, QMIX on tinyMaze."""
    cli = MARLCLI(datamodule_class=CaptureDataModule, save_config_callback=None, run=False, args=[
        "--trainer.callbacks=[]", "--trainer.logger=false", "--data.num_envs=2"])
    assert type(cli.model).__name__ == "ValueDecompositionModule" and type(cli.model.mixer).__name__ == "QMixer"
    assert cli.datamodule.hparams.layouts == "tinyMaze"
