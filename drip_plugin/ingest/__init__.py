from .identify import identify
from .track import track, track_many

__all__ = ["identify", "track", "track_many"]
