"""An opponent curriculum: stages of opponents (and layouts) that the training games move through.

Each stage names its opponents with weights (any entrants: built-in teams, team files, contest team
files, checkpoints) and, optionally, the layouts its games are played on (some of `data.layouts`).
A stage ends when the learner's evaluation win rate against **each** of the stage's opponents that
the `EvaluationCallback` plays (else its mean win rate) reaches `until_win_rate`, measured by an
evaluation after the stage began, or after `until_env_steps` environment steps in the stage,
whichever comes first; the last stage never ends. A share `keep_earlier` of the games is kept against
the opponents of the earlier stages (each earlier stage an equal part of it), so that nothing learnt is
forgotten.

    data:
      curriculum:
        keep_earlier: 0.2
        stages:
          - {opponents: {random: 1.0}, until_win_rate: 0.9}
          - {opponents: {random: 0.3, baseline: 0.7}, until_win_rate: 0.8, until_env_steps: 5000000}
          - {opponents: {baseline: 0.5, heuristic: 0.5}}

The settings are typed (`CurriculumConfig` and its `StageConfig`s, frozen; the command line and YAML
are checked against them, an unknown or misspelt key refused by name); `Curriculum` holds them and
where training stands (the stage, when it began, the history of the stages that ended).

All stages' opponents are built once, as one `MixtureTeam`; a stage only changes its weights (and the
environment's layout weights), so a game in progress keeps its opponent and a resumed run goes on
in the stage it had reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from gymPacMan.layout_names import expand_layout_names


@dataclass(frozen=True)
class StageConfig:
    """One stage of `data.curriculum`.

    Args:
        opponents: `{entrant: weight}`: the stage's opponents (any entrants), weights non-negative with a
            positive sum (normalised).
        layouts: the layouts the stage's games are played on (some of `data.layouts`; ranges such as
            `contest_1..5` allowed); `None`: all of `data.layouts`, as weighted there.
        until_win_rate: the stage ends once an evaluation after it began wins this often (in (0, 1])
            against each of its opponents that the evaluation plays (else on the mean win rate).
        until_env_steps: the stage ends after this many environment steps in it (at least 1).
    """

    opponents: dict[str, float]
    layouts: list[str] | None = None
    until_win_rate: float | None = None
    until_env_steps: int | None = None

    def __post_init__(self):
        weights = list(self.opponents.values()) if isinstance(self.opponents, Mapping) else None
        if not weights or any(not float(w) >= 0 for w in weights) or sum(weights) <= 0:
            raise ValueError(f"data.curriculum: a stage's opponents must be {{entrant: weight}} with non-negative weights "
                             f"and a positive sum, got opponents={self.opponents!r}")
        if self.layouts is not None:
            if isinstance(self.layouts, str) or not self.layouts:
                raise ValueError(f"data.curriculum: a stage's layouts must be a non-empty list of layouts (or null: all of "
                                 f"data.layouts), got layouts={self.layouts!r}")
            expand_layout_names(self.layouts)  # a bad range (contest_5..1) is named here
        if self.until_win_rate is not None and not 0 < self.until_win_rate <= 1:
            raise ValueError(f"data.curriculum: a stage's until_win_rate must be in (0, 1], got until_win_rate={self.until_win_rate}")
        if self.until_env_steps is not None and self.until_env_steps < 1:
            raise ValueError(f"data.curriculum: a stage's until_env_steps must be at least 1, got until_env_steps={self.until_env_steps}")

    def weights(self) -> dict[str, float]:
        total = sum(self.opponents.values())
        return {name: w / total for name, w in self.opponents.items()}


@dataclass(frozen=True)
class CurriculumConfig:
    """`data.curriculum`: the stages the training games move through.

    Args:
        stages: the stages (`StageConfig`: `opponents`, `layouts`, `until_win_rate`, `until_env_steps`), at
            least one; the last never ends.
        keep_earlier: the share of the games (in [0, 1)) kept against the earlier stages' opponents.
    """

    stages: list[StageConfig]
    keep_earlier: float = 0.2

    def __post_init__(self):
        if isinstance(self.stages, (str, Mapping)) or not isinstance(self.stages, Sequence):
            raise ValueError(f"data.curriculum.stages must be a list of stages, got stages={self.stages!r}")
        # stages given as mappings (from Python) become StageConfigs; the command line gives StageConfigs
        object.__setattr__(self, "stages", [s if isinstance(s, StageConfig) else StageConfig(**s) for s in self.stages])
        if not self.stages:
            raise ValueError("data.curriculum.stages must hold at least one stage, got stages=[]")
        if not 0 <= self.keep_earlier < 1:
            raise ValueError(f"data.curriculum.keep_earlier must be in [0, 1), got keep_earlier={self.keep_earlier}")


@dataclass
class Curriculum:
    """A curriculum's settings (`config`) and where training stands in it."""

    config: CurriculumConfig
    stage: int = 0
    stage_started_env_steps: int = 0
    stage_started_step: int = 0
    history: list[dict] = field(default_factory=list)  # when each stage ended and why
    stage_layouts: list[list[str] | None] = field(init=False, repr=False)

    def __post_init__(self):
        # each stage's layouts with ranges written out (contest_1..50: 50 names)
        self.stage_layouts = [None if s.layouts is None else [str(l) for l in expand_layout_names(s.layouts)]
                              for s in self.config.stages]

    @property
    def stages(self) -> list[StageConfig]:
        return self.config.stages

    @property
    def keep_earlier(self) -> float:
        return self.config.keep_earlier

    def entrants(self) -> list[str]:
        """Every stage's opponents, each once, in order of appearance."""
        return list(dict.fromkeys(name for stage in self.stages for name in stage.opponents))

    def opponent_weights(self) -> dict[str, float]:
        """The current stage's weights, with `keep_earlier` of the games spread over the earlier stages."""
        current = self.stages[self.stage].weights()
        keep = self.keep_earlier if self.stage > 0 else 0.0
        weights = {name: 0.0 for name in self.entrants()}
        for name, w in current.items():
            weights[name] += (1 - keep) * w
        for earlier in self.stages[: self.stage]:
            for name, w in earlier.weights().items():
                weights[name] += keep * w / self.stage
        return weights

    def layout_weights(self, layouts: Sequence[str]) -> np.ndarray | None:
        """Weights over `layouts` for the current stage (`None`: all alike)."""
        chosen = self.stage_layouts[self.stage]
        if chosen is None:
            return None
        names = [str(l) for l in layouts]
        weights = np.array([float(name in chosen) for name in names])
        return weights / weights.sum()

    def check_layouts(self, layouts: Sequence[str]) -> None:
        names = {str(l) for l in layouts}
        for k, stage_layouts in enumerate(self.stage_layouts):
            missing = [l for l in stage_layouts or [] if l not in names]
            if missing:
                raise ValueError(f"curriculum stage {k} plays on {missing}, which data.layouts {sorted(names)} does not hold "
                                 "(list every stage's layouts there: the grid is padded to the largest)")

    def update(self, env_steps: int, step: int, metrics: Mapping[str, float]) -> bool:
        """Advance when the current stage's gate is met; True when it did. `metrics`: the trainer's
        logged metrics (`eval/win_rate/<opponent>`, `eval/at_step`)."""
        if self.stage == len(self.stages) - 1:
            return False
        current = self.stages[self.stage]
        reason = None
        if current.until_env_steps is not None and env_steps - self.stage_started_env_steps >= current.until_env_steps:
            reason = f"{env_steps - self.stage_started_env_steps} environment steps"
        rate = self.gate_win_rate(metrics)
        if reason is None and current.until_win_rate is not None and rate is not None and rate >= current.until_win_rate:
            reason = f"win rate {rate:.2f} >= {current.until_win_rate:g}"
        if reason is None:
            return False
        self.history.append({"stage": self.stage, "ended_at_env_steps": env_steps, "ended_at_step": step, "reason": reason})
        self.stage += 1
        self.stage_started_env_steps, self.stage_started_step = env_steps, step
        return True

    def gate_win_rate(self, metrics: Mapping[str, float]) -> float | None:
        """The lowest evaluated win rate against the stage's opponents, from an evaluation run since the
        stage began (else the mean `eval/win_rate`); `None` before such an evaluation."""
        at = metrics.get("eval/at_step")
        if at is None or float(at) <= self.stage_started_step:
            return None
        rates = [float(metrics[f"eval/win_rate/{name}"]) for name in self.stages[self.stage].opponents
                 if f"eval/win_rate/{name}" in metrics]
        if rates:
            return min(rates)
        return float(metrics["eval/win_rate"]) if "eval/win_rate" in metrics else None

    def state_dict(self) -> dict:
        return {"stage": self.stage, "stage_started_env_steps": self.stage_started_env_steps,
                "stage_started_step": self.stage_started_step, "history": list(self.history)}

    def load_state_dict(self, state: dict) -> None:
        self.stage = int(state["stage"])
        self.stage_started_env_steps = int(state["stage_started_env_steps"])
        self.stage_started_step = int(state["stage_started_step"])
        self.history = list(state["history"])
