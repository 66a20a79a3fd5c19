; Latsar Desktop: the Windows installer of the participant's bundle (Inno Setup 6.3 or
; newer; Inno Setup 7 compiles it too).
;
; - Per user: no administrator rights (PrivilegesRequired=lowest), installed under
;   %LOCALAPPDATA%\Programs\Latsar Desktop ({autopf} in that mode), with a Start menu
;   entry and an optional desktop icon. 64-bit Windows 10 1809 or newer, as Qt 6 needs.
; - The uninstaller removes the program and keeps the participant's data (profiles,
;   answers not yet sent to the server, certificates, logs) unless the user answers Yes
;   to deleting it; No is the default button, and a silent uninstall always keeps it.
;
; Build on Windows, from the repository's root, after scripts/build-bundles made
; dist\latsar-desktop\ (installer\build-installer.ps1 does all of this):
;   ISCC /DAppVersion=0.1.0 installer\latsar-desktop.iss
; which writes dist\installer\latsar-desktop-<version>-setup.exe.
; Defines (ISCC /DName=value):
;   AppVersion          required: the package's version (latsar_desktop.__version__)
;   BundleDir           the one-folder bundle (default ..\dist\latsar-desktop)
;   IndonesianMessages  Inno Setup's Indonesian translation, one of its unofficial ones,
;                       which Inno Setup does not install (default
;                       ..\build\inno\Indonesian.isl; build-installer.ps1 downloads it)
; Relative paths are relative to this folder. Keep this file ASCII.

#ifndef AppVersion
  #error Pass the version: ISCC /DAppVersion=X.Y.Z installer\latsar-desktop.iss
#endif
#ifndef BundleDir
  #define BundleDir "..\dist\latsar-desktop"
#endif
#ifndef IndonesianMessages
  #define IndonesianMessages "..\build\inno\Indonesian.isl"
#endif

#define AppName "Latsar Desktop"
; the executable of build.spec's participant bundle
#define AppExeName "latsar-desktop.exe"
; Where the app keeps its data on Windows: platformdirs.user_data_dir("LatsarDesktop",
; appauthor=False) in latsar_desktop/locations.py, with the logs in its Logs folder.
; tests/unit/test_installer.py computes it from locations.py and compares.
#define DataDir "{localappdata}\LatsarDesktop"

[Setup]
; AppId never changes: it ties updates and the uninstaller to this application.
AppId={{388C1BF0-BC29-4597-887C-E76A52C988EF}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Windows 10 version 1809
MinVersion=10.0.17763
OutputDir=..\dist\installer
OutputBaseFilename=latsar-desktop-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto
UninstallDisplayName={#AppName}
UninstallDisplayIcon={app}\{#AppExeName}

[Languages]
; the first is the default when Windows' language is neither
Name: "id"; MessagesFile: "{#IndonesianMessages}"
Name: "en"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
id.DeleteDataQuestion=Hapus juga data Latsar Desktop di komputer ini?%n%n%1%n%nData ini berisi profil semua peserta yang memakai akun Windows ini, jawaban yang mungkin belum terkirim ke server, sertifikat, dan log. Pilih Tidak untuk menyimpannya, misalnya untuk memasang aplikasi ini lagi nanti.
en.DeleteDataQuestion=Also delete Latsar Desktop's data on this computer?%n%n%1%n%nIt holds the profiles of every participant who uses this Windows account, answers that may not have reached the server yet, certificates and logs. Choose No to keep it, for example to install the app again later.
id.DeleteDataFailed=Sebagian data tidak dapat dihapus:%n%1%n%nTutup Latsar Desktop, lalu hapus folder itu secara manual.
en.DeleteDataFailed=Some of the data could not be deleted:%n%1%n%nClose Latsar Desktop, then delete that folder by hand.

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
// After the program's files are gone, offer to delete the data folder too. It stays
// unless the user answers Yes: No is the default button, and a silent uninstall
// (/SILENT, /VERYSILENT) never asks and never deletes it.
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep <> usPostUninstall then
    Exit;
  DataDir := ExpandConstant('{#DataDir}');
  if UninstallSilent or not DirExists(DataDir) then
    Exit;
  if MsgBox(FmtMessage(CustomMessage('DeleteDataQuestion'), [DataDir]),
            mbConfirmation, MB_YESNO or MB_DEFBUTTON2) <> IDYES then
    Exit;
  if not DelTree(DataDir, True, True, True) then
    MsgBox(FmtMessage(CustomMessage('DeleteDataFailed'), [DataDir]), mbError, MB_OK);
end;
