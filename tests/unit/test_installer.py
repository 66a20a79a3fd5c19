"""The Windows installer's script (``installer/latsar-desktop.iss``): its key settings.

Inno Setup runs only on Windows (the bundles workflow compiles the script there), so this
reads the script: a per-user install that needs no administrator rights, Indonesian and
English, a Start menu entry for build.spec's participant executable, and an uninstaller
that offers (default No) to delete the data folder the app really uses on Windows,
computed here from latsar_desktop/locations.py.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from pathlib import Path

import platformdirs
import platformdirs.windows
import pytest
from platformdirs.windows import Windows

from latsar_desktop import i18n, locations

ROOT = Path(__file__).resolve().parents[2]
ISS = ROOT / "installer" / "latsar-desktop.iss"
# stand-ins for the Windows folders behind Inno Setup's constants
WINDOWS_FOLDERS = {
    "CSIDL_LOCAL_APPDATA": (r"C:\Users\peserta\AppData\Local", "{localappdata}"),
    "CSIDL_APPDATA": (r"C:\Users\peserta\AppData\Roaming", "{userappdata}"),
}


def spec_constant(name: str) -> str:
    """A top-level string constant of build.spec (the bundles' names)."""
    tree = ast.parse((ROOT / "build.spec").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == [name]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise AssertionError(f"build.spec has no {name} = '...'")


def script() -> str:
    return ISS.read_text(encoding="ascii")  # ASCII: no code page question for ISCC


def defines() -> dict[str, str]:
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', script(), re.MULTILINE))


def section(name: str) -> list[str]:
    """The entries of one ``[Section]``, without blank lines and comments."""
    lines: list[str] = []
    current = None
    for raw in script().splitlines():
        line = raw.strip()
        if re.fullmatch(r"\[\w+\]", line):
            current = line[1:-1]
        elif current == name and line and not line.startswith((";", "//", "#")):
            lines.append(line)
    return lines


def setup() -> dict[str, str]:
    return dict(line.split("=", 1) for line in section("Setup"))


def entries(name: str) -> list[dict[str, str]]:
    """``Name: "x"; Filename: "y"; Flags: z`` lines as dicts."""
    found = []
    for line in section(name):
        fields = (part.split(":", 1) for part in line.split("; "))
        found.append({key.strip(): value.strip().strip('"') for key, value in fields})
    return found


def windows_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """locations.data_dir() and log_dir() as they are on Windows, written with Inno Setup's
    constants: the calls locations.py makes to platformdirs, replayed on its Windows class."""
    calls: dict[str, inspect.BoundArguments] = {}

    def recording(kind: str, real: Callable[..., str]) -> Callable[..., str]:
        def record(*args: object, **kwargs: object) -> str:
            calls[kind] = inspect.signature(real).bind(*args, **kwargs)
            return str(tmp_path / kind)

        return record

    monkeypatch.delenv(locations.DATA_DIR_ENV, raising=False)
    monkeypatch.delenv(locations.LOG_DIR_ENV, raising=False)
    monkeypatch.setattr(
        platformdirs, "user_data_dir", recording("data", platformdirs.user_data_dir)
    )
    monkeypatch.setattr(platformdirs, "user_log_dir", recording("log", platformdirs.user_log_dir))
    locations.data_dir()
    locations.log_dir()
    monkeypatch.setattr(
        platformdirs.windows, "get_win_folder", lambda csidl: WINDOWS_FOLDERS[csidl][0]
    )

    def inno(path: str) -> str:
        path = path.replace("/", "\\")  # os.path.join's separator here
        for folder, constant in WINDOWS_FOLDERS.values():
            if path.startswith(folder + "\\"):
                return constant + path[len(folder) :]
        raise AssertionError(f"{path} is in none of {WINDOWS_FOLDERS}")

    data = calls["data"].arguments | {"ensure_exists": False}
    log = calls["log"].arguments | {"ensure_exists": False}
    return {
        "data": inno(Windows(**data).user_data_dir),
        "log": inno(Windows(**log).user_log_dir),
    }


def test_installs_per_user_without_administrator_rights() -> None:
    settings = setup()
    assert settings["PrivilegesRequired"] == "lowest"
    assert "PrivilegesRequiredOverridesAllowed" not in settings  # never an all-users install
    # {autopf} is %LOCALAPPDATA%\Programs when installing with the lowest privileges
    assert settings["DefaultDirName"].startswith(("{autopf}\\", "{userpf}\\"))
    assert settings["MinVersion"] == "10.0.17763"  # Windows 10 1809, Qt 6's minimum
    assert settings["ArchitecturesAllowed"] == "x64compatible"
    assert settings["ArchitecturesInstallIn64BitMode"] == "x64compatible"
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", settings["AppId"])
    assert settings["AppVersion"] == "{#AppVersion}"  # passed by the build: /DAppVersion=


def test_installs_the_participants_bundle_with_a_start_menu_entry() -> None:
    app = spec_constant("APP")
    names = defines()
    assert names["AppExeName"] == f"{app}.exe"
    assert names["BundleDir"] == f"..\\dist\\{app}"
    [files] = entries("Files")
    assert files["Source"] == "{#BundleDir}\\*"
    assert {"recursesubdirs", "createallsubdirs"} <= set(files["Flags"].split())
    shortcuts = [entry for entry in entries("Icons") if "Tasks" not in entry]
    assert [entry["Name"].split("\\")[0] for entry in shortcuts] == ["{autoprograms}"]
    assert shortcuts[0]["Filename"] == "{app}\\{#AppExeName}"


def test_speaks_the_apps_languages() -> None:
    languages = entries("Languages")
    assert [entry["Name"] for entry in languages] == list(i18n.LANGUAGES)
    messages = {entry["Name"]: entry["MessagesFile"] for entry in languages}
    assert messages["en"] == "compiler:Default.isl"
    assert messages["id"] == "{#IndonesianMessages}"
    custom = [line.split("=", 1)[0] for line in section("CustomMessages")]
    for message in ("DeleteDataQuestion", "DeleteDataFailed"):
        assert sorted(code for code in custom if code.endswith(f".{message}")) == [
            f"{language}.{message}" for language in sorted(i18n.LANGUAGES)
        ]


def test_the_uninstaller_deletes_the_apps_real_data_folder_only_on_yes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folders = windows_dirs(monkeypatch, tmp_path)
    assert defines()["DataDir"] == folders["data"]
    assert folders["log"].startswith(folders["data"] + "\\")  # the logs go with the data
    code = "\n".join(section("Code"))
    assert "procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);" in code
    assert "DataDir := ExpandConstant('{#DataDir}');" in code
    assert "if UninstallSilent or not DirExists(DataDir) then\nExit;" in code
    question = "MsgBox(FmtMessage(CustomMessage('DeleteDataQuestion'), [DataDir]),"
    answer = "mbConfirmation, MB_YESNO or MB_DEFBUTTON2) <> IDYES then\nExit;"
    delete = "if not DelTree(DataDir, True, True, True) then"
    assert f"{question}\n{answer}\n{delete}" in code
    assert code.count("DelTree(") == 1
