"""`kolla_action=pull` against the authenticated registry on 127.0.0.1:5000:
the credentials in the globals reach kolla_docker through docker_common_options."""
import os
import subprocess

import pytest

from conftest import ROOT, VENV, ansible_env, docker

REGISTRY = os.environ.get("KOLLA_RUST_REGISTRY", "127.0.0.1:5000")
USER = os.environ.get("KOLLA_RUST_REGISTRY_USER", "kolla")
PASSWORD = os.environ.get("KOLLA_RUST_REGISTRY_PASS", "")
LOCAL = "local/kolla/memcached:bookworm"
REMOTE = f"{REGISTRY}/kolla-rust-pull/memcached:bookworm"


@pytest.fixture
def pushed_image(tmp_path):
    if not PASSWORD:
        pytest.fail("KOLLA_RUST_REGISTRY_PASS is not set: source $KOLLA_RUST_CACHE/env.sh")
    if docker("image", "inspect", LOCAL, check=False).returncode != 0:
        pytest.fail(f"{LOCAL} is missing: run tests/env/up.sh")
    config = tmp_path / "docker-config"
    config.mkdir()
    # A private client config, so the login neither uses nor changes the machine's.
    login = subprocess.run(["docker", "--config", str(config), "login", "-u", USER, "--password-stdin", REGISTRY],
                           input=PASSWORD, capture_output=True, text=True)
    assert login.returncode == 0, login.stderr
    docker("tag", LOCAL, REMOTE)
    push = subprocess.run(["docker", "--config", str(config), "push", REMOTE], capture_output=True, text=True,
                          timeout=600)
    assert push.returncode == 0, push.stderr
    docker("rmi", REMOTE)
    yield
    docker("rmi", REMOTE, check=False)


def run_pull(tmp_path, password):
    globals_file = tmp_path / "globals.yml"
    globals_file.write_text(
        f"network_interface: lo\nkolla_internal_vip_address: 127.0.0.10\n"
        f"docker_registry: {REGISTRY}\ndocker_namespace: kolla-rust-pull\nopenstack_tag: bookworm\n"
        f"docker_registry_username: {USER}\n")
    secrets = tmp_path / "passwords.yml"
    secrets.write_text(f"---\ndocker_registry_password: {password}\n")
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
           str(ROOT / "site.yml"), "-e", f"@{globals_file}", "-e", f"@{secrets}", "-e", "kolla_action=pull",
           "--tags", "memcached"]
    run_dir = tmp_path / f"run-{os.urandom(3).hex()}"
    run_dir.mkdir()
    return subprocess.run(cmd, env=ansible_env(run_dir), cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_pull_from_an_authenticated_registry(tmp_path, pushed_image):
    proc = run_pull(tmp_path, "wrong-password")
    assert proc.returncode != 0
    assert "wrong-password" not in proc.stdout
    assert docker("image", "inspect", REMOTE, check=False).returncode != 0

    proc = run_pull(tmp_path, PASSWORD)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert PASSWORD not in proc.stdout
    assert docker("image", "inspect", REMOTE, check=False).returncode == 0
    # Nothing else was started or pulled: only the memcached role ran, and pull starts nothing.
    assert docker("ps", "-a", "-q", "--filter", "name=^memcached$").stdout.strip() == ""
