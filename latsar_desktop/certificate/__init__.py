"""Certificate record verification and PDF rendering. No Qt."""

from __future__ import annotations
