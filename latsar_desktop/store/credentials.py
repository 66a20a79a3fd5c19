"""Offline sign-in (DESIGN §3 "Profiles and sign-in"): the NIK verifier, sealed tokens and
the growing wait after wrong NIKs. Qt-free, no I/O: ``MachineStore`` keeps the results.

One scrypt of the NIK (salted, its cost written beside it) gives a master secret; two
different HKDF-Expand labels turn it into

- the **verifier** check kept in ``machine.db``, and
- the **token key**: AES-256-GCM over the tokens, with the profile id as associated data;
  the same key seals the profile's HTTP proxy user and password with the proxy address
  they are for (another purpose named in the associated data, so neither blob opens as
  the other).

Only the verifier check is stored, never the master secret: the key cannot be computed
from what ``machine.db`` holds without the NIK. A sign-in costs one scrypt (about 50 ms on
one core of the development machine), checking the NIK and unlocking the tokens together.
Another profile on the same OS account has another salt and another NIK, so its key opens
nothing of this one; a blob copied onto another profile's row fails its associated data.

A NIK is a weak secret (the birth date is in the NIP, the region code is guessable):
whoever copies ``machine.db`` can guess offline. The verifier slows that down, the wait
slows down guessing at the sign-in screen; neither replaces the server's own limits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from pydantic import ValidationError

from latsar_desktop.domain.messages import Code, DomainError, msg
from latsar_desktop.domain.protocol import Tokens

# ------------------------------------------------------------------------------ cost


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's parameters; written into every verifier so a later version can raise them
    (the next sign-in with the right NIK writes a new verifier at the current cost)."""

    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        """Bytes scrypt needs (128 · r · N)."""
        return 128 * self.r * self.n


# N=2^14, r=8, p=1 (16 MiB), as the server's NIK hash: 52 ms per check on one core of
# the development machine (AMD EPYC), so roughly 0.1-0.15 s on an old laptop.
DEFAULT_COST = ScryptCost(n=2**14, r=8, p=1)
# A verifier asking for more than this is not ours (a tampered machine.db must not make
# the sign-in screen allocate gigabytes or run for minutes).
MAX_COST = ScryptCost(n=2**20, r=16, p=4)
MAX_MEMORY = 256 * 1024 * 1024

SALT_BYTES = 16
VERIFIER_SCHEME = "scrypt-hkdf-sha256"
SEAL_SCHEME = "aes256gcm"
_NONCE_BYTES = 12
_VERIFIER_LABEL = b"latsar-desktop nik verifier v1"
_TOKEN_KEY_LABEL = b"latsar-desktop token key v1"
_SEAL_AAD = b"latsar-desktop sealed tokens v1\0"
_PROXY_AAD = b"latsar-desktop sealed proxy credentials v1\0"


class CredentialsUnreadable(ValueError):
    """A stored verifier or sealed blob this app cannot use: malformed, tampered with,
    from an unknown scheme, or (for sealed tokens) sealed under another key or profile."""


# ------------------------------------------------------------------------- verifier


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise CredentialsUnreadable("not base64") from exc


@dataclass(frozen=True)
class Verifier:
    """``scrypt-hkdf-sha256$N$r$p$salt$check``: ``check`` is HKDF-Expand of scrypt(NIK)."""

    cost: ScryptCost
    salt: bytes
    check: bytes

    def __str__(self) -> str:
        c = self.cost
        return f"{VERIFIER_SCHEME}${c.n}${c.r}${c.p}${_b64(self.salt)}${_b64(self.check)}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        parts = text.split("$")
        if len(parts) != 6 or parts[0] != VERIFIER_SCHEME:
            raise CredentialsUnreadable("not a NIK verifier of this app")
        if not all(part.isascii() and part.isdigit() for part in parts[1:4]):
            raise CredentialsUnreadable("scrypt cost is not three numbers")
        cost = ScryptCost(int(parts[1]), int(parts[2]), int(parts[3]))
        if not (
            2 <= cost.n <= MAX_COST.n
            and cost.n & (cost.n - 1) == 0
            and 1 <= cost.r <= MAX_COST.r
            and 1 <= cost.p <= MAX_COST.p
            and cost.memory <= MAX_MEMORY
        ):
            raise CredentialsUnreadable("scrypt cost out of range")
        salt, check = _unb64(parts[4]), _unb64(parts[5])
        if len(salt) < SALT_BYTES or len(check) != 32:
            raise CredentialsUnreadable("salt or check of the wrong length")
        return cls(cost, salt, check)


