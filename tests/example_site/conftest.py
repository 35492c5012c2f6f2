"""The demo store's plain modules (no models), imported from example_site/."""
import sys
from pathlib import Path

EXAMPLE_SITE = Path(__file__).resolve().parents[2] / "example_site"
if str(EXAMPLE_SITE) not in sys.path:
    sys.path.append(str(EXAMPLE_SITE))
