"""The reference central server for Latsar Desktop (FastAPI).

Where things live (each package's ``__init__`` says more):

- ``app.py``: ``create_app(settings)``, the FastAPI application: wiring only.
- ``cli.py``: ``latsar-server``, the operator's command line.
- ``serving.py``: how uvicorn serves the API (its HTTP protocol, Nagle off).
- ``runtime.py``: ``ServerRuntime``, one process's settings and database engine.
- ``clock.py``: the server's one clock (tests pin it).
- ``settings.py``, ``database.py``, ``tables.py``, ``migrations/``: configuration, the
  engine and transactions, the tables, their Alembic migrations.
- ``errors.py``: ``ApiError``, the error body every refusal answers with.
- ``api/``: the HTTP API: one router per area, the request dependencies (the runtime, the
  signed-in caller) and the middleware. Routers call the packages below, never the reverse.
- ``accounts/``: participants and their devices: sign-in, tokens, NIK hashing, the
  participants' import.
- ``courses/``: course packages and their content files: import, storage, what is served.
- ``sync/``: a participant's events applied by the rules, their standing and change log,
  grading (per day, and the daily job's).
- ``certificates/``: issuance and numbering, signing keys, verification.
- ``results.py``: ``export-results``, every participant's results as CSV.
"""

from __future__ import annotations
