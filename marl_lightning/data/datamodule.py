"""The data side of training: environments, replay buffer and the data module that serves the stream of sampled
batches (`streams`, each a `batch.TrainingBatch`)."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Mapping, Sequence

import lightning as L
import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_info, rank_zero_warn
from tensordict import TensorDict
from torch.utils.data import DataLoader

from agents import MixtureTeam
from gymPacMan import VecCaptureEnv
from gymPacMan.layout_names import expand_layout_names
from gymPacMan.planes import check_planes, num_channels
from gymPacMan.rules import RED, RewardConfig
from gymPacMan.vec_env import RANDOM_LAYOUT_SHAPE, resolve_layouts

from ..entrants import make_entrant
from ..learners.spec import LearnerSpec
from .curriculum import Curriculum, CurriculumConfig
from .demonstrations import DemoSource, GameSettings
from .league import League, LeagueConfig
from .onpolicy import RolloutBuffer
from .replay import ReplayBuffer
from .rewards import RewardShaper
from .rollout import Collector
from .settings import DemonstrationsConfig, ReplayConfig, RewardSettings, RolloutConfig, make_group
from .streams import ImitationStream, OnPolicyStream, ReplayStream, Stream, as_is


STREAMS: dict[str, type[Stream]] = {"replay": ReplayStream, "rollout": OnPolicyStream, "demonstrations": ImitationStream}


def training_layouts(layouts: str | Sequence[str] | Mapping[str, float]) -> tuple[list[str], np.ndarray | None]:
    """The layouts a run trains on, ranges written out (`contest_1..50`), and the probability of each when a
    game starts (`None`: all alike). `{layout: weight}` weighs them; a range's weight is shared by its mazes."""
    if isinstance(layouts, str):
        layouts = [layouts]
    if not isinstance(layouts, Mapping):
        return [str(l) for l in expand_layout_names(list(layouts))], None
    names, weights = [], []
    for entry, weight in layouts.items():
        if not float(weight) >= 0:
            raise ValueError(f"data.layouts weights must be non-negative numbers, got {entry}: {weight!r}")
        expanded = expand_layout_names([entry])
        names += [str(l) for l in expanded]
        weights += [float(weight) / len(expanded)] * len(expanded)
    total = sum(weights)
    if not names or total <= 0:
        raise ValueError(f"data.layouts needs at least one layout with a positive weight, got {dict(layouts)}")
    return names, np.array(weights) / total