class TokenKey:
    """The key that seals one profile's tokens, valid for one verifier.

    The session keeps it while signed in, so a token refresh can be sealed again without
    keeping the NIK or paying for another scrypt. Its repr shows nothing secret.
    """

    __slots__ = ("_key", "verifier")

    def __init__(self, key: bytes, verifier: str) -> None:
        self._key = key
        self.verifier = verifier  # the stored verifier this key belongs to

    def __repr__(self) -> str:
        return "TokenKey(<hidden>)"


def _master(nik: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        nik.encode("ascii"),
        salt=salt,
        n=cost.n,
        r=cost.r,
        p=cost.p,
        maxmem=cost.memory + 1024 * 1024,
        dklen=32,
    )


def _expand(master: bytes, label: bytes) -> bytes:
    # scrypt's output is already a uniform key: HKDF-Expand alone (RFC 5869 §3.3)
    return HKDFExpand(hashes.SHA256(), 32, label).derive(master)


def new_credentials(nik: str, cost: ScryptCost = DEFAULT_COST) -> tuple[str, TokenKey]:
    """A fresh verifier (new salt, ``cost``) for a NIK the server just accepted, and the
    token key that goes with it. ``nik`` is the normalized 16 digits."""
    salt = secrets.token_bytes(SALT_BYTES)
    master = _master(nik, salt, cost)
    verifier = str(Verifier(cost, salt, _expand(master, _VERIFIER_LABEL)))
    return verifier, TokenKey(_expand(master, _TOKEN_KEY_LABEL), verifier)


def check_nik(nik: str, verifier: str) -> TokenKey | None:
    """The token key when ``nik`` is the verified NIK, None when it is not.

    Raises :class:`CredentialsUnreadable` for a verifier this app cannot read.
    """
    parsed = Verifier.parse(verifier)
    master = _master(nik, parsed.salt, parsed.cost)
    if not hmac.compare_digest(_expand(master, _VERIFIER_LABEL), parsed.check):
        return None
    return TokenKey(_expand(master, _TOKEN_KEY_LABEL), verifier)


def verifier_cost(verifier: str) -> ScryptCost:
    return Verifier.parse(verifier).cost


# ----------------------------------------------------------------------- sealed tokens


def _aad(profile_id: str) -> bytes:
    return _SEAL_AAD + profile_id.encode("utf-8")


