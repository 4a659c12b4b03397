"""The command line: `LightningCLI` with the sizes the environment decides linked into the model.

`marl fit ...` (and `python train.py fit ...`) runs `main`. Config files are read from the path given, or,
where no such file exists, from the configs shipped with the package by name (`--config recipe/qmix_blox`,
`--config qmix_blox`, from any folder), each after the layers it stacks on (`config_layers`).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence

import yaml
from lightning.pytorch.callbacks import ProgressBar
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback
from lightning.pytorch.loggers import WandbLogger

from .checkpoint_files import read_checkpoint
from .cli_errors import OneLineErrorParser
from .config_layers import BASE_CONFIG, DEFAULT_RECIPE, config_file, config_values, named_files, names_learner, with_config_files
from .console import quiet_console, run_folder, run_summary
from .data import CaptureDataModule
from .data.settings import MOVED
from .progress import RunProgressBar
from .learners import LINKED_FROM_DATA, Learner, learner_class
from .run_folders import LAST
from .runs import check_resumable, opponent_name, recipe_name, run_name, run_tags

if not BASE_CONFIG.is_file():  # without it a run would have no loggers, callbacks or defaults: never silently
    raise FileNotFoundError(f"{BASE_CONFIG} is missing: the installation is broken; reinstall marl-lightning")
WANDB_ID_FILE = "wandb_id"  # in a run's folder: the wandb run a resume continues
NOT_TAGS = ("--config", "--ckpt_path", "--trainer.logger", "--trainer.callbacks", "--print_config")  # not overrides to tag


class LoggedConfigCallback(SaveConfigCallback):
    """Saves `config.yaml` beside the logs and logs the whole config to every logger (wandb, CSV), so
    runs compare side by side on every setting, not only the model's and data's."""

    def save_config(self, trainer, pl_module, stage: str) -> None:
        """Log the config (on rank 0, once: the learners and data module do not log theirs), and keep the id of
        the run's wandb run in its folder (`wandb_id`), for a resume to continue that run."""
        config = yaml.safe_load(self.parser.dump(self.config, skip_none=False))
        for logger in trainer.loggers:
            logger.log_hyperparams({"config": config})
        wandb = next((logger for logger in trainer.loggers if isinstance(logger, WandbLogger)), None)
        if wandb is not None and wandb.version:
            folder = Path(run_folder(trainer))
            folder.mkdir(parents=True, exist_ok=True)
            (folder / WANDB_ID_FILE).write_text(f"{wandb.version}\n")


def check_moved_settings(args: Sequence[str]) -> None:
    """Refuse, naming the new place, a data setting given by its older flat name (`--data.buffer_size`, or
    `data: {buffer_size: ...}` in a config file): the data module takes them in groups now (`data.settings`)."""
    given = []  # (key, value) of every data setting given
    for k, arg in enumerate(args):
        if arg.startswith("--data."):
            key, equals, value = arg[len("--data."):].partition("=")
            given.append((key, value if equals else (args[k + 1] if k + 1 < len(args) else "")))
    for value in config_values(args):
        try:
            content = yaml.safe_load(Path(config_file(value)).read_text())
        except (OSError, UnicodeDecodeError, yaml.YAMLError):  # inline YAML, or a file the parser will name
            continue
        data = content.get("data") if isinstance(content, dict) else None
        given += list((data or {}).items()) if isinstance(data, dict) else []
    moved = [key for key, value in given if key in MOVED or (key == "demonstrations" and isinstance(value, str)
                                                            and not value.lstrip().startswith("{") and value != "null")]
    if moved:
        places = [f"data.{key} -> data.{'.'.join(MOVED[key]) if key in MOVED else 'demonstrations.file'}" for key in moved]
        raise ValueError(f"data settings now come in groups (rewards, replay, rollout, demonstrations): {'; '.join(places)} "
                         "(docs/training.md)")


def overrides(args: Sequence[str]) -> list[str]:
    """The settings a command line changes, as `key=value` (config files, resumes and the long logger and
    callback lists left out): what a run is tagged with."""
    found, i = [], 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            key, equals, value = arg.partition("=")
            if not equals and i + 1 < len(args) and not args[i + 1].startswith("--"):
                value, i = args[i + 1], i + 1
            if key.rstrip("+") not in NOT_TAGS and key != "--debug":  # (`--trainer.callbacks+=...` appends)
                found.append(f"{key[2:]}={value}")
        i += 1
    return found


