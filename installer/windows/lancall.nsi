; lancall's Windows installer, built by scripts/windows.sh with Debian's
; makensis (Tauri's NSIS bundler downloads a plugin DLL at build time, which
; an offline build machine can't). Per-user: no administrator needed to
; install, update or remove; the one step that needs one, the firewall rule,
; asks for it on its own and can be declined.
;
; Defined by the build: VERSION, DIST (folder with lancall.exe and
; WebView2Loader.dll), ICON, OUTFILE.

; A 64-bit installer for a 64-bit app: it also runs under a Wine without
; 32-bit support, which is how make windows-check installs it.
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

!define APP "lancall"
!define PUBLISHER "lancall"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP}"
!define APP_KEY "Software\${APP}"
!define URL_KEY "Software\Classes\lancall"
; Windows shows a toast only from an app it knows by its AppUserModelID; the
; notification plugin names the installed app by its identifier (tauri.conf.json),
; and an unpackaged app registers that id here ("Send a local toast
; notification from other types of unpackaged apps", Microsoft Learn).
!define AUMID_KEY "Software\Classes\AppUserModelId\app.lancall.desktop"
; Where "Start hosting when I log in" puts the app (tauri-plugin-autostart).
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
; The WebView2 Runtime's client id in EdgeUpdate's registry (Microsoft's
; documented check for an installed Evergreen runtime).
!define WEBVIEW2_ID "{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}"
!define FIREWALL_RULE "lancall (calls on private networks)"

Name "${APP}"
OutFile "${OUTFILE}"
; Per-user, as Windows suggests for programs that need no machine-wide
; parts: %LOCALAPPDATA%\Programs\lancall.
InstallDir "$LOCALAPPDATA\Programs\${APP}"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
RequestExecutionLevel user
Icon "${ICON}"
UninstallIcon "${ICON}"
BrandingText "${APP} ${VERSION}"
VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${APP}"
VIAddVersionKey "FileDescription" "${APP} installer"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "CompanyName" "${PUBLISHER}"
VIAddVersionKey "LegalCopyright" "lancall contributors, MIT OR Apache-2.0"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_NODESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\lancall.exe"
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

; Whether the WebView2 Runtime is installed: a version under any of the
; three keys Microsoft documents (machine-wide on 64-bit and 32-bit
; Windows, and per-user), other than the "0.0.0.0" left by a removal.
!macro WebView2Version OUT
  ClearErrors
  ReadRegStr ${OUT} HKLM "SOFTWARE\WOW6432Node\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_ID}" "pv"
  ${If} ${OUT} == ""
  ${OrIf} ${OUT} == "0.0.0.0"
    ReadRegStr ${OUT} HKLM "SOFTWARE\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_ID}" "pv"
  ${EndIf}
  ${If} ${OUT} == ""
  ${OrIf} ${OUT} == "0.0.0.0"
    ReadRegStr ${OUT} HKCU "Software\Microsoft\EdgeUpdate\Clients\${WEBVIEW2_ID}" "pv"
  ${EndIf}
  ${If} ${OUT} == "0.0.0.0"
    StrCpy ${OUT} ""
  ${EndIf}
!macroend

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "lancall needs 64-bit Windows (10 or later)." /SD IDOK
    Abort
  ${EndIf}
  !insertmacro WebView2Version $0
  ${If} $0 == ""
    ; Without the runtime the window can't open; say what to do rather
    ; than leave a program that closes at once.
    MessageBox MB_YESNO|MB_ICONEXCLAMATION "lancall shows its window with Microsoft Edge WebView2, which is not installed on this computer.$\r$\n$\r$\nWindows 11 and an up-to-date Windows 10 have it. Otherwise install the $\"Evergreen Standalone Installer$\" of the WebView2 Runtime from Microsoft (search for $\"WebView2 Runtime download$\"), or run Windows Update, then start lancall.$\r$\n$\r$\nInstall lancall now anyway?" /SD IDYES IDYES +2
    Abort
  ${EndIf}
FunctionEnd

Section "lancall" SecApp
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; A running copy holds its files: ask it to be closed rather than leave a
  ; half-updated folder.
  ClearErrors
  Delete "$INSTDIR\lancall.exe"
  ${If} ${Errors}
  ${AndIf} ${FileExists} "$INSTDIR\lancall.exe"
    MessageBox MB_ICONSTOP "lancall is running. Close it, then run this installer again." /SD IDOK
    Abort
  ${EndIf}
  File "${DIST}\lancall.exe"
  ; The GNU build loads the WebView2 loader at run time from beside itself.
  File "${DIST}\WebView2Loader.dll"

  CreateShortcut "$SMPROGRAMS\lancall.lnk" "$INSTDIR\lancall.exe" "" "$INSTDIR\lancall.exe" 0 SW_SHOWNORMAL "" "Video calls on your LAN"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayName" "lancall"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "DisplayIcon" "$\"$INSTDIR\lancall.exe$\",0"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTALL_KEY}" "UninstallString" "$\"$INSTDIR\uninstall.exe$\""
  WriteRegStr HKCU "${UNINSTALL_KEY}" "QuietUninstallString" "$\"$INSTDIR\uninstall.exe$\" /S"
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTALL_KEY}" "NoRepair" 1

  ; Invite links (lancall://join?host=…&room=…) open the app: the URL
  ; protocol keys Windows documents ("Registering an Application to a URI
  ; Scheme"), per-user under HKCU\Software\Classes as the rest of this
  ; install, and the very keys tauri-plugin-deep-link's register() writes.
  ; The link arrives as the only argument; a running lancall gets it from
  ; the second process through the single-instance plugin.
  WriteRegStr HKCU "${URL_KEY}" "" "URL:lancall invite link"
  WriteRegStr HKCU "${URL_KEY}" "URL Protocol" ""
  WriteRegStr HKCU "${URL_KEY}\DefaultIcon" "" "$\"$INSTDIR\lancall.exe$\",0"
  WriteRegStr HKCU "${URL_KEY}\shell\open\command" "" "$\"$INSTDIR\lancall.exe$\" $\"%1$\""
  WriteRegStr HKCU "${AUMID_KEY}" "DisplayName" "lancall"
SectionEnd

; Windows Defender Firewall asks, the first time lancall listens, whether to
; let it; a person who doesn't see or understand the prompt blocks every
; guest of a call they host. An inbound rule for lancall.exe on private
; networks (not public ones) avoids the prompt. Firewall rules are
; machine-wide, so this one step needs an administrator: it runs netsh
; elevated (a UAC prompt). Declined, or left out of a silent install,
; lancall still works and Windows asks on the first hosted call instead.
Section "Allow calls through Windows Firewall (private networks; asks for administrator)" SecFirewall
  ${If} ${Silent}
    DetailPrint "Silent install: no firewall rule (Windows will ask on the first hosted call)"
    Return
  ${EndIf}
  ClearErrors
  ExecShellWait "runas" "$SYSDIR\netsh.exe" 'advfirewall firewall add rule name="${FIREWALL_RULE}" dir=in action=allow program="$INSTDIR\lancall.exe" enable=yes profile=private' SW_HIDE
  ${If} ${Errors}
    DetailPrint "Firewall rule not added (administrator declined): Windows will ask on the first hosted call"
  ${Else}
    WriteRegDWORD HKCU "${APP_KEY}" "FirewallRule" 1
  ${EndIf}
SectionEnd

Section "Uninstall"
  DeleteRegKey HKCU "${URL_KEY}"
  Delete "$INSTDIR\lancall.exe"
  Delete "$INSTDIR\WebView2Loader.dll"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  Delete "$SMPROGRAMS\lancall.lnk"
  ReadRegDWORD $0 HKCU "${APP_KEY}" "FirewallRule"
  ${If} $0 == 1
  ${AndIfNot} ${Silent}
    ExecShellWait "runas" "$SYSDIR\netsh.exe" 'advfirewall firewall delete rule name="${FIREWALL_RULE}"' SW_HIDE
  ${EndIf}
  DeleteRegKey HKCU "${UNINSTALL_KEY}"
  DeleteRegKey HKCU "${APP_KEY}"
  DeleteRegKey HKCU "${AUMID_KEY}"
  ; A login item left behind would start a program that is gone.
  DeleteRegValue HKCU "${RUN_KEY}" "lancall"
  ; Settings and the certificate (%APPDATA%\app.lancall.desktop) stay, as
  ; for any program: reinstalling keeps the name and the fingerprint guests
  ; already trust.
SectionEnd
