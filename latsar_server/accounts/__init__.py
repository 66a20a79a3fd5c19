"""Participants, their devices and how they sign in.

- ``sign_in.py``: sign-in by NIP and NIK, with the failure limits per NIP and address.
- ``tokens.py``: access and refresh tokens: issue, rotate (refresh), revoke; ``Caller``.
- ``passwords.py``: the NIK (the participant's password) as a salted scrypt hash.
- ``server_secret.py``: keys shared by every server process, kept in the database.
- ``devices.py``: registered devices: count, revoke, the last sync time.
- ``imports.py``: ``import-participants``, the operator's CSV of participants.
"""

from __future__ import annotations
