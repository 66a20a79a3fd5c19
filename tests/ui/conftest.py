from __future__ import annotations

from pathlib import Path

import pytest

UI_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/ui needs Qt: mark it, so `-m qt` and `-m "not qt"` split
    the suite between the gui environment and the Qt-free one without a forgotten mark."""
    for item in items:
        if UI_TESTS in item.path.parents:
            item.add_marker(pytest.mark.qt)
