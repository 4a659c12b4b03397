"""The data module's settings in typed groups (`CaptureDataModule`: `rewards`, `replay`, `rollout`,
`demonstrations`, beside the games' own settings and the `curriculum` and `league`), each documented once, here.

A config gives a group as a mapping of its fields (`data.replay: {buffer_size: 200000, n_step: 3}`), or one field
at a time (`--data.replay.n_step=3`); fields left out keep their defaults. Checkpoints keep each group as a plain
dict. `grouped` reads the flat settings older versions took (`data.buffer_size`) into their groups.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Mapping

from gymPacMan.vec_env import TURNS

VIEWS = ("full", "contest")  # what a DAgger learner sees: every agent; the contest's view


@dataclass(frozen=True)
class RewardSettings:
    """How rewards are made: the course's switches and the learner's shaping (`data.rewards`); a demonstrations file
    records them, and a run reading one must make its own the same way (it checks).

    Args:
        reward_for_legal_action: the course's bonus for a legal move (with action masks every move is legal, so it
            only adds a constant; our recipes turn it off).
        defence_reward: the course's reward for sending an invading Pacman home.
        zero_sum: learn on blue's team reward minus red's.
        potential_shaping: scale of potential-based shaping on maze distances (0: off; `data.rewards`).
        value_shaping: scale of potential-based shaping on the game's value as the search team scores it,
            `score + (food carried - food the opponents carry) / 2` (0: off; zero-sum by construction).
        gamma: the learner's discount, for the shaping term (linked from `model.gamma`).
        limit_is_terminal: a game cut by the time limit ends for the learner (no bootstrapping); `None` (the
            default): exactly when the agents observe the clock (`time` in `data.planes`).
    """

    reward_for_legal_action: bool = True
    defence_reward: bool = True
    zero_sum: bool = False
    potential_shaping: float = 0.0
    value_shaping: float = 0.0
    gamma: float = 0.99
    limit_is_terminal: bool | None = None


@dataclass(frozen=True)
class ReplayConfig:
    """The replay memory of a replay learner (`data.replay.ReplayBuffer`) and how it is collected and drawn.

    Args:
        buffer_size: frames kept (about one per transition).
        prioritized: prioritized replay of windows (with `alpha`, `beta`).
        alpha: prioritization exponent of the TD errors (0: uniform).
        beta: importance-sampling correction exponent (1: full correction).
        sequence_length: steps of each window the learner trains on (1: single transitions).
        burn_in: steps before those that only warm a recurrent state up (no loss).
        n_step: steps of look-ahead for n-step targets (1: one-step TD; an imitation critic's n-step returns too);
            a window holds `burn_in + sequence_length + n_step - 1` steps.
        warmup: transitions collected before learning starts.
        replay_ratio: transitions trained on per transition collected (`batch_size * sequence_length` per gradient
            step); collection follows it (fractions carried over). `None`: `steps_per_update`.
        steps_per_update: vector steps collected per gradient step (`num_envs` transitions each), when
            `replay_ratio` is `None`.
        save_buffer: keep the replay buffer in checkpoints (large), for an exact resume.
    """

    buffer_size: int = 50_000
    prioritized: bool = False
    alpha: float = 0.6
    beta: float = 0.4
    sequence_length: int = 1
    burn_in: int = 0
    n_step: int = 1
    warmup: int = 2_000
    replay_ratio: float | None = None
    steps_per_update: int = 2
    save_buffer: bool = False

    def __post_init__(self) -> None:
        if self.sequence_length < 1 or self.burn_in < 0 or self.n_step < 1:
            raise ValueError(f"data.replay needs sequence_length >= 1, burn_in >= 0, n_step >= 1; got {self.sequence_length}, "
                             f"{self.burn_in}, {self.n_step}")

    @property
    def window(self) -> int:
        """Decision steps per sampled window."""
        return self.burn_in + self.sequence_length + self.n_step - 1


@dataclass(frozen=True)
class RolloutConfig:
    """An on-policy learner's rollouts (MAPPO: `data.onpolicy.RolloutBuffer`), linked into the model.

    Args:
        length: vector steps of every game collected per update.
        epochs: shuffled passes over each rollout.
        minibatches: parts of a pass, a gradient step each.
    """

    length: int = 32
    epochs: int = 4
    minibatches: int = 4

    def __post_init__(self) -> None:
        for name in ("length", "epochs", "minibatches"):
            if getattr(self, name) < 1:
                raise ValueError(f"data.rollout.{name} must be at least 1, got {getattr(self, name)}")


@dataclass(frozen=True)
class DaggerConfig:
    """DAgger rounds (Ross et al., 2011): every `every_n_steps` gradient steps (and before the first, when
    there are no recorded demonstrations), the learner plays `steps` environment steps against the
    training opponents, half as blue and half as red; the `teacher` labels every state its team is in,
    and the labels join the data (kept up to `capacity` steps, the oldest dropped first). In round k the
    teacher moves instead of the learner with probability `beta * beta_decay ** k` (DAgger's mixture;
    0: always the learner). `view`: what the learner sees, and what its frames store: `full` (every agent) or
    `contest` (the contest's view: opponents out of sight where a Bayes filter of the noisy distances finds them
    most likely, `agents.contest_view`); the teacher labels from the full state either way (a privileged
    teacher: the clone learns to act from what it will see in the contest). `turns`: the game the rounds are
    played in, `simultaneous` (the course's) or `contest` (turn by turn: a frame at each of the team's agents'
    turns, `marl_lightning.recording.DemoRecorder`).

    In YAML: `data.demonstrations.dagger: {teacher: search, every_n_steps: 2000, steps: 20000}`."""

    teacher: str | list[str] = "heuristic"
    every_n_steps: int = 2000
    steps: int = 20_000
    beta: float = 0.5
    beta_decay: float = 0.5
    num_envs: int = 64
    capacity: int = 1_000_000
    view: str = "full"
    turns: str = "simultaneous"

    def __post_init__(self) -> None:
        if self.view not in VIEWS:
            raise ValueError(f"data.demonstrations.dagger.view must be one of {VIEWS}, got {self.view!r}")
        if self.turns not in TURNS:
            raise ValueError(f"data.demonstrations.dagger.turns must be one of {TURNS}, got {self.turns!r}")
        if self.every_n_steps < 1 or self.steps < 1 or self.num_envs < 2 or self.num_envs % 2 or self.capacity < self.steps:
            raise ValueError(f"data.demonstrations.dagger needs every_n_steps >= 1, steps >= 1, an even num_envs >= 2 and capacity >= steps; "
                             f"got {self}")
        if not 0.0 <= self.beta <= 1.0 or not 0.0 <= self.beta_decay <= 1.0:
            raise ValueError(f"data.demonstrations.dagger's beta and beta_decay must be in [0, 1], got {self.beta} and {self.beta_decay}")


@dataclass(frozen=True)
class DemonstrationsConfig:
    """A teacher's games to learn from (`data.demonstrations`): what `ImitationModule` clones, and what a replay learner
    draws a share of each batch from (DQfD: `model.demo_margin`).

    Args:
        file: a file of a teacher's games (`marl demos`, recorded with this run's reward settings), or None.
        share: the share of each replay batch drawn from them (0: none).
        dagger: DAgger rounds for imitation (`DaggerConfig`): the learner plays, the teacher labels; or None.
        value_batch_size: windows a step for an imitation learner's critic.
        flip: the share of windows drawn turned north to south, with their moves and masks (data augmentation by a
            symmetry of the rules on every map: `gymPacMan.views.flip_north_south`; 0.5 doubles the states a clone
            sees; 0: none).
    """

    file: str | None = None
    share: float = 0.0
    dagger: DaggerConfig | None = None
    value_batch_size: int = 64
    flip: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.dagger, Mapping):  # from Python, or a checkpoint's plain dict
            object.__setattr__(self, "dagger", DaggerConfig(**self.dagger))
        if not 0.0 <= self.share < 1.0 or (self.share and self.file is None):
            raise ValueError(f"data.demonstrations.share must be in [0, 1) and needs data.demonstrations.file, got "
                             f"{self.share} with {self.file!r}")
        if not 0.0 <= self.flip <= 1.0:
            raise ValueError(f"data.demonstrations.flip must be in [0, 1], got {self.flip}")

    @property
    def wanted(self) -> bool:
        """Whether the run names demonstrations (a file or DAgger rounds)."""
        return self.file is not None or self.dagger is not None


GROUPS = {"rewards": RewardSettings, "replay": ReplayConfig, "rollout": RolloutConfig, "demonstrations": DemonstrationsConfig}

# the flat settings of older versions -> (group, field): how an older checkpoint's settings are read
MOVED: dict[str, tuple[str, str]] = {
    **{name: ("rewards", name) for name in (f.name for f in fields(RewardSettings))},
    **{name: ("replay", name) for name in (f.name for f in fields(ReplayConfig))},
    "rollout_length": ("rollout", "length"), "epochs": ("rollout", "epochs"), "minibatches": ("rollout", "minibatches"),
    "demo_share": ("demonstrations", "share"), "dagger": ("demonstrations", "dagger"),
    "value_batch_size": ("demonstrations", "value_batch_size"), "demo_flip": ("demonstrations", "flip"),
}


def grouped(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A data module's saved settings with each group as a dict of its fields: an older checkpoint's flat settings
    (`buffer_size`, `demonstrations` as a file name) moved into their groups; this version's kept as they are."""
    out = {key: value for key, value in settings.items() if key not in MOVED and key not in GROUPS}
    groups = {group: dict(settings[group]) for group in GROUPS if isinstance(settings.get(group), Mapping)}
    if "demonstrations" in settings and not isinstance(settings["demonstrations"], Mapping):
        groups["demonstrations"] = {"file": settings["demonstrations"]}  # an older checkpoint's file name
    for key, (group, name) in MOVED.items():
        if key in settings:
            groups.setdefault(group, {}).setdefault(name, settings[key])
    return {**out, **groups}


def make_group(group: str, value: Any) -> Any:
    """A group's settings as its dataclass: an instance as given, a mapping of its fields (from Python, or a
    checkpoint) converted and checked."""
    kind = GROUPS[group]
    if value is None:
        return kind()
    if isinstance(value, Mapping):
        unknown = set(value) - {f.name for f in fields(kind)}
        if unknown:
            raise ValueError(f"data.{group} has no setting(s) {sorted(unknown)}; its settings are "
                             f"{[f.name for f in fields(kind)]}")
        return kind(**value)
    if not isinstance(value, kind):
        raise TypeError(f"data.{group} must be a {kind.__name__} or a mapping of its fields, got {value!r}")
    return value
