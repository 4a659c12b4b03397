"""Acting: the one greedy player every trained team plays through, its exploring variant, and
`load_policy` for checkpoints.

Every policy acts the same way, feed-forward or recurrent: `act(obs, legal, state) -> (actions, state)`
with `obs` `(N, A, C, h, w)` (padded here to the trained grid), `legal` `(N, A, 5)` bool, `state`
`(N, A, S)` (`initial_state(N)` at a game's start; empty for feed-forward agents) and `actions`
`(N, A)` int64 on the CPU. `agents.PolicyTeam` keeps each game's state and clears it when a game
starts, so evaluation, tournaments, self-play and the contest export all play through `GreedyPolicy`.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Callable, Sequence

import torch

from .exploration import boltzmann, epsilon_greedy, masked_argmax
from .networks import TeamNetwork


class CheckpointError(ValueError):
    """A file that is not a checkpoint this project wrote; the message names the file and the problem."""


class GreedyPolicy:
    """The greedy legal action of each agent under a team network (the live one while training).

    Args:
        network: the team's Q-networks (`TeamNetwork`).
        obs_shape: `(C, H, W)` the network was built for; smaller boards are zero-padded up to it.
        planes: the extra observation planes it was trained with (`gymPacMan.planes`); `agents.PolicyTeam`
            builds them.
    """

    def __init__(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str] = ()):
        self.network, self.obs_shape, self.planes = network, tuple(obs_shape), tuple(planes)

    @property
    def device(self) -> torch.device:
        return next(self.network.parameters()).device

    def initial_state(self, num_games: int) -> torch.Tensor:
        """`(N, A, S)` zeros: the state before a game's first step."""
        return self.network.initial_state(num_games, self.device)

    @torch.no_grad()
    def q_values(self, obs, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Q-values `(N, A, U)` of the network in evaluation mode (its own mode is left as it was), and the next state."""
        obs = self._padded(torch.as_tensor(obs).to(self.device, torch.float32))
        state = self.initial_state(obs.shape[0]) if state is None else state.to(self.device)
        was_training = self.network.training
        self.network.eval()
        try:
            return self.network(obs, state)
        finally:
            self.network.train(was_training)

    def act(self, obs, legal, state: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Greedy legal actions `(N, A)` and the next state (see the module docstring). One game's
        `(A, C, h, w)` observation and `(A, 5)` mask (and `(A, S)` state) give `(A,)` actions and an `(A, S)`
        state, as torch modules take unbatched input."""
        obs, legal = torch.as_tensor(obs), torch.as_tensor(legal)
        if obs.dim() == 4 and legal.dim() == 2:  # one game: a batch of one
            actions, state = self.act(obs[None], legal[None], None if state is None else torch.as_tensor(state)[None])
            return actions[0], state[0]
        q, state = self.q_values(obs, state)
        return self.choose(q, legal).cpu(), state

    def choose(self, q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        return masked_argmax(q, legal.to(q.device))

    def _padded(self, obs: torch.Tensor) -> torch.Tensor:
        """`(N, A, C, h, w)` zero-padded to the trained grid `(N, A, C, H, W)` (as it is for a size-free network)."""
        if obs.dim() != 5 or obs.shape[2] != self.obs_shape[0]:
            raise ValueError(f"observations must be (games, agents, {self.obs_shape[0]}, H, W), got {tuple(obs.shape)}")
        if self.network.size_free:
            return obs
        h, w = obs.shape[-2:]
        gh, gw = self.obs_shape[1:]
        if (h, w) == (gh, gw):
            return obs
        if h > gh or w > gw:
            raise ValueError(f"observations of {h} x {w} are larger than the trained grid {gh} x {gw}")
        padded = obs.new_zeros((*obs.shape[:-2], gh, gw))
        padded[..., :h, :w] = obs
        return padded


class EpsilonGreedyPolicy(GreedyPolicy):
    """With probability `rate()` (epsilon) a uniformly random legal action, else the greedy one; every
    draw comes from `generator` (the collector's, saved in checkpoints)."""

    def __init__(self, network: TeamNetwork, obs_shape: tuple[int, int, int], planes: Sequence[str],
                 rate: Callable[[], float], generator: torch.Generator):
        super().__init__(network, obs_shape, planes)
        self.rate, self.generator = rate, generator

    def choose(self, q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        return epsilon_greedy(q, legal.to(q.device), self.rate(), self.generator)


class BoltzmannPolicy(EpsilonGreedyPolicy):
    """A legal action drawn from the softmax of the Q-values at temperature `rate()`."""

    def choose(self, q: torch.Tensor, legal: torch.Tensor) -> torch.Tensor:
        return boltzmann(q, legal.to(q.device), self.rate(), self.generator)


def load_policy(path: str | Path, map_location: str = "cpu") -> GreedyPolicy:
    """The greedy policy of any checkpoint `train.py` wrote (loaded with `weights_only=True`), or of a run
    folder's best checkpoint (`runs.run_checkpoint`).

    The learner is rebuilt from the checkpoint's own saved configuration (its networks and mixer by
    `class_path`, as `train.py` was given them), so loading needs no settings repeated.
    """
    from .runs import run_checkpoint

    path = run_checkpoint(path)
    return rebuild(read_checkpoint(path, map_location), path).policy()


def read_checkpoint(path: str | Path, map_location: str = "cpu") -> dict:
    """A checkpoint this project wrote, loaded with `weights_only=True`; a `CheckpointError` naming the
    file and the problem otherwise."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {str(path)!r}")
    try:
        checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # corrupt, truncated, or holding objects a weights-only load refuses
        raise CheckpointError(f"{str(path)!r} is not a readable checkpoint: {load_failure(exc)}") from None
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint or "hyper_parameters" not in checkpoint:
        raise CheckpointError(f"{str(path)!r} is not a Lightning checkpoint of this project (no state_dict/hyper_parameters)")
    if "learner" not in checkpoint:
        raise CheckpointError(f"{str(path)!r} was written by an older version of marl-lightning (it names no learner); "
                              "train it again")
    return checkpoint


def load_failure(exc: Exception) -> str:
    """What is wrong with a file `torch.load(..., weights_only=True)` refused, without torch's advice to
    load it with `weights_only=False` (which runs whatever code a file from elsewhere holds)."""
    text = str(exc)
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", text)
    if found:
        return (f"it holds a Python object of type {found.group(1)}, which a safe (weights-only) load refuses; "
                "checkpoints of this project hold only tensors and plain values")
    first = text.splitlines()[0] if text else type(exc).__name__
    detail = "" if "weights_only" in first or "Weights only" in first else f" ({first})"
    return f"the file is corrupt or truncated, or not a file torch.save wrote{detail}"


def rebuild(checkpoint: dict, path: str | Path):
    """The learner a checkpoint names, built from its saved configuration, with its weights."""
    from .learners import LINKED_FROM_DATA, learner_class

    try:
        learner = learner_class(checkpoint["learner"])
        accepted = inspect.signature(learner).parameters
        # LightningCLI saves every linked value, also those the learner does not take (a user's learner without `epochs`)
        hparams = {k: v for k, v in checkpoint["hyper_parameters"].items()
                   if not k.startswith("_") and (k in accepted or k not in LINKED_FROM_DATA)}
        module = learner(**hparams)
        missing, unexpected = module.load_state_dict(checkpoint["state_dict"], strict=False)
        missing = [key for key in missing if not key.startswith(TARGET_PREFIXES)]  # a slim checkpoint has no targets
        if missing or unexpected:
            raise RuntimeError(f"missing weights {missing[:4]}, unexpected weights {unexpected[:4]}")
    except (ImportError, AttributeError, KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise CheckpointError(f"{str(path)!r} does not hold a learner this installation can rebuild: {exc}") from None
    return module


TARGET_PREFIXES = ("target_agents.", "target_mixer.", "target_critic.", "critic.", "clone.")  # needed to learn, not to play
VALUE_PREFIXES = ("critic.",)  # what a play-time lookahead needs besides (`lookahead:CKPT`)
SLIM_KEYS = ("state_dict", "hyper_parameters", "datamodule_hyper_parameters", "learner", "global_step",
             "pytorch-lightning_version")


def slim_checkpoint(path: str | Path, out: str | Path, keep_value: bool = False) -> Path:
    """A copy of a training checkpoint with only what `load_policy` needs (no target networks or
    critic, optimizer, replay or games): a quarter of the size, for shipping a team. With `keep_value`, the
    critic stays (a play-time lookahead scores with it). Refuses to overwrite `path`."""
    path, out = Path(path), Path(out)
    if out.resolve() == path.resolve():
        raise ValueError(f"slim_checkpoint would overwrite its input {str(path)!r}; give another output path")
    checkpoint = read_checkpoint(path)
    rebuild(checkpoint, path)  # fails, naming the problem, on anything load_policy could not play
    slim = {key: checkpoint[key] for key in SLIM_KEYS if key in checkpoint}
    dropped = tuple(p for p in TARGET_PREFIXES if not (keep_value and p in VALUE_PREFIXES))
    slim["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if not k.startswith(dropped)}
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(slim, out)
    return out
