"""kolla-ansible 22.2.0's own `deploy`, unmodified, with its stock Python plugins
and through bin/kolla-rust-overlay with ours, each into a systemd test node of
its own (systemd as PID 1 and its own dockerd, tests/env/nodes), and the end
states compared.

kolla-ansible runs as an operator runs it (its venv from PyPI, `kolla-ansible
deploy -i INVENTORY --configdir DIR`, plus `-p OVERLAY/site.yml` for ours),
reaching the node through the community.docker.docker connection. Services:
kolla-ansible's common role (kolla-toolbox and cron; fluentd is disabled: no
Debian package and RubyGems is not reachable here, images/README.md) and
memcached, from the Kolla-contract images of images/, loaded into each node's
engine as an operator's registry would provide them.

Three settings differ from kolla-ansible's defaults, for this machine, the
same for both runs (globals below): the toolbox runs unprivileged (`--privileged`
cannot start here: the devices cgroup refuses it), containers get this
machine's open-files limit (20000; 1048576 cannot be set without
CAP_SYS_RESOURCE), and the node's root mount is made shared, as a real host's
is, for the toolbox's `/run:/run:shared`.

Checked: both deploys succeed; every kolla_container, kolla_container_facts,
kolla_toolbox and merge_configs task of the overlay run resolved to our files
(a callback asks Ansible's plugin loaders); the containers (image, command,
environment, volumes, labels, restart policy, healthcheck, state and health),
their systemd units (byte for byte) and the rendered /etc/kolla trees are the
same in both nodes once node names and addresses are neutral; a second deploy
with ours reports no change; `stop` stops every container through systemd;
`destroy` removes the containers, their units and volumes.
"""
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import CACHE, ROOT, docker
from kolla_images import build, ref

sys.path.insert(0, str(Path(__file__).resolve().parent / "env" / "nodes"))
from node import Node  # noqa: E402
from test_kolla_ansible_overlay import RESOLVED_CALLBACK, REPLACED  # noqa: E402

KA_VENV = CACHE / "kolla-ansible-22.2.0-venv"
KA_SHARE = KA_VENV / "share" / "kolla-ansible"
KA_TREE = KA_SHARE / "ansible"
OVERLAY = ROOT / "bin" / "kolla-rust-overlay"
PREFIX = "kad-"
IMAGES = ("kolla-toolbox", "cron", "memcached")
CONTAINERS = ("kolla_toolbox", "cron", "memcached")
DEPLOY_TIMEOUT = 2400

GLOBALS = """\
---
kolla_base_distro: debian
docker_registry: ""
network_interface: eth0
neutron_external_interface: eth0
kolla_internal_vip_address: {address}
enable_openstack_core: false
enable_haproxy: false
enable_keepalived: false
enable_mariadb: false
enable_proxysql: false
enable_rabbitmq: false
enable_fluentd: false
enable_memcached: true
# --privileged cannot start on these machines: the toolbox runs unprivileged.
kolla_toolbox_services:
  kolla-toolbox:
    container_name: kolla_toolbox
    group: kolla_toolbox
    enabled: true
    image: "{{{{ kolla_toolbox_image_full }}}}"
    environment:
      ANSIBLE_NOCOLOR: "1"
      ANSIBLE_LIBRARY: "/usr/share/ansible"
      REQUESTS_CA_BUNDLE: "{{{{ openstack_cacert }}}}"
    privileged: false
    volumes: "{{{{ kolla_toolbox_default_volumes + kolla_toolbox_extra_volumes + lookup('vars', 'run_default_volumes_' + kolla_container_engine) }}}}"
    dimensions: "{{{{ kolla_toolbox_dimensions }}}}"
# This machine's hard open-files limit; containers cannot raise theirs above it.
default_container_dimensions_docker:
  ulimits:
    nofile:
      soft: 20000
      hard: 20000
"""


def node_address(name):
    return docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).stdout.strip()


