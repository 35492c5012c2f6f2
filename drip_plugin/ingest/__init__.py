from .identify import identify
from .track import track

__all__ = ["identify", "track"]
