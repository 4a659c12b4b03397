"""Write a slim copy of a training checkpoint (the policy's weights and configuration only).

    python scripts/slim_checkpoint.py runs/.../checkpoints/last.ckpt teams/my_team.ckpt
"""

import sys

from marl_lightning.policy import slim_checkpoint

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out = slim_checkpoint(sys.argv[1], sys.argv[2])
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
