"""Export a trained team for the course's contest (the Berkeley Capture-the-Flag framework).

    marl export runs/qmix__tinyMaze__random__0 --out myTeam/     (a run folder: its best checkpoint)
    python -m marl_lightning.export runs/qmix__tinyMaze__random__0/version_0/checkpoints/last.ckpt --out myTeam/

writes `myTeam/myTeam.py` (the contest's `createTeam(firstIndex, secondIndex, isRed, **kwargs)`),
`myTeam/team.pt` (the agent networks as TorchScript) and `myTeam/belief.py` (a copy of
`gymPacMan/belief.py`). The team needs only torch and numpy: it builds the SPEC observation from the
contest's game state itself, plays either colour (the red point of view is turned into the blue one,
as `agents.PolicyTeam` does), and copes with opponents the contest hides (`getAgentPosition` is `None`
beyond sight) by drawing each where the network learned to see it (`hidden`): a network trained on the
contest's view (`data.dagger.view: contest`) at the most likely cell of an exact Bayes filter over its
position (`belief.py`: the opponents' legal moves, the noisy distances, sight, `isPacman`, our eaten
food), one trained seeing everything at the cell it was last seen (the belief's cell measured worse for
such a network: `docs/results.md`, the contest's game). Submit the three files together.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gymPacMan import belief
from gymPacMan.planes import MAZE_PLANES, PLANES

from ..checkpoint_files import read_checkpoint
from ..data.settings import grouped
from ..loading import load_policy
from ..run_folders import run_checkpoint

TEAM_FILE = "myTeam.py"
NETWORK_FILE = "team.pt"
BELIEF_FILE = "belief.py"  # the team file imports it from its own folder


HIDDEN = ("belief", "last_seen")  # where the exported team draws an opponent the contest hides
# the planes the contest team builds from the contest's game state (`contest_team.py.in`, `planes`); their names,
# order and scales are written into it from `gymPacMan.planes` when it is exported
CONTEST_PLANES = ("time", "score", "carrying", "scared", *MAZE_PLANES)


def trained_view(ckpt: str | Path) -> str:
    """What the checkpoint's network learned to see of hidden opponents: `belief` when its games were played on
    the contest's view (`data.demonstrations.dagger.view: contest`), else `last_seen`."""
    demos = grouped(read_checkpoint(ckpt).get("datamodule_hyper_parameters", {})).get("demonstrations", {})
    return "belief" if (demos.get("dagger") or {}).get("view") == "contest" else "last_seen"


def export(ckpt: str | Path, out: str | Path, overwrite: bool = False, hidden: str | None = None) -> Path:
    """Write the contest team of checkpoint `ckpt` into folder `out`; returns the team file's path. `hidden`: where
    the team draws opponents the contest hides (`HIDDEN`; default: as the network was trained, `trained_view`)."""
    hidden = trained_view(ckpt) if hidden is None else hidden
    if hidden not in HIDDEN:
        raise ValueError(f"hidden must be one of {HIDDEN}, got {hidden!r}")
    policy = load_policy(ckpt)
    unbuilt = [name for name in policy.planes if name not in CONTEST_PLANES]
    if unbuilt:
        raise ValueError(f"{str(ckpt)!r} was trained with plane(s) {unbuilt} that the exported contest team cannot build "
                         f"from the contest's game state yet (it builds {list(CONTEST_PLANES)}: contest_team.py.in, `planes`)")
    out = Path(out)
    targets = [out / TEAM_FILE, out / NETWORK_FILE, out / BELIEF_FILE]
    existing = [str(p) for p in targets if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{', '.join(existing)} already exist; choose another --out or pass --overwrite")
    out.mkdir(parents=True, exist_ok=True)
    network = policy.network.eval()
    channels, h, w = policy.obs_shape
    example = (torch.zeros(1, network.n_agents, channels, h, w), network.initial_state(1))  # (obs, state)
    with torch.no_grad():
        traced = torch.jit.trace(network, example)
    traced.save(str(out / NETWORK_FILE))
    (out / BELIEF_FILE).write_text(Path(belief.__file__).read_text())
    template = (Path(__file__).parent / "contest_team.py.in").read_text()
    team_file = out / TEAM_FILE
    team_file.write_text(
        template.replace("__GRID_H__", str(h)).replace("__GRID_W__", str(w))
        .replace("__STATE__", str(network.state_size)).replace("__PLANES__", repr(list(policy.planes)))
        .replace("__CHANNELS__", str(channels)).replace("__SIZE_FREE__", str(bool(network.size_free)))
        .replace("__SOURCE__", Path(ckpt).name).replace("__HIDDEN__", repr(hidden))
        .replace("__SCALES__", repr({name: PLANES[name] for name in policy.planes})).replace("__MAZE_PLANES__", repr(MAZE_PLANES))
    )
    return team_file


def default_folder(ckpt: str | Path) -> Path:
    """`exports/<name>/`: the checkpoint's run folder name (`runs/<run>/version_N/checkpoints/x.ckpt`), or its stem."""
    ckpt = Path(ckpt)
    parts = ckpt.parts
    name = parts[-4] if len(parts) >= 4 and parts[-2] == "checkpoints" and parts[-3].startswith("version_") else ckpt.stem
    return Path("exports") / name


def main(argv: list[str] | None = None) -> Path:
    parser = argparse.ArgumentParser(description="Export a trained team for the course's contest.")
    parser.add_argument("checkpoint", nargs="?", help="a checkpoint written by train.py, or a run folder (its best "
                        "checkpoint), as evaluate and watch take it")
    parser.add_argument("--ckpt", help="the same, as a named option")
    parser.add_argument("--out", help="folder for myTeam.py, team.pt and belief.py (default: exports/<run name>/)")
    parser.add_argument("--overwrite", action="store_true", help="replace an earlier export in --out")
    parser.add_argument("--hidden", choices=HIDDEN, help="where the team draws opponents the contest hides: the belief's "
                        "most likely cell, or where last seen (default: as the network was trained)")
    args = parser.parse_args(argv)
    ckpt = args.checkpoint or args.ckpt
    if ckpt is None:
        parser.error("give the checkpoint to export: python -m marl_lightning.export CKPT [--out DIR]")
    if args.checkpoint and args.ckpt and args.checkpoint != args.ckpt:
        parser.error(f"two checkpoints given: {args.checkpoint} and --ckpt {args.ckpt}")
    ckpt = run_checkpoint(ckpt)  # a run folder exports its best checkpoint
    path = export(ckpt, args.out or default_folder(ckpt), args.overwrite, args.hidden)
    print(f"wrote {path}, {path.parent / NETWORK_FILE} and {path.parent / BELIEF_FILE}")
    return path


if __name__ == "__main__":
    main()
