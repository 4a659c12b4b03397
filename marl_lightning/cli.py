"""The command line: `LightningCLI` with the sizes the environment decides linked into the model."""

from __future__ import annotations

from lightning.pytorch.cli import LightningCLI


class MARLCLI(LightningCLI):
    """`python train.py fit --config configs/qmix.yaml`; every value can be overridden on the command line.

    The padded grid and the number of agents come from the data module (the environment decides
    them), and so do whether agents are recurrent (`data.sequence_length > 0`) and the burn-in; they
    are linked into the model, never written twice.
    """

    def add_arguments_to_parser(self, parser) -> None:
        parser.link_arguments("data.grid_shape", "model.grid_shape", apply_on="instantiate")
        parser.link_arguments("data.n_agents", "model.n_agents", apply_on="instantiate")
        parser.link_arguments("data.recurrent", "model.recurrent", apply_on="instantiate")
        parser.link_arguments("data.burn_in", "model.burn_in", apply_on="instantiate")
