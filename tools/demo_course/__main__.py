"""``python -m tools.demo_course [--check | --make-media]``: see :mod:`tools.demo_course.build`."""

from __future__ import annotations

from tools.demo_course.build import main

raise SystemExit(main())
