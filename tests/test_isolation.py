"""The suite's engine is not the machine's: a container named like a deployment
container on the machine's own engine (/var/run/docker.sock) is invisible to
every Docker client the suite uses (the CLI, our modules, the reference
plugins), its host-network port is a different socket from the test side's, and
it is still running with the same id afterwards. Real engines on both sides:
when no engine answers on the machine's socket, the test starts one there (in a
network namespace of its own, so the machine's network is left alone) and stops
it at the end.

The session as a whole is guarded too: conftest.py fails the run when a
container that was running on the machine's engine at the start is gone or
replaced at the end."""
import json
import os
import shlex
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import MACHINE_DOCKER_HOST, TEST_DOCKER_HOST, docker, in_machine_netns, run_binary
from kolla_docker.helpers import SERVICE, kdt, run, task

__all__ = ["kdt"]

DEPLOYMENT_NAMES = ["memcached", "rabbitmq", "mariadb", "haproxy"]
PROBE_IMAGE = "kolla-rust-isolation/busybox:probe"


def machine(*args, check=True, timeout=120, stdin=b""):
    """The docker CLI on the machine's engine, explicitly."""
    proc = subprocess.run(["docker", "-H", MACHINE_DOCKER_HOST, *args], capture_output=True, input=stdin,
                          timeout=timeout)
    proc.stdout, proc.stderr = proc.stdout.decode(), proc.stderr.decode()
    if check and proc.returncode != 0:
        raise AssertionError(f"docker -H {MACHINE_DOCKER_HOST} {' '.join(args)} failed: {proc.stderr}")
    return proc


@pytest.fixture
def machine_engine(tmp_path):
    """How to run a command on the machine's side of the network: the machine's
    own namespace when its engine answers; otherwise a stand-in engine on the
    machine's socket, in a scratch namespace of the test's own (so neither its
    bridge nor its iptables rules touch the machine's network)."""
    if machine("info", check=False).returncode == 0:
        yield in_machine_netns
        return
    tag = os.urandom(3).hex()
    netns = f"kolla-rust-isolation-{tag}"
    subprocess.run(in_machine_netns("ip", "netns", "add", netns), check=True)
    subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)

    def in_stand_in_netns(*cmd):
        return ["nsenter", f"--net=/run/netns/{netns}", *cmd]

    root = tmp_path / "machine-engine"
    root.mkdir()
    (root / "daemon.json").write_text("{}")
    exec_root = f"/run/kolla-rust-isolation-{tag}"
    log = open(root / "dockerd.log", "w")
    proc = subprocess.Popen(
        in_stand_in_netns("dockerd", "--config-file", str(root / "daemon.json"), "-H", MACHINE_DOCKER_HOST,
                          "--data-root", str(root / "data"), "--exec-root", exec_root,
                          "--pidfile", str(root / "docker.pid")),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(120):
            if machine("info", check=False).returncode == 0:
                break
            assert proc.poll() is None, (root / "dockerd.log").read_text()[-3000:]
            time.sleep(0.5)
        else:
            raise AssertionError("the stand-in machine engine did not start: "
                                 + (root / "dockerd.log").read_text()[-3000:])
        yield in_stand_in_netns
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        # dockerd leaves its own namespace file mounted under the exec root.
        for line in Path("/proc/mounts").read_text().splitlines():
            target = line.split()[1]
            if target.startswith(exec_root + "/"):
                subprocess.run(["umount", target], check=False)
        subprocess.run(["rm", "-rf", exec_root], check=False)
        subprocess.run(["ip", "netns", "delete", netns], check=False)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, netns_cmd=None):
    url = f"http://127.0.0.1:{port}/"
    if netns_cmd is None:
        return urllib.request.urlopen(url, timeout=5).read().decode().strip()
    proc = subprocess.run(netns_cmd("busybox", "wget", "-q", "-O", "-", url), capture_output=True, text=True,
                          timeout=30)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def wait_http(port, netns_cmd=None):
    last = None
    for _ in range(60):
        try:
            return http_get(port, netns_cmd)
        except (OSError, AssertionError) as e:
            last = e
            time.sleep(0.5)
    raise AssertionError(f"nothing answered on 127.0.0.1:{port}: {last}")


def serve(word, port):
    """A busybox command serving `word` over HTTP on 127.0.0.1:port."""
    return ["sh", "-c", f"mkdir -p /srv && echo {word} > /srv/index.html && "
                        f"exec httpd -f -p 127.0.0.1:{port} -h /srv"]


