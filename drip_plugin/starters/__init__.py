"""Starter sequences (welcome, cart abandonment, …) editors begin from."""
from .catalog import STARTERS, Starter, StarterEmail, StarterStep, get_starter
from .create import create_all_starters, create_from_starter, sequence_name

__all__ = ["STARTERS", "Starter", "StarterEmail", "StarterStep", "create_all_starters", "create_from_starter",
           "get_starter", "sequence_name"]
