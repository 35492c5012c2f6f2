from .tick import TickResult, tick

__all__ = ["TickResult", "tick"]
