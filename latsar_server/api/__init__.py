"""The HTTP API: FastAPI routers, the request dependencies and the middleware. (Named
``api``, not ``http``: a folder named like the standard library's ``http`` would hide it
from uvicorn and httpx whenever ``latsar_server/`` itself is on ``sys.path``.)

Each router parses a request, calls ``accounts``, ``courses``, ``sync`` or
``certificates``, and answers; those packages never import this one
(``tests/unit/test_server_layout.py``). By URL:

- ``accounts.py``: ``POST /api/v1/auth/login``, ``/refresh``, ``/logout``.
- ``devices.py``: ``GET /api/v1/devices``, ``POST /api/v1/devices/{id}/revoke``.
- ``sync.py``: ``POST /api/v1/sync`` (the body streamed and un-gzipped here).
- ``courses.py``: ``GET /api/v1/courses/{id}/package``, ``GET /api/v1/assets/{sha256}``.
- ``certificates.py``: ``GET /verify/{code}``, the public verification page.
- ``health.py``: ``GET /health``.
- ``dependencies.py``: ``RuntimeDep`` (the process's ``ServerRuntime``) and ``CallerDep``
  (the participant and device an access token belongs to).
- ``middleware.py``: the protocol-version check, request-body limits, JSON request logs.
"""

from __future__ import annotations