class Deployment:
    """One kolla-ansible configuration directory, inventory and node; `run` is the kolla-ansible CLI."""

    def __init__(self, base: Path, node: Node, passwords: Path, playbook=None):
        self.base, self.node, self.playbook = base, node, playbook
        self.etc = base / "etc"
        self.record = base / "resolved.jsonl"
        (base / "callbacks").mkdir(parents=True)
        self.etc.mkdir()
        (base / "callbacks" / "resolved.py").write_text(RESOLVED_CALLBACK)
        shutil.copy(passwords, self.etc / "passwords.yml")
        os.chmod(self.etc / "passwords.yml", 0o600)
        (self.etc / "globals.yml").write_text(GLOBALS.format(address=node_address(node.name)))
        host = (f"{node.name} ansible_connection=community.docker.docker ansible_become=false "
                "ansible_python_interpreter=/usr/bin/python3")
        inventory = []
        for line in (KA_TREE / "inventory" / "all-in-one").read_text().splitlines():
            inventory.append(host if line.startswith("localhost") else line)
        self.inventory = base / "inventory"
        self.inventory.write_text("\n".join(inventory) + "\n")

    def run(self, *command, check=True, playbook=None):
        """A kolla-ansible command (through `playbook` of the overlay when given); (returncode, output, seconds)."""
        self.record.unlink(missing_ok=True)
        env = dict(os.environ, PATH=f"{KA_VENV / 'bin'}:{os.environ['PATH']}",
                   ANSIBLE_CALLBACK_PLUGINS=str(self.base / "callbacks"),
                   ANSIBLE_CALLBACKS_ENABLED="resolved", H_OVERLAY_RECORD=str(self.record))
        argv = [str(KA_VENV / "bin" / "kolla-ansible"), *command, "-i", str(self.inventory),
                "--configdir", str(self.etc)]
        playbook = self.playbook.with_name(playbook) if self.playbook and playbook else self.playbook
        if playbook:
            argv += ["-p", str(playbook)]
        start = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=self.base,
                              timeout=DEPLOY_TIMEOUT)
        took = time.monotonic() - start
        print(f"kolla-ansible {' '.join(command)} ({'ours' if self.playbook else 'stock'}): {took:.0f} s")
        if check:
            assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
        return proc.returncode, proc.stdout, took

    def resolved(self):
        return [json.loads(line) for line in self.record.read_text().splitlines()]


def recap(output, host):
    """{ok, changed, failed, ...} of host from a PLAY RECAP."""
    for line in output.splitlines()[::-1]:
        if line.startswith(host + " ") and "ok=" in line:
            return {k: int(v) for k, v in (part.split("=") for part in line.split()[2:])}
    raise AssertionError(f"no PLAY RECAP line for {host}:\n{output[-3000:]}")


def end_state(node: Node):
    """What an operator would compare: containers, units, rendered config, volumes; names neutral."""
    names = node.name
    address = node_address(node.name)
    inspect = json.loads(node.exec("docker", "inspect", *CONTAINERS).stdout)
    containers = {}
    for c in inspect:
        host, cfg = c["HostConfig"], c["Config"]
        containers[c["Name"].lstrip("/")] = {
            "image": cfg["Image"], "cmd": cfg["Cmd"], "entrypoint": cfg["Entrypoint"],
            "env": sorted(e for e in cfg["Env"] if not e.startswith("HOSTNAME=")),
            "labels": cfg["Labels"], "binds": sorted(host["Binds"] or []),
            "restart": host["RestartPolicy"], "privileged": host["Privileged"],
            "network_mode": host["NetworkMode"], "pid_mode": host["PidMode"],
            "ulimits": host["Ulimits"], "healthcheck": cfg.get("Healthcheck"),
            "status": c["State"]["Status"],
            "health": (c["State"].get("Health") or {}).get("Status"),
        }
    units = node.exec("sh", "-c", "cd /etc/systemd/system && for f in kolla-*.service; do "
                      "echo \"== $f $(systemctl is-active $f) $(systemctl is-enabled $f)\"; cat $f; done",
                      check=False).stdout
    tree = node.exec("sh", "-c", "cd /etc/kolla && find . -type f | sort | while read f; do "
                     "echo \"== $f $(stat -c '%a %U:%G' \"$f\")\"; cat \"$f\"; done").stdout
    volumes = sorted(node.exec("docker", "volume", "ls", "-q").stdout.split())
    neutral = lambda text: text.replace(names, "@NODE@").replace(address, "@ADDRESS@")  # noqa: E731
    return json.loads(neutral(json.dumps(containers))), neutral(units), neutral(tree), volumes


def wait_healthy(node: Node, name, tries=240):
    for _ in range(tries):
        status = node.exec("docker", "inspect", "-f", "{{.State.Health.Status}}", name, check=False).stdout.strip()
        if status == "healthy":
            return status
        time.sleep(1)
    return status


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    assert (KA_VENV / ".kolla-rust-ready").is_file(), f"no kolla-ansible venv at {KA_VENV}: run tests/env/up.sh"
    build(*IMAGES)
    network = PREFIX + "net"
    docker("network", "rm", network, check=False)
    docker("network", "create", network)
    started = []
    try:
        for side in ("stock", "ours"):
            node = Node.start(PREFIX + side, network=network, hostname=PREFIX + side)
            started.append(node)
            # A host's root mount is shared; the toolbox's /run:/run:shared needs it.
            node.exec("mount", "--make-rshared", "/")
            for image in IMAGES:
                node.load_image(ref(image))
        yield dict(zip(("stock", "ours"), started))
    finally:
        for node in started:
            node.remove()
        docker("network", "rm", network, check=False)


