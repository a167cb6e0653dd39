"""The systemd test node (tests/env/nodes): systemd as PID 1, its own dockerd and
podman, and kolla-ansible 22.2.0's Python kolla_container managing a container
there through a systemd unit, reached with the community.docker.docker
connection. Later tests (kolla_container in systemd mode, multinode) run on it.

Needs `bash tests/env/nodes/build.sh` (kolla-test/systemd-node:bookworm in the
test engine); the kolla_container test also needs the community.docker
collection (PyPI's `ansible` bundle, see collections_path()).
"""
import glob
import json
import os
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

from conftest import CACHE, REF_22, ROOT, VENV, _run, ansible_env, docker

sys.path.insert(0, str(Path(__file__).resolve().parent / "env" / "nodes"))
from node import IMAGE, Node  # noqa: E402

SMALL_IMAGE = "kolla-test/busybox:labeled"
SERVICE_IMAGE = "kolla-test/service:latest"

# Asks a Docker-compatible API on a unix socket for /v1.41/version and prints
# the status and body; runs with the node's own python3.
API_PROBE = textwrap.dedent("""\
    import http.client, socket, sys
    class UnixConnection(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(30)
            self.sock.connect(sys.argv[1])
    conn = UnixConnection("localhost")
    conn.request("GET", "/v1.41/version")
    resp = conn.getresponse()
    print(resp.status)
    print(resp.read().decode())
""")