@pytest.fixture
def machine_container(machine_engine, tmp_path):
    """A host-network container on the machine's engine, named like a deployment
    container, serving "machine" on a loopback port; removed (by id) at the end."""
    image_dir = tmp_path / "probe-root"
    (image_dir / "bin").mkdir(parents=True)
    subprocess.run(["cp", "/bin/busybox", str(image_dir / "bin" / "busybox")], check=True)
    for tool in ("sh", "mkdir", "echo", "httpd"):
        os.symlink("busybox", image_dir / "bin" / tool)
    tar = subprocess.run(["tar", "-C", str(image_dir), "-c", "."], capture_output=True, check=True).stdout
    machine("import", "-c", "ENV PATH=/bin", "-", PROBE_IMAGE, stdin=tar)
    taken = set(machine("ps", "-a", "--format", "{{.Names}}").stdout.split())
    name = next((n for n in DEPLOYMENT_NAMES if n not in taken), f"kolla_rust_isolation_{os.urandom(3).hex()}")
    port = free_port()
    cid = machine("run", "-d", "--name", name, "--network", "host", PROBE_IMAGE, *serve("machine", port)).stdout.strip()
    try:
        assert wait_http(port, machine_engine) == "machine"
        yield name, cid, port, machine_engine
    finally:
        machine("rm", "-f", cid, check=False)
        machine("rmi", PROBE_IMAGE, check=False)


def test_the_suite_never_sees_or_touches_the_machines_engine(machine_container, playbook, adhoc, kdt, tmp_path):
    name, cid, port, machine_side = machine_container
    # A deployment already on the machine (make deploy) is watched the same way.
    watched = {n: i for i, n in (line.split(" ", 1) for line in machine(
        "ps", "--no-trunc", "--format", "{{.ID}} {{.Names}}").stdout.splitlines()) if n in DEPLOYMENT_NAMES}
    watched[name] = cid
    assert TEST_DOCKER_HOST and TEST_DOCKER_HOST != MACHINE_DOCKER_HOST
    assert os.environ["DOCKER_HOST"] == TEST_DOCKER_HOST

    # The CLI the tests use: another engine altogether.
    assert docker("info", "-f", "{{.DockerRootDir}}").stdout != machine("info", "-f", "{{.DockerRootDir}}").stdout
    test_ids = docker("ps", "-a", "-q", "--no-trunc").stdout.split()
    for watched_name, watched_id in watched.items():
        assert watched_id not in test_ids, watched_name
        same_name = docker("inspect", watched_name, check=False)
        if same_name.returncode == 0:  # the deployment tests may run one at the same time
            assert json.loads(same_name.stdout)[0]["Id"] != watched_id, watched_name

    # Our modules and the reference plugins, as the tests run them.
    facts = {"container_engine": "docker", "name": sorted(watched)}
    ours = run_binary("kolla_container_facts", facts, tmp_path).result
    assert not ours.get("failed"), ours
    assert not {c["Id"] for c in ours["_containers"]} & set(watched.values())
    for impl in ("ours", "ref"):
        res = run(playbook, impl, task("facts", module="kolla_container_facts", **facts)).result("facts")
        assert not res["failed"], (impl, res)
        assert not {c["Id"] for c in res["_containers"]} & set(watched.values()), (impl, res["_containers"])
    state = adhoc("kolla_docker", f"action=get_container_state name={name}")
    assert cid not in state.stdout

    # A container on the test engine (kolla_docker always uses host networking)
    # binds the same loopback port:
    # the test side and the machine's side each reach their own.
    mine = kdt("isolation")
    r = run(playbook, "ours", task("start", action="start_container", name=mine, image=SERVICE,
                                   command=shlex.join(serve("test", port))))
    assert not r.result("start")["failed"], r.result("start")
    assert wait_http(port) == "test"
    assert http_get(port, machine_side) == "machine"
    r = run(playbook, "ref", task("remove", action="remove_container", name=mine))
    assert not r.result("remove")["failed"], r.result("remove")
    assert docker("inspect", mine, check=False).returncode != 0

    # The machine's containers are untouched.
    for watched_name, watched_id in watched.items():
        info = json.loads(machine("inspect", watched_id).stdout)[0]
        assert info["State"]["Running"] is True and info["Name"] == f"/{watched_name}"
    assert http_get(port, machine_side) == "machine"
