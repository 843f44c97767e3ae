; Inno Setup script: a per-user Windows installer for the folder .ci/build-app leaves in
; "dist\ITT Desk" (built on Windows). Compiled by .github/workflows/build-app.yml:
;   iscc /DAppVersion=0.1.0 packaging\ittdesk.iss      -> dist\ITT-Desk-0.1.0-setup.exe
;
; Installed for the current user only (no administrator rights: school laptops rarely grant
; them) in %LOCALAPPDATA%\Programs\ITT Desk. The user's data is never in that folder: it lives
; in the per-user data folder (%LOCALAPPDATA%\ITT Desk), which neither an upgrade nor an
; uninstall touches, so installing a new version over the old keeps every record, and its first
; start migrates the database after taking a backup.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif

[Setup]
; The AppId identifies ITT Desk across versions: never change it, or upgrades install twice.
AppId={{6C1D3F0E-4B7A-4E55-9C1E-1A0D2B7C9E41}
AppName=ITT Desk
AppVersion={#AppVersion}
AppVerName=ITT Desk {#AppVersion}
AppPublisher=ITT Desk
DefaultDirName={localappdata}\Programs\ITT Desk
DefaultGroupName=ITT Desk
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir=..\dist
OutputBaseFilename=ITT-Desk-{#AppVersion}-setup
SetupIconFile=icons\ittdesk.ico
UninstallDisplayIcon={app}\ITT Desk.exe
LicenseFile=LICENCE.txt
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; an open copy of the app is asked to close before its files are replaced
CloseApplications=yes

[Files]
; The old version's files are removed first (see [InstallDelete]), then the new ones copied.
Source: "..\dist\ITT Desk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Program files only: a previous version's libraries must not linger beside the new ones.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\ITT Desk"; Filename: "{app}\ITT Desk.exe"
Name: "{userdesktop}\ITT Desk"; Filename: "{app}\ITT Desk.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Put an ITT Desk icon on the desktop"; Flags: unchecked

[Run]
Filename: "{app}\ITT Desk.exe"; Description: "Start ITT Desk now"; Flags: nowait postinstall skipifsilent
