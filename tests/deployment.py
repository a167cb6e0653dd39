"""One all-in-one deployment of site.yml in the test engine, shared by the
files that deploy (tests/test_deploy.py: the infrastructure services;
tests/test_full_deploy_openstack.py: Keystone, Glance and Placement on top):
its globals, generated passwords, and runs of kolla actions, plus the small
waits those files poll with."""
import os
import subprocess
import time
from pathlib import Path

from conftest import ROOT, VENV, ansible_env, docker, docker_inspect

VIP = "127.0.0.10"
API = "127.0.0.1"
OPENSTACK = ["keystone", "glance", "placement", "nova", "neutron", "heat", "horizon", "cinder"]


def parse_passwords(path):
    """passwords.yml as {key: value} (kolla-genpwd writes one plain `key: value` per line)."""
    out = {}
    for line in Path(path).read_text().splitlines():
        if ":" in line and not line.startswith(("#", "---")):
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
    return out


class Deployment:
    """One deployment's files and a way to run kolla actions on it. `enable` names the OpenStack
    services it deploys (the others are off); `settings` are further globals.yml lines."""

    def __init__(self, base: Path, enable=(), settings=()):
        self.base = base
        self.etc = base / "etc-kolla"
        self.custom = base / "config"
        self.custom.mkdir(parents=True)
        self.globals = base / "globals.yml"
        self.globals.write_text(
            "\n".join(
                [
                    "network_interface: lo",
                    f"kolla_internal_vip_address: {VIP}",
                    "enable_keepalived: false",
                    f"node_config_directory: {self.etc}",
                    f"node_custom_config: {self.custom}",
                    # Short stops: the test's services shut down in a second or two.
                    "docker_graceful_timeout: 20",
                    # healthcheck_rabbitmq starts an Erlang VM for each of its five checks: on
                    # this shared, loaded machine one check can take a minute, not 30 s.
                    "default_container_healthcheck_timeout: 400",
                    "default_container_healthcheck_interval: 20",
                    # Likewise the servers' first start (a run at load 30 saw rabbitmq take over 120 s).
                    "rabbitmq_start_timeout: 600",
                    "mariadb_start_timeout: 600",
                    *settings,
                ]
                + [f"enable_{s}: {'true' if s in enable else 'false'}" for s in OPENSTACK]
            )
            + "\n"
        )
        self.passwords = base / "passwords.yml"
        subprocess.run([str(ROOT / "bin" / "kolla-genpwd"), "-p", str(self.passwords)], check=True,
                       capture_output=True)
        self.secrets = parse_passwords(self.passwords)

    def playbook(self, playbook, *args, name="run", timeout=900):
        """ansible-playbook PLAYBOOK with the deployment's globals and passwords: (rc, output, recap)."""
        tmp = self.base / f"{name}-{os.urandom(3).hex()}"
        tmp.mkdir()
        cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
               str(playbook), "-e", f"@{self.globals}", "-e", f"@{self.passwords}", *args]
        proc = subprocess.run(cmd, env=ansible_env(tmp), cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        recap = {}
        for line in proc.stdout.splitlines():
            if line.startswith("localhost") and " : ok=" in line:
                recap = {k: int(v) for k, v in (p.split("=") for p in line.partition(" : ")[2].split())}
        return proc.returncode, proc.stdout + proc.stderr, recap

    def run(self, action, *extra, timeout=900):
        """Runs site.yml with kolla_action=action; returns (rc, output, recap of localhost)."""
        return self.playbook(ROOT / "site.yml", "-e", f"kolla_action={action}", *extra, name=f"run-{action}",
                             timeout=timeout)


    def destroy_and_check(self, containers, volumes, timeout=900):
        """Runs destroy; asserts the containers and named volumes are gone and no configuration is left."""
        rc, out, _ = self.run("destroy", timeout=timeout)
        assert rc == 0, out[-6000:]
        for name in containers:
            assert docker_inspect(name) is None, name
        left = docker("volume", "ls", "-q").stdout.split()
        assert not set(volumes) & set(left), left
        assert not self.etc.exists() or not any(self.etc.iterdir())


def started_at(name):
    return docker_inspect(name)["State"]["StartedAt"]


def health(name):
    """The container's health status, None when it has no healthcheck."""
    return (docker_inspect(name)["State"].get("Health") or {}).get("Status")


def wait_for(predicate, timeout=60, what="condition"):
    """Polls predicate until it is true; `what` may be a callable, evaluated when the wait fails."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            if predicate():
                return
        except OSError as e:
            last = e
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what() if callable(what) else what} (last error: {last})")
