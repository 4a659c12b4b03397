"""A user's own team, loaded from the path of a Python file (`agents/loader.py`)."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

import agents.loader
from agents import RandomTeam, Team, TeamFileError, load_team_file, make_team
from gymPacMan import VecCaptureEnv, engine, gymPacMan_parallel_env, load_layout
from gymPacMan.rules import BLUE, RED, STOP

TEAM_FILE = '''
import numpy as np
from agents import Team

CALLS = []

class WestTeam(Team):
    """Both agents go West when they can; records every call."""
    name = "west"

    def __init__(self, team, patience=0):
        super().__init__(team)
        self.patience = patience

    def act(self, state, legal, rng):
        CALLS.append(state.num_games)
        mine = legal[:, list(self.agents)]
        return np.where(mine[..., 3], 3, 4)

def create_team(team, **kwargs):
    return WestTeam(team, **kwargs)
'''


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_team_file_loads_through_make_team_with_keywords(tmp_path):
    path = write(tmp_path, "westTeam.py", TEAM_FILE)
    team = make_team(str(path), team=BLUE, patience=3)
    assert isinstance(team, Team) and type(team).__name__ == "WestTeam"
    assert team.team == BLUE and team.agents == (1, 3) and team.patience == 3
    assert make_team(path).team == RED  # a pathlib.Path works too; red by default
    assert load_team_file(path, RED).team == RED


def test_team_file_plays_as_the_opponent_in_the_vectorised_env(tmp_path):
    path = write(tmp_path, "westTeam.py", TEAM_FILE)
    env = VecCaptureEnv("tinyMaze", num_envs=4, opponent=str(path), length=20, seed=0)
    assert type(env.opponent).__name__ == "WestTeam" and env.opponent.team == RED
    env.reset()
    for _ in range(25):  # past the time limit: auto-reset included
        before = env.state.copy()
        legal = engine.legal_actions(before)
        env.step(np.full((4, 2), STOP))
        west = legal[:, [0, 2], 3]
        moved = env.state.pos[:, [0, 2], 0] - before.pos[:, [0, 2], 0]
        fresh = env.state.t == 0  # games just reset
        assert ((moved == -1) == west)[~fresh].all()
    calls = type(env.opponent).act.__globals__["CALLS"]
    assert len(calls) == 25 and set(calls) == {4}


def test_team_file_plays_in_the_course_class(tmp_path):
    path = write(tmp_path, "westTeam.py", TEAM_FILE)
    env = gymPacMan_parallel_env(layout_file="tinyMaze", enemieName=str(path))
    env.reset()
    assert type(env._env.opponent).__name__ == "WestTeam"
    for _ in range(6):
        before = env._state.copy()
        west = engine.legal_actions(before)[0, [0, 2], 3]  # (2,) red's agents can go West
        env.step([STOP, STOP, STOP, STOP])  # red's entries are the team's to choose, not ours
        moved = env._state.pos[0, [0, 2], 0] - before.pos[0, [0, 2], 0]
        np.testing.assert_array_equal(moved, np.where(west, -1, 0))  # the team's moves were played
        np.testing.assert_array_equal(env._state.pos[0, [1, 3]], before.pos[0, [1, 3]])  # ours stood still


def test_each_load_runs_the_file_afresh(tmp_path):
    path = write(tmp_path, "westTeam.py", TEAM_FILE)
    a, b = load_team_file(path), load_team_file(path)
    assert type(a) is not type(b)  # two modules: no state shared between two loads


def test_team_file_can_import_a_module_beside_it(tmp_path):
    write(tmp_path, "helper_for_team_file.py", "ACTION = 4\n")
    path = write(
        tmp_path,
        "stopTeam.py",
        """
        import numpy as np
        from agents import Team
        from helper_for_team_file import ACTION

        class StopTeam(Team):
            def act(self, state, legal, rng):
                return np.full((state.num_games, 2), ACTION)

        def create_team(team):
            return StopTeam(team)
        """,
    )
    team = make_team(str(path), team=BLUE)
    state = engine.new_state([load_layout("tinyMaze")], [0])
    assert team.act(state, engine.legal_actions(state), np.random.default_rng()).tolist() == [[4, 4]]


def test_the_documented_example_team_works(tmp_path):
    doc = agents.loader.__doc__
    example = doc[doc.index("# myTeam.py") : doc.index("It then plays")]
    path = write(tmp_path, "myTeam.py", textwrap.dedent("    " + example))
    env = VecCaptureEnv("smallMaze", num_envs=2, opponent=str(path), seed=0)
    env.reset()
    for _ in range(10):
        env.step(np.full((2, 2), STOP))
    assert (env.state.heading[:, [0, 2]] != STOP).any()


def test_a_registered_name_wins_over_a_file_of_the_same_name(tmp_path):
    path = write(tmp_path, "randomTeam.py", "raise RuntimeError('must not run')\n")
    assert isinstance(make_team(str(path)), RandomTeam)


# -- errors name the file -----------------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "noSuchTeam.py"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        load_team_file(path)
    with pytest.raises(ValueError, match=re.escape(repr(str(path))) + ".*known teams.*no such team file"):
        make_team(str(path))


def test_file_without_create_team(tmp_path):
    path = write(tmp_path, "emptyTeam.py", "X = 1\n")
    with pytest.raises(TeamFileError, match=re.escape(str(path)) + ".*no create_team"):
        make_team(str(path))


def test_create_team_that_is_not_a_function(tmp_path):
    path = write(tmp_path, "oddTeam.py", "create_team = 3\n")
    with pytest.raises(TeamFileError, match=re.escape(str(path)) + ".*must be a function"):
        make_team(str(path))


def test_create_team_that_returns_no_team(tmp_path):
    path = write(tmp_path, "dictTeam.py", "def create_team(team, **kwargs):\n    return {'team': team}\n")
    with pytest.raises(TeamFileError, match=re.escape(str(path)) + r".*returned dict, not an agents.Team"):
        make_team(str(path))


def test_create_team_of_the_wrong_colour(tmp_path):
    path = write(
        tmp_path,
        "blueOnlyTeam.py",
        "from agents import RandomTeam\ndef create_team(team, **kwargs):\n    return RandomTeam(1)\n",
    )
    with pytest.raises(TeamFileError, match=re.escape(str(path)) + ".*colour 1"):
        make_team(str(path), team=RED)


def test_error_inside_the_file_is_raised_with_a_note_naming_it(tmp_path):
    path = write(tmp_path, "brokenTeam.py", "import numpy\nraise RuntimeError('boom')\n")
    with pytest.raises(RuntimeError, match="boom") as info:
        make_team(str(path))
    assert any(str(path) in note for note in info.value.__notes__)
    syntax = write(tmp_path, "syntaxTeam.py", "def create_team(:\n")
    with pytest.raises(SyntaxError) as info:
        make_team(str(syntax))
    assert str(syntax) in str(info.value) or any(str(syntax) in n for n in info.value.__notes__)


def test_not_a_python_file(tmp_path):
    path = write(tmp_path, "team.txt", "def create_team(team): pass\n")
    with pytest.raises(TeamFileError, match=re.escape(str(path)) + ".*ending in .py"):
        load_team_file(path)
    with pytest.raises(ValueError, match="unknown team"):
        make_team(str(path))  # only .py paths are team files for make_team
