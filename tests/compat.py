"""What a newer server might send: the same JSON with fields this version does not know."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

NEWER_FIELD = "zz_from_a_newer_server"
NEWER_VALUE: dict[str, Any] = {"text": "kolom baru", "items": [1, {"deep": True}], "n": None}


def with_unknown_fields(model: Any, raw: Any) -> tuple[Any, int]:
    """``raw`` (the JSON value ``model`` was parsed from) with a field that no model knows
    added to every object in it, however deep, and how many objects got one.

    An object is a JSON object read as a model; a map (``practice_best``, ``params``) is no
    object: a new key there would be a new entry, so only its values are walked. Text that
    holds JSON (a certificate's signed ``record_json``) is left as it is: it is signed.
    """
    if isinstance(model, BaseModel) and isinstance(raw, dict):
        fields = type(model).model_fields
        out: dict[str, Any] = {}
        added = 1
        for key, value in raw.items():
            if key in fields:
                out[key], count = with_unknown_fields(getattr(model, key), value)
                added += count
            else:
                out[key] = value
        out[NEWER_FIELD] = copy.deepcopy(NEWER_VALUE)
        return out, added
    if isinstance(model, list | tuple) and isinstance(raw, list):
        items = [with_unknown_fields(m, r) for m, r in zip(model, raw, strict=True)]
        return [item for item, _ in items], sum(count for _, count in items)
    if isinstance(model, dict) and isinstance(raw, dict):
        walked = {k: with_unknown_fields(model[k], v) for k, v in raw.items()}
        return {k: item for k, (item, _) in walked.items()}, sum(c for _, c in walked.values())
    return raw, 0
