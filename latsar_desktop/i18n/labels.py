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
    NOTIFY_BELL = "ui.notify.bell"  # count: int; the bell's accessible name
    NOTIFY_BELL_TIP = "ui.notify.bell_tip"  # the bell's tooltip
    NOTIFY_TITLE = "ui.notify.title"  # "Pemberitahuan": the list's heading
    NOTIFY_EMPTY = "ui.notify.empty"  # "Belum ada pemberitahuan."
    NOTIFY_LOADING = "ui.notify.loading"  # while the list is read (first opening only)
    NOTIFY_TIME = "ui.notify.time"  # time: datetime, under each notification
    NOTIFY_NEW = "ui.notify.new"  # text: str; an unseen one's accessible name
    NOTIFY_CLOSE = "ui.notify.close"  # "Tutup"

    # the settings page (ui/settings.py)
    SETTINGS_TITLE = "ui.settings.title"  # "Pengaturan": the page's name
    SETTINGS_INTRO = "ui.settings.intro"  # the header's one sentence
    SETTINGS_CONNECTION = "ui.settings.connection"  # the section: "Koneksi"
    SETTINGS_CONNECTION_INTRO = "ui.settings.connection_intro"
    SETTINGS_SERVER = "ui.settings.server"  # "Alamat server"
    SETTINGS_SERVER_HINT = "ui.settings.server_hint"  # the field's placeholder
    SETTINGS_PROXY = "ui.settings.proxy"  # "Alamat proxy HTTP"
    SETTINGS_PROXY_HINT = "ui.settings.proxy_hint"  # the field's placeholder
    SETTINGS_PROXY_USER = "ui.settings.proxy_user"  # "Nama pengguna proxy"
    SETTINGS_PROXY_PASSWORD = "ui.settings.proxy_password"  # "Kata sandi proxy"
    SETTINGS_PASSWORD_KEPT = "ui.settings.password_kept"  # placeholder: one is stored
    SETTINGS_PASSWORD_TO_REMOVE = "ui.settings.password_to_remove"  # placeholder after Hapus
    SETTINGS_PASSWORD_REMOVE = "ui.settings.password_remove"  # "Hapus kata sandi"
    SETTINGS_PROXY_NOTE = "ui.settings.proxy_note"  # kept for this profile only
    SETTINGS_SAVE = "ui.settings.save"  # "Simpan"
    SETTINGS_SAVING = "ui.settings.saving"  # "Menyimpan…"
    SETTINGS_SAVED = "ui.settings.saved"  # the calm confirmation
    SETTINGS_TIME_ZONE = "ui.settings.time_zone"  # the section: "Zona waktu"
    SETTINGS_TIME_ZONE_INTRO = "ui.settings.time_zone_intro"
    SETTINGS_TIME_ZONE_AUTO = "ui.settings.time_zone_auto"  # zone: str ("WIB", "UTC+2")
    SETTINGS_WIB = "ui.settings.wib"  # "WIB (Waktu Indonesia Barat)"
    SETTINGS_WITA = "ui.settings.wita"  # "WITA (Waktu Indonesia Tengah)"
    SETTINGS_WIT = "ui.settings.wit"  # "WIT (Waktu Indonesia Timur)"
    SETTINGS_TIME_NOW = "ui.settings.time_now"  # time: datetime
    SETTINGS_LANGUAGE_INTRO = "ui.settings.language_intro"  # switched at once
    SETTINGS_DATA_SAVER = "ui.settings.data_saver"  # the section: "Hemat data"
    SETTINGS_DATA_SAVER_ON = "ui.settings.data_saver_on"  # the checkbox
    SETTINGS_DATA_SAVER_INTRO = "ui.settings.data_saver_intro"  # what it does
    SETTINGS_STORAGE = "ui.settings.storage"  # the section: "Penyimpanan"
    SETTINGS_STORAGE_USED = "ui.settings.storage_used"  # beside the large total
    SETTINGS_STORAGE_MATERIAL = "ui.settings.storage_material"  # stored: str, total: str
    SETTINGS_STORAGE_FREE = "ui.settings.storage_free"  # size: str
    SETTINGS_STORAGE_COUNTING = "ui.settings.storage_counting"  # "Menghitung…"
    SETTINGS_LOG = "ui.settings.log"  # "Folder log"
    SETTINGS_LOG_INTRO = "ui.settings.log_intro"
    SETTINGS_OPEN_FOLDER = "ui.settings.open_folder"  # "Buka folder"
    SETTINGS_OPEN_FAILED = "ui.settings.open_failed"  # the folder did not open
    SETTINGS_STORAGE_PER_MATERIAL = "ui.settings.storage_per_material"  # the list's heading

    # Beranda, the home page (ui/home.py) and its trophy meter (ui/meter.py)
    HOME_LOADING = "ui.home.loading"  # before the first read of the progress
    HOME_NEXT_WELCOME = "ui.home.next_welcome"  # the page's next step: the welcome video
    HOME_NEXT_EVALUATION = "ui.home.next_evaluation"  # open, no attempt yet
    HOME_NEXT_WAITING = "ui.home.next_waiting"  # an attempt waits to be graded
    HOME_NEXT_CHECKLIST = "ui.home.next_checklist"  # graded: the checklist tells the rest
    HOME_NEXT_PASSED = "ui.home.next_passed"  # date: datetime (expected issue)
    HOME_NEXT_PASSED_SOON = "ui.home.next_passed_soon"  # passed, no expected date known
    HOME_NEXT_ISSUED = "ui.home.next_issued"
    HOME_OPEN_COURSE = "ui.home.open_course"  # "Buka Course"
    HOME_TROPHIES_TITLE = "ui.home.trophies_title"  # "Trofi" (a panel, a column)
    HOME_TROPHIES_OF = "ui.home.trophies_of"  # total: int, beside the large number
    HOME_TROPHIES_TO_UNLOCK = "ui.home.trophies_to_unlock"  # missing: int
    HOME_TROPHIES_TO_PASS = "ui.home.trophies_to_pass"  # missing: int
    HOME_TROPHIES_ENOUGH = "ui.home.trophies_enough"
    HOME_METER_NAME = "ui.home.meter_name"  # the meter's accessible name
    HOME_METER_UNLOCK = "ui.home.meter_unlock"  # count: int, under the bar
    HOME_METER_PASS = "ui.home.meter_pass"  # count: int, under the bar
    HOME_METER_DESCRIPTION = "ui.home.meter_description"  # trophies, total, unlock, needed
    HOME_EVALUATION_TITLE = "ui.home.evaluation_title"  # "Evaluasi akademik"
    HOME_EVALUATION_LOCKED = "ui.home.evaluation_locked"  # "Terkunci"
    HOME_EVALUATION_OPEN = "ui.home.evaluation_open"  # "Terbuka"
    HOME_EVALUATION_CLOSED = "ui.home.evaluation_closed"  # "Ditutup"
    HOME_FINAL_SCORE = "ui.home.final_score"  # "Nilai akhir"
    HOME_SCORE_NONE = "ui.home.score_none"
    HOME_SCORE_PASSED = "ui.home.score_passed"
    HOME_SCORE_REACHED = "ui.home.score_reached"
    HOME_SCORE_BELOW = "ui.home.score_below"
    HOME_ESTIMATE = "ui.home.estimate"  # "perkiraan"
    HOME_ATTEMPTS_GRADED = "ui.home.attempts_graded"  # a row's name
    HOME_ATTEMPTS_UNSENT = "ui.home.attempts_unsent"  # a row's name
    HOME_ATTEMPTS_LATER = "ui.home.attempts_later"  # a row's name (graded on a later day)
    HOME_GRADED_TODAY = "ui.home.graded_today"  # a row's name
    HOME_GRADED_TODAY_LEFT = "ui.home.graded_today_left"  # left: int, limit: int
    HOME_GRADED_TODAY_ANY = "ui.home.graded_today_any"  # the course has no daily limit
    HOME_MATERIALS_TITLE = "ui.home.materials_title"  # "Kemajuan per materi"
    HOME_COLUMN_MATERIAL = "ui.home.column_material"  # "Materi"
    HOME_COLUMN_REQUIRED = "ui.home.column_required"  # "Aktivitas wajib"
    HOME_FRACTION = "ui.home.fraction"  # done: int, total: int
    HOME_CHECKLIST_TITLE = "ui.home.checklist_title"  # "Syarat sertifikat"
    HOME_CONDITION_WELCOME = "ui.home.condition_welcome"
    HOME_CONDITION_MATERIALS = "ui.home.condition_materials"
    HOME_CONDITION_TROPHIES = "ui.home.condition_trophies"  # needed: int
    HOME_CONDITION_ATTEMPT = "ui.home.condition_attempt"  # needed: int
    HOME_CONDITION_SCORE = "ui.home.condition_score"  # passing: Decimal
    HOME_CONDITION_CERTIFICATE = "ui.home.condition_certificate"
    HOME_CONDITION_MET = "ui.home.condition_met"  # "Sudah terpenuhi"
    HOME_CONDITION_NOT_MET = "ui.home.condition_not_met"  # "Belum terpenuhi"
    HOME_CERTIFICATE_LATER = "ui.home.certificate_later"  # not passed yet
    HOME_CERTIFICATE_ISSUED = "ui.home.certificate_issued"
    HOME_SYNC_TITLE = "ui.home.sync_title"  # "Sinkronisasi"
    HOME_SYNC_LAST = "ui.home.sync_last"  # time: datetime
    HOME_SYNC_NEVER = "ui.home.sync_never"
    HOME_PENDING = "ui.home.pending"  # count: int
    HOME_PENDING_NONE = "ui.home.pending_none"
    STATUS_PENDING = "ui.status.pending"  # count: int, "N perubahan menunggu sinkronisasi"
    STATUS_SYNCING = "ui.status.syncing"  # done: int, total: int
    STATUS_SYNCING_START = "ui.status.syncing_start"  # a sync started, its size not known yet
    STATUS_DONE = "ui.status.done"  # time: datetime, "Tersinkron · <time>"
    STATUS_SYNC_NOW = "ui.status.sync_now"  # "Sinkronkan sekarang"
    STATUS_SYNC_NOW_TIP = "ui.status.sync_now_tip"
    STATUS_CANCEL = "ui.status.cancel"  # "Batalkan", while a sync runs
    STATUS_CANCEL_TIP = "ui.status.cancel_tip"
    STATUS_DETAILS = "ui.status.details"  # "Rincian"
    STATUS_DETAILS_REJECTED = "ui.status.details_rejected"  # count: int
    STATUS_PROGRESS_NAME = "ui.status.progress_name"  # the progress bar's accessible name
    SYNC_DETAILS_TITLE = "ui.sync_details.title"  # "Rincian sinkronisasi"
    SYNC_DETAILS_ERROR = "ui.sync_details.error"  # the last sync's error, its heading
    SYNC_DETAILS_REJECTED = "ui.sync_details.rejected"  # count: int
    SYNC_DETAILS_REJECTED_INTRO = "ui.sync_details.rejected_intro"  # a rejection is final
    SYNC_DETAILS_NONE = "ui.sync_details.none"
    SYNC_DETAILS_WHEN = "ui.sync_details.when"  # time: datetime, when it was recorded
    SYNC_DETAILS_WELCOME = "ui.sync_details.welcome"  # "Video sambutan ditonton"
    SYNC_DETAILS_ACTIVITY = "ui.sync_details.activity"  # activity: str (an id not in the course)
    SYNC_DETAILS_ATTEMPT = "ui.sync_details.attempt"  # "Percobaan evaluasi"
    SYNC_DETAILS_UNKNOWN = "ui.sync_details.unknown"  # seq: int
    HOME_PASSING_SCORE = "ui.home.passing_score"  # passing: Decimal
    HOME_FORECAST = "ui.home.forecast"  # number: int, forecast: str (the core's message)
    NOTIFY_ITEM_NAME = "ui.notify.item_name"  # text: str, time: str (an item's name)
    HOME_NEXT_COLLECT = "ui.home.next_collect"  # the evaluation still locked (no number)
    HOME_MATERIAL_COMPLETE = "ui.home.material_complete"  # the ✓ mark's name: "Selesai"
    HOME_OPEN_PROFILE = "ui.home.open_profile"  # "Buka Profil" (the certificate is issued)
    HOME_CAP_TITLE = "ui.home.cap_title"  # number: int ("Batas nilai percobaan ke-2")
    STATUS_OFFLINE_PENDING = "ui.status.offline_pending"  # count: int, offline with changes waiting
    SYNC_DETAILS_OFFLINE = "ui.sync_details.offline"  # heading: why the server is not reached
    SYNC_DETAILS_NEVER = "ui.sync_details.never"  # no sync yet on this computer
    SYNC_DETAILS_VIDEO = "ui.sync_details.video"  # title: str
    SYNC_DETAILS_READING = "ui.sync_details.reading"  # title: str
    SYNC_DETAILS_PRACTICE = "ui.sync_details.practice"  # title: str
    SYNC_DETAILS_REFLECTION = "ui.sync_details.reflection"  # title: str
