"""The reference central server for Latsar Desktop (FastAPI)."""

from __future__ import annotations
