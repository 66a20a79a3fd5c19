"""Certificates.

- ``issuance.py``: the daily issuance (who is due, numbering, the signed record), and
  revocation.
- ``keys.py``: Ed25519 signing keys: the private half in the key folder, the public half
  in the database.
- ``verification.py``: what ``/verify/{code}`` answers about a verification code.
"""

from __future__ import annotations
