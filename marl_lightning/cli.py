"""The command line: `LightningCLI` with the sizes the environment decides linked into the model."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import yaml
from lightning.pytorch.cli import LightningCLI, SaveConfigCallback

from .console import quiet_console, run_summary
from .learners import LEARNERS, ValueDecompositionModule
from .mixers import ALIASES as MIXER_ALIASES

DEFAULT_LEARNER = "value_decomposition"


def mixer_name(mixer) -> str:
    """A short name for run names: `qmix`, `vdn`, `attention`, `iql` (no mixer), or a mixer's class name."""
    if mixer is None:
        return "iql"
    if isinstance(mixer, str):
        return mixer
    class_path = mixer.get("class_path", "") if hasattr(mixer, "get") else getattr(mixer, "class_path", "")
    short = {f"{c.__module__}.{c.__qualname__}": name for name, c in MIXER_ALIASES.items()}
    return short.get(class_path, class_path.rpartition(".")[2].lower() or "mixer")


class LoggedConfigCallback(SaveConfigCallback):
    """Saves `config.yaml` beside the logs and logs the whole config to every logger (wandb, CSV), so
    runs compare side by side on every setting, not only the model's and data's."""

    def save_config(self, trainer, pl_module, stage: str) -> None:
        config = yaml.safe_load(self.parser.dump(self.config, skip_none=False))
        for logger in trainer.loggers:
            logger.log_hyperparams({"config": config})


BASE_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "base.yaml"


def chosen_learner(args: list[str]) -> str:
    """The learner a command line names: `--learner NAME`, or `learner: NAME` in a `--config` file (the
    last one given wins), else value decomposition (QMIX, VDN, IQL)."""
    name = DEFAULT_LEARNER
    for i, arg in enumerate(args):
        key, _, value = arg.partition("=")
        if key not in ("--config", "--learner"):
            continue
        if not value and i + 1 < len(args):
            value = args[i + 1]
        if key == "--learner":
            name = value
            continue
        path = Path(value)
        try:
            config = yaml.safe_load(path.read_text() if path.is_file() else value)
        except (OSError, yaml.YAMLError):
            continue  # the parser reports a bad config file itself
        if isinstance(config, dict) and "learner" in config:
            name = config["learner"]
    if name not in LEARNERS:
        raise ValueError(f"unknown learner {name!r}; use one of {sorted(LEARNERS)}")
    return name


class MARLCLI(LightningCLI):
    """`python train.py fit --config configs/qmix.yaml`; every value can be overridden on the command line.

    `configs/base.yaml` (trainer, loggers, callbacks, model and data defaults) is read first, always;
    each `--config` file then overrides it, in order (`--config configs/qmix_rnn.yaml --config my.yaml`).

    The observation shape, its extra planes and the number of agents come from the data module (the
    environment decides them), and so do the burn-in and n-step look-ahead of the windows it samples;
    they are linked into the model, never written twice. The model's discount is linked into the data
    module's reward shaping.
    """

    def __init__(self, model_class=None, *args, save_config_callback=LoggedConfigCallback, **kwargs):
        quiet_console()
        if model_class is None:  # the learner the command line names (`learner:` in a config)
            given = kwargs.get("args")
            given = list(sys.argv[1:] if given is None else given) if not isinstance(given, dict) else []
            model_class = LEARNERS[chosen_learner(given)]
        super().__init__(model_class, *args, save_config_callback=save_config_callback, **kwargs)

    def parse_arguments(self, parser, args) -> None:
        """`--config configs/base.yaml` goes first (after the subcommand), before anything the user gives.

        (jsonargparse's `default_config_files` cannot hold the `class_path` of a callable part, so the base
        is given as the first config file instead.)
        """
        if BASE_CONFIG.is_file() and not isinstance(args, dict) and not hasattr(args, "as_dict"):
            args = list(sys.argv[1:] if args is None else args)
            at = 1 if args and args[0] in self.subcommands() else 0
            base = str(BASE_CONFIG)
            if not issubclass(self.model_class, ValueDecompositionModule):  # its model section is value decomposition's
                base = yaml.safe_dump({k: v for k, v in yaml.safe_load(BASE_CONFIG.read_text()).items() if k != "model"})
            args[at:at] = ["--config", base]
        super().parse_arguments(parser, args)  # (LightningCLI's warning about args given with sys.argv is quieted)

    def add_arguments_to_parser(self, parser) -> None:
        parser.add_argument("--learner", default=DEFAULT_LEARNER, choices=sorted(LEARNERS),
                            help="the learning algorithm family: value_decomposition (QMIX, VDN, IQL), mappo (MAPPO, IPPO) or "
                                 "imitation (behaviour cloning, DAgger)")
        accepted = inspect.signature(self.model_class.__init__).parameters
        for key in ("obs_shape", "n_agents", "planes", "burn_in", "n_step"):
            if key in accepted:
                parser.link_arguments(f"data.{key}", f"model.{key}", apply_on="instantiate")
        if "gamma" in accepted:
            parser.link_arguments("model.gamma", "data.gamma")  # the shaping term discounts as the learner does

    def before_instantiate_classes(self) -> None:
        """A logger named `auto` gets the run name `{algo}__{layout}__{opponent}__{seed}` from the config."""
        config = self.config[self.subcommand] if self.subcommand else self.config
        if config["trainer"].get("gradient_clip_val") is not None:
            raise ValueError("trainer.gradient_clip_val is set, but the learner clips gradients itself (model.grad_clip, "
                             "the norm it logs as train/grad_norm); set model.grad_clip and leave trainer.gradient_clip_val "
                             "unset, so that one clipping is in effect")
        loggers = config["trainer"]["logger"]
        if not isinstance(loggers, list):
            return
        model, data = config["model"], config["data"]
        layouts = data["layouts"] if isinstance(data["layouts"], str) else "+".join(data["layouts"])
        if "mixer" in model:
            algo = mixer_name(model["mixer"])
        elif "label_smoothing" in model:
            algo = "imitation"
        else:  # a policy-gradient learner
            algo = "mappo" if model.get("centralised_critic", True) else "ippo"
        if model.get("network.init_args.recurrent", False):
            algo += "_rnn"
        opponent = data["opponent"] if isinstance(data["opponent"], str) else "+".join(data["opponent"])
        run_name = f"{algo}__{layouts}__{opponent}__{data['seed']}"
        for logger in loggers:
            init = getattr(logger, "init_args", None)
            if init is not None and getattr(init, "name", None) == "auto":
                init.name = run_name

    def after_fit(self) -> None:
        """Say where the run's files are and which checkpoints it kept."""
        if self.trainer.is_global_zero:
            for line in run_summary(self.trainer):
                print(line)

    def before_fit(self) -> None:
        """`--ckpt_path last`: the newest `last.ckpt` of this run's logger folder (`runs/<name>/version_*`),
        so a resumed run continues from the last one and logs into a new version, overwriting nothing."""
        config = self.config_init[self.subcommand]
        if config.get("ckpt_path") != "last":
            return
        roots = [Path(logger.save_dir) / (logger.name or "") for logger in self.trainer.loggers if logger.save_dir]
        roots.append(Path(self.trainer.default_root_dir))
        found = [p for root in roots for p in root.glob("**/last.ckpt")]
        if not found:
            raise FileNotFoundError(f"--ckpt_path last: no last.ckpt under {', '.join(str(r) for r in roots)}")
        config["ckpt_path"] = str(max(found, key=lambda p: p.stat().st_mtime))
        print(f"resuming from {config['ckpt_path']}")
