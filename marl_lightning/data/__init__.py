"""The data side: the replay buffer, the on-policy rollout, the collector that plays games into them, and
the data module (its names load when first used: `marl_lightning.lazy_exports`)."""

from ..lazy_exports import lazy_exports

_PUBLIC = {  # name: the module that defines it
    "TrainingBatch": "batch", "CurriculumConfig": "curriculum", "StageConfig": "curriculum",
    "CaptureDataModule": "datamodule", "LeagueConfig": "league", "RolloutBuffer": "onpolicy", "ReplayBuffer": "replay",
    "Collector": "rollout", "summarize": "rollout", "ImitationStream": "streams", "OnPolicyStream": "streams",
    "ReplayStream": "streams", "Stream": "streams",
}
__all__ = sorted(_PUBLIC)
__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC)