def _seal(plain: bytes, key: TokenKey, aad: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return f"{SEAL_SCHEME}${_b64(nonce)}${_b64(AESGCM(key._key).encrypt(nonce, plain, aad))}"


def _open(sealed: str, key: TokenKey, aad: bytes, what: str) -> bytes:
    parts = sealed.split("$")
    if len(parts) != 3 or parts[0] != SEAL_SCHEME:
        raise CredentialsUnreadable(f"not sealed {what} of this app")
    nonce, body = _unb64(parts[1]), _unb64(parts[2])
    if len(nonce) != _NONCE_BYTES:
        raise CredentialsUnreadable("nonce of the wrong length")
    try:
        return AESGCM(key._key).decrypt(nonce, body, aad)
    except InvalidTag as exc:
        raise CredentialsUnreadable("sealed under another key or for another profile") from exc


def seal_tokens(tokens: Tokens, key: TokenKey, profile_id: str) -> str:
    """``aes256gcm$nonce$ciphertext``: the tokens as JSON, bound to ``profile_id``."""
    return _seal(tokens.model_dump_json().encode(), key, _aad(profile_id))


def open_tokens(sealed: str, key: TokenKey, profile_id: str) -> Tokens:
    """The tokens sealed for ``profile_id`` under ``key``.

    Raises :class:`CredentialsUnreadable` when the blob is malformed or was sealed under
    another key (another NIK, another salt) or for another profile.
    """
    plain = _open(sealed, key, _aad(profile_id), "tokens")
    try:
        return Tokens.model_validate_json(plain)
    except ValidationError as exc:
        raise CredentialsUnreadable("sealed blob does not hold tokens") from exc


# ------------------------------------------------------------- sealed proxy credentials


@dataclass(frozen=True)
class ProxyCredentials:
    """The user and password one profile gives the HTTP proxy (Basic), and the proxy
    address they were given for: they go to that proxy only (sealed with them, so a
    changed address in machine.db cannot redirect them). Its repr hides the password.
    ``user`` is never empty."""

    user: str
    password: str = field(default="", repr=False)
    proxy_url: str = ""  # as kept (``session.connection``); "" matches no proxy

    def for_proxy(self, proxy_url: str | None) -> bool:
        """These credentials may be sent to the proxy at ``proxy_url``."""
        return bool(proxy_url) and self.proxy_url == proxy_url


def _proxy_aad(profile_id: str) -> bytes:
    return _PROXY_AAD + profile_id.encode("utf-8")


def seal_proxy_credentials(credentials: ProxyCredentials, key: TokenKey, profile_id: str) -> str:
    """Like ``seal_tokens``: the proxy user, password and address as JSON, sealed under
    the token key, bound to ``profile_id`` and to this purpose (a token blob does not
    open as this)."""
    plain = json.dumps(
        {
            "user": credentials.user,
            "password": credentials.password,
            "proxy": credentials.proxy_url,
        }
    )
    return _seal(plain.encode("utf-8"), key, _proxy_aad(profile_id))


def open_proxy_credentials(sealed: str, key: TokenKey, profile_id: str) -> ProxyCredentials:
    """The proxy credentials sealed for ``profile_id`` under ``key``.

    Raises :class:`CredentialsUnreadable` as ``open_tokens`` does."""
    plain = _open(sealed, key, _proxy_aad(profile_id), "proxy credentials")
    try:
        data = json.loads(plain)
        # a blob sealed before the address was sealed with it is for no proxy
        user, password, proxy = data["user"], data["password"], data.get("proxy", "")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CredentialsUnreadable("sealed blob does not hold proxy credentials") from exc
    if not all(isinstance(v, str) for v in (user, password, proxy)) or not user:
        raise CredentialsUnreadable("sealed blob does not hold proxy credentials")
    return ProxyCredentials(user, password, proxy)


# ------------------------------------------------------------------- growing wait

FREE_TRIES = 3  # wrong NIKs offline before the waits begin
FIRST_WAIT = timedelta(seconds=10)  # after the 3rd wrong NIK; doubles with each further one
LONGEST_WAIT = timedelta(minutes=5)


def wait_after(failures: int) -> timedelta:
    """How long the next offline try waits after ``failures`` wrong NIKs in a row:
    nothing for the first two, then 10 s, 20 s, 40 s … at most 5 minutes."""
    if failures < FREE_TRIES:
        return timedelta(0)
    doublings = min(failures - FREE_TRIES, 16)  # 10 s · 2^16 is far past the cap
    return min(FIRST_WAIT * (1 << doublings), LONGEST_WAIT)


def tries_left(failures: int) -> int:
    """Wrong NIKs still allowed before the waits begin (0 once they have)."""
    return max(0, FREE_TRIES - failures)


def whole_seconds(wait: timedelta) -> int:
    """A wait as shown: whole seconds, rounded up (never 0 for a wait still running)."""
    return max(0, math.ceil(wait.total_seconds()))


# ----------------------------------------------------------------------------- errors


class SignInRefused(DomainError):
    """An offline sign-in that did not happen; ``message`` says why and what to do."""


class NeedsOnlineSignIn(SignInRefused):
    """No usable verifier and tokens for this NIP on this computer: the first sign-in of a
    profile (or one after its credentials became unreadable) needs the server."""

    def __init__(self) -> None:
        super().__init__(msg(Code.SIGNIN_FIRST_ONLINE))


class WrongNikOffline(SignInRefused):
    """The NIK does not match the verifier. Carries the tries left before the waits begin
    and, once they have, how long the next try waits (a second message)."""

    def __init__(self, tries_left: int, wait: timedelta) -> None:
        self.tries_left = tries_left
        self.wait_seconds = whole_seconds(wait)
        messages = [msg(Code.SIGNIN_WRONG_NIK_OFFLINE, tries_left=tries_left)]
        if self.wait_seconds:
            messages.append(msg(Code.SIGNIN_WAIT, seconds=self.wait_seconds))
        super().__init__(*messages)


class SignInWait(SignInRefused):
    """A try during the wait: refused without looking at the NIK, and not counted."""

    def __init__(self, wait: timedelta) -> None:
        self.wait_seconds = max(1, whole_seconds(wait))
        super().__init__(msg(Code.SIGNIN_WAIT, seconds=self.wait_seconds))
