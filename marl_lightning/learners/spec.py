"""What a learner declares about itself, for the code around it: the data module reads which batches to serve,
the checkpoint code which parts to keep, the resume check which settings may not change.

A learner class sets `spec = LearnerSpec(...)` (`Learner.spec`); an instance whose settings change what it needs
(an imitation learner given a critic also needs windows of rewards) sets its own in `__init__`. Nothing outside
`learners/` keeps a list about learners: a new learner is its own file and its config (`docs/extending.md`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STREAMS = ("replay", "rollout", "demonstrations")  # the kinds of batches the data module serves by name

# what the data module decides, linked into the learners that take it (`cli.MARLCLI`), and so saved with a
# learner's settings whether it takes them or not (`loading.rebuild` leaves out those it does not)
LINKED_FROM_DATA = ("obs_shape", "n_agents", "planes", "burn_in", "n_step", "rollout_length", "epochs", "minibatches")

# settings every learner's weights fit: a resume may not change them (`runs.check_resumable`)
SHAPE_SETTINGS = ("obs_shape", "n_agents", "planes")


@dataclass(frozen=True)
class LearnerSpec:
    """What a learner needs and holds.

    Args:
        stream: the batches it learns from (`data.streams`): `replay` (windows of `data.replay`, sampled after each
            collection), `rollout` (each fresh on-policy rollout, turned into samples by the learner's
            `prepare_rollout`, `data.onpolicy`), `demonstrations` (a teacher's moves, `data.demonstrations`), or a
            `data.streams.Stream` subclass of its own, for data of another kind (docs/extending.md).
        value_windows: with `demonstrations`, also `data.demonstrations.value_batch_size` windows of `data.replay.n_step` steps with their
            rewards a batch (`TrainingBatch.windows`), for a critic; the demonstrations' rewards must then be the run's.
        frozen: parts (attributes, `None` where a setting leaves one out) that never train: target networks, a
            frozen clone; their parameters are kept out of autograd when training is set up.
        learning_only: parts needed to learn, not to play (targets, clones, critics): a checkpoint without them
            still loads to play, and `loading.slim_checkpoint` drops them.
        value: of `learning_only`, what a play-time lookahead scores with (`slim_checkpoint(keep_value=True)`).
        fixed_settings: its settings (beyond `SHAPE_SETTINGS`) that its weights fit, so a resume may not change them.
        short_name: the name older configs and checkpoints gave it (`learner: mappo`), kept for reading them.
    """

    stream: Any = "replay"  # a name in STREAMS, or a `data.streams.Stream` subclass
    value_windows: bool = False
    frozen: tuple[str, ...] = ()
    learning_only: tuple[str, ...] = ()
    value: tuple[str, ...] = ()
    fixed_settings: tuple[str, ...] = ()
    short_name: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.stream, str) and self.stream not in STREAMS:
            raise ValueError(f"LearnerSpec.stream must be one of {STREAMS} or a data.streams.Stream subclass, got {self.stream!r}")
        if not isinstance(self.stream, (str, type)):
            raise TypeError(f"LearnerSpec.stream must be a name or a Stream class, got {self.stream!r}")
        if self.value_windows and self.stream != "demonstrations":
            raise ValueError("LearnerSpec.value_windows is for a learner of demonstrations (stream='demonstrations')")
        if not set(self.value) <= set(self.learning_only):
            raise ValueError(f"LearnerSpec.value {self.value} must be parts of learning_only {self.learning_only}")

    @property
    def uses_rewards(self) -> bool:
        """Whether it learns from rewards (so demonstrations it reads must have been rewarded as the run rewards)."""
        return self.stream != "demonstrations" or self.value_windows

    @property
    def resume_fixed(self) -> tuple[str, ...]:
        """The settings a resume may not change."""
        return SHAPE_SETTINGS + self.fixed_settings

    @property
    def learning_only_keys(self) -> tuple[str, ...]:
        """`("target_agents.", ...)`: the state-dict keys of the parts needed to learn, not to play."""
        return tuple(f"{part}." for part in self.learning_only)

    @property
    def value_keys(self) -> tuple[str, ...]:
        """The state-dict keys of the parts a play-time lookahead scores with."""
        return tuple(f"{part}." for part in self.value)
