"""kolla_set_configs, the static Rust entrypoint of the service images, run
inside a busybox container (no libc, no Python) as Kolla runs it: the
deployment's files mounted read-only at /var/lib/kolla/config_files."""
import json
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, docker

BINARY = ROOT / "target" / "x86_64-unknown-linux-gnu" / "release" / "kolla_set_configs"
IMAGE = "kolla-test/busybox:unlabeled"


@pytest.fixture
def config_dir(tmp_path):
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: run `make build`")
    d = tmp_path / "config_files"
    d.mkdir()
    return d


def in_container(config_dir, script, env=None):
    """Runs a shell script in a fresh container with the config mount and the binary."""
    args = ["run", "--rm", "--network", "none", "-v", f"{config_dir}:/var/lib/kolla/config_files:ro",
            "-v", f"{BINARY}:/usr/local/bin/kolla_set_configs:ro"]
    for k, v in (env or {}).items():
        args += ["-e", f"{k}={v}"]
    proc = docker(*args, IMAGE, "sh", "-c", script, check=False)
    return proc


def write_config(config_dir, config):
    (config_dir / "config.json").write_text(json.dumps(config))


SRC = "/var/lib/kolla/config_files"


def test_installs_files_with_modes_and_writes_the_command(config_dir):
    (config_dir / "app.conf").write_text("[DEFAULT]\nx = 1\n")
    (config_dir / "a.pem").write_text("A")
    (config_dir / "b.pem").write_text("B")
    (config_dir / "keys").mkdir()
    (config_dir / "keys" / "0").write_text("k0")
    write_config(config_dir, {
        "command": "/usr/bin/app --flag",
        "config_files": [
            {"source": f"{SRC}/app.conf", "dest": "/etc/app/app.conf", "owner": "root:root", "perm": "0640"},
            {"source": f"{SRC}/*.pem", "dest": "/etc/app/certs/", "owner": "root", "perm": "0600"},
            {"source": f"{SRC}/keys", "dest": "/etc/app/keys", "owner": "root", "perm": "0700"},
            {"source": f"{SRC}/absent.conf", "dest": "/etc/app/absent.conf", "optional": True},
        ],
        "permissions": [{"path": "/var/log/app", "owner": "root:root", "perm": "0750", "recurse": True}],
    })
    proc = in_container(config_dir, """
        mkdir -p /var/log/app/sub && touch /var/log/app/sub/f
        kolla_set_configs || exit 99
        stat -c '%a %u %n' /etc/app/app.conf /etc/app/certs/a.pem /etc/app/certs/b.pem /etc/app/keys /etc/app/keys/0 \
            /var/log/app/sub/f
        echo "cmd=$(cat /run_command)"
        cat /etc/app/app.conf
        test -e /etc/app/absent.conf && echo absent-exists
        kolla_set_configs --check; echo "check=$?"
    """, {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"})
    out = proc.stdout
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "640 0 /etc/app/app.conf" in out
    assert "600 0 /etc/app/certs/a.pem" in out and "600 0 /etc/app/certs/b.pem" in out
    assert "700 0 /etc/app/keys" in out and "700 0 /etc/app/keys/0" in out
    assert "750 0 /var/log/app/sub/f" in out
    assert "cmd=/usr/bin/app --flag" in out
    assert "x = 1" in out
    assert "absent-exists" not in out
    assert "check=0" in out


def test_check_reports_changes_by_exit_code(config_dir):
    (config_dir / "app.conf").write_text("one\n")
    write_config(config_dir, {
        "command": "app",
        "config_files": [{"source": f"{SRC}/app.conf", "dest": "/etc/app.conf", "owner": "root", "perm": "0600"}],
    })
    proc = in_container(config_dir, """
        kolla_set_configs --check; echo "before=$?"
        kolla_set_configs; kolla_set_configs --check; echo "after=$?"
        echo two > /etc/app.conf; kolla_set_configs --check; echo "edited=$?"
        kolla_set_configs; chmod 0644 /etc/app.conf; kolla_set_configs --check; echo "mode=$?"
        kolla_set_configs; echo other > /run_command; kolla_set_configs --check; echo "command=$?"
    """, {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"})
    out = proc.stdout
    assert "before=1" in out, out + proc.stderr
    assert "after=0" in out
    assert "edited=1" in out
    assert "mode=1" in out
    assert "command=1" in out


def test_copy_once_keeps_the_first_configuration(config_dir):
    (config_dir / "app.conf").write_text("first\n")
    write_config(config_dir, {
        "command": "app",
        "config_files": [{"source": f"{SRC}/app.conf", "dest": "/etc/app.conf", "owner": "root", "perm": "0600"}],
    })
    # The mount is read-only for the container; the test changes it from the host between runs.
    name = f"ksc-once-{config_dir.parent.name[-20:]}"
    args = ["run", "-d", "--network", "none", "--name", name, "-e", "KOLLA_CONFIG_STRATEGY=COPY_ONCE",
            "-v", f"{config_dir}:/var/lib/kolla/config_files:ro",
            "-v", f"{BINARY}:/usr/local/bin/kolla_set_configs:ro", IMAGE,
            "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]
    docker(*args)
    try:
        assert docker("exec", name, "kolla_set_configs", check=False).returncode == 0
        (config_dir / "app.conf").write_text("second\n")
        run = docker("exec", name, "kolla_set_configs", check=False)
        assert run.returncode == 0
        assert "already configured" in run.stderr
        assert docker("exec", name, "cat", "/etc/app.conf").stdout == "first\n"
        # --check still sees that the container's files are stale.
        assert docker("exec", name, "kolla_set_configs", "--check", check=False).returncode == 1
    finally:
        docker("rm", "-f", name, check=False)


@pytest.mark.parametrize("config, env, code, message", [
    ({"command": "x"}, {}, 2, "KOLLA_CONFIG_STRATEGY must be COPY_ALWAYS or COPY_ONCE"),
    ({"command": "x", "config_files": [{"source": f"{SRC}/nope", "dest": "/etc/nope"}]},
     {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}, 2, "required source /var/lib/kolla/config_files/nope does not exist"),
    ({"command": "x", "config_files": [{"source": f"{SRC}/config.json", "dest": "/etc/c", "perm": "0999"}]},
     {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}, 2, "invalid permission"),
    ({"command": "x", "config_files": [{"source": f"{SRC}/config.json", "dest": "/etc/c", "owner": "nobody-here"}]},
     {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}, 2, "nobody-here"),
    ({"command": "x", "config_file": []}, {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}, 2, "not a valid config.json"),
])
def test_bad_input_fails_with_a_message(config_dir, config, env, code, message):
    write_config(config_dir, config)
    proc = in_container(config_dir, "kolla_set_configs", env)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert "panicked" not in proc.stderr


def test_check_on_a_missing_required_source_means_changed(config_dir):
    write_config(config_dir, {"command": "x",
                              "config_files": [{"source": f"{SRC}/nope", "dest": "/etc/nope"}]})
    proc = in_container(config_dir, "kolla_set_configs --check")
    assert proc.returncode == 1
    assert "required source missing" in proc.stdout


def test_static_binary():
    out = subprocess.run(["file", str(BINARY)], capture_output=True, text=True).stdout
    assert "static" in out, out
