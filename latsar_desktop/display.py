"""Can this computer show the app's window? Checked before any Qt import (Qt-free).

On Linux, Qt aborts the process (SIGABRT, a core dump, a message only a developer
reads) when its platform plugin cannot start: no display to connect to, or a system
library the plugin needs is not installed (``libxcb-cursor0`` is the usual one since
Qt 6.5). ``problem()`` finds those cases first and says what to do, in Indonesian and
English, naming the Debian packages to install; ``latsar_desktop/app.py`` prints it and
exits with ``EXIT_NO_DISPLAY`` before it creates the QApplication.

The platform is Qt's: ``QT_QPA_PLATFORM`` (its first name) when set, else ``wayland``
in a Wayland session (``XDG_SESSION_TYPE=wayland`` with ``WAYLAND_DISPLAY``), else
``xcb``. Every platform needs Qt's own libraries (``CORE_LIBRARIES``: QtGui links them,
``offscreen`` too); ``xcb`` needs ``DISPLAY``, the X libraries (``XCB_LIBRARIES``) and an
X server that answers (``xcb_connect``); ``wayland`` needs ``WAYLAND_DISPLAY`` and its
libraries. A library counts as there when ``ctypes.CDLL`` loads it by its soname (as the
dynamic linker would) or, in a PyInstaller bundle, when the bundle carries it. Windows
and macOS have no such system libraries to miss: nothing is checked there.
"""

from __future__ import annotations

import ctypes
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from latsar_desktop.domain.messages import Code, Message, msg

EXIT_NO_DISPLAY = 3  # the exit status when the window cannot be shown here

# soname: the Debian package that installs it
CORE_LIBRARIES: Mapping[str, str] = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libX11.so.6": "libx11-6",
}
XCB_LIBRARIES: Mapping[str, str] = {
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
WAYLAND_LIBRARIES: Mapping[str, str] = {
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}


@dataclass(frozen=True)
class Problem:
    """Why the window cannot be shown, as a message; ``packages`` to install, if any."""

    message: Message
    packages: tuple[str, ...] = ()


def platform_name(env: Mapping[str, str]) -> str:
    """The Qt platform plugin Qt will load on Linux, by the same rule as Qt."""
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip().lower()
    if env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def missing_libraries(libraries: Mapping[str, str]) -> list[str]:
    """The sonames of ``libraries`` this process cannot load (in their order)."""
    return [soname for soname in libraries if not _loads(soname)]


@cache
def _bundled() -> frozenset[str]:
    """The file names a PyInstaller bundle carries (empty from source)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if not bundle:
        return frozenset()
    return frozenset(name for _, _, names in os.walk(bundle) for name in names)


def _loads(soname: str) -> bool:
    if soname in _bundled():
        return True  # a frozen app carries it (found there through the bundle's RPATH)
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def x_server_answers(display: str) -> bool:
    """Whether the X server of ``display`` accepts a connection (libxcb's ``xcb_connect``:
    what Qt's xcb plugin does first; it aborts the process when that fails)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:  # only inside a bundle (else the library check said so): Qt will try
        return True
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.restype = ctypes.c_int
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.restype = None
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return connection is not None and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection is not None:
            xcb.xcb_disconnect(connection)  # an error connection is freed the same way


def problem(env: Mapping[str, str] | None = None, platform: str | None = None) -> Problem | None:
    """What stops Qt from showing a window here, or None (also off Linux)."""
    env = os.environ if env is None else env
    if not (platform or sys.platform).startswith("linux"):
        return None
    qpa = platform_name(env)
    needed: dict[str, str] = dict(CORE_LIBRARIES)
    if qpa == "xcb":
        if not env.get("DISPLAY"):
            return Problem(msg(Code.DISPLAY_NONE))
        needed.update(XCB_LIBRARIES)
    elif qpa == "wayland":
        if not env.get("WAYLAND_DISPLAY"):
            return Problem(msg(Code.DISPLAY_NONE))
        needed.update(WAYLAND_LIBRARIES)
    missing = missing_libraries(needed)
    if missing:
        return libraries_problem(missing, needed)
    if qpa == "xcb" and not x_server_answers(env["DISPLAY"]):
        return Problem(msg(Code.DISPLAY_UNREACHABLE, display=env["DISPLAY"]))
    return None


def libraries_problem(missing: Sequence[str], packages: Mapping[str, str]) -> Problem:
    """The message naming ``missing`` libraries and the Debian packages that install them."""
    names = tuple(dict.fromkeys(packages[soname] for soname in missing))
    command = "sudo apt install " + " ".join(names)
    message = msg(Code.DISPLAY_LIBRARIES_MISSING, libraries=", ".join(missing), command=command)
    return Problem(message, names)


def explain(found: Problem) -> str:
    """The message in Indonesian, then in English (printed before any window exists)."""
    from latsar_desktop import i18n

    texts = (i18n.text(found.message.code, lang, found.message.params) for lang in i18n.LANGUAGES)
    return "\n".join(texts)
