"""Write a slim copy of a training checkpoint (the policy's weights and configuration only; with
--keep-value also the critic, which a play-time lookahead, `lookahead:CKPT`, scores with).

    python scripts/slim_checkpoint.py runs/.../checkpoints/last.ckpt teams/my_team.ckpt [--keep-value]
"""

import sys

from gymPacMan.errors import run_command
from marl_lightning.loading import slim_checkpoint


def main(argv: list[str]) -> None:
    keep_value = "--keep-value" in argv
    argv = [a for a in argv if a != "--keep-value"]
    if len(argv) != 2:
        sys.exit(__doc__)
    out = slim_checkpoint(argv[0], argv[1], keep_value)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    run_command(main)
