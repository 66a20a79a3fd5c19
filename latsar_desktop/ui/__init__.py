"""Qt widgets: the only package (with app.py) allowed to import PySide6."""

from __future__ import annotations
