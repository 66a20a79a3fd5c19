"""Talking to the central server: API client, sync engine, content downloader. No Qt."""

from __future__ import annotations
