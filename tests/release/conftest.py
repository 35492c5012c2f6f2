"""The release checks build the package and the docs: slow-ish, so
`python3 dev.py test` runs them once, in its own step (DRIP_TEST_RELEASE=1),
not in every database pass and row."""
import os

import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(config, items):
    if os.environ.get("DRIP_TEST_RELEASE") == "1":
        return
    skip = pytest.mark.skip(reason="run once by `python3 dev.py test` (its release step, DRIP_TEST_RELEASE=1)")
    for item in items:
        if item.path.is_relative_to(ROOT / "tests" / "release"):
            item.add_marker(skip)
