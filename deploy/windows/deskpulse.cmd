@echo off
rem deskpulse for Windows, in one file. Double-click it, or run it from a command prompt:
rem   deskpulse.cmd                 start deskpulse (deskpulse serve) and open it in the browser
rem   deskpulse.cmd demo            the built-in demo instead (simulated help desks, no account needed)
rem   deskpulse.cmd users create --email you@example.com --role admin     any other deskpulse command
rem   deskpulse.cmd --upgrade       install the newest deskpulse into the environment, then start
rem
rem The first run creates a Python virtual environment in .venv next to this file and installs deskpulse
rem into it (a few minutes); later runs start at once. Data (data\deskpulse.db), .env and deskpulse.toml live
rem in this folder too. Needs Python 3.11 or newer from python.org (tick "Add python.exe to PATH") or the
rem Microsoft Store. Settings:
rem   DESKPULSE_PACKAGE   what to install (default: deskpulse[charts]); a path to a .whl file works too
rem   DESKPULSE_PORT      port of the dashboard (default: 8000)
setlocal EnableExtensions
cd /d "%~dp0"
set "VENV=%~dp0.venv"
if not defined DESKPULSE_PACKAGE set "DESKPULSE_PACKAGE=deskpulse[charts]"
if not defined DESKPULSE_PORT set "DESKPULSE_PORT=8000"

rem Prefer the py launcher (it picks the newest Python), else python on PATH.
set "PY="
where py >nul 2>nul && set "PY=py -3"
if not defined PY where python >nul 2>nul && set "PY=python"
if not defined PY (
  echo Python was not found. Install Python 3.11 or newer from https://www.python.org/downloads/ and run this again.
  pause
  exit /b 1
)
%PY% -c "import sys; sys.exit(sys.version_info < (3, 11))"
if errorlevel 1 (
  echo deskpulse needs Python 3.11 or newer; this one is older:
  %PY% --version
  pause
  exit /b 1
)

set "UPGRADE="
if /i "%~1"=="--upgrade" (
  set "UPGRADE=1"
  shift
)
if not exist "%VENV%\Scripts\python.exe" (
  echo Creating the Python environment in %VENV% ...
  %PY% -m venv "%VENV%" || goto :install_failed
  set "UPGRADE=1"
)
if not exist "%VENV%\.installed" set "UPGRADE=1"
if defined UPGRADE (
  echo Installing %DESKPULSE_PACKAGE% ...
  "%VENV%\Scripts\python.exe" -m pip install --quiet --upgrade pip || goto :install_failed
  "%VENV%\Scripts\python.exe" -m pip install --upgrade "%DESKPULSE_PACKAGE%" || goto :install_failed
  echo installed> "%VENV%\.installed"
)

rem No arguments: serve and open the browser once the server had a few seconds to start.
if "%~1"=="" (
  start "" /b powershell -NoProfile -WindowStyle Hidden -Command "Start-Sleep -Seconds 6; Start-Process 'http://127.0.0.1:%DESKPULSE_PORT%/'"
  "%VENV%\Scripts\deskpulse.exe" serve --port %DESKPULSE_PORT%
  goto :done
)
if /i "%~1"=="demo" (
  start "" /b powershell -NoProfile -WindowStyle Hidden -Command "Start-Sleep -Seconds 15; Start-Process 'http://127.0.0.1:%DESKPULSE_PORT%/'"
  "%VENV%\Scripts\deskpulse.exe" demo --port %DESKPULSE_PORT%
  goto :done
)
"%VENV%\Scripts\deskpulse.exe" %1 %2 %3 %4 %5 %6 %7 %8 %9
goto :done

:install_failed
echo Installing deskpulse failed (see the messages above). Check the internet connection and run this again;
echo to start over, delete the folder %VENV%.
pause
exit /b 1

:done
endlocal
