"""The questions of one evaluation attempt: drawn and ordered by a seed kept on the attempt.

The device makes the seed when the attempt starts; the server recomputes the draw from it
and refuses an attempt whose questions differ. Each question id is ranked by
HMAC-SHA256 keyed with the seed's ASCII text over the id's UTF-8 bytes, the digests
compared as bytes (ties, which never happen in practice, by id), so every platform and
Python version gives the same answer. The attempt shows the first ``count`` of that order.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

SEED_HEX_LENGTH = 32  # 128 bits, as lower-case hex
SEED_PATTERN = re.compile(r"[0-9a-f]{32}")


def new_seed() -> str:
    """A fresh random seed for an attempt."""
    return secrets.token_hex(SEED_HEX_LENGTH // 2)


def is_seed(value: str) -> bool:
    return SEED_PATTERN.fullmatch(value) is not None


def draw_questions(seed: str, question_ids: Iterable[str], count: int | None = None) -> list[str]:
    """The question ids of the attempt, in the order they are shown.

    All of ``question_ids`` (each once) ordered by HMAC-SHA256(seed, id), then the first
    ``count`` of them (None, or more than there are: every question). The result does not
    depend on the order of the input. Raises ValueError for a seed that is not 32
    lower-case hex digits or a negative count.
    """
    if not is_seed(seed):
        raise ValueError("a seed is 32 lower-case hex digits")
    if count is not None and count < 0:
        raise ValueError(f"count {count} < 0")
    key = seed.encode("ascii")

    def rank(question_id: str) -> tuple[bytes, str]:
        digest = hmac.new(key, question_id.encode("utf-8"), hashlib.sha256).digest()
        return digest, question_id

    ordered = sorted(set(question_ids), key=rank)
    return ordered if count is None else ordered[:count]
