"""Mixers: shapes, VDN is the sum, QMIX and attention are monotonic in every agent's Q."""

from __future__ import annotations

import pytest
import torch

from marl_lightning.mixers import ALIASES as MIXERS
from marl_lightning.mixers import global_state

B, A, H, W = 6, 2, 7, 9


def state() -> torch.Tensor:
    obs = (torch.rand(B, A, 8, H, W) > 0.7).float()  # (B, A, C, H, W)
    return global_state(obs)  # (B, A*C, H, W)


def test_global_state_stacks_the_agents_observations():
    obs = torch.rand(B, A, 8, H, W)
    s = global_state(obs)
    assert s.shape == (B, A * 8, H, W)
    torch.testing.assert_close(s[:, 8:16], obs[:, 1])


@pytest.mark.parametrize("name", sorted(MIXERS))
def test_mixer_shapes(name):
    mixer = MIXERS[name](A, (A * 8, H, W))
    assert mixer(torch.randn(B, A), state()).shape == (B,)


def test_vdn_is_the_sum():
    qs = torch.randn(B, A)
    torch.testing.assert_close(MIXERS["vdn"](A, (A * 8, H, W))(qs, state()), qs.sum(dim=1))


@pytest.mark.parametrize("name", sorted(MIXERS))
def test_mixer_is_monotonic_in_every_agent(name):
    torch.manual_seed(0)
    mixer = MIXERS[name](A, (A * 8, H, W))
    for _ in range(5):
        qs = (torch.randn(B, A) * 10).requires_grad_(True)
        mixer(qs, state()).sum().backward()
        assert (qs.grad >= 0).all(), f"{name}: dQ_tot/dQ_a has a negative entry"


@pytest.mark.parametrize("name", ["qmix", "attention"])
def test_mixer_depends_on_the_state(name):
    torch.manual_seed(1)
    mixer = MIXERS[name](A, (A * 8, H, W))
    qs = torch.randn(B, A)
    assert not torch.allclose(mixer(qs, state()), mixer(qs, state()))