def wait_for(check, timeout, what):
    """Polls check() until it returns a true value (returned) or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout} s")


def collections_path():
    """Where community.docker lives, or None: $KOLLA_RUST_COLLECTIONS,
    $KOLLA_RUST_CACHE/collections (`pip install --target` of PyPI's `ansible`), or
    the venv itself (ansible scans its site-packages when `ansible` is installed there)."""
    candidates = [os.environ.get("KOLLA_RUST_COLLECTIONS"), str(CACHE / "collections")]
    candidates += glob.glob(str(VENV / "lib" / "python3*" / "site-packages"))
    for path in filter(None, candidates):
        if (Path(path) / "ansible_collections" / "community" / "docker" / "plugins"
                / "connection" / "docker.py").is_file():
            return path
    return None


@pytest.fixture(scope="module")
def node():
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        pytest.fail(f"{IMAGE} is missing from the test engine: run `bash tests/env/nodes/build.sh`")
    with Node.start() as started:
        yield started


def test_node_boots_systemd(node):
    assert node.system_state() == "running", f"failed units:\n{node.failed_units()}"
    assert node.exec("ps", "-o", "comm=", "-p", "1").stdout.strip() == "systemd"
    for unit in ("docker.service", "ssh.service", "podman.socket", "dbus.service"):
        state = node.exec("systemctl", "is-active", unit, check=False).stdout.strip()
        assert state == "active", f"{unit} is {state}"
    # Per-node identity, made at boot, not baked into the image.
    assert len(node.exec("cat", "/etc/machine-id").stdout.strip()) == 32
    assert node.exec("test", "-s", "/etc/ssh/ssh_host_ed25519_key", check=False).returncode == 0
    # Inner containers' cgroups stay inside the node's tree, as systemd scopes.
    info = json.loads(node.exec("docker", "info", "--format", "{{json .}}").stdout)
    assert info["CgroupDriver"] == "systemd"
    assert info["Driver"] == "overlay2"


def test_node_makes_python_venvs_offline(node):
    # Where tests install PyPI wheels they copy in (the node has no network),
    # beside Debian's docker SDK and dbus-python.
    venv = f"/tmp/venv-{uuid.uuid4().hex[:8]}"
    node.exec("python3", "-m", "venv", "--system-site-packages", "--without-pip", venv,
              timeout=120)
    out = node.exec(f"{venv}/bin/python", "-m", "pip", "--version").stdout
    assert out.startswith("pip "), out
    node.exec(f"{venv}/bin/python", "-c", "import docker, dbus")
    node.exec("rm", "-rf", venv)


def test_nodes_get_their_own_identity(node):
    with Node.start() as other:
        ids = [n.exec("cat", "/etc/machine-id").stdout.strip() for n in (node, other)]
        keys = [n.exec("cat", "/etc/ssh/ssh_host_ed25519_key.pub").stdout.split()[1]
                for n in (node, other)]
    assert ids[0] != ids[1]
    assert keys[0] != keys[1]


def test_sshd_accepts_an_authorized_key(node):
    # Client and server both in the node: its loopback is the only address
    # a node without a test bridge has.
    key = f"/root/probe-{uuid.uuid4().hex[:8]}"
    node.exec("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
    node.authorize_key(node.exec("cat", f"{key}.pub").stdout)
    out = node.exec("ssh", "-i", key, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
                    "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=30",
                    "root@127.0.0.1", "systemctl", "is-system-running", timeout=60).stdout
    assert out.strip() == "running"


def test_inner_dockerd_runs_a_loaded_image(node):
    node.load_image(SMALL_IMAGE)
    out = node.exec("docker", "run", "--rm", SMALL_IMAGE, "sh", "-c", "echo inner-docker-ok").stdout
    assert out.strip() == "inner-docker-ok"

    name = f"probe-{uuid.uuid4().hex[:8]}"
    cid = node.exec("docker", "run", "-d", "--name", name, SMALL_IMAGE,
                    "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done").stdout.strip()
    try:
        scope = f"docker-{cid}.scope"
        state = node.exec("systemctl", "is-active", scope, check=False).stdout.strip()
        assert state == "active", f"{scope} is {state}"
    finally:
        node.exec("docker", "rm", "-f", name, check=False)


def test_inner_podman_runs_a_loaded_image(node):
    node.load_image(SMALL_IMAGE, engine="podman")
    out = node.exec("podman", "run", "--rm", f"localhost/{SMALL_IMAGE}",
                    "sh", "-c", "echo inner-podman-ok").stdout
    assert out.strip() == "inner-podman-ok"


def test_podman_system_service_answers_the_docker_api(node):
    sock = "/run/kolla-test-podman/api.sock"
    unit = f"kolla-test-podman-api-{uuid.uuid4().hex[:8]}"
    node.exec("mkdir", "-p", os.path.dirname(sock))
    node.exec("systemd-run", f"--unit={unit}", "--collect",
              "podman", "system", "service", "--time=0", f"unix://{sock}")
    try:
        wait_for(lambda: node.exec("test", "-S", sock, check=False).returncode == 0,
                 60, f"podman's API socket {sock}")
        out = node.exec("python3", "-c", API_PROBE, sock).stdout
        status, body = out.split("\n", 1)
        assert status == "200", out
        version = json.loads(body)
        assert version["ApiVersion"] and version["Version"].startswith("4."), version
        assert any(c["Name"] == "Podman Engine" for c in version.get("Components", [])), version
    finally:
        node.exec("systemctl", "stop", unit, check=False)

    # The socket-activated service kolla's podman worker connects to answers too.
    out = node.exec("python3", "-c", API_PROBE, "/run/podman/podman.sock").stdout
    assert out.split("\n", 1)[0] == "200", out


def test_reference_kolla_container_manages_a_systemd_unit(node, tmp_path):
    collections = collections_path()
    # tests/env/up.sh installs it; its absence is a broken environment, not a skip.
    assert collections is not None, (
        "community.docker is not installed: tests/env/up.sh puts PyPI's ansible bundle "
        "in $KOLLA_RUST_CACHE/collections")
    node.load_image(SERVICE_IMAGE)
    name = "systemd_probe"
    inventory = tmp_path / "inventory"
    inventory.write_text(
        f"{node.name} ansible_connection=community.docker.docker "
        "ansible_python_interpreter=/usr/bin/python3\n")
    play = tmp_path / "play.yml"
    play.write_text(textwrap.dedent(f"""\
        - hosts: all
          gather_facts: false
          tasks:
            - name: start
              kolla_container:
                action: start_container
                container_engine: docker
                name: {name}
                image: {SERVICE_IMAGE}
                restart_policy: unless-stopped
    """))
    env = ansible_env(tmp_path, extra=dict(
        ANSIBLE_LIBRARY=str(REF_22 / "library"),
        ANSIBLE_MODULE_UTILS=str(REF_22 / "module_utils"),
        ANSIBLE_COLLECTIONS_PATH=f"{collections}:{ROOT / 'target' / 'collections'}",
    ))
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(inventory), str(play)]

    first = _run(cmd, env, ROOT, 300)
    assert first.rc == 0, first.stdout + first.stderr
    assert first.result("start")["changed"] is True

    service = f"kolla-{name}-container.service"
    state = node.exec("systemctl", "is-active", service, check=False).stdout.strip()
    assert state == "active", f"{service} is {state}\n" + node.exec(
        "systemctl", "status", "--no-pager", service, check=False).stdout
    unit = node.exec("cat", f"/etc/systemd/system/{service}").stdout
    assert f"ExecStart=/usr/bin/docker start -a {name}" in unit
    running = node.exec("docker", "inspect", "-f", "{{.State.Running}}", name).stdout.strip()
    assert running == "true"

    again = _run(cmd, env, ROOT, 300)
    assert again.rc == 0, again.stdout + again.stderr
    assert again.result("start")["changed"] is False
