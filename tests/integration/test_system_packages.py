"""scripts/system-packages (run by scripts/bootstrap): the Debian packages WeasyPrint loads.

Run against stand-ins for dpkg-query, apt-get and id on PATH, so the test never installs
anything: it checks what the script would ask apt-get for, as root and otherwise.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "system-packages"
PACKAGES = ["libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"]


def fake_bin(tmp_path: Path, *, installed: list[str], uid: int, with_apt: bool = True) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "apt-calls"
    scripts = {
        "dpkg-query": 'case " ' + " ".join(installed) + ' " in '
        '*" $3 "*) printf "install ok installed";; *) exit 1;; esac',
        "id": f'[ "$1" = "-u" ] && echo {uid}',
    }
    if with_apt:
        scripts["apt-get"] = f'echo "$*" >> {calls}'
    for name, body in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return bin_dir


def run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    # Only the stand-ins and the basic tools: the real dpkg-query and apt-get are not reachable.
    tools = bin_dir.parent / "tools"
    tools.mkdir(exist_ok=True)
    for tool in ("bash", "grep", "env", "cat"):
        for directory in ("/usr/bin", "/bin"):
            if (Path(directory) / tool).exists() and not (tools / tool).exists():
                (tools / tool).symlink_to(Path(directory) / tool)
    env = {"PATH": f"{bin_dir}:{tools}", "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run([str(tools / "bash"), str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30,
                          check=False)  # fmt: skip


def apt_calls(tmp_path: Path) -> list[str]:
    calls = tmp_path / "apt-calls"
    return calls.read_text().splitlines() if calls.exists() else []


def test_as_root_the_missing_packages_are_installed_and_only_those(tmp_path: Path) -> None:
    result = run(fake_bin(tmp_path, installed=["libpango-1.0-0", "fonts-dejavu-core"], uid=0))

    assert result.returncode == 0, result.stderr
    assert apt_calls(tmp_path) == ["update -qq", "install -y -qq libpangoft2-1.0-0 libharfbuzz-subset0"]


def test_nothing_is_installed_when_every_package_is_there(tmp_path: Path) -> None:
    result = run(fake_bin(tmp_path, installed=PACKAGES, uid=0))

    assert result.returncode == 0
    assert apt_calls(tmp_path) == []
    assert result.stderr == ""


@pytest.mark.parametrize("with_apt", [True, False])
def test_without_root_or_apt_it_says_what_to_install_and_carries_on(tmp_path: Path, with_apt: bool) -> None:
    result = run(fake_bin(tmp_path, installed=[], uid=0 if not with_apt else 1000, with_apt=with_apt))

    assert result.returncode == 0
    assert apt_calls(tmp_path) == []
    assert "apt-get install " + " ".join(PACKAGES) in result.stderr


def test_bootstrap_runs_it() -> None:
    bootstrap = (SCRIPT.parent / "bootstrap").read_text()

    assert "scripts/system-packages" in bootstrap
