"""`kolla_action=pull` against the authenticated registry on 127.0.0.1:5000:
the credentials in the globals reach kolla_docker through docker_common_options."""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, VENV, ansible_env, docker
from kolla_images import VERSION, ref

REGISTRY = os.environ.get("KOLLA_RUST_REGISTRY", "127.0.0.1:5000")
USER = os.environ.get("KOLLA_RUST_REGISTRY_USER", "kolla")
PASSWORD = os.environ.get("KOLLA_RUST_REGISTRY_PASS", "")
LOCAL = ref("memcached")
# Pushed under a namespace of this test's own; the tag is the deployment's default.
REMOTE = f"{REGISTRY}/kolla-rust-pull/memcached:{VERSION['tag']}"


@pytest.fixture
def pushed_image(tmp_path):
    """The image pushed as `make images KOLLA_RUST_PUSH_REGISTRY=...` pushes it (tests/env/host.sh),
    here into the test engine, which already has it built."""
    if not PASSWORD:
        pytest.fail("KOLLA_RUST_REGISTRY_PASS is not set: source $KOLLA_RUST_CACHE/env.sh")
    if docker("image", "inspect", LOCAL, check=False).returncode != 0:
        pytest.fail(f"{LOCAL} is missing: run tests/env/up.sh")
    env = dict(os.environ, DEPLOY_DOCKER_HOST=os.environ["DOCKER_HOST"], KOLLA_RUST_PUSH_REGISTRY=REGISTRY,
               KOLLA_RUST_PUSH_USER=USER, KOLLA_RUST_PUSH_PASSWORD=PASSWORD,
               KOLLA_RUST_PUSH_NAMESPACE="kolla-rust-pull", HOME=str(tmp_path),
               # A HOME of its own keeps docker's client configuration here; cargo
               # (images/build.sh checks kolla_set_configs) keeps the real toolchain.
               CARGO_HOME=os.environ.get("CARGO_HOME", str(Path.home() / ".cargo")),
               RUSTUP_HOME=os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")))
    push = subprocess.run(["bash", str(ROOT / "tests" / "env" / "host.sh"), "memcached"], env=env,
                          capture_output=True, text=True, timeout=1800)
    assert push.returncode == 0, push.stderr[-4000:]
    assert f"pushing {REMOTE}" in push.stderr
    assert PASSWORD not in push.stdout + push.stderr
    # The pushed name is not left behind locally, and no client configuration kept the login.
    assert docker("image", "inspect", REMOTE, check=False).returncode != 0
    assert not (tmp_path / ".docker").exists()
    yield
    docker("rmi", REMOTE, check=False)


def run_pull(tmp_path, password):
    globals_file = tmp_path / "globals.yml"
    globals_file.write_text(
        f"network_interface: lo\nkolla_internal_vip_address: 127.0.0.10\n"
        f"docker_registry: {REGISTRY}\ndocker_namespace: kolla-rust-pull\n"
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
