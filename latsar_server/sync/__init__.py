"""A participant's progress: events in, standing and changes out.

- ``events.py``: one sync request's work: the device's events checked and applied by the
  rules (``Batch``), then the page of changes the device pulls.
- ``standing.py``: the standing built from the rows; the participant's progress row
  (``lock_participant``, which serializes every write for one participant) and the change
  log.
- ``grading.py``: evaluation attempts graded, at most ``max_graded_per_day`` a day.
- ``daily.py``: the daily job's grading of every attempt that is due.
"""

from __future__ import annotations
