"""Training material for nursery staff: slides, handout, quiz with answer key and scenario drills, all cited."""

from kodomo_ai.training.material import TrainingMaterial, build_training
from kodomo_ai.training.output import write_training
from kodomo_ai.training.quiz import verify_question
from kodomo_ai.training.topics import TOPICS, resolve_topic

__all__ = [
    "TOPICS",
    "TrainingMaterial",
    "build_training",
    "resolve_topic",
    "verify_question",
    "write_training",
]
