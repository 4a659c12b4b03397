"""The networks not tied to a map (`marl_lightning.fully_conv`): a move's Q-value read where the move
leads, the board's padding changing nothing, the egocentric window by hand, and a checkpoint trained on
20 x 20 playing maps from 12 x 6 to 32 x 16."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gymPacMan import VecCaptureEnv
from gymPacMan.planes import MAZE_PLANES
from marl_lightning import load_policy
from marl_lightning.fully_conv import FullyConvQNetworks, board_mask, egocentric, move_masks
from marl_lightning.mixers import QMixer
from marl_lightning.play.evaluation import head_to_head

from helpers import short_training_run

PLANES = ["time", "score", "carrying", "scared", *MAZE_PLANES]


def observations(layouts, n=4, seed=1) -> tuple[torch.Tensor, VecCaptureEnv]:
    env = VecCaptureEnv(layouts, num_envs=n, planes=PLANES, seed=seed)
    obs, _ = env.reset()
    rng = np.random.default_rng(seed)
    for _ in range(15):
        obs, *_ = env.step(rng.integers(0, 5, (n, 2)))
    return torch.from_numpy(obs).double(), env


def test_moves_lead_to_the_neighbouring_cells():
    obs = torch.zeros(1, 2, 6, 8)
    obs[0, 1, 2, 3] = 3.0  # the agent at (x 3, y 2), carrying 2
    moves = move_masks(obs)[0]  # (U, H, W)
    cells = [tuple(int(v) for v in torch.nonzero(m)[0]) for m in moves]
    assert cells == [(3, 3), (2, 4), (1, 3), (2, 2), (2, 3)]  # (y, x) after North, East, South, West, Stop
    obs[0, 1] = 0
    obs[0, 1, 5, 0] = 1.0  # in the top-left corner of the grid: North and West lead off it
    assert move_masks(obs)[0].sum((-2, -1)).tolist() == [0.0, 1.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize("radius", [None, 3])
def test_padding_changes_nothing(radius):
    """A game's Q-values are the same on its own board, in a batch padded to 20 x 20, and padded further."""
    torch.manual_seed(0)
    obs, env = observations(["tinyMaze", "bloxCapture"])
    net = FullyConvQNetworks(2, obs.shape[2:], view_radius=radius).double().eval()
    q, _ = net(obs, net.initial_state(4))
    big = obs.new_zeros(*obs.shape[:3], 26, 33)
    big[..., :20, :20] = obs
    np.testing.assert_allclose(net(big, net.initial_state(4))[0].detach(), q.detach(), atol=1e-12)
    for g in range(4):
        h, w = int(env.state.height[g]), int(env.state.width[g])
        alone, _ = net(obs[g:g + 1, :, :, :h, :w], net.initial_state(1))
        np.testing.assert_allclose(alone.detach(), q[g:g + 1].detach(), atol=1e-12)
    mixer = QMixer(2, (2 * obs.shape[2], 20, 20), state_stride=2, state_pooling="board").double()
    state = obs.flatten(1, 2)
    assert torch.allclose(mixer(q[:, :, 0], state), mixer(q[:, :, 0], big.flatten(1, 2)))


def test_the_egocentric_window_by_hand():
    obs = torch.zeros(1, 8, 4, 5)
    obs[0, 0, 0, :] = obs[0, 0, -1, :] = obs[0, 0, :, 0] = obs[0, 0, :, -1] = 1  # a walled 5 x 4 board
    obs[0, 1, 1, 1] = 1  # the agent at (x 1, y 1)
    obs[0, 6, 2, 3] = 1  # food at (x 3, y 2)
    padded = torch.nn.functional.pad(obs, (0, 3, 0, 2))  # the same board in a larger batch grid
    for board in (obs, padded):
        window = egocentric(board, board_mask(board), 2)[0]  # (C, 5, 5), the agent in the middle
        assert window[1, 2, 2] == 1 and window[6, 3, 4] == 1  # food one up and two right of the agent
        assert window[0, 0].tolist() == [1.0] * 5 and window[0, :, 0].tolist() == [1.0] * 5  # off the map: walls
        assert window[0, 2, 3] == 0 and window[0, 2, 4] == 0 and window[0, 4, 2] == 1  # open to the right, a wall two up


def test_a_checkpoint_trained_on_20x20_plays_maps_from_12x6_to_32x16(tmp_path):
    checkpoint = short_training_run(tmp_path, "--data.layouts=[bloxCapture]", f"--data.planes=[{', '.join(PLANES)}]",
                                    "--model.network={class_path: marl_lightning.fully_conv.FullyConvQNetworks, "
                                    "init_args: {width: 8, dilations: [1], hidden: 16, view_radius: 3}}",
                                    "--model.mixer.init_args.state_pooling=board", steps=3)
    policy = load_policy(checkpoint)
    assert policy.obs_shape[1:] == (20, 20) and policy.network.size_free
    for layout, size in (("tinyMaze", (6, 12)), ("largeArena", (16, 32))):
        result = head_to_head(policy, "random", [layout], 4, length=40, seed=3)
        assert result["games"] == 4, layout
        env = VecCaptureEnv(layout, num_envs=2, planes=PLANES, seed=0)
        obs, info = env.reset()
        assert obs.shape[-2:] == size
        actions, _ = policy.act(obs, info["legal"])
        assert actions.shape == (2, 2) and info["legal"][np.arange(2)[:, None], np.arange(2), actions.numpy()].all()


@pytest.mark.parametrize("radius", [None, 3])
def test_the_heads_here_feature_is_the_agents_own_cell_the_one_stop_leads_to(radius):
    """The head sees, for each move, the features of the agent's own cell (`here`, the same for every move) and of the
    cell the move leads to (`there`): `here` is Stop's `there`, not a neighbour's."""
    env = VecCaptureEnv("smallCapture", num_envs=2, seed=0)
    obs = torch.from_numpy(env.reset()[0]).float()  # (N, A, C, H, W)
    net = FullyConvQNetworks(2, tuple(obs.shape[2:]), width=8, dilations=(1,), hidden=8, view_radius=radius)
    seen = []
    net.heads[0][0].register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].detach()))
    net(obs, net.initial_state(2))
    head_in = seen[0]  # (B*A, U, 4F + 2C + U): here, there, pooled features, board summary, the move
    here, there = head_in[..., :8], head_in[..., 8:16]
    torch.testing.assert_close(here, there[:, 4:5].expand_as(here))  # every move's `here` is Stop's `there`
    assert not torch.allclose(here, there)  # and the moves' destinations differ from it
