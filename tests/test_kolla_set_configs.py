"""kolla_set_configs against Kolla 2026.1's own set_configs.py.

Each scenario is one shell script run in a fresh container of the systemd
node image (Debian with python3; its own init is not started): once with our
static binary, once with Kolla 22.2.0's docker/base/set_configs.py, both as
root as kolla_start runs them. The script lays out what the image has,
installs config.json files from a read-only mount, runs starts and checks and
prints exit codes and a manifest of the trees (type, mode, owner, link target,
content digest). Differential scenarios need both outputs equal; the others
assert where we deliberately differ from Kolla (its defaults state losing the
image's file on the third start, its exit codes for a broken config.json).

Kolla's script comes from the kolla 22.2.0 wheel unpacked at
$KOLLA_RUST_REF/kolla-22.2.0/docker/base/set_configs.py. Bad-input cases for
this binary's config.json live here (not in tests/test_bad_input.py).
"""
import json
import os
import textwrap
import uuid

import pytest

from conftest import REF, ROOT, docker

BINARY = ROOT / "target" / "x86_64-unknown-linux-gnu" / "release" / "kolla_set_configs"
KOLLA_SET_CONFIGS = REF / "kolla-22.2.0" / "docker" / "base" / "set_configs.py"
IMAGE = "kolla-test/systemd-node:bookworm"
CFG = "/cfg"
OURS = "kolla_set_configs"
KOLLA = "python3 /opt/kolla/set_configs.py"

# Shell helpers every scenario starts with: service users, `use NAME` puts
# /cfg/NAME.json in place as config.json, `run STEP ARGS` runs the
# implementation under test and prints its exit code, `manifest PATHS` lists
# the trees in a form both implementations must agree on.
PRELUDE = textwrap.dedent("""\
    set -u
    useradd -M -U svc >/dev/null
    useradd -M -U other >/dev/null
    mkdir -p /var/lib/kolla/config_files
    use() { cp "/cfg/$1.json" /var/lib/kolla/config_files/config.json; }
    run() { step=$1; shift; $KSC "$@" >>/tmp/log 2>&1; echo "rc:$step=$?"; }
    manifest() {
        for r in "$@"; do
            if [ ! -e "$r" ] && [ ! -L "$r" ]; then echo "absent $r"; continue; fi
            find "$r" -printf '%p %y %m %u:%g %l\\n' | sort
            find "$r" -type f -exec sha256sum {} + | sort -k2
        done
    }
""")


@pytest.fixture
def cfg(tmp_path):
    for need in (BINARY, KOLLA_SET_CONFIGS):
        if not need.exists():
            pytest.fail(f"{need} is missing: run `make build` and `bash tests/env/up.sh`")
    d = tmp_path / "cfg"
    (d / "src").mkdir(parents=True)
    return d


def write(cfg, name, config):
    (cfg / f"{name}.json").write_text(json.dumps(config))


def source(cfg, rel, text, mode=0o644):
    p = cfg / "src" / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    p.chmod(mode)
    return f"{CFG}/src/{rel}"


def run(cfg, script, impl, env=None):
    """Runs PRELUDE + script in a fresh container with $KSC set to impl; returns the process."""
    args = ["run", "--rm", "--network", "none", "--name", f"ksc-{uuid.uuid4().hex[:12]}",
            "--entrypoint", "/bin/sh", "-v", f"{cfg}:{CFG}:ro",
            "-v", f"{BINARY}:/usr/local/bin/kolla_set_configs:ro",
            "-v", f"{KOLLA_SET_CONFIGS}:/opt/kolla/set_configs.py:ro",
            "-e", f"KSC={impl}", "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS"]
    for k, v in (env or {}).items():
        args += ["-e", f"{k}={v}"]
    script = PRELUDE + textwrap.dedent(script) + "\necho '--- log'; cat /tmp/log 2>/dev/null\n"
    return docker(*args, IMAGE, "-c", script, check=False)


