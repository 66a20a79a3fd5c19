"""Course packages and their content files.

- ``imports.py``: ``import-course``: a package checked, its files stored by SHA-256, one
  transaction.
- ``packages.py``: reading stored package versions, and the package a participant is
  served (no evaluation keys; the certificate keys; static-host addresses).
"""

from __future__ import annotations