class CaptureDataModule(L.LightningDataModule):
    """Environments, rewards and replay for training the blue team.

    The games' own settings are arguments of their own; the rest come in typed groups (`data.settings`: `rewards`,
    `replay`, `rollout`, `demonstrations`; and `curriculum`, `league`), which the command line and config files are
    checked against (`--data.replay.n_step=3`, `data.replay: {n_step: 3}`); from Python a group may also be given as a
    mapping of its fields, converted (and checked) the same way.

    Args:
        layouts: training layouts (names, paths, ranges of generated mazes such as `contest_1..50`, or the
            streams `random`, `contest_random` and `berkeley_random`, a fresh maze per game); each game's drawn uniformly, or,
            given as `{layout: weight}`, with those weights (`{bloxCapture: 0.5, contest_random: 0.5}`).
            Sizes are padded to the largest.
        num_envs: games played at once.
        opponent: the red team: any entrant (`marl_lightning.entrants`: a team name, a team file, a
            contest team file, a checkpoint), or `{entrant: weight}`: each game's drawn from those when
            it starts (`agents.MixtureTeam`).
        length: time limit of a game.
        planes: extra observation planes after the course's 8 channels (`gymPacMan.planes`: `time`, `score`,
            the maze's distance fields, ...), for the agents and so for the mixer's state.
        seed: environment seed (each DDP rank adds its rank); `None` (the default): the run's `seed_everything`
            (`marl fit` sets it, so a seed is given once), or 0 where no run sets it.
        batch_size: windows (or demonstrations' steps) per gradient step.
        rewards: how rewards are made (`settings.RewardSettings`: the course's switches, zero-sum, shaping, gamma).
        replay: a replay learner's memory and collection (`settings.ReplayConfig`: buffer size, prioritized,
            windows, n-step, warm-up, replay ratio).
        rollout: an on-policy learner's rollouts (`settings.RolloutConfig`: length, epochs, minibatches).
        demonstrations: a teacher's games to learn from (`settings.DemonstrationsConfig`: file, share, DAgger,
            flip).
        curriculum: stages of opponents (and layouts) the games move through on win-rate or step gates
            (`data.curriculum`; `data.curriculum.CurriculumConfig`: `{stages, keep_earlier}`, each stage a
            `StageConfig`: `{opponents, layouts, until_win_rate, until_env_steps}`); it replaces `opponent`.
        league: a self-play league, frozen snapshots of the learner playing `share` of the games (`data.league`;
            `data.league.LeagueConfig`: `{every_n_steps, pool_size, share, sampling, pfsp_power}`).
        replay_device: where the replay buffer (or an on-policy learner's rollout, or the demonstrations) lives and
            is sampled: `"auto"` (the default), the trainer's device (a GPU's memory, so a batch never crosses to
            it); or `"cpu"`, `"cuda"`, ...
    """

    # settings a resumed run cannot change: the games and opponents whose state the checkpoint holds, the replay
    # buffer's layout, the observations the weights fit, and the seed the run is named by (`runs.check_resumable`)
    FIXED_SETTINGS = ("layouts", "num_envs", "opponent", "curriculum", "league", "planes", "length", "seed", "replay.buffer_size",
                      "replay.prioritized", "replay.sequence_length", "replay.burn_in", "replay.n_step")

    def __init__(self, layouts: str | Sequence[str] | dict[str, float] = "tinyMaze", num_envs: int = 32,
                 opponent: str | dict[str, float] = "random", length: int = 300, planes: Sequence[str] = (),
                 seed: int | None = None, batch_size: int = 128, rewards: RewardSettings = RewardSettings(),
                 replay: ReplayConfig = ReplayConfig(), rollout: RolloutConfig = RolloutConfig(),
                 demonstrations: DemonstrationsConfig = DemonstrationsConfig(), curriculum: CurriculumConfig | None = None,
                 league: LeagueConfig | None = None, replay_device: str = "auto"):
        super().__init__()
        self.save_hyperparameters(logger=False)  # the loggers get the whole config once (cli.LoggedConfigCallback)
        self.layouts, self.layout_weights = training_layouts(layouts)
        resolved = resolve_layouts(self.layouts)  # fails early, naming a bad layout
        sizes = [RANDOM_LAYOUT_SHAPE if isinstance(l, str) else (l.height, l.width) for l in resolved]
        self.grid_shape = (max(h for h, _ in sizes), max(w for _, w in sizes))
        self.planes = list(check_planes(planes))  # a list, as in the saved hyperparameters (the model gets it linked)
        self.obs_shape = (num_channels(self.planes), *self.grid_shape)  # (C, H, W) of an agent's observation, linked into the model
        self.n_agents = 2
        self.num_envs, self.opponent, self.length, self.batch_size = num_envs, opponent, length, batch_size
        # typed settings (a mapping from Python is converted); the hyperparameters keep them as plain dicts, so
        # that checkpoints load with weights_only=True and a resume compares them (`runs.check_resumable`)
        rewards, self.replay, self.rollout, self.demo_settings = (
            make_group(name, value) for name, value in
            (("rewards", rewards), ("replay", replay), ("rollout", rollout), ("demonstrations", demonstrations)))
        for name, value in (("rewards", rewards), ("replay", self.replay), ("rollout", self.rollout),
                            ("demonstrations", self.demo_settings)):
            self.hparams[name] = asdict(value)
        curriculum = CurriculumConfig(**curriculum) if isinstance(curriculum, Mapping) else curriculum
        league = LeagueConfig(**league) if isinstance(league, Mapping) else league
        self.hparams.curriculum = None if curriculum is None else asdict(curriculum)
        self.hparams.league = None if league is None else asdict(league)
        self.curriculum = None if curriculum is None else Curriculum(curriculum)
        if self.curriculum is not None:
            if opponent != "random":
                raise ValueError(f"give data.opponent ({opponent!r}) or data.curriculum, not both: a curriculum names its opponents")
            self.curriculum.check_layouts(self.layouts)
        self.league = None if league is None else League(league)
        self._pool_counts: tuple[np.ndarray, np.ndarray] | None = None  # the pool's game counts at the last update
        self.scripted = None  # the opponents that are not the league's pool (a mixture with a curriculum)
        limit_is_terminal = "time" in self.planes if rewards.limit_is_terminal is None else rewards.limit_is_terminal
        self.rewards = replace(rewards, limit_is_terminal=limit_is_terminal)  # resolved: as a demonstrations file records it
        self.shaper = RewardShaper(rewards.zero_sum, rewards.potential_shaping, rewards.gamma, limit_is_terminal,
                                   rewards.value_shaping)
        # what the learners take linked (`learners.spec.LINKED_FROM_DATA`), and what the streams read
        self.burn_in, self.n_step, self.window = self.replay.burn_in, self.replay.n_step, self.replay.window
        self.rollout_length, self.epochs, self.minibatches = self.rollout.length, self.rollout.epochs, self.rollout.minibatches
        trained = batch_size * self.replay.sequence_length  # transitions trained on per gradient step
        ratio = self.replay.replay_ratio
        self.vector_steps_per_update = self.replay.steps_per_update if ratio is None else trained / (ratio * num_envs)
        self._credit = 0.0  # fractions of a vector step owed to collection, carried over
        self.seed = 0 if seed is None else seed
        self.replay_device = replay_device if replay_device == "auto" else str(torch.device(replay_device))  # fails early on a bad name
        self.demos: DemoSource | None = None
        self.buffer: ReplayBuffer | None = None
        self.collector: Collector | None = None
        self._pending_state: dict | None = None  # a checkpoint's data, loaded before `setup`

    def steps_to_collect(self) -> int:
        """Vector steps to play before the next gradient step: the replay ratio's share, and at first
        enough to fill the buffer with `warmup` transitions and windows to sample."""
        self._credit += self.vector_steps_per_update
        steps = int(self._credit)
        self._credit -= steps
        warmup = max(self.replay.warmup - len(self.buffer), 0)
        if warmup:
            steps += int(np.ceil(warmup / self.num_envs)) + self.window
        return steps

    def setup(self, stage: str) -> None:
        if self.collector is not None:
            return
        seed = self.seed + self._rank()  # DDP ranks play different games and draw differently
        opponent = self.opponent if self.curriculum is None else {name: 1.0 for name in self.curriculum.entrants()}
        self.scripted = opponent = make_entrant(opponent, team=RED, seed=seed)
        if self.league is not None:  # the pool joins the opponents; it plays once it holds a snapshot
            self.league.pool = MixtureTeam({}, {}, team=RED, seed=seed)  # empty until the first snapshot
            opponent = MixtureTeam({"opponents": self.scripted, "league": self.league.pool}, {"opponents": 1.0, "league": 0.0},
                                   team=RED, seed=seed)
        env = VecCaptureEnv(self.layouts, self.num_envs, opponent, length=self.length, seed=seed,
                            rewards=RewardConfig(legal_action=self.rewards.reward_for_legal_action, defence=self.rewards.defence_reward),
                            planes=self.planes, encoded=True)
        env.layout_weights = self.layout_weights
        if self.curriculum is not None:
            self._apply_stage(env)  # before the collector starts the first games
        # one generator for replay draws and one for exploration, apart from torch's global one, so
        # that nothing else (a model's initialisation, a DataLoader) shifts them, and both are saved
        spec = self._learner_spec()
        stream = self._stream_class()
        if stream.memory == "rollout":  # the rollout of the moment, not a replay memory
            self.buffer = RolloutBuffer(self.num_envs, self.epochs, self.minibatches, device=self._replay_device(),
                                        generator=torch.Generator().manual_seed(2 * seed))
        else:
            replay = self.replay
            self.buffer = ReplayBuffer(replay.buffer_size, self.num_envs, replay.prioritized, replay.alpha, replay.beta,
                                       device=self._replay_device(), generator=torch.Generator().manual_seed(2 * seed))
        self.collector = Collector(env, self.buffer, self.shaper, self.rewards.limit_is_terminal,
                                   generator=torch.Generator().manual_seed(2 * seed + 1))
        if self.demo_settings.wanted or stream.demonstrations:
            self.demos = self.demo_source(seed, spec.uses_rewards)
        if self._pending_state is not None:
            self._restore(self._pending_state)
            self._pending_state = None

    def sample_replay(self) -> TensorDict:
        """A batch of windows from replay, `demo_share` of them from the demonstrations (flagged `demo`)."""
        demo = int(round(self.batch_size * self.demo_settings.share))
        sample = self.buffer.sample(self.batch_size - demo, self.window)
        sample["demo"] = torch.zeros(sample.batch_size[0], dtype=torch.bool, device=sample.device)
        if not demo:
            return sample
        demos = self.demos.sample(demo, self.window)
        demos["demo"] = torch.ones(demo, dtype=torch.bool, device=demos.device)
        demos["priority_weight"] = torch.ones(demo, device=demos.device)
        return torch.cat([sample, demos.select(*sample.keys())], dim=0)

    def demo_source(self, seed: int, uses_rewards: bool) -> DemoSource:
        """The run's demonstrations (`data.demonstrations`: a file, DAgger rounds), as its games, rewards and planes make them."""
        games = GameSettings(self.layouts, self.layout_weights, self.opponent, self.length, self.grid_shape, tuple(self.planes))
        demos = self.demo_settings
        return DemoSource(demos.file, demos.dagger, self._replay_device(), seed, self.rewards, uses_rewards, games, demos.flip)

    def train_dataloader(self) -> DataLoader:
        return DataLoader(self._stream_class()(self), batch_size=None, num_workers=0, collate_fn=as_is)

    def _stream_class(self) -> type[Stream]:
        """The stream the learner's spec names: a built-in kind by name, or a `Stream` subclass of its own."""
        stream = self._learner_spec().stream
        return STREAMS[stream] if isinstance(stream, str) else stream

    def _learner_spec(self) -> LearnerSpec:
        """What the learner declares it needs (`learners.spec`); a replay learner's without a trainer."""
        learner = self.trainer.lightning_module if self.trainer is not None else None
        return learner.spec if learner is not None else LearnerSpec()

    # -- the curriculum -----------------------------------------------------------------------
    def _apply_stage(self, env: VecCaptureEnv) -> None:
        self.scripted.set_weights(self.curriculum.opponent_weights())
        stage = self.curriculum.layout_weights(self.layouts)
        env.layout_weights = self.layout_weights if stage is None else stage

    def advance_curriculum(self) -> dict[str, float]:
        """Move to the next stage when its gate is met (`data.curriculum`); the stage, for the logs."""
        if self.curriculum is None:
            return {}
        trainer = self.trainer
        step = trainer.global_step if trainer is not None else 0
        metrics = {}  # the evaluations' win rates, read (from the device) once every logging interval
        if trainer is not None and step % max(trainer.log_every_n_steps, 1) == 0:
            metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("eval/")}
        env_steps = trainer.lightning_module.env_steps_collected if trainer is not None else 0  # the learner counts them
        if self.curriculum.update(env_steps, step, metrics):
            self._apply_stage(self.collector.env)
            last = self.curriculum.history[-1]
            rank_zero_info(f"curriculum: stage {last['stage']} ended after {last['reason']} (gradient step {step}, "
                           f"{env_steps} environment steps); now stage {self.curriculum.stage}: "
                           f"{self.curriculum.opponent_weights()}")
        return {"curriculum/stage": float(self.curriculum.stage)}

    # -- the self-play league -----------------------------------------------------------------
    def update_league(self) -> dict[str, float]:
        """Count the pool games that ended, add a snapshot when one is due, and give the pool its share
        of the games once it holds one (`data.league`); the league's figures, for the logs."""
        if self.league is None:
            return {}
        league, pool = self.league, self.league.pool
        league.record(*(self._pool_counts or (pool.games.copy(), pool.lost.copy())))
        step = self.trainer.global_step if self.trainer is not None else 0
        if league.maybe_snapshot(step, self.trainer.lightning_module):
            rank_zero_info(f"league: snapshot of step {step} joins the pool ({len(pool.members())} of {league.config.pool_size})")
        self._pool_counts = (pool.games.copy(), pool.lost.copy())
        self.collector.env.opponent.set_weights(league.game_weights())
        return league.stats()

    # -- checkpoints ----------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Each rank's games in progress, opponents' memory, generators, and (with `save_buffer`) the
        replay buffer, so that a resumed run goes on exactly as the uninterrupted one would have."""
        if self.collector is None:
            return {}
        local = {"collector": self.collector.state_dict(), "credit": self._credit}
        if self.curriculum is not None:
            local["curriculum"] = self.curriculum.state_dict()
        if self.league is not None:
            local["league"] = self.league.state_dict()
        if self.demos is not None:
            local["demos"] = self.demos.state_dict()
        if self.replay.save_buffer or isinstance(self.buffer, RolloutBuffer):  # a rollout is small, and needed to resume an update
            local["buffer"] = self.buffer.state_dict()
        else:
            local["buffer_generator"] = self.buffer.generator.get_state()
        ranks = [local]
        if self.trainer is not None and self.trainer.world_size > 1 and torch.distributed.is_initialized():
            ranks = [None] * self.trainer.world_size  # every rank saves through rank 0's checkpoint
            torch.distributed.all_gather_object(ranks, local)
        return {"ranks": ranks}

    def load_state_dict(self, state_dict: dict) -> None:
        if self.collector is None:
            self._pending_state = state_dict  # restored in `setup`
        else:
            self._restore(state_dict)

    def _restore(self, state_dict: dict) -> None:
        ranks = state_dict.get("ranks", [])
        rank, world = self._rank(), self.trainer.world_size if self.trainer is not None else 1
        if len(ranks) != world:
            rank_zero_warn(f"the checkpoint holds the data of {len(ranks)} process(es), this run has {world}: "
                           "the games and the replay buffer start afresh")
            return
        local = ranks[rank]
        if self.curriculum is not None and "curriculum" in local:
            self.curriculum.load_state_dict(local["curriculum"])
            self._apply_stage(self.collector.env)  # before the games (and the opponents' draws) are restored
        if self.league is not None and "league" in local:  # the snapshots, before the games that play them
            self.league.load_state_dict(local["league"], self.trainer.lightning_module)
            self._pool_counts = (self.league.pool.games.copy(), self.league.pool.lost.copy())
        self.collector.load_state_dict(local["collector"])
        if self.demos is not None and "demos" in local:
            self.demos.load_state_dict(local["demos"])
        self._credit = float(local.get("credit", 0.0))
        if "buffer" in local:
            self.buffer.load_state_dict(local["buffer"])
        else:
            self.buffer.generator.set_state(local["buffer_generator"])

    def _replay_device(self) -> torch.device:
        if self.replay_device != "auto":
            return torch.device(self.replay_device)
        return self.trainer.strategy.root_device if self.trainer is not None else torch.device("cpu")

    def _rank(self) -> int:
        return self.trainer.global_rank if self.trainer is not None else 0
