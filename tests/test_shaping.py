"""What the learner sees beyond the course's observation and reward: the extra observation planes, the
progress potential, zero-sum and shaped rewards, the replay ratio, learning-rate schedules."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents import Team
from gymPacMan import VecCaptureEnv, engine
from gymPacMan.distances import DistanceTables
from gymPacMan.layout import parse_layout
from gymPacMan.planes import num_channels, observe_with_planes, plane_scales, team_planes
from gymPacMan.potential import progress
from gymPacMan.rules import BLUE, RED
from marl_lightning.data import CaptureDataModule
from marl_lightning.data.rewards import RewardShaper, game_value

from helpers import ARENA, place


def arena() -> engine.GameState:
    return engine.new_state([parse_layout(ARENA, "arena")], [0])  # 10 x 6, open inside, food at (1, 2) and (8, 2)


def test_planes_by_hand():
    s = arena()
    s.t[0], s.score[0] = 75, -3  # blue leads by 3
    s.carrying[0] = [0, 2, 0, 0]
    s.scared[0] = [0, 0, 40, 0]
    planes = team_planes(s, BLUE, ["time", "score", "carrying", "scared"], length=300)
    assert planes.shape == (1, 5, 6, 10) and num_channels(["time", "score", "carrying", "scared"]) == 13
    assert planes[0, 0, 3, 3] == np.float32(191) * np.float32(1 / 255)  # (300 - 75) / 300 of the game left, in 255ths
    assert planes[0, 1, 2, 2] == pytest.approx(0.3) and planes[0, 2].max() == 0  # blue's lead, no deficit
    x, y = s.pos[0, 1]
    assert planes[0, 3, y, x] == pytest.approx(0.2) and planes[0, 3].sum() == pytest.approx(0.2)  # 2 food carried
    x, y = s.pos[0, 2]
    assert planes[0, 4, y, x] == pytest.approx(1.0)  # red agent 2 is scared for 40 more moves
    red = team_planes(s, RED, ["score"], length=300)
    assert red[0, 0].max() == 0 and red[0, 1, 1, 1] == pytest.approx(0.3)  # red's side: a deficit of 3
    assert (planes[0, :, 0, 0] != 0).any()  # constant planes cover the board, padding excepted


def test_agents_sharing_a_cell_add_their_planes():
    s = arena()
    place(s, 0, 7, 2)
    place(s, 2, 7, 2)  # red's two Pacmen on one cell, carrying 2 and 3
    s.carrying[0] = [2, 0, 3, 0]
    place(s, 1, 6, 3)
    place(s, 3, 6, 3)  # blue's two ghosts on one cell, scared for 10 and 20 more moves
    s.scared[0] = [0, 10, 0, 20]
    planes = team_planes(s, BLUE, ["carrying", "scared"], length=300)
    assert planes[0, 0, 2, 7] == pytest.approx(0.5) and planes[0, 0].sum() == pytest.approx(0.5)  # (2 + 3) / 10
    assert planes[0, 1, 3, 6] == pytest.approx(0.75) and planes[0, 1].sum() == pytest.approx(0.75)  # (10 + 20) / 40


def test_observations_with_planes_round_trip_through_bytes():
    env = VecCaptureEnv("mediumCapsules", num_envs=8, seed=0, planes=["time", "score", "carrying", "scared"])
    env.reset()
    scales = torch.from_numpy(plane_scales(env.planes))[:, None, None]
    for _ in range(60):
        obs, *_ = env.step(np.random.default_rng(0).integers(0, 5, (8, 2)))
        as_bytes = torch.round(torch.from_numpy(obs) / scales)
        assert as_bytes.max() <= 255 and torch.equal(as_bytes.to(torch.uint8).float() * scales, torch.from_numpy(obs))
    assert obs.shape == (8, 2, 13, 20, 20) and env.observation_shape == (13, 20, 20)
    base = observe_with_planes(env.state, (1, 3))
    assert base.shape[2] == 8 and np.array_equal(base, engine.observe(env.state, (1, 3)))


def test_progress_potential_by_hand():
    s = arena()
    tables = DistanceTables()
    tables.update(s, np.arange(1))
    # blue's agents 1 (8, 4) and 3 (8, 1); the food blue attacks is red's, at (1, 2): distances 9 and 8
    place(s, 1, 8, 4)
    place(s, 3, 8, 1)
    assert progress(s, BLUE, tables)[0] == pytest.approx(-(8 + 8) / 16)  # 9 counts as 8, half of width + height
    s.carrying[0, 1] = 2  # agent 1 carries 2: it is worth going home (x < 5 is red's; home is x >= 5): 0 steps
    assert progress(s, BLUE, tables)[0] == pytest.approx(-8 / 16 + 0.5 * 2)  # and each food carried half a point
    place(s, 1, 3, 4)  # two steps from home, carrying 2
    s.carrying[0, 1] = 2
    assert progress(s, BLUE, tables)[0] == pytest.approx(-(2 * 2 + 8) / 16 + 0.5 * 2)


def test_shaped_and_zero_sum_rewards():
    env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=1, seed=0, opponent="random")
    env.reset()
    shaper = RewardShaper(zero_sum=True, potential=2.0, gamma=0.5)
    before = shaper.potential(env.state)
    _, _, _, _, info = env.step(np.array([[3, 3]]))  # both blue agents step West, towards the food
    after = progress(env.state, BLUE, shaper.tables)
    expected = info["rewards"][0, BLUE] - info["rewards"][0, RED] + 0.5 * 2.0 * after - before  # Phi = 2 * progress
    assert shaper(info, before, env) == pytest.approx(expected)
    assert 2.0 * after[0] > before[0]  # closer to the food


def test_the_game_value_potential_by_hand():
    """The search team's value of a game: the lead plus half the food carried, minus half the opponents'."""
    s = arena()
    s.score[0] = -3  # blue leads by 3
    s.carrying[0] = [1, 2, 0, 0]  # red agent 0 carries 1, blue agent 1 carries 2
    assert game_value(s, BLUE)[0] == 3 + 0.5 * (2 - 1) and game_value(s, RED)[0] == -3.5
    shaper = RewardShaper(value=2.0, gamma=1.0)
    assert shaper.potential(s)[0] == 7.0
    red = RewardShaper(value=1.0, team=RED)
    assert red.potential(s)[0] == -3.5


class Scripted(Team):
    """A red team that plays the same actions in every game."""

    def __init__(self, actions):
        super().__init__(RED)
        self.actions = np.array(actions)

    def act(self, state, legal, rng):
        return np.repeat(self.actions, state.num_games, axis=0)


def test_value_shaping_counts_a_killed_carrier_whoever_moved():
    """Red's carrier dies walking into a blue ghost on red's move: blue's shaped reward rises by half the
    food red carried (the +1 the game pays for food back also comes), though no blue agent moved."""
    env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=1, seed=0, opponent="random")
    env.reset()
    s = env.state
    place(s, 1, 6, 2)  # a blue ghost at home
    place(s, 0, 5, 2)  # red's Pacman beside it, carrying 2
    s.carrying[0, 0] = 2
    s.food[0, 2, 8] = False
    s.food_left[0, 1] -= 1
    shaper = RewardShaper(value=1.0, gamma=1.0)
    before = shaper.potential(s)
    env.opponent = Scripted([[1, 4]])  # red agent 0 steps East onto the ghost, agent 2 stays
    _, _, _, _, info = env.step(np.array([[4, 4]]))  # blue stands still
    assert env.state.pos[0, 0].tolist() == list(env.state.starts[0, 0])  # red's carrier died
    assert shaper(info, before, env)[0] == pytest.approx(info["rewards"][0, BLUE] + 1.0)  # 0.5 * 2 carried


def test_a_terminal_state_has_no_potential():
    """With the limit as the end, the state a game stops in is worth 0; bootstrapping, it keeps its potential."""
    for limit_is_terminal in (True, False):
        env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=1, seed=0, opponent="random", length=1)
        env.reset()
        shaper = RewardShaper(potential=1.0, gamma=0.9, limit_is_terminal=limit_is_terminal)
        before = shaper.potential(env.state)
        _, _, _, truncated, info = env.step(np.array([[4, 4]]))
        assert truncated[0]
        tables = DistanceTables()
        tables.update(info["final_state"], np.arange(1))
        final = 0.0 if limit_is_terminal else progress(info["final_state"], BLUE, tables)[0]
        assert final != 0.0 or limit_is_terminal
        assert shaper(info, before, env) == pytest.approx(info["rewards"][0, BLUE] + 0.9 * final - before[0])


def test_a_game_won_has_no_potential_whatever_the_time_limit():
    """Red brings blue's last food home: the game ends for real, and blue's potential there is 0 (it is not:
    its agents are far from red's food), with or without the limit counted as the end."""
    for limit_is_terminal in (True, False):
        env = VecCaptureEnv(parse_layout(ARENA, "arena"), num_envs=1, seed=0, opponent="random")
        env.reset()
        s = env.state
        s.food[0, 2, 8] = False  # red's agent 0 carries blue's only food, one step from home
        s.food_left[0, 1] -= 1
        place(s, 0, 5, 2)
        s.carrying[0, 0] = 1
        shaper = RewardShaper(potential=1.0, gamma=0.9, limit_is_terminal=limit_is_terminal)
        before = shaper.potential(s)
        env.opponent = Scripted([[3, 4]])  # red's agent 0 steps West, home
        _, _, terminated, _, info = env.step(np.array([[4, 4]]))
        assert terminated[0]
        tables = DistanceTables()
        tables.update(info["final_state"], np.arange(1))
        assert progress(info["final_state"], BLUE, tables)[0] < 0
        assert shaper(info, before, env) == pytest.approx(info["rewards"][0, BLUE] - before[0])


def test_the_replay_ratio_sets_how_much_is_collected():
    data = CaptureDataModule(num_envs=8, batch_size=16, replay={"sequence_length": 2, "replay_ratio": 4.0, "warmup": 0})
    data.buffer = type("Full", (), {"__len__": lambda self: 10**6})()
    # 16 windows of 2 trained steps a gradient step = 32 transitions; 8 collected per vector step; ratio 4: one vector step
    assert [data.steps_to_collect() for _ in range(3)] == [1, 1, 1]
    data = CaptureDataModule(num_envs=8, batch_size=16, replay={"replay_ratio": 4.0, "warmup": 0})
    data.buffer = type("Full", (), {"__len__": lambda self: 10**6})()
    assert [data.steps_to_collect() for _ in range(4)] == [0, 1, 0, 1]  # half a vector step each: carried over


def test_clock_observing_data_treats_the_limit_as_terminal():
    assert CaptureDataModule(planes=["time"]).rewards.limit_is_terminal
    assert not CaptureDataModule(planes=["score"]).rewards.limit_is_terminal
    assert not CaptureDataModule(planes=["time"], rewards={"limit_is_terminal": False}).rewards.limit_is_terminal
    assert CaptureDataModule(planes=["time", "score"]).obs_shape == (11, 6, 12)


@pytest.mark.parametrize("learner", ["ValueDecompositionModule", "ImitationModule"])
@pytest.mark.parametrize("schedule, expected", [("linear", [1.0, 0.55, 0.1, 0.1]), ("cosine", [1.0, 0.55, 0.1, 0.1])])
def test_learning_rate_schedules(schedule, expected, learner):
    from marl_lightning import learners

    module = getattr(learners, learner)(obs_shape=(8, 6, 12), lr=1.0, lr_schedule=schedule, lr_decay_steps=10, lr_end_factor=0.1)
    scheduler = module.configure_optimizers()["lr_scheduler"]["scheduler"]
    rates = []
    for step in range(21):
        if step in (0, 5, 10, 20):
            rates.append(scheduler.get_last_lr()[0])
        scheduler.optimizer.step()
        scheduler.step()
    assert rates == pytest.approx(expected)


@pytest.mark.parametrize("shaping", [{"potential": 1.0}, {"value": 1.0}, {"potential": 1.0, "value": 1.0, "zero_sum": True}])
def test_eating_a_food_is_never_a_loss_under_any_shaping(shaping):
    """Blue's baseline team plays red's on bloxCapture and two of the course's mazes: every step in which a blue agent
    eats a food, and nothing else changes what either team carries or the score, pays blue more than nothing (more
    than the discount's toll on the potential it held, `(gamma - 1) * Phi`, when that is negative). Under 10 food
    carried: with more, the progress potential's pull home (each step away costs the load over width + height)
    outweighs half a point for one more food, by design."""
    from agents import make_team
    from gymPacMan.rules import TEAM_AGENTS

    env = VecCaptureEnv(["bloxCapture", "contest_3", "contest_7"], num_envs=24, seed=0, opponent="baseline")
    env.reset()
    blue, rng = make_team("baseline", team=BLUE, seed=1), np.random.default_rng(0)
    blue.reset(env.state, np.arange(env.num_envs))
    shaper, eaten = RewardShaper(gamma=0.99, **shaping), 0
    for _ in range(250):
        state = env.state
        carried, score = state.carrying.copy(), state.score.copy()
        before = shaper.potential(state)
        actions = blue.act(state, engine.legal_actions(state), rng)  # (N, 2) blue's agents
        _, _, _, _, info = env.step(actions)
        reward = shaper(info, before, env)
        going_on = ~info["done"]
        change = env.state.carrying - carried  # (N, 4), games going on only
        ate = (going_on & (change[:, list(TEAM_AGENTS[BLUE])].sum(1) == 1) & (np.abs(change).sum(1) == 1)
               & (env.state.score == score) & (carried[:, list(TEAM_AGENTS[BLUE])].sum(1) < 10))
        toll = (shaper.gamma - 1.0) * before  # what any step costs a potential already held (the discount's 1%)
        assert (reward[ate] > np.minimum(toll[ate], 0.0)).all(), (reward[ate], toll[ate])
        eaten += int(ate.sum())
        if info["done"].any():
            blue.reset(env.state, np.flatnonzero(info["done"]))
    assert eaten >= 50  # enough meals to mean something
