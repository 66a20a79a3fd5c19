"""What a Python file imports, read from its syntax tree (for the layering tests).

Imports inside functions, under ``TYPE_CHECKING`` and through ``importlib.import_module`` /
``__import__`` with a literal name count too.
"""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path, *, expand: str | None = None) -> list[tuple[int, str]]:
    """(line, module) for every absolute import in the file.

    ``from <expand> import x`` counts as importing ``<expand>.x`` (``x`` may be a submodule).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == expand:
                modules = [f"{expand}.{alias.name}" for alias in node.names]
            else:
                modules = [node.module]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", ""))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            modules = [node.args[0].value]
        found += [(node.lineno, module) for module in modules]
    return found