def wandb_group(name_without_seed: str, changed: list[str]) -> str:
    """The recipe without its seed: the run name's other parts and the model and data settings the command
    line changed (runs of one group differ only in their seed); at most 128 characters, wandb's limit."""
    recipe = [c for c in changed if c.startswith(("model.", "data.")) and
              not c.startswith(("data.seed=", "data.layouts=", "data.opponent="))]
    group = " ".join([name_without_seed, *sorted(recipe)])
    return group if len(group) <= 128 else f"{group[:119]}~{hashlib.sha1(group.encode()).hexdigest()[:8]}"


class MARLCLI(LightningCLI):
    """`python train.py fit --config configs/algo/qmix.yaml`; every value can be overridden on the command line.

    `configs/base.yaml` (trainer, loggers, callbacks, data defaults) is read first, always; each `--config`
    file then overrides it, in order, after the layers it stacks on (`--config recipe/qmix_blox --config my.yaml`). The learner is chosen
    by class, LightningCLI's subclass mode: `model.class_path` (any `Learner`, in this package or a user's
    own module on the path) and its `model.init_args`; an algorithm's layer (`configs/algo/qmix.yaml`,
    `mappo.yaml`, `bc.yaml`) names one.

    The observation shape, its extra planes and the number of agents come from the data module (the
    environment decides them), and so do the burn-in and n-step look-ahead of the windows it samples and
    an on-policy learner's rollout length, epochs and minibatches; they are linked into the model (a
    learner that takes them), never written twice. The model's discount is linked into the data module's
    reward shaping.
    """

    def __init__(self, model_class: type[Learner] = Learner, *args, save_config_callback=LoggedConfigCallback,
                 **kwargs):
        quiet_console()
        given = kwargs.get("args")
        self.named_files = []  # the config files the command line names: the run's recipe
        if not isinstance(given, dict) and not hasattr(given, "as_dict"):  # a command line (else a dict of settings)
            given = list(sys.argv[1:] if given is None else given)
            self.named_files = named_files(given)
            given = with_config_files(given)
            kwargs["args"] = given
        self.overrides = overrides(given) if isinstance(given, list) else []
        kwargs.setdefault("subclass_mode_model", True)  # `model.class_path` chooses the learner
        kwargs.setdefault("parser_class", OneLineErrorParser)  # a mistake in one line, naming the key
        super().__init__(model_class, *args, save_config_callback=save_config_callback, **kwargs)

    def parse_arguments(self, parser, args) -> None:
        """`--config configs/base.yaml` goes first (after the subcommand), before anything the user gives; a
        command line whose configs name no learner (no `model.class_path` in them, no `--model...`) trains the
        default one, `configs/algo/qmix.yaml`: `marl fit --trainer.max_steps 20`, `marl fit --config env/maze`.

        (jsonargparse's `default_config_files` cannot hold the `class_path` of a callable part, so the base
        is given as the first config file instead.)
        """
        if not isinstance(args, dict) and not hasattr(args, "as_dict"):
            args = list(sys.argv[1:] if args is None else args)
            at = 1 if args and args[0] in self.subcommands() else 0
            # a learner is chosen by `--model CLASS`, `--model.class_path CLASS` or a config that names one, not by
            # a setting of it (`--model.lr 0.01` sets the default learner's)
            chosen = (any(a == "--model" or a.startswith(("--model=", "--model.class_path")) for a in args[at:])
                      or any(names_learner(c) for c in config_values(args[at:])))
            args[at:at] = ["--config", str(BASE_CONFIG)] + ([] if chosen else ["--config", str(DEFAULT_RECIPE)])
            if not chosen:  # the run is named by the default learner's file too: `qmix`, `qmix+ladder`
                self.named_files = [DEFAULT_RECIPE, *self.named_files]
            check_moved_settings(args)
        super().parse_arguments(parser, args)  # (LightningCLI's warning about args given with sys.argv is quieted)

    def _parse_ckpt_path(self) -> None:
        """Lightning would replace the model's settings with a checkpoint's when `--ckpt_path FILE` is given, so
        that a setting changed on the command line is silently not used (and `--ckpt_path last` would differ).
        Here the command line stands, for a file and for `last` alike, and `before_fit` refuses a checkpoint
        whose fixed settings differ from it (`runs.check_resumable`), naming them."""

    def add_arguments_to_parser(self, parser) -> None:
        """The links between data and model; each applies to the learners that take its setting (jsonargparse
        skips an `init_args` target the chosen class does not have)."""
        for key in LINKED_FROM_DATA:
            parser.link_arguments(f"data.{key}", f"model.init_args.{key}", apply_on="instantiate")
        parser.link_arguments("model.init_args.gamma", "data.rewards.gamma")  # the shaping term discounts as the learner does
        parser.add_argument("--layers", type=Optional[list[str]], default=None,
                            help="the config layers a config file stacks on (read before it: marl_lightning.config_layers)")

    def before_instantiate_classes(self) -> None:
        """The data seed from `seed_everything` (unless given); loggers named `auto` get the run's name
        (`runs.run_name`), and a wandb logger the run's group, tags and id; `--ckpt_path last` is found."""
        config = self.config[self.subcommand] if self.subcommand else self.config
        if config["trainer"].get("gradient_clip_val") is not None:
            raise ValueError("trainer.gradient_clip_val is set, but the learner clips gradients itself (model.grad_clip, "
                             "the norm it logs as train/grad_norm); set model.grad_clip and leave trainer.gradient_clip_val "
                             "unset, so that one clipping is in effect")
        model, data = config["model"], config["data"]
        if data.get("seed") is None:  # the seed is given once
            seed = config.get("seed_everything")
            data["seed"] = seed if isinstance(seed, int) and not isinstance(seed, bool) else 0
        loggers = config["trainer"]["logger"]
        loggers = loggers if isinstance(loggers, list) else []
        algo = learner_class(model["class_path"]).algorithm_name(model.get("init_args") or {})
        recipe = recipe_name(self.named_files) or algo
        name = run_name(recipe, data["layouts"], opponent_name(data["opponent"], data.get("curriculum"), data.get("league")),
                        data["seed"])
        for logger in loggers:
            init = getattr(logger, "init_args", None)
            if init is not None and getattr(init, "name", None) == "auto":
                init.name = name
        if self.subcommand == "fit" and config.get("ckpt_path") == "last":
            config["ckpt_path"] = str(self._last_checkpoint(config, loggers))
            print(f"resuming from {config['ckpt_path']}")
        if self.subcommand == "fit" and config.get("ckpt_path"):
            self._continue_run_folder(Path(config["ckpt_path"]), loggers)
        # a checkpoint's run folder (`version_N/checkpoints/x.ckpt` -> `version_N`) keeps its wandb run's id
        resumed = Path(config["ckpt_path"]).resolve().parent.parent / WANDB_ID_FILE if config.get("ckpt_path") else None
        for logger in loggers:
            init = getattr(logger, "init_args", None)
            if init is None or not str(getattr(logger, "class_path", "")).endswith("WandbLogger"):
                continue
            init.group = getattr(init, "group", None) or wandb_group(name.rpartition("__")[0], self.overrides)
            init.tags = getattr(init, "tags", None) or run_tags(recipe, algo, data["layouts"], data["opponent"],
                                                                 data.get("curriculum"), data.get("league"), self.overrides)
            if not getattr(init, "id", None):  # a resume continues the checkpoint's wandb run (a sweep's agent names its own)
                init.id = (resumed.read_text().strip() if resumed is not None and resumed.is_file()
                           else os.environ.get("WANDB_RUN_ID") or secrets.token_hex(4))
                init.resume = "allow"  # (given as None, it would replace the logger's own "allow")

    def _continue_run_folder(self, ckpt: Path, loggers: list) -> None:
        """A resume from a run's `last.ckpt` writes on in that run's folder (`version_N/checkpoints/last.ckpt` ->
        `version_N`): its CSV loggers there continue that folder's `metrics.csv` (`loggers.RunCSVLogger`, the rows
        logged after the checkpoint dropped), the checkpoints go on beside the run's own (its best kept as best), and
        this command's config is saved as `config.resumeN.yaml`; the `last.ckpt` it resumes from is kept as
        `last.resumeN.ckpt` (`before_fit`). A resume from another checkpoint (an earlier step, `best.ckpt`), or a run
        whose first logger writes elsewhere, gets a new folder, said in one line."""
        folder = ckpt.parent.parent
        if ckpt.parent.name != "checkpoints" or not folder.name.startswith("version_") or not loggers:
            return
        if ckpt.name != LAST:
            print(f"the resumed run writes to a new folder: it goes on from {ckpt.name}, not from {folder}'s {LAST}")
            return
        step = int(read_checkpoint(ckpt, mmap=True).get("global_step", 0))
        continued = False
        for k, logger in enumerate(loggers):
            init = getattr(logger, "init_args", None)
            csv_logger = str(getattr(logger, "class_path", "")).endswith(("loggers.CSVLogger", "RunCSVLogger"))
            if (csv_logger and init is not None and getattr(init, "save_dir", None) and getattr(init, "version", None) is None
                    and (Path(init.save_dir) / str(init.name)).resolve() == folder.parent.resolve()):
                logger.class_path, init.version, init.resume_step = "marl_lightning.loggers.RunCSVLogger", folder.name, step
                continued = continued or k == 0
        if not continued:
            print(f"the resumed run writes to a new folder: its first logger does not write in {folder} (a CSVLogger there "
                  "continues it)")
            return
        warnings.filterwarnings("ignore", message=r".*Checkpoint directory .* exists and is not empty.*")  # its own
        resumes = 1
        while (folder / f"config.resume{resumes}.yaml").exists() or (ckpt.parent / f"last.resume{resumes}.ckpt").exists():
            resumes += 1
        self.save_config_kwargs["config_filename"] = f"config.resume{resumes}.yaml"  # config.yaml: the run's start
        self._kept_checkpoint = (ckpt, ckpt.with_name(f"last.resume{resumes}.ckpt"))
        print(f"continuing the run in {folder} from step {step}")

    @staticmethod
    def _last_checkpoint(config: dict, loggers: list) -> Path:
        """`--ckpt_path last`: the newest `last.ckpt` in this run's logger folders (`runs/<name>/version_*`),
        (without loggers, under `trainer.default_root_dir`), so a resumed run continues its own last one."""
        roots = []
        for logger in loggers:
            init = getattr(logger, "init_args", None)
            if init is not None and getattr(init, "save_dir", None) and getattr(init, "name", None):
                roots.append(Path(init.save_dir) / init.name)
        roots = list(dict.fromkeys(roots)) or [Path(config["trainer"].get("default_root_dir") or ".")]
        found = [p for root in roots for p in root.glob("**/last.ckpt")]
        if not found:
            raise FileNotFoundError(f"--ckpt_path last: no last.ckpt under {', '.join(str(r) for r in roots)}")
        return max(found, key=lambda p: p.stat().st_mtime)

    def instantiate_trainer(self, **kwargs):
        """The trainer, with our progress bar (`progress.RunProgressBar`) unless the bar is off or the config gives one."""
        trainer = (self.config_init[self.subcommand] if self.subcommand else self.config_init)["trainer"]
        given = trainer.get("callbacks") or []
        given = list(given) if isinstance(given, (list, tuple)) else [given]
        if trainer.get("enable_progress_bar") is not False and not any(isinstance(c, ProgressBar) for c in given):
            kwargs.setdefault("callbacks", [*given, RunProgressBar()])
        return super().instantiate_trainer(**kwargs)

    def before_fit(self) -> None:
        """A resume is checked against its checkpoint's settings (`runs.check_resumable`); then, continuing its run's
        folder, the `last.ckpt` it goes on from is kept (on rank 0), as the run's next one will take its name."""
        ckpt = self.config_init[self.subcommand].get("ckpt_path")
        if ckpt:
            learner = f"{type(self.model).__module__}.{type(self.model).__qualname__}"
            check_resumable(ckpt, learner, self.model.hparams, self.datamodule.hparams)
        kept = getattr(self, "_kept_checkpoint", None)
        if kept is not None and self.trainer.is_global_zero and not kept[1].exists():
            shutil.copy2(*kept)

    def after_fit(self) -> None:
        """Say where the run's files are and which checkpoints it kept; end its wandb run (a later fit in the
        same process, a notebook's, starts its own instead of logging into this one)."""
        if self.trainer.is_global_zero:
            for line in run_summary(self.trainer):
                print(line)
            for logger in self.trainer.loggers:
                if isinstance(logger, WandbLogger) and getattr(logger, "_experiment", None) is not None:
                    logger.experiment.finish()


def main(args: Sequence[str] | None = None) -> MARLCLI:
    """`python train.py fit ...`: the command line given (`sys.argv` by default), subcommand first."""
    return MARLCLI(datamodule_class=CaptureDataModule, args=None if args is None else list(args),
                   save_config_kwargs={"overwrite": False})


def fit(args: Sequence[str] | None = None) -> MARLCLI:
    """`marl fit ...`: train a team (the settings after `fit`, as `python train.py fit` takes them)."""
    return main(["fit", *(sys.argv[1:] if args is None else args)])
