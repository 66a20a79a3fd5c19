"""Label codes: every text of the app's screens (titles, buttons, hints, page texts).

They live beside the message codes (``domain/messages.py``: what the core says) in the
same gettext catalogs, so a screen and the core speak with one voice and one test checks
that both languages have every text. ``latsar_desktop.i18n.text`` takes either.

Members are grouped by screen. Helpers add their screen's labels at the END of the class
(the class is the last thing in this file), ``ui.<screen>.<what>`` by convention.
"""

from __future__ import annotations

from enum import StrEnum


class Label(StrEnum):
    """Every screen text; each has an Indonesian and an English text (a test checks)."""

    # the app as a whole
    APP_TITLE = "ui.app.title"  # the window title: "Latsar Desktop"
    APP_TITLE_ON = "ui.app.title_on"  # screen: str: "Masuk · Latsar Desktop"
    LANGUAGE = "ui.app.language"  # "Bahasa"
    LANGUAGE_ID = "ui.app.language_id"  # "Bahasa Indonesia"
    LANGUAGE_EN = "ui.app.language_en"  # "English"
    CANCEL = "ui.app.cancel"
    CLOSE = "ui.app.close"
    WORKING = "ui.app.working"  # "Sedang diproses…"

    # the video player (ui/player.py; the welcome video and the course's clips)
    PLAYER_PLAY = "ui.player.play"  # "Putar"
    PLAYER_PAUSE = "ui.player.pause"  # "Jeda"
    PLAYER_POSITION = "ui.player.position"  # the position bar's accessible name

    # the welcome video (ui/welcome.py)
    WELCOME_TITLE = "ui.welcome.title"  # "Selamat datang di Pelatihan Dasar PPPK"
    WELCOME_INTRO = "ui.welcome.intro"  # first time: watch it to the end, then Lanjut
    WELCOME_INTRO_WATCHED = "ui.welcome.intro_watched"  # watched before: Lewati
    WELCOME_DOWNLOADING = "ui.welcome.downloading"  # "Mengunduh video sambutan…"
    WELCOME_CANNOT_PLAY = "ui.welcome.cannot_play"  # the file does not play here
    WELCOME_LINK_ONLY = "ui.welcome.link_only"  # the package has a link, no file
    WELCOME_NONE = "ui.welcome.none"  # the package has no welcome video at all
    WELCOME_GO_ON = "ui.welcome.go_on"  # after a problem: you can still continue
    WELCOME_OPEN_LINK = "ui.welcome.open_link"  # "Buka video di browser"
    WELCOME_CONTINUE = "ui.welcome.continue"  # "Lanjut"
    WELCOME_SKIP = "ui.welcome.skip"  # "Lewati"

    # the standard error dialog (ui/errors.py)
    ERROR_TITLE = "ui.error.title"  # "Terjadi kesalahan"
    ERROR_UNEXPECTED = "ui.error.unexpected"  # any failure that is not a domain or sync error
    ERROR_DETAILS = "ui.error.details"  # the toggle of the technical section: "Rincian"
    ERROR_COPY = "ui.error.copy"  # "Salin rincian"
    ERROR_COPIED = "ui.error.copied"  # the copy button once it copied
    ERROR_MORE = "ui.error.more"  # count: int: failures after the one shown
    ERROR_LOG_FILE = "ui.error.log_file"  # path: str: first line of the Rincian

    # the sign-in screen (ui/signin.py)
    SIGNIN_SCREEN = "ui.signin.screen"  # the screen's name in the window title: "Masuk"
    SIGNIN_TITLE = "ui.signin.title"
    SIGNIN_INTRO = "ui.signin.intro"
    SIGNIN_PROFILES = "ui.signin.profiles"  # "Profil di komputer ini"
    SIGNIN_NO_PROFILES = "ui.signin.no_profiles"
    SIGNIN_OTHER_ACCOUNT = "ui.signin.other_account"  # "Masuk dengan akun lain"
    SIGNIN_CARD_NIP = "ui.signin.card_nip"  # nip: str (grouped for reading)
    SIGNIN_REMOVE = "ui.signin.remove"  # "Hapus" on a card
    SIGNIN_REMOVE_HINT = "ui.signin.remove_hint"
    SIGNIN_FORM = "ui.signin.form"  # the form's heading
    SIGNIN_NIP = "ui.signin.nip"  # "NIP"
    SIGNIN_NIP_HINT = "ui.signin.nip_hint"
    SIGNIN_NIK = "ui.signin.nik"  # "NIK"
    SIGNIN_NIK_HINT = "ui.signin.nik_hint"
    SIGNIN_SHOW_NIK = "ui.signin.show_nik"  # "Tampilkan"
    SIGNIN_SUBMIT = "ui.signin.submit"  # "Masuk"
    SIGNIN_BUSY = "ui.signin.busy"
    SIGNIN_WAIT_OVER = "ui.signin.wait_over"  # the offline wait has ended
    SIGNIN_DEMO_TITLE = "ui.signin.demo_title"  # "Akun demo"
    SIGNIN_DEMO_INTRO = "ui.signin.demo_intro"
    SIGNIN_DEMO_NAME = "ui.signin.demo_name"  # the column: "Nama"
    SIGNIN_DEMO_FILL = "ui.signin.demo_fill"  # "Isi"
    SIGNIN_DEMO_FILL_FOR = "ui.signin.demo_fill_for"  # name: str (accessible name)
    SIGNIN_REMOVE_TITLE = "ui.signin.remove_title"  # "Hapus profil" (title and button)
    SIGNIN_REMOVE_QUESTION = "ui.signin.remove_question"  # name: str
    SIGNIN_REMOVE_UNSYNCED = "ui.signin.remove_unsynced"  # count: int
    SIGNIN_REMOVE_UNKNOWN = "ui.signin.remove_unknown"  # the database could not be read
    SIGNIN_REMOVE_EXPLAIN = "ui.signin.remove_explain"
    SIGNIN_REMOVED = "ui.signin.removed"  # name: str

    # the main window and its shell (ui/main_window.py, ui/shell.py)
    MAIN_WELCOME = "ui.main.welcome"  # the welcome video's name in the window title
    SHELL_NAV = "ui.shell.nav"  # the side bar's accessible name
    SHELL_HOME = "ui.shell.home"  # "Beranda"
    SHELL_COURSE = "ui.shell.course"  # "Course"
    SHELL_PROFILE = "ui.shell.profile"  # "Profil"
    SHELL_HOME_INTRO = "ui.shell.home_intro"
    SHELL_COURSE_INTRO = "ui.shell.course_intro"
    SHELL_PROFILE_INTRO = "ui.shell.profile_intro"
    SHELL_HOME_GREETING = "ui.shell.home_greeting"  # name: str
    SHELL_TROPHIES = "ui.shell.trophies"  # total: int, beside the large number
    SHELL_HOME_LATER = "ui.shell.home_later"
    SHELL_HOME_NEXT = "ui.shell.home_next"
    SHELL_COURSE_LATER = "ui.shell.course_later"
    SHELL_COURSE_NEXT = "ui.shell.course_next"
    SHELL_PROFILE_NAME = "ui.shell.profile_name"  # "Nama"
    SHELL_PROFILE_AGENCY = "ui.shell.profile_agency"  # "Instansi"
    SHELL_PROFILE_LATER = "ui.shell.profile_later"
    SHELL_SIGN_OUT_HINT = "ui.shell.sign_out_hint"
    SHELL_SIGN_OUT = "ui.shell.sign_out"  # "Keluar"
    SHELL_SIGNING_OUT = "ui.shell.signing_out"
    STATUS_ONLINE = "ui.status.online"  # "Terhubung ke server"
    STATUS_OFFLINE = "ui.status.offline"  # "Luring — perubahan disimpan di komputer ini"
    STATUS_SYNCED = "ui.status.synced"  # time: datetime
    SIGNIN_SERVER_STARTING = "ui.signin.server_starting"  # the demo's server still starting
    SIGNIN_HIDE_NIK = "ui.signin.hide_nik"  # "Sembunyikan": the toggle while the NIK shows
    SIGNIN_SHOW_NIK_NAME = "ui.signin.show_nik_name"  # accessible name: "Tampilkan NIK"
    SIGNIN_HIDE_NIK_NAME = "ui.signin.hide_nik_name"  # accessible name: "Sembunyikan NIK"
    SIGNIN_CARD_DELETE = "ui.signin.card_delete"  # a card's tooltip and description
    SIGNIN_CARD_KEYS = "ui.signin.card_keys"  # under the list while a card has the focus
    MAIN_PREPARING = "ui.main.preparing"  # the first sync after a new profile's sign-in
    MAIN_FETCHING = "ui.main.fetching"  # "Mengambil kemajuan Anda dari server…"
