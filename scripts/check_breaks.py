"""Do the tests catch a broken pipeline? Break the code on purpose, one change at a time, and check
that the named tests fail (mutation testing by hand, for the breaks that once went unnoticed).

Each break is a text substitution in one file of a scratch copy of the checkout; the tests named
for it then run there (`python -m pytest -x`), and must fail. The checkout itself is never touched.

    .venv/bin/python scripts/check_breaks.py              # every break (about 15 minutes on 2 cores)
    .venv/bin/python scripts/check_breaks.py --only export-no-mirror collector-truncation

Prints one line per break (caught or MISSED) and exits 1 if any break went unnoticed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Break:
    name: str
    what: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]


NOISE_ON_RESUME = '''    def on_load_checkpoint(self, checkpoint):
        checkpoint["state_dict"] = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in checkpoint["state_dict"].items()}

    def configure_optimizers(self):'''
WIPE_OPTIMIZER_ON_RESUME = '''    def on_load_checkpoint(self, checkpoint):
        checkpoint["optimizer_states"] = []

    def configure_optimizers(self):'''

BREAKS = [
    Break("export-no-mirror", "the exported team does not turn red's board",
          "marl_lightning/play/contest_team.py.in",
          'obs = obs[:, :, ::-1] if self.symmetry == "mirror" else obs[:, ::-1, ::-1]', "obs = obs",
          ("tests/test_export.py::test_exported_team_sees_values_and_plays_like_the_policy",)),
    Break("export-no-channel-swap", "the exported team does not swap red's and blue's channels",
          "marl_lightning/play/contest_team.py.in", "obs = obs[[0, 1, 3, 2, 4, 5, 7, 6] + list(range(8, len(obs)))]",
          "obs = obs",
          ("tests/test_export.py::test_exported_team_sees_values_and_plays_like_the_policy",)),
    Break("export-forgets-hidden-opponents", "the exported team drops opponents it cannot see",
          "marl_lightning/play/contest_team.py.in", "        return self.last_seen.get(i)", "        return pos",
          ("tests/test_export.py::test_exported_team_draws_hidden_opponents_where_it_last_saw_them",)),
    Break("red-view-rotated", "red sees every map rotated (the old view), not through its symmetry",
          "gymPacMan/views.py", "    return symmetry.astype(np.int64), swap",
          "    return np.full(n, ROTATE), np.zeros(n, dtype=np.bool_)",
          ("tests/test_policy_team.py",)),
    Break("resume-noise-weights", "a resumed run gets noise for weights",
          "marl_lightning/learners/value_decomposition.py", "    def configure_optimizers(self):", NOISE_ON_RESUME,
          ("tests/test_training.py::test_resume_is_bit_exact",)),
    Break("resume-wipes-optimizer", "a resumed run starts Adam afresh",
          "marl_lightning/learners/value_decomposition.py", "    def configure_optimizers(self):", WIPE_OPTIMIZER_ON_RESUME,
          ("tests/test_training.py::test_resume_is_bit_exact",)),
    Break("resume-fresh-generator", "a resumed run restarts the exploration generator",
          "marl_lightning/data/rollout.py", '        self.generator.set_state(state["generator"])\n', "",
          ("tests/test_training.py::test_resume_is_bit_exact",)),
    Break("resume-fresh-games", "a resumed run restarts the games in progress",
          "marl_lightning/data/rollout.py", '        self.env.load_state_dict(state["env"])\n', "",
          ("tests/test_training.py::test_resume_is_bit_exact",)),
    Break("evaluation-all-blue", "evaluation plays every game with the entrant as blue",
          "marl_lightning/play/evaluation.py",
          "    as_red = play_match(game_entrant(b, BLUE, game), game_entrant(a, RED, game),",
          "    as_red = play_match(game_entrant(a, BLUE, game), game_entrant(b, RED, game),",
          ("tests/test_evaluation.py",)),
    Break("collector-truncation", "the collector stores a time limit as a termination",
          "marl_lightning/data/rollout.py", '"terminated": torch.from_numpy(terminated),',
          '"terminated": torch.from_numpy(terminated | truncated),', ("tests/test_collector.py",)),
    Break("collector-next-obs", "the collector stores the new game's first observation as the next one",
          "marl_lightning/data/rollout.py", 'torch.from_numpy(info["final_observation"][finished.numpy()])',
          "torch.from_numpy(next_obs[finished.numpy()])",
          ("tests/test_collector.py",)),
    Break("epsilon-ignored", "epsilon-greedy explores 10% of the time whatever epsilon is",
          "marl_lightning/acting.py", ".to(q.device) < epsilon", ".to(q.device) < 0.1",
          ("tests/test_learning_parts.py",)),
    Break("load-policy-not-greedy", "load_policy plays random legal actions",
          "marl_lightning/policy.py", "        return masked_argmax(q, legal.to(q.device))",
          "        return masked_argmax(torch.rand_like(q), legal.to(q.device))",
          ("tests/test_training.py::test_load_policy_is_the_greedy_policy_of_the_trained_networks",)),
    Break("shared-ignored", "model.shared: false still shares one network",
          "marl_lightning/networks.py", "        self.n_agents, self.shared, self.recurrent = n_agents, shared, recurrent",
          "        shared = True\n        self.n_agents, self.shared, self.recurrent = n_agents, shared, recurrent",
          ("tests/test_training.py::test_shared_false_trains_one_network_per_agent",)),
    Break("hard-targets-ignored", "model.target_update: hard still updates softly",
          "marl_lightning/learners/value_decomposition.py", '        if h.target_update == "soft":', "        if True:",
          ("tests/test_training.py::test_hard_target_update_every_n_gradient_steps",
           "tests/test_training.py::test_soft_targets_follow_the_online_networks_by_tau")),
    Break("exponential-epsilon-ignored", "model.exploration's schedule: exponential still decays linearly",
          "marl_lightning/exploration.py", "self.decay_steps, self.schedule)", 'self.decay_steps, "linear")',
          ("tests/test_training.py::test_the_epsilon_schedule_is_the_one_configured",)),
    Break("nan-loss", "the TD loss is NaN", "marl_lightning/learners/value_decomposition.py",
          "        loss = (weight * elementwise * mask).sum() / mask.sum().clamp(min=1)\n",
          "        loss = (weight * elementwise * mask).sum() / mask.sum().clamp(min=1) * float('nan')\n",
          ("tests/test_training.py::test_every_config_trains_and_checkpoints",)),
    Break("unroll-never-resets", "recurrent agents carry their memory across episode starts",
          "marl_lightning/networks.py", "            state = state * (~starts[:, t]).to(state.dtype)[:, None, None]\n", "",
          ("tests/test_loss.py::test_recurrent_loss_by_hand",)),
    Break("course-class-ignores-team", "the course class plays random whatever team it is given",
          "gymPacMan/course_env.py", "resolve_opponent(name, team=RED)", 'resolve_opponent("random", team=RED)',
          ("tests/test_team_loader.py::test_team_file_plays_in_the_course_class",)),
    Break("crashes-not-forfeited", "a contest team that crashes plays on (Stop) instead of losing the game",
          "gymPacMan/vec_env.py", "            self._forfeit(result, lost)\n", "            pass\n",
          ("tests/test_contest_team.py::test_a_team_that_crashes_loses_that_game_and_the_batch_goes_on",)),
    Break("successor-is-the-same-state", "the contest's generateSuccessor returns the state unchanged",
          "gymPacMan/contest/capture.py", "        engine.move_agent(successor._state, 0, agentIndex, move)\n", "",
          ("tests/test_contest_state.py::test_successors_of_the_four_moves_are_the_engine_step",)),
    Break("baseline-stands-still", "the baseline team stands still (a broken rung)",
          "agents/baseline_team.py", "        return out\n", "        return np.full_like(out, 4)  # Stop\n",
          ("tests/test_scripts.py::test_the_ladder_holds_over_real_games",)),
    Break("replay-beta-ignored", "prioritized replay's importance weights use beta 1 whatever beta is",
          "marl_lightning/data/replay.py", "weight = (valid.sum() * probability) ** (-self.beta)",
          "weight = (valid.sum() * probability) ** (-1.0)",
          ("tests/test_collector.py::test_importance_weights_follow_beta",)),
    Break("replay-new-at-priority-one", "new frames enter prioritized replay at priority 1, not the highest yet",
          "marl_lightning/data/replay.py", "= self.max_priority if decision else 0.0", "= 1.0 if decision else 0.0",
          ("tests/test_collector.py::test_new_frames_enter_at_the_highest_priority_yet",)),
    Break("qmix-next-state", "the online mixer is fed the next frame's state, not this frame's",
          "marl_lightning/learners/value_decomposition.py", "state = global_state(obs[:, burn:burn + t].flatten(0, 1))",
          "state = global_state(obs[:, burn + 1:burn + 1 + t].flatten(0, 1))",
          ("tests/test_loss.py::test_the_online_mixer_sees_the_state_of_its_own_frame",)),
    Break("ppo-entropy-sign", "PPO's entropy bonus has the wrong sign (a penalty)",
          "marl_lightning/learners/mappo.py", "- self.entropy_coef * spread.mean()", "+ self.entropy_coef * spread.mean()",
          ("tests/test_mappo.py::test_the_ppo_loss_by_hand",)),
    Break("ppo-advantages-unscaled", "PPO's advantages are centred but not scaled",
          "marl_lightning/learners/mappo.py", "advantage = (advantage - advantage.mean()) / (advantage.std() + 1e-8)",
          "advantage = advantage - advantage.mean()", ("tests/test_mappo.py::test_the_ppo_loss_by_hand",)),
    Break("curriculum-clock-not-reset", "a curriculum stage counts environment steps from the first stage's start",
          "marl_lightning/data/curriculum.py", "self.stage_started_env_steps, self.stage_started_step = env_steps, step",
          "self.stage_started_step = step",
          ("tests/test_curriculum.py::test_a_stage_counts_its_environment_steps_from_its_own_start",)),
    Break("league-share-swapped", "the league's share of the games goes to the scripted opponents, theirs to the pool",
          "marl_lightning/data/league.py", 'return {"opponents": 1 - share, "league": share}',
          'return {"opponents": share, "league": 1 - share}',
          ("tests/test_league.py::test_the_pool_plays_its_share_of_the_games_once_it_holds_a_snapshot",)),
    Break("potential-at-a-real-end", "the shaping potential is not 0 where a game really ends (only at a limit)",
          "marl_lightning/data/rewards.py", "terminal = ~episodes.truncated | self.limit_is_terminal",
          "terminal = episodes.truncated & self.limit_is_terminal",
          ("tests/test_shaping.py::test_a_game_won_has_no_potential_whatever_the_time_limit",)),
    Break("planes-not-summed", "agents sharing a cell show one agent's carrying or scared time, not the sum",
          "gymPacMan/planes.py", "total += cells[g, p, m]", "total = cells[g, p, m]",
          ("tests/test_shaping.py::test_agents_sharing_a_cell_add_their_planes",)),
    Break("contest-food-by-the-centre", "contest mazes put random food and capsules beside the centre line",
          "gymPacMan/contest_maze.py", "abs(c - COLS // 2) >= 3", "abs(c - COLS // 2) >= 1",
          ("tests/test_contest_maze.py::test_no_food_or_capsule_beside_the_centre_line",)),
    Break("evaluation-food-wrong-colour", "evaluation counts the opponent's food returned as the entrant's",
          "marl_lightning/play/evaluation.py",
          '"mean_food_returned": mean(as_blue["mean_food_returned_blue"], as_red["mean_food_returned_red"])',
          '"mean_food_returned": mean(as_blue["mean_food_returned_red"], as_red["mean_food_returned_blue"])',
          ("tests/test_evaluation.py::test_food_returned_is_counted_for_the_side_that_returned_it",)),
    Break("match-food-wrong-colour", "a match reports blue's food returned as red's too",
          "agents/match.py", '"mean_food_returned_red": float(table[:, 2].mean()),',
          '"mean_food_returned_red": float(table[:, 3].mean()),',
          ("tests/test_evaluation.py::test_food_returned_is_counted_for_the_side_that_returned_it",)),
    Break("final-evaluation-live-networks", "the final evaluation plays the live networks while saying best checkpoint",
          "marl_lightning/callbacks.py", "team = load_policy(best) if best else module.policy()", "team = module.policy()",
          ("tests/test_evaluation.py::test_the_final_evaluation_plays_the_best_checkpoint",)),
    Break("eval-colours-swapped", "the evaluation logs blue's win rate as red's and red's as blue's",
          "marl_lightning/callbacks.py", 'result["by_colour"][colour]["win_rate"], sync_dist=True',
          'result["by_colour"]["red" if colour == "blue" else "blue"]["win_rate"], sync_dist=True',
          ("tests/test_evaluation.py::test_the_win_rate_of_each_colour_is_logged_under_its_name",)),
    Break("checkpoint-mode-min", "the shipped config keeps the checkpoint of the lowest win rate as best",
          "configs/base.yaml", "        mode: max\n", "        mode: min\n",
          ("tests/test_runs.py::test_every_shipped_config_keeps_the_checkpoint_of_the_highest_win_rate",)),
    Break("no-learning", "the agents never learn (learning rate 0)",
          "marl_lightning/learners/value_decomposition.py", '"lr": h.policy_lr or h.lr, "name": "agents"', '"lr": 0.0, "name": "agents"',
          ("tests/test_training.py::test_a_short_seeded_run_learns_to_beat_random_in_both_colours",)),
    Break("turns-ignore-first-mover", "the turn-by-turn game always starts a step with agent 0",
          "gymPacMan/engine.py", "return np.where(self.playing, (self.first + k) % NUM_AGENTS, -1)",
          "return np.where(self.playing, k % NUM_AGENTS, -1)",
          ("tests/test_turns.py::test_each_agent_chooses_at_its_turn_on_the_state_the_previous_move_left",)),
    Break("turns-play-past-the-win", "the turn-by-turn game plays the rest of a step after the winning move",
          "gymPacMan/engine.py", "        self.playing &= ~won\n", "        pass\n",
          ("tests/test_turns.py::test_a_game_ends_at_the_move_that_wins_it",)),
    Break("contest-team-asks-both-agents", "a contest team's two agents both choose at every turn",
          "agents/contest_team.py", "        if self.movers is not None:  # the turn-by-turn game", "        if False:",
          ("tests/test_turns.py::test_a_contest_team_is_asked_once_a_step_per_agent_at_its_turn_with_the_contests_clock",)),
    Break("contest-clock-ignores-first-mover", "data.timeleft counts moves as if agent 0 always moved first",
          "gymPacMan/contest/host.py", "moves = (agent.index - first) % NUM_AGENTS", "moves = agent.index",
          ("tests/test_turns.py::test_a_contest_team_is_asked_once_a_step_per_agent_at_its_turn_with_the_contests_clock",)),
    Break("export-belief-never-drawn", "the exported team of a contest-view network still draws hidden opponents where last seen",
          "marl_lightning/play/contest_team.py.in", '        if HIDDEN == "last_seen":', "        if True:",
          ("tests/test_export.py::test_exported_team_draws_hidden_opponents_at_the_most_likely_cell_of_its_belief",)),
    Break("run-folder-oldest-best", "a run folder with two versions plays the oldest best.ckpt",
          "marl_lightning/run_folders.py", "            return found[-1]", "            return found[0]",
          ("tests/test_runs.py::test_a_run_folder_with_two_versions_plays_the_newest_best_checkpoint",)),
    Break("dagger-beta-one-round-late", "DAgger's teacher share decays one round early",
          "marl_lightning/data/demonstrations.py", "beta_decay ** self.round", "beta_decay ** (self.round + 1)",
          ("tests/test_imitation.py::test_dagger_rounds_label_the_clones_games",)),
    Break("dagger-round-at-start-with-file", "a DAgger round is played before step 0 though a file gives demonstrations",
          "marl_lightning/data/demonstrations.py", "(step == 0 and len(self) == 0)", "step == 0",
          ("tests/test_imitation.py::test_no_dagger_round_is_due_at_the_first_step_when_a_file_gives_demonstrations",)),
    Break("kickstart-reverse-kl", "kickstarting minimises KL(actor || clone) instead of KL(clone || actor)",
          "marl_lightning/learners/mappo.py", "kl_divergence(teacher, log_probs, legal)", "kl_divergence(log_probs, teacher, legal)",
          ("tests/test_mappo.py::test_kickstarting_distils_towards_the_clone_by_kl_of_the_clone_to_the_actor_by_hand",)),
    Break("dqfd-margin-over-all-windows", "DQfD's margin loss is averaged over every window's steps, own experience too",
          "marl_lightning/learners/value_decomposition.py",
          "            margin_loss = (supervised * steps).sum() / steps.sum().clamp(min=1)",
          "            margin_loss = (supervised * steps).sum() / sample[\"mask\"][:, burn:burn + trained].sum().clamp(min=1)",
          ("tests/test_loss.py::test_dqfd_margin_loss_of_a_mixed_batch_is_that_of_its_demonstration_windows_alone_by_hand",)),
    Break("imitation-critic-bootstraps-from-now", "the imitation critic's target bootstraps from the current frame",
          "marl_lightning/learners/imitation.py", "self.target_critic(obs[rows, 1 + offset[:, 0]])",
          "self.target_critic(obs[rows, offset[:, 0]])",
          ("tests/test_imitation.py::test_the_imitation_critics_target_bootstraps_from_the_next_frame_unless_the_game_ended_by_hand",)),
    Break("imitation-critic-stops-at-time-limit", "the imitation critic's target stops at a time limit as at a real end",
          "marl_lightning/learners/imitation.py",
          'terminated, ended = windows["terminated"][:, :-1], (windows["terminated"] | windows["truncated"])[:, :-1]',
          'terminated, ended = (windows["terminated"] | windows["truncated"])[:, :-1], (windows["terminated"] | windows["truncated"])[:, :-1]',
          ("tests/test_imitation.py::test_the_imitation_critics_target_bootstraps_from_the_next_frame_unless_the_game_ended_by_hand",)),
    Break("config-layer-read-twice", "a layer one --config file read is read again under the next",
          "marl_lightning/config_layers.py", "                    read.add(layer.resolve())", "                    pass",
          ("tests/test_parts.py::test_a_recipe_reads_its_layers_first_each_once",)),
    Break("demos-limit-terminal", "marl demos stores a game cut by the time limit as terminated",
          "marl_lightning/recording.py", "(terminated | (truncated & self.rewards.limit_is_terminal))", "(terminated | truncated)",
          ("tests/test_demos.py::test_a_game_cut_by_the_time_limit_is_stored_as_truncated_not_terminated",)),
    Break("demos-wins-as-blue", "marl demos counts the teacher's wins as if it always played blue",
          "marl_lightning/recording.py", "np.where(self.colour[ended] == RED, 1, -1)", "-1",
          ("tests/test_demos.py::test_the_teachers_wins_are_counted_in_both_colours",)),
    Break("lookahead-without-potential", "the lookahead scores a child by V alone though V was learned as V - Phi",
          "agents/lookahead.py", "            value = value + np.where(ended, 0.0, self.potential(children))",
          "            value = value",
          ("tests/test_lookahead.py::test_with_a_shaping_potential_a_child_scores_its_value_plus_the_potential_and_an_ended_one_its_reward_only",)),
    Break("lookahead-potential-after-the-end", "the lookahead adds the potential to a child where the game ended",
          "agents/lookahead.py", "            value = value + np.where(ended, 0.0, self.potential(children))",
          "            value = value + self.potential(children)",
          ("tests/test_lookahead.py::test_with_a_shaping_potential_a_child_scores_its_value_plus_the_potential_and_an_ended_one_its_reward_only",)),
    Break("mixture-nested-plays-all", "a mixture inside a mixture gives its members games the outer one gave to others",
          "agents/mixture.py", "            mine = (self.assignment == k) & playing", "            mine = self.assignment == k",
          ("tests/test_teams.py::test_a_mixture_member_acts_only_on_its_own_games_nested_too_and_losses_count_for_the_members_colour",)),
    Break("mixture-lost-as-blue", "a mixture counts its members' losses as if it always played blue",
          "agents/mixture.py", "lost = winner == (1 if self.team == 1 else -1)", "lost = winner == 1",
          ("tests/test_teams.py::test_a_mixture_member_acts_only_on_its_own_games_nested_too_and_losses_count_for_the_members_colour",)),
    Break("fully-conv-here-is-north", "the fully convolutional head's own-cell feature is the cell to the North",
          "marl_lightning/fully_conv.py", "        here = at[:, -1:].expand(-1, NUM_ACTIONS, -1)", "        here = at[:, :1].expand(-1, NUM_ACTIONS, -1)",
          ("tests/test_fully_conv.py::test_the_heads_here_feature_is_the_agents_own_cell_the_one_stop_leads_to",)),
    Break("compact-centre-column-red", "compact states count the column at width / 2 as red's on an even map",
          "marl_lightning/data/compact.py", "red_half = np.arange(w)[None, None, :] * 2 < width[:, None, None]",
          "red_half = np.arange(w)[None, None, :] * 2 <= width[:, None, None]",
          ("tests/test_demos.py::test_compact_states_count_the_food_of_each_half_with_food_in_the_centre_column",)),
    Break("demo-buffers-drawn-alike", "windows are drawn alike from the demonstrations file and the DAgger buffer",
          "marl_lightning/data/demonstrations.py", "sizes = torch.tensor([float(len(b)) for b in self.buffers])",
          "sizes = torch.tensor([1.0 for b in self.buffers])",
          ("tests/test_imitation.py::test_windows_are_drawn_from_each_demonstrations_buffer_in_proportion_to_the_steps_it_holds",)),
    Break("export-rotate-as-mirror", "the exported team turns red's board as a mirror image on a point-symmetric map",
          "marl_lightning/play/contest_team.py.in", 'TURNED = {"mirror": [0, 3, 2, 1, 4], "rotate": [2, 3, 0, 1, 4]}',
          'TURNED = {"mirror": [0, 3, 2, 1, 4], "rotate": [0, 3, 2, 1, 4]}',
          ("tests/test_export.py::test_exported_team_as_red_on_a_point_symmetric_maze_plays_like_the_policy",)),
    Break("search-ties-to-first-move", "the search team breaks ties by the first legal move, not the heuristic's",
          "agents/search_team.py", "if value > best_value + 1e-9 or (abs(value - best_value) <= 1e-9 and is_default):",
          "if value > best_value + 1e-9:",
          ("tests/test_teams.py::test_search_plays_the_heuristics_move_where_its_lookahead_finds_moves_alike",)),
    Break("entry-at-threshold", "the course defender counts an entry exactly at the threshold as past it",
          "agents/course_heuristic_team.py", "        if d_me <= threshold:", "        if d_me < threshold:",
          ("tests/test_course_teams.py::test_an_entry_exactly_at_the_threshold_is_passed_over_as_the_course_file_does",)),
]


def scratch_copy(destination: Path) -> Path:
    """The tracked and untracked (not ignored) files of the checkout, and `../shared` beside them."""
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    checkout = destination / "main"
    for name in files:
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (destination / "shared").symlink_to(shared)
    return checkout


def run(checkout: Path, brk: Break) -> tuple[bool, float]:
    path = checkout / brk.file
    original = path.read_text()
    if original.count(brk.old) != 1:
        raise SystemExit(f"break {brk.name}: {brk.old!r} occurs {original.count(brk.old)} times in {brk.file}, not once")
    path.write_text(original.replace(brk.old, brk.new))
    try:
        started = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": str(checkout)}  # scripts the tests start import the broken copy too
        result = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *brk.tests],
                                cwd=checkout, capture_output=True, text=True, env=env)
        return result.returncode != 0, time.perf_counter() - started
    finally:
        path.write_text(original)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help=f"some breaks: {', '.join(b.name for b in BREAKS)}")
    args = parser.parse_args(argv)
    chosen = [b for b in BREAKS if not args.only or b.name in args.only]
    unknown = set(args.only or ()) - {b.name for b in BREAKS}
    if unknown:
        parser.error(f"unknown break(s): {', '.join(sorted(unknown))}")
    missed = []
    with tempfile.TemporaryDirectory() as scratch:
        checkout = scratch_copy(Path(scratch))
        for brk in chosen:
            caught, seconds = run(checkout, brk)
            print(f"{'caught' if caught else 'MISSED'}  {brk.name:32s} {brk.what} ({seconds:.0f} s)", flush=True)
            if not caught:
                missed.append(brk.name)
    print(f"{len(chosen) - len(missed)} of {len(chosen)} breaks caught" + (f"; missed: {', '.join(missed)}" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
