from .track import track

__all__ = ["track"]