@pytest.fixture(scope="module")
def passwords(tmp_path_factory):
    path = tmp_path_factory.mktemp("passwords") / "passwords.yml"
    shutil.copy(KA_SHARE / "etc_examples" / "kolla" / "passwords.yml", path)
    subprocess.run([str(KA_VENV / "bin" / "kolla-genpwd"), "-p", str(path)], check=True, capture_output=True,
                   timeout=60)
    return path


@pytest.fixture(scope="module")
def deployed(nodes, passwords, tmp_path_factory):
    overlay = tmp_path_factory.mktemp("overlay") / "out"
    proc = subprocess.run([str(OVERLAY), str(KA_TREE), str(overlay)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    stock = Deployment(tmp_path_factory.mktemp("stock"), nodes["stock"], passwords)
    ours = Deployment(tmp_path_factory.mktemp("ours"), nodes["ours"], passwords, overlay / "site.yml")
    runs = {}
    for name, deployment in (("stock", stock), ("ours", ours)):
        _, output, seconds = deployment.run("deploy")
        runs[name] = {"deployment": deployment, "output": output, "seconds": seconds,
                      "resolved": deployment.resolved()}
    for deployment in (stock, ours):
        assert wait_healthy(deployment.node, "memcached") == "healthy"
    runs["overlay"] = overlay
    return runs


def test_overlay_deploy_ran_our_modules(deployed):
    overlay = deployed["overlay"]
    used = [e for e in deployed["ours"]["resolved"] if e["action"] in REPLACED]
    # common and memcached configure with template/copy; every container task is kolla_container.
    assert {e["action"] for e in used} == {"kolla_container"}, used
    assert len(used) >= len(CONTAINERS)
    for entry in used:
        assert entry["module"] == str(overlay / "library" / entry["action"]), entry
    stock = [e for e in deployed["stock"]["resolved"] if e["action"] in REPLACED]
    assert stock and all(str(KA_TREE) in (e["module"] or "") for e in stock)
    assert all(e["status"] == "ok" for e in used), [e for e in used if e["status"] != "ok"]


def test_first_deploys_report_the_same_tasks(deployed):
    stock = recap(deployed["stock"]["output"], deployed["stock"]["deployment"].node.name)
    ours = recap(deployed["ours"]["output"], deployed["ours"]["deployment"].node.name)
    assert stock["failed"] == ours["failed"] == 0
    assert (ours["ok"], ours["changed"]) == (stock["ok"], stock["changed"]), (stock, ours)


def test_end_states_match(deployed):
    want = end_state(deployed["stock"]["deployment"].node)
    got = end_state(deployed["ours"]["deployment"].node)
    containers_want, containers_got = want[0], got[0]
    assert sorted(containers_got) == sorted(CONTAINERS)
    for name in CONTAINERS:
        assert containers_got[name] == containers_want[name], name
    assert containers_got["memcached"]["health"] == "healthy"
    assert got[1] == want[1], "systemd units differ"
    assert "kolla-memcached-container.service active enabled" in got[1]
    assert got[2] == want[2], "rendered /etc/kolla differs"
    assert got[3] == want[3]


def test_second_deploy_changes_nothing(deployed):
    ours = deployed["ours"]["deployment"]
    _, output, _ = ours.run("deploy")
    assert recap(output, ours.node.name)["changed"] == 0


def test_stop_then_destroy(deployed):
    ours = deployed["ours"]["deployment"]
    node = ours.node
    ours.run("stop", "--yes-i-really-really-mean-it")
    states = node.exec("docker", "inspect", "-f", "{{.State.Status}}", *CONTAINERS).stdout.split()
    assert states == ["exited"] * len(CONTAINERS)
    units = node.exec("sh", "-c", "systemctl is-active kolla-memcached-container.service", check=False).stdout
    assert units.strip() == "inactive"
    # `destroy` runs kolla-ansible's destroy.yml, not site.yml: through the overlay, its copy.
    ours.run("destroy", "--yes-i-really-really-mean-it", playbook="destroy.yml")
    assert node.exec("docker", "ps", "-aq").stdout.strip() == ""
    assert node.exec("sh", "-c", "ls /etc/systemd/system/kolla-*.service 2>/dev/null", check=False).stdout == ""
    assert textwrap.dedent(node.exec("docker", "volume", "ls", "-q").stdout).strip() == ""
