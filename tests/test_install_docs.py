"""docs/install.md stays true: the scripts and units it names exist, the extras it names are declared, and the
launcher scripts are at least well-formed for their shells."""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUIDE = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")


def test_every_deploy_file_the_install_guide_names_exists() -> None:
    named = set(re.findall(r"deploy/[\w./@-]+[\w@]", GUIDE))
    assert {"deploy/windows/deskpulse.cmd", "deploy/termux/start.sh"} <= named
    missing = sorted(path for path in named if not (ROOT / path).exists())
    assert missing == [], f"docs/install.md names files that do not exist: {missing}"


def test_every_extra_the_install_guide_names_is_declared() -> None:
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    named = {extra for group in re.findall(r"deskpulse\[([\w,]+)\]", GUIDE) for extra in group.split(",")}
    assert named == {"charts", "pdf"}
    assert named <= declared


def test_the_windows_launcher_keeps_crlf_line_endings() -> None:
    raw = (ROOT / "deploy" / "windows" / "deskpulse.cmd").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") > 10, "cmd.exe needs CRLF to find its goto labels"
    labels = set(re.findall(rb"^:(\w+)", raw, flags=re.M))
    targets = set(re.findall(rb"goto :(\w+)", raw))
    assert targets <= labels, f"goto without a label: {targets - labels}"


def test_the_termux_start_script_parses_in_bash() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    done = subprocess.run([bash, "-n", str(ROOT / "deploy" / "termux" / "start.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
