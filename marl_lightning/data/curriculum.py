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

All stages' opponents are built once, as one `MixtureTeam`; a stage only changes its weights (and the
environment's layout weights), so a game in progress keeps its opponent and a resumed run goes on
in the stage it had reached.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from gymPacMan.layout_names import expand_layout_names


@dataclass
class Stage:
    """One stage: `opponents` `{entrant: weight}`, optional `layouts` and the gates that end it."""

    opponents: dict[str, float]
    layouts: list[str] | None = None
    until_win_rate: float | None = None
    until_env_steps: int | None = None

    def __post_init__(self):
        if self.layouts is not None:
            self.layouts = expand_layout_names(self.layouts)  # contest_1..50: 50 names
        if not self.opponents or any(w < 0 for w in self.opponents.values()) or sum(self.opponents.values()) <= 0:
            raise ValueError(f"a curriculum stage needs opponents with non-negative weights and a positive sum, got {self.opponents}")
        if self.until_win_rate is not None and not 0 < self.until_win_rate <= 1:
            raise ValueError(f"until_win_rate must be in (0, 1], got {self.until_win_rate}")
        if self.until_env_steps is not None and self.until_env_steps < 1:
            raise ValueError(f"until_env_steps must be at least 1, got {self.until_env_steps}")

    def weights(self) -> dict[str, float]:
        total = sum(self.opponents.values())
        return {name: w / total for name, w in self.opponents.items()}


@dataclass
class Curriculum:
    """The stages, the share of games kept against earlier stages, and where training stands."""

    stages: list[Stage]
    keep_earlier: float = 0.2
    stage: int = 0
    stage_started_env_steps: int = 0
    stage_started_step: int = 0
    history: list[dict] = field(default_factory=list)  # when each stage ended and why

    def __post_init__(self):
        self.stages = [s if isinstance(s, Stage) else Stage(**s) for s in self.stages]
        if not self.stages:
            raise ValueError("a curriculum needs at least one stage")
        if not 0 <= self.keep_earlier < 1:
            raise ValueError(f"keep_earlier must be in [0, 1), got {self.keep_earlier}")

    @classmethod
    def from_config(cls, config: Mapping) -> "Curriculum":
        unknown = set(config) - {"stages", "keep_earlier"}
        if unknown:
            raise ValueError(f"unknown curriculum key(s) {sorted(unknown)}: a curriculum has stages and keep_earlier")
        return cls(stages=list(config.get("stages", [])), keep_earlier=float(config.get("keep_earlier", 0.2)))

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
        chosen = self.stages[self.stage].layouts
        if chosen is None:
            return None
        names = [str(l) for l in layouts]
        weights = np.array([float(name in chosen) for name in names])
        return weights / weights.sum()

    def check_layouts(self, layouts: Sequence[str]) -> None:
        names = {str(l) for l in layouts}
        for k, stage in enumerate(self.stages):
            missing = [l for l in stage.layouts or [] if l not in names]
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
