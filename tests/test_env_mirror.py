"""Image builds take the Debian mirror from the machine's apt sources, as apt
reads them (tests/env/lib.sh: debian_mirror: the files apt's configuration names),
and no script names a mirror of its own. Real apt, with APT_CONFIG pointing at
source lists made by the test."""
import os
import subprocess
from pathlib import Path

from conftest import ROOT

LIB = ROOT / "tests" / "env" / "lib.sh"


def mirror(tmp_path, sources_list="", parts=None):
    conf = tmp_path / "apt.conf"
    (tmp_path / "parts").mkdir(exist_ok=True)
    (tmp_path / "sources.list").write_text(sources_list)
    for name, text in (parts or {}).items():
        (tmp_path / "parts" / name).write_text(text)
    conf.write_text(f'Dir::Etc::sourcelist "{tmp_path}/sources.list";\n'
                    f'Dir::Etc::sourceparts "{tmp_path}/parts";\n')
    return subprocess.run(["bash", "-c", f'ROOT={ROOT} CACHE={tmp_path}; . {LIB}; debian_mirror'],
                          env={"APT_CONFIG": str(conf), "PATH": os.environ["PATH"]},
                          capture_output=True, text=True, timeout=60)


def test_one_line_sources_list(tmp_path):
    proc = mirror(tmp_path, "deb http://mirror.example.internal/debian bookworm main contrib\n"
                            "deb http://mirror.example.internal/debian-security bookworm-security main\n")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "http://mirror.example.internal/debian"


def test_deb822_sources_and_disabled_entries(tmp_path):
    proc = mirror(tmp_path, parts={
        "old.sources": "Types: deb\nURIs: http://disabled.example.internal/debian\nSuites: bookworm\n"
                       "Components: main\nEnabled: no\n",
        "third-party.list": "deb http://other.example.internal/apt nodistro main\n",
        "debian.sources": "Types: deb deb-src\nURIs: http://local-mirror.example.internal/debian/\n"
                          "Suites: bookworm bookworm-updates\nComponents: main\n",
    })
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "http://local-mirror.example.internal/debian"


def test_no_mirror_fails_saying_what_to_configure(tmp_path):
    proc = mirror(tmp_path, "# nothing here\n", parts={"x.list": "deb http://other.example.internal/apt nodistro main\n"})
    assert proc.returncode != 0 and proc.stdout == ""
    assert "no Debian mirror is configured" in proc.stderr and "sources.list" in proc.stderr


def test_no_script_names_a_mirror():
    scripts = [p for p in (ROOT / "tests" / "env").rglob("*") if p.is_file() and p.suffix in (".sh", ".py", "")]
    offenders = [str(p.relative_to(ROOT)) for p in scripts
                 if "deb.debian.org" in p.read_text(errors="replace") or "ftp.debian.org" in p.read_text(errors="replace")]
    assert not offenders
    for dockerfile in Path(ROOT / "tests" / "env").rglob("Dockerfile"):
        assert "http://" not in dockerfile.read_text(), dockerfile
