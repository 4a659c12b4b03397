"""What `pip install` gives: every declared dependency used, pins that agree between `pyproject.toml` and
`scripts/setup.sh`, every package and its data listed, the `marl` command, and (slow) a non-editable
install that trains, evaluates and exports from another folder."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import ROOT, run_to_the_end

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
from packaging.requirements import Requirement  # noqa: E402 - after the skip

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PACKAGE_ROOTS = ("gymPacMan", "agents", "marl_lightning")
MODULE_OF = {"pillow": "PIL", "pyyaml": "yaml", "marl-lightning": "marl_lightning"}  # distribution -> import name


def imported(paths: list[Path], top_level: bool = True) -> set[str]:
    """The modules the Python files under `paths` import (their top-level packages, or the whole dotted names)."""
    found = set()
    for path in paths:
        for file in (path.rglob("*.py") if path.is_dir() else [path]):
            for node in ast.walk(ast.parse(file.read_text())):
                if isinstance(node, ast.Import):
                    found |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module)
    return {name.split(".")[0] for name in found} if top_level else found


def module(requirement: str) -> str:
    name = Requirement(requirement).name.lower()
    return MODULE_OF.get(name, name.replace("-", "_"))


def test_every_declared_dependency_is_used_and_torchrl_is_not():
    sources = [ROOT / p for p in PACKAGE_ROOTS] + [ROOT / "train.py"]
    package = imported(sources)
    shipped = " ".join(p.read_text() for p in (ROOT / "configs").glob("**/*.yaml"))
    used = package | ({"wandb"} if "WandbLogger" in shipped else set())  # wandb: the shipped configs' logger
    if "lightning.pytorch.cli" in imported(sources, top_level=False):
        used.add("jsonargparse")  # what LightningCLI parses with (Lightning itself does not require it)
    unused = [r for r in PROJECT["project"]["dependencies"] if module(r) not in used]
    assert unused == []
    pettingzoo = PROJECT["project"]["optional-dependencies"]["pettingzoo"]
    assert {module(r) for r in pettingzoo} <= package  # the PettingZoo interface, an extra
    tests = imported([ROOT / "tests"])
    test_only = [module(r) for r in PROJECT["project"]["optional-dependencies"]["test"] if "marl-lightning" not in r]
    assert set(test_only) <= tests and not set(test_only) & package  # imageio and pytest: the tests' own
    everything = package | tests | imported([ROOT / "benchmarks", ROOT / "scripts"])
    assert "torchrl" not in everything and not any("torchrl" in r for r in PROJECT["project"]["dependencies"])


def test_setup_script_pins_satisfy_the_declared_versions():
    declared = {Requirement(r).name: Requirement(r) for r in PROJECT["project"]["dependencies"]}
    pins = re.findall(r'"([A-Za-z0-9_.-]+)==([0-9][^"\s]*)"', (ROOT / "scripts" / "setup.sh").read_text())
    assert pins, "scripts/setup.sh pins no version"
    for name, version in pins:
        assert name in declared and declared[name].specifier.contains(version), (name, version, str(declared.get(name)))


def test_the_private_lightning_methods_we_override_are_there_and_lightning_is_pinned_below_the_next_minor():
    """`checkpointing.RunCheckpoint` and `cli.MARLCLI` override or call Lightning's private methods, which a minor
    release may change without notice: the dependency has an upper bound, and this test names what moved when a
    newer Lightning is allowed."""
    import inspect

    import lightning
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.cli import LightningCLI
    from packaging.version import Version

    requirement = next(Requirement(r) for r in PROJECT["project"]["dependencies"] if Requirement(r).name == "lightning")
    upper = [spec for spec in requirement.specifier if spec.operator == "<"]
    assert upper and requirement.specifier.contains(lightning.__version__), str(requirement)
    assert Version(lightning.__version__) < Version(upper[0].version)
    expected = {  # the private names we use -> their parameters
        (ModelCheckpoint, "_save_topk_checkpoint"): ["self", "trainer", "monitor_candidates"],
        (ModelCheckpoint, "_save_last_checkpoint"): ["self", "trainer", "monitor_candidates"],
        (ModelCheckpoint, "_monitor_candidates"): ["self", "trainer"],
        (ModelCheckpoint, "_link_checkpoint"): ["trainer", "filepath", "linkpath"],
        (LightningCLI, "_parse_ckpt_path"): ["self"],
    }
    for (cls, name), parameters in expected.items():
        assert hasattr(cls, name), f"lightning {lightning.__version__} has no {cls.__name__}.{name}"
        assert list(inspect.signature(getattr(cls, name)).parameters) == parameters, (cls.__name__, name)
    assert "self._last_global_step_saved" in inspect.getsource(ModelCheckpoint)


def test_every_package_and_its_data_is_listed():
    tool = PROJECT["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for root in PACKAGE_ROOTS for p in (ROOT / root).rglob("__init__.py")}
    mapped = tool["package-dir"]
    data_folders = {f"{name}.{sub.name}": sub for name, folder in mapped.items() for sub in (ROOT / folder).iterdir()
                    if sub.is_dir() and sub.name != "__pycache__"}  # configs/algo: marl_lightning.configs.algo
    assert set(tool["packages"]) == found | set(mapped) | set(data_folders)  # a new subpackage must be listed, or installs lack it
    for name, folder in data_folders.items():  # and its files named as its data (setuptools takes each folder for a package)
        assert {p.suffix for p in folder.iterdir()} <= {g.lstrip("*") for g in tool["package-data"].get(name, [])}, name
    assert {ROOT / folder for folder in mapped.values()} == {ROOT / "layouts", ROOT / "configs"}
    assert PROJECT["project"]["scripts"]["marl"] == "marl_lightning.commands:main"


def test_the_marl_command_lists_its_commands_and_names_a_wrong_one():
    listed = subprocess.run([sys.executable, "-m", "marl_lightning"], capture_output=True, text=True, cwd=ROOT)
    for name in ("fit", "evaluate", "tournament", "watch", "export", "plot", "demos", "teams"):
        assert f"\n  {name} " in listed.stdout
    wrong = subprocess.run([sys.executable, "-m", "marl_lightning", "fitt"], capture_output=True, text=True, cwd=ROOT)
    assert wrong.returncode == 2 and "unknown command 'fitt'" in wrong.stderr
    teams = subprocess.run([sys.executable, "-m", "marl_lightning", "teams"], capture_output=True, text=True, cwd=ROOT)
    assert teams.returncode == 0 and [line.split()[0] for line in teams.stdout.splitlines()[:4]] == [
        "random", "baseline", "heuristic", "search"]
    # the console script is `sys.exit(main())`: a command's result returned would exit 1 after printing it
    script = subprocess.run([sys.executable, "-c", "import sys; from marl_lightning.commands import main; "
                             "sys.exit(main(['evaluate', 'random', 'random', '--layouts', 'tinyMaze', '--games', '2']))"],
                            capture_output=True, text=True, cwd=ROOT)
    assert script.returncode == 0, script.stdout[-2000:] + script.stderr[-2000:]


@pytest.mark.slow
def test_a_non_editable_install_trains_evaluates_and_exports_from_another_folder(tmp_path):
    """`pip install .` into a fresh venv (its dependencies those of this interpreter), then, from a folder
    that is not the checkout: `marl fit` for 20 steps with the default config, `marl evaluate RUN_FOLDER
    random`, `marl export RUN_FOLDER`; the configs and maps come from the installed package."""
    source = tmp_path / "source"  # a copy: a build writes into its source folder
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv", "runs", "exports", "tests", "docs",
                                                                "benchmarks", "__pycache__", "*.egg-info", "build"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "inherited.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # this interpreter's packages
    install = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                              "--no-build-isolation", "--no-index", str(source)], capture_output=True, text=True)
    assert install.returncode == 0, install.stdout[-2000:] + install.stderr[-2000:]
    shutil.rmtree(source)  # nothing may be read from the source any more
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PYTHONPATH": "", "WANDB_MODE": "offline"}
    where = run_to_the_end([str(python), "-c", "import marl_lightning, gymPacMan.layout_names as l; print(marl_lightning.__file__, l.LAYOUT_DIR)"],
                work, env, 120)
    assert where.stdout.count(site) == 2, where.stdout  # the installed copy, with its own maps
    marl = str(venv / "bin" / "marl")
    fit = run_to_the_end([marl, "fit", "--trainer.max_steps=20", "--trainer.enable_progress_bar=false", "--data.num_envs=8",
               "--data.replay.warmup=64", "--data.batch_size=16"], work, env, 900)
    assert fit.returncode == 0, fit.stdout[-3000:]
    folder = work / "runs" / "qmix__tinyMaze__random__0"
    assert (folder / "version_0" / "checkpoints" / "last.ckpt").is_file() and "held-out evaluation" in fit.stdout
    assert (folder / "version_0" / "config.yaml").read_text().count("WandbLogger") == 1  # base.yaml was read
    evaluate = run_to_the_end([marl, "evaluate", str(folder), "random", "--layouts", "tinyMaze", "--games", "4"], work, env, 300)
    assert evaluate.returncode == 0 and "| qmix__tinyMaze__random__0/version_0/best | random | tinyMaze | 4 |" in evaluate.stdout, \
        evaluate.stdout[-3000:]
    export = run_to_the_end([marl, "export", str(folder)], work, env, 300)
    assert export.returncode == 0, export.stdout[-3000:]
    assert (work / "exports" / "qmix__tinyMaze__random__0" / "myTeam.py").is_file()