def both(cfg, script, env=None):
    """Runs the script with ours and with Kolla's, requires the same output, returns ours and our log."""
    outs = []
    for impl in (OURS, KOLLA):
        proc = run(cfg, script, impl, env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        body, _, log = proc.stdout.partition("--- log")
        assert impl == KOLLA or "panicked" not in log, log
        outs.append((body, log))
    (ours, our_log), (kolla, kolla_log) = outs
    assert ours == kolla, f"ours:\n{ours}\nkolla:\n{kolla}\nour log:\n{our_log}\nkolla log:\n{kolla_log}"
    return ours, our_log


def entry(src, dest, owner="svc:svc", perm="0640", **kw):
    return {"source": src, "dest": dest, "owner": owner, "perm": perm, **kw}


# --- differential: the same results as Kolla's set_configs.py ----------------

def test_copy_glob_directory_merge_optional_permissions_directories(cfg):
    conf = source(cfg, "svc.conf", "[DEFAULT]\nx = 1\n")
    source(cfg, "a.pem", "A")
    source(cfg, "b.pem", "B")
    source(cfg, "keys/0", "k0")
    source(cfg, "keys/sub/1", "k1")
    source(cfg, "extras/new.yml", "new")
    write(cfg, "one", {
        "command": "/usr/bin/svc --flag",
        "config_files": [
            entry(conf, "/etc/svc/svc.conf"),
            entry(f"{CFG}/src/*.pem", "/etc/svc/certs/", owner="svc", perm="0600"),
            # A 0600 tree: directories get the execute bits their read bits imply.
            entry(f"{CFG}/src/keys", "/etc/svc/keys", owner="root:svc", perm="0600"),
            entry(f"{CFG}/src/extras", "/etc/svc/extras", perm="0644", merge=True),
            entry(f"{CFG}/src/extras", "/etc/svc/replaced", perm="0644"),
            entry(f"{CFG}/src/absent.conf", "/etc/svc/absent.conf", optional=True),
        ],
        "directories": [{"path": "/var/lib/svc/tmp", "owner": "svc:svc", "perm": "0700"}],
        "permissions": [
            {"path": "/var/log/svc", "owner": "svc:other", "perm": "0640", "recurse": True,
             "exclude": [r"\.sock$"]},
            {"path": "/var/lib/svc", "owner": "svc", "perm": "0755"},
        ],
    })
    out, _ = both(cfg, """
        mkdir -p /etc/svc/extras /etc/svc/replaced /var/log/svc/sub
        echo image > /etc/svc/extras/image.yml; echo image > /etc/svc/replaced/image.yml
        touch /var/log/svc/a.log /var/log/svc/sub/b.log /var/log/svc/s.sock
        use one; run start
        echo "cmd=$(cat /run_command) $(stat -c %a /run_command)"
        manifest /etc/svc /var/lib/svc /var/log/svc
    """)
    assert "rc:start=0" in out
    assert "cmd=/usr/bin/svc --flag 644" in out
    assert "/etc/svc/svc.conf f 640 svc:svc" in out
    assert "/etc/svc/certs/a.pem f 600 svc:svc" in out
    assert "/etc/svc/keys d 700 root:svc" in out and "/etc/svc/keys/sub d 700 root:svc" in out
    assert "/etc/svc/extras/image.yml" in out and "/etc/svc/replaced/image.yml" not in out
    assert "absent.conf" not in out
    assert "/var/lib/svc/tmp d 700 svc:svc" in out
    assert "/var/log/svc/sub d 750 svc:other" in out and "/var/log/svc/a.log f 640 svc:other" in out
    assert "/var/log/svc/s.sock f 644 root:root" in out


def test_preserve_properties_keeps_mode_owner_and_times(cfg):
    source(cfg, "extras/rules.yml", "r", mode=0o604)
    source(cfg, "extras/deep/x.yml", "x", mode=0o600)
    for p in (cfg / "src" / "extras").rglob("*"):
        # Owners and times as the operator's files have them on the host.
        os.chown(p, 4242, 4343)
        os.utime(p, (1_000_000_000, 1_000_000_000))
    write(cfg, "one", {"command": "svc", "config_files": [
        {"source": f"{CFG}/src/extras/*", "dest": "/etc/svc/extras/", "preserve_properties": True,
         "optional": True}]})
    out, _ = both(cfg, """
        use one; run start
        manifest /etc/svc
        find /etc/svc -type f -printf '%p %T@\\n' | sort
    """)
    assert "/etc/svc/extras/rules.yml f 604 4242:4343" in out
    assert "/etc/svc/extras/rules.yml 1000000000.0000000000" in out
    assert "/etc/svc/extras/deep/x.yml f 600 4242:4343" in out


def test_defaults_backup_and_restore_over_two_starts(cfg):
    conf = source(cfg, "svc.conf", "config\n")
    write(cfg, "one", {"command": "svc", "config_files": [
        entry(conf, "/etc/svc/image.conf"), entry(conf, "/etc/svc/fresh.conf"),
        entry(f"{CFG}/src", "/etc/svc/image.d")]})
    write(cfg, "two", {"command": "svc", "config_files": [entry(conf, "/etc/svc/image.conf")]})
    out, _ = both(cfg, """
        mkdir -p /etc/svc/image.d; echo image > /etc/svc/image.conf; echo d > /etc/svc/image.d/own
        chmod 0604 /etc/svc/image.conf
        use one; run first
        manifest /etc/svc /etc/kolla/defaults/etc
        echo; cat /etc/kolla/defaults/state; echo
        use two; run second
        manifest /etc/svc /etc/kolla/defaults/etc
    """)
    first, _, second = out.partition("rc:second")
    assert "/etc/svc/image.conf f 640 svc:svc" in first
    assert "/etc/kolla/defaults/etc/svc/image.conf f 604 root:root" in first
    assert "/etc/kolla/defaults/etc/svc/image.d/own" in first
    assert '"dest": null' in first, "fresh.conf had no image file"
    # The second start put the image's files back, then installed what is still listed.
    assert "/etc/svc/fresh.conf" not in second
    assert "/etc/svc/image.d/own f" in second and "/etc/svc/image.d/svc.conf" not in second
    assert "/etc/svc/image.conf f 640 svc:svc" in second


def test_check_exit_codes(cfg):
    conf = source(cfg, "svc.conf", "one\n")
    source(cfg, "b.conf", "b\n")
    write(cfg, "one", {"command": "svc", "config_files": [
        entry(conf, "/etc/svc/svc.conf"), entry(f"{CFG}/src/b.conf", "/etc/svc/", perm="0600")]})
    write(cfg, "less", {"command": "svc", "config_files": [entry(conf, "/etc/svc/svc.conf")]})
    write(cfg, "cmd", {"command": "svc --other", "config_files": [
        entry(conf, "/etc/svc/svc.conf"), entry(f"{CFG}/src/b.conf", "/etc/svc/", perm="0600")]})
    write(cfg, "gone", {"command": "svc", "config_files": [
        entry(f"{CFG}/src/gone.conf", "/etc/svc/gone.conf")]})
    write(cfg, "baduser", {"command": "svc", "config_files": [
        entry(conf, "/etc/svc/svc.conf", owner="nobody-here"), entry(f"{CFG}/src/b.conf", "/etc/svc/", perm="0600")]})
    write(cfg, "badperm", {"command": "svc", "config_files": [
        entry(conf, "/etc/svc/svc.conf", perm="0899"), entry(f"{CFG}/src/b.conf", "/etc/svc/", perm="0600")]})
    (cfg / "garbage.json").write_text("{not json")
    out, _ = both(cfg, """
        use one; run start; run current --check
        echo two > /etc/svc/svc.conf; run content --check
        run restart; chmod 0644 /etc/svc/b.conf; run mode --check
        run restart; chown other /etc/svc/svc.conf; run owner --check
        run restart; chgrp other /etc/svc/svc.conf; run group --check
        run restart; rm /etc/svc/b.conf; run removed --check
        run restart; use cmd; run command --check
        use one; run again --check
        use baduser; run unknown-user --check
        use badperm; run bad-perm --check
        use less; run dropped --check
        use gone; run source-gone --check
        use garbage; run garbage --check
        rm /var/lib/kolla/config_files/config.json; run no-config --check
    """)
    codes = dict(line[3:].split("=") for line in out.splitlines() if line.startswith("rc:"))
    assert codes == {"start": "0", "current": "0", "content": "1", "restart": "0", "mode": "1",
                     "owner": "1", "group": "1", "removed": "1", "command": "1", "again": "0",
                     "unknown-user": "1", "bad-perm": "1",
                     "dropped": "1", "source-gone": "1", "garbage": "1", "no-config": "2"}, out


def test_copy_once_keeps_the_first_configuration(cfg):
    conf = source(cfg, "svc.conf", "first\n")
    source(cfg, "other.conf", "second\n")
    write(cfg, "one", {"command": "svc", "config_files": [entry(conf, "/etc/svc/svc.conf")]})
    write(cfg, "two", {"command": "svc2", "config_files": [
        entry(f"{CFG}/src/other.conf", "/etc/svc/svc.conf")],
        "permissions": [{"path": "/etc/svc", "owner": "other", "perm": "0700"}]})
    out, _ = both(cfg, """
        use one; run first
        test -e /configured && echo configured
        use two; run second; run check --check
        echo "cmd=$(cat /run_command)"
        manifest /etc/svc
    """, env={"KOLLA_CONFIG_STRATEGY": "COPY_ONCE"})
    assert "rc:first=0" in out and "configured" in out
    assert "rc:second=0" in out and "rc:check=1" in out
    assert "cmd=svc\n" in out and "/etc/svc d 755 root:root" in out


# --- where we differ from Kolla on purpose ------------------------------------

def test_image_files_survive_any_number_of_restarts(cfg):
    """Kolla 2026.1 saves its state swapped after a restore, so its third start
    copies the installed file over the backup; ours keeps the image's file."""
    conf = source(cfg, "svc.conf", "config\n")
    write(cfg, "one", {"command": "svc", "config_files": [entry(conf, "/etc/svc/image.conf")]})
    write(cfg, "none", {"command": "svc", "config_files": []})
    proc = run(cfg, """
        mkdir -p /etc/svc; echo image > /etc/svc/image.conf
        use one; run s1; run s2; run s3; run s4; run c1 --check
        use none; run c2 --check; run s5; run c3 --check
        echo "now=$(cat /etc/svc/image.conf)"
        echo "state=$(tr -d ' \\n' < /etc/kolla/defaults/state)"
    """, OURS)
    out = proc.stdout
    for step in ("s1", "s2", "s3", "s4", "c1", "s5", "c3"):
        assert f"rc:{step}=0" in out, out
    assert "rc:c2=1" in out, "an entry dropped from config.json means a restart is due"
    assert "now=image" in out and "state={}" in out, out


@pytest.mark.parametrize("name, config, says", [
    ("unknown user", {"command": "x", "config_files": [
        entry(f"{CFG}/src/svc.conf", "/etc/svc/svc.conf"),
        entry(f"{CFG}/src/svc.conf", "/etc/svc/b.conf", owner="nobody-here")]}, "nobody-here"),
    ("unknown group", {"command": "x", "permissions": [{"path": "/etc", "owner": "svc:no-group"}]},
     "no-group"),
    ("bad perm", {"command": "x", "config_files": [
        entry(f"{CFG}/src/svc.conf", "/etc/svc/svc.conf", perm="0899")]}, "invalid permission"),
    ("missing source", {"command": "x", "config_files": [
        entry(f"{CFG}/src/svc.conf", "/etc/svc/svc.conf"),
        entry(f"{CFG}/src/nope", "/etc/svc/nope")]}, "required source /cfg/src/nope does not exist"),
    ("directories without perm", {"command": "x", "directories": [{"path": "/d", "owner": "svc"}]},
     'no "perm"'),
    ("bad exclude", {"command": "x", "permissions": [
        {"path": "/etc", "owner": "svc", "recurse": True, "exclude": ["("]}]}, "invalid exclude pattern"),
    ("unknown key", {"command": "x", "config_files": [
        {**entry(f"{CFG}/src/svc.conf", "/etc/svc/svc.conf"), "mode": "0600"}]}, "unknown field `mode`"),
    ("no command", {"config_files": []}, "missing field `command`"),
    ("invalid json", "{\"command\": ", "not a valid config.json"),
])
def test_bad_config_fails_clearly_and_changes_nothing(cfg, name, config, says):
    source(cfg, "svc.conf", "new\n")
    (cfg / "bad.json").write_text(config if isinstance(config, str) else json.dumps(config))
    proc = run(cfg, """
        mkdir -p /etc/svc; echo image > /etc/svc/svc.conf
        use bad; run start
        echo "now=$(cat /etc/svc/svc.conf)"; ls -A /etc/svc | tr '\\n' ' '; echo
        test -e /run_command && echo run_command-written; test -e /etc/kolla && echo defaults-written
    """, OURS)
    out, _, log = proc.stdout.partition("--- log")
    assert "rc:start=2" in out, out + log
    assert says in log, log
    assert log.count("ERROR") == 1 and "panicked" not in log, log
    assert "now=image" in out and "\nsvc.conf \n" in out, "nothing installed, no temporary file left"
    assert "written" not in out


def test_missing_config_json_and_strategy(cfg):
    proc = run(cfg, """
        run no-config; run no-config-check --check
        echo '{"command": "x"}' > /var/lib/kolla/config_files/config.json
        export KOLLA_CONFIG_STRATEGY=COPY_SOMETIMES; run bad-strategy
        run usage --bogus
    """, OURS)
    out, _, log = proc.stdout.partition("--- log")
    assert "rc:no-config=2" in out and "rc:no-config-check=2" in out, out
    assert "cannot read /var/lib/kolla/config_files/config.json" in log
    assert "rc:bad-strategy=2" in out and 'not "COPY_SOMETIMES"' in log
    assert "rc:usage=2" in out and "usage: kolla_set_configs" in log
