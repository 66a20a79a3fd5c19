"""The connection settings (issue 16's Settings): the server address, the HTTP proxy, and
the proxy's user and password, checked before anything is kept. Qt-free, no I/O.

The server address and the proxy address are this computer's (machine.db settings); the
proxy user and password are the profile's, sealed under its token key
(``MachineStore.save_connection``). The session reads and writes them
(``ParticipantSession.connection_settings``, ``set_connection_settings``); this module
decides what is accepted:

- **server address**: spaces around it trimmed; without a scheme, ``https://`` is
  assumed (``latsar.contoh.go.id`` is ``https://latsar.contoh.go.id``); then it must be
  ``http`` or ``https`` with a host name or IP address, an optional port and path, no
  user and password, query or fragment. A trailing ``/`` is dropped.
- **proxy address**: empty (the environment's proxy, if any) or ``http(s)://host:port``
  (without a scheme, ``http://`` is assumed: an office proxy speaks plain HTTP to the
  computer), the port written out, nothing after it but an optional ``/``. A user and
  password written into it are refused: they have their own fields, and the address is
  kept in plain text.
- **proxy user**: spaces around it trimmed; no colon (Basic authentication cannot carry
  one in the user) and no control characters; only with a proxy address. **Password**:
  kept as typed, only with a user. Both are sealed with the proxy address they are for
  and sent to that proxy only: after the address changes (this profile or another one
  saving it), the profile keeps no user or password for the new proxy until they are
  typed again (``connection_settings()`` shows ``proxy_user`` "" and
  ``proxy_password_set`` False).

Every field is checked before the refusal: one ``SessionError`` carries the messages of
every field that is wrong (``field_messages("server_url" | "proxy_url" | "proxy_user")``),
and nothing is saved.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import SplitResult, urlsplit

from latsar_desktop.domain.messages import Code, Message, msg
from latsar_desktop.session.errors import SessionError
from latsar_desktop.store.credentials import ProxyCredentials

__all__ = ["CheckedConnection", "ConnectionSettings", "check_connection"]

_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ConnectionSettings:
    """What the settings screen shows. The proxy password is never handed out: only
    whether one is kept."""

    server_url: str  # "" when none
    proxy_url: str  # "" = the environment's proxy, if any
    proxy_user: str  # "" = none
    proxy_password_set: bool  # a password is kept


@dataclass(frozen=True)
class CheckedConnection:
    """Settings that passed ``check_connection``, as they are kept."""

    server_url: str
    proxy_url: str  # "" = none
    proxy: ProxyCredentials | None = field(repr=False)


def check_connection(
    server_url: str,
    proxy_url: str,
    proxy_user: str,
    proxy_password: str | None,
    kept: ProxyCredentials | None,
) -> CheckedConnection:
    """The settings as they are kept, or ``SessionError`` with every field's messages.

    ``proxy_password`` None keeps the password ``kept`` has when the user stays set and
    the proxy address stays the one ``kept`` is for (a password typed for one proxy is
    not sent to another unless typed again); "" removes it. An empty user removes the
    credentials. The credentials returned are bound to the proxy address kept."""
    problems: list[Message] = []
    server = _server_url(server_url, problems)
    proxy = _proxy_url(proxy_url, problems)
    user = proxy_user.strip()
    credentials: ProxyCredentials | None = None
    if user:
        if _CONTROL.search(user) or ":" in user:
            problems.append(msg(Code.SETTINGS_PROXY_USER_INVALID))
        elif not proxy_url.strip():
            problems.append(msg(Code.SETTINGS_PROXY_URL_NEEDED))
        password = proxy_password
        if password is None:  # kept for the same proxy only: a new address asks anew
            password = kept.password if kept is not None and kept.for_proxy(proxy) else ""
        credentials = ProxyCredentials(user, password, proxy or "")
    elif proxy_password:
        problems.append(msg(Code.SETTINGS_PROXY_USER_NEEDED))
    if problems:
        raise SessionError(*problems)
    assert server is not None  # else a problem was noted
    assert proxy is not None
    return CheckedConnection(server, proxy, credentials)


def _server_url(text: str, problems: list[Message]) -> str | None:
    text = text.strip()
    if not text:
        problems.append(msg(Code.SETTINGS_SERVER_URL_EMPTY))
        return None
    parts = _split(text, "https")
    if parts is None or "@" in parts.netloc or "?" in text or "#" in text:
        problems.append(msg(Code.SETTINGS_SERVER_URL_INVALID))
        return None
    return _joined(parts, parts.path.rstrip("/"))


def _proxy_url(text: str, problems: list[Message]) -> str | None:
    text = text.strip()
    if not text:
        return ""
    parts = _split(text, "http")
    if parts is not None and "@" in parts.netloc:
        problems.append(msg(Code.SETTINGS_PROXY_URL_CREDENTIALS))
        return None
    if (
        parts is None
        or parts.port is None
        or parts.path not in ("", "/")
        or "?" in text
        or "#" in text
    ):
        problems.append(msg(Code.SETTINGS_PROXY_URL_INVALID))
        return None
    return _joined(parts, "")


def _split(text: str, default_scheme: str) -> SplitResult | None:
    """``text`` as an http(s) URL with a valid host and port (``default_scheme`` when it
    names none), or None. A user and password are left for the caller to judge."""
    if _CONTROL.search(text) or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = f"{default_scheme}://{text}"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not _host_ok(parts.hostname or ""):
        return None
    if parts.netloc.endswith(":") or parts.port == 0:  # "host:" names no port
        return None
    return parts


def _host_ok(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        name = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = name.split(".")
    if all(label.isdigit() for label in labels):  # an IPv4 address, but not a valid one
        return False
    return all(_LABEL.fullmatch(label) for label in labels)


def _joined(parts: SplitResult, path: str) -> str:
    """The URL as kept: the scheme and host in lower case, the port and path as given."""
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme.lower()}://{host}{port}{path}"
