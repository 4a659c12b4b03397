"""The demonstrations file: a teacher's recorded games (`recording`, `marl demos`) as the replay buffer's state
(`replay.ReplayBuffer`, compact frames), what they hold (`DemoMeta`) and how their rewards were made
(`RewardSettings`); `save` refuses to overwrite, `load` reads with `weights_only=True`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..checkpoint_files import load_failure
from .replay import ReplayBuffer
from .settings import RewardSettings

FORMAT = "marl-lightning demonstrations"
VERSION = 1


@dataclass
class DemoMeta:
    """What a demonstrations file holds: who played whom, where, for how long, and its rewards."""

    teacher: str
    opponents: list[str]
    layouts: list[str]
    length: int
    grid_shape: tuple[int, int]
    num_envs: int
    steps: int  # the teacher's team steps recorded (environment steps, summed over games)
    games: int  # games that ended within them
    teacher_wins: int
    seed: int
    seconds: float
    rewards: RewardSettings = field(default_factory=RewardSettings)
    turns: str = "simultaneous"  # the game: the course's, or the contest's turn by turn (two frames a step)


def demo_buffer(steps: int, num_envs: int, device: str | torch.device = "cpu", generator: torch.Generator | None = None) -> ReplayBuffer:
    """A buffer for `steps` recorded steps of `num_envs` games, with room for the frames games end in."""
    return ReplayBuffer(steps + num_envs * (steps // (num_envs * 10) + 2), num_envs, device=device, generator=generator)


def save(buffer: ReplayBuffer, meta: DemoMeta, path: str | Path) -> Path:
    """Write the demonstrations (refusing to overwrite a file)."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; choose another --out or delete it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"format": FORMAT, "version": VERSION, "meta": asdict(meta), "buffer": buffer.state_dict()}, path)
    return path


def load(path: str | Path, device: str | torch.device = "cpu") -> tuple[ReplayBuffer, DemoMeta]:
    """A demonstrations file (loaded with `weights_only=True`): its buffer, on `device`, and what it holds."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no demonstrations at {str(path)!r}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"{str(path)!r} is not a readable demonstrations file: {load_failure(exc)}") from None
    if not isinstance(saved, dict) or saved.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r} is not a demonstrations file of this project (python -m marl_lightning.recording writes them)")
    if saved.get("version") != VERSION:
        raise ValueError(f"{str(path)!r} has demonstrations format {saved.get('version')}, this version reads {VERSION}")
    meta = saved["meta"]
    meta = DemoMeta(**{**meta, "grid_shape": tuple(meta["grid_shape"]), "rewards": RewardSettings(**meta["rewards"])})
    state = saved["buffer"]
    buffer = ReplayBuffer(int(state["written"].shape[0]) * int(next(iter_leaves(state["frames"])).shape[1]),
                          int(state["written"].shape[0]), device=device)
    buffer.load_state_dict(state)
    return buffer, meta


def iter_leaves(tree):
    """The tensors of a nested dict, depth first."""
    for value in tree.values():
        if isinstance(value, dict):
            yield from iter_leaves(value)
        else:
            yield value
