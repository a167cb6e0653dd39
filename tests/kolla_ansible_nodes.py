"""kolla-ansible 22.2.0 from its PyPI venv, run as an operator runs it, against
systemd test nodes (tests/env/nodes): a configuration directory and inventory
per node, the `kolla-ansible` CLI with a callback recording every task, and
the end state of a node as an operator would compare two of them.

The nodes are reached through the community.docker.docker connection, so
kolla-ansible's stock Python plugins run with the node's own Python (which has
the Docker SDK and dbus-python they need) and ours need nothing there.
"""
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from conftest import CACHE, docker

sys.path.insert(0, str(Path(__file__).resolve().parent / "env" / "nodes"))
from node import Node  # noqa: E402

KA_VENV = CACHE / "kolla-ansible-22.2.0-venv"
KA_SHARE = KA_VENV / "share" / "kolla-ansible"
KA_TREE = KA_SHARE / "ansible"
RUN_TIMEOUT = 3600
HEALTH_TIMEOUT = 300
BOOT_TIMEOUT = 600

# Per task (handlers too): its name, action, outcome, `changed`, and the module
# file Ansible's own loader resolved its action to in the controller process
# (where the playbook-adjacent library/ has been added): proof of whose plugin ran.
RECORD_CALLBACK = '''
import json, os
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import module_loader

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "kad_record"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        task = result._task
        module = module_loader.find_plugin_with_context(task.action)
        entry = {"task": task.get_name(), "action": task.action, "status": status,
                 "changed": bool(result._result.get("changed")),
                 "module": module.plugin_resolved_path if module.resolved else None,
                 "msg": str(result._result.get("msg", ""))[:300] if status == "failed" else ""}
        with open(os.environ["KAD_RECORD"], "a") as f:
            f.write(json.dumps(entry, default=str) + "\\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "ignored" if ignore_errors else "failed")
'''


@dataclass
class Run:
    """One kolla-ansible command: its exit code, output, wall time and recorded tasks."""
    rc: int
    output: str
    seconds: float
    records: list


def side_by_side(*calls):
    """Runs the zero-argument callables at once (one thread each) and returns their results in order."""
    with ThreadPoolExecutor(len(calls)) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


def node_address(name):
    """The node's address on its network."""
    return docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name).stdout.strip()


def free_addresses(network, count):
    """count addresses at the top of network's subnet, below any Docker hands out first (it counts up)."""
    subnet = json.loads(docker("network", "inspect", network).stdout)[0]["IPAM"]["Config"][0]["Subnet"]
    hosts = ipaddress.ip_network(subnet)
    return [str(hosts[-2 - i]) for i in range(count)]


def save_images(path: Path, refs):
    """One `docker save` archive of refs: the layers they share cross once."""
    proc = subprocess.run(["docker", "save", "-o", str(path), *refs], capture_output=True, text=True,
                          timeout=1800)
    assert proc.returncode == 0, f"docker save {' '.join(refs)}: {proc.stderr}"


def start_node(name, network, archive: Path, vip):
    """A systemd node holding the archive's images, its root mount shared as a host's is, and
    vip as a second address on eth0, where keepalived would put it."""
    # Bounds for a loaded machine (two nodes boot at once beside image builds): generous, never waited out.
    node = Node.start(name, network=network, hostname=name, boot_timeout=BOOT_TIMEOUT, engine_timeout=BOOT_TIMEOUT)
    try:
        # The toolbox's /run:/run:shared needs a shared root mount.
        node.exec("mount", "--make-rshared", "/")
        node.exec("ip", "addr", "add", f"{vip}/32", "dev", "eth0")
        node.load_archive(archive)
    except BaseException:
        node.remove()
        raise
    return node


def services_dict(role, var, unprivileged=(), disabled=()):
    """kolla-ansible's own `var` dict from role's defaults (read from the installed tree, so it is
    the release's, not a copy of ours) with the named services unprivileged or disabled: the one
    way an operator changes a single field of a service without editing the role."""
    services = yaml.safe_load((KA_TREE / "roles" / role / "defaults" / "main.yml").read_text())[var]
    for name in (*unprivileged, *disabled):
        assert name in services, f"{role}'s {var} has no {name}: {sorted(services)}"
    for name in unprivileged:
        services[name]["privileged"] = False
    for name in disabled:
        services[name]["enabled"] = False
    return {var: services}


def globals_yaml(text, *dicts):
    """globals.yml: text, then each {var: dict} of services_dict as YAML (Jinja left for Ansible)."""
    for d in dicts:
        text += yaml.safe_dump(d, default_flow_style=False, sort_keys=False, width=1000)
    return text


def genpwd(path: Path):
    """kolla-ansible's example passwords.yml filled by its kolla-genpwd."""
    shutil.copy(KA_SHARE / "etc_examples" / "kolla" / "passwords.yml", path)
    subprocess.run([str(KA_VENV / "bin" / "kolla-genpwd"), "-p", str(path)], check=True,
                   capture_output=True, timeout=60)
    return path


class Deployment:
    """One kolla-ansible configuration directory and inventory for one node; `run` is the
    kolla-ansible CLI, through the overlay's playbooks when `overlay` is given."""

    def __init__(self, base: Path, node: Node, vip, globals_text, passwords: Path, overlay: Path = None,
                 custom=None):
        self.base, self.node, self.vip, self.overlay = base, node, vip, overlay
        self.label = "ours" if overlay else "stock"
        self.etc = base / "etc"
        self.record = base / "record.jsonl"
        (base / "callbacks").mkdir(parents=True)
        self.etc.mkdir()
        (base / "callbacks" / "kad_record.py").write_text(RECORD_CALLBACK)
        shutil.copy(passwords, self.etc / "passwords.yml")
        os.chmod(self.etc / "passwords.yml", 0o600)
        (self.etc / "globals.yml").write_text(globals_text)
        for rel, text in (custom or {}).items():
            self.write_custom(rel, text)
        host = (f"{node.name} ansible_connection=community.docker.docker ansible_become=false "
                "ansible_python_interpreter=/usr/bin/python3")
        inventory = [host if line.startswith("localhost") else line
                     for line in (KA_TREE / "inventory" / "all-in-one").read_text().splitlines()]
        self.inventory = base / "inventory"
        self.inventory.write_text("\n".join(inventory) + "\n")

    def write_custom(self, rel, text):
        """An operator's override under the configuration directory's config/ (node_custom_config)."""
        path = self.etc / "config" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def run(self, *command, playbook="site.yml", check=True):
        """`kolla-ansible COMMAND` (with the overlay's copy of playbook for ours); a Run."""
        self.record.unlink(missing_ok=True)
        env = dict(os.environ, PATH=f"{KA_VENV / 'bin'}:{os.environ['PATH']}",
                   ANSIBLE_CALLBACK_PLUGINS=str(self.base / "callbacks"),
                   ANSIBLE_CALLBACKS_ENABLED="kad_record", KAD_RECORD=str(self.record),
                   ANSIBLE_NOCOLOR="1")
        argv = [str(KA_VENV / "bin" / "kolla-ansible"), *command, "-i", str(self.inventory),
                "--configdir", str(self.etc)]
        if self.overlay:
            argv += ["-p", str(self.overlay / playbook)]
        start = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=self.base,
                              timeout=RUN_TIMEOUT)
        took = time.monotonic() - start
        print(f"kolla-ansible {' '.join(command)} ({self.label}): {took:.0f} s", flush=True)
        records = ([json.loads(line) for line in self.record.read_text().splitlines()]
                   if self.record.exists() else [])
        run = Run(proc.returncode, proc.stdout, took, records)
        if check:
            failed = [r for r in records if r["status"] == "failed"]
            assert proc.returncode == 0, (f"kolla-ansible {' '.join(command)} ({self.label}) exited "
                                          f"{proc.returncode}; failed tasks: {failed}\n"
                                          + proc.stdout[-6000:] + proc.stderr[-2000:])
        return run

    def openstack(self, script, check=True):
        """A shell script in the node's kolla_toolbox container after kolla-ansible's
        admin-openrc.sh (written by post-deploy); its stdout."""
        openrc = (self.etc / "admin-openrc.sh").read_bytes()
        proc = self.node.exec("docker", "exec", "-i", "kolla_toolbox", "bash", "-c",
                              f"source /dev/stdin && {script}", input=openrc, timeout=300, check=False)
        if check:
            assert proc.returncode == 0, f"{self.label}: {script}: {proc.stderr[-3000:]}"
        return proc.stdout

    def openstack_json(self, command):
        """`openstack COMMAND -f json`, parsed."""
        return json.loads(self.openstack(f"openstack {command} -f json"))


def recap(output, host):
    """{ok, changed, failed, ...} of host from a PLAY RECAP."""
    for line in output.splitlines()[::-1]:
        if line.startswith(host + " ") and "ok=" in line:
            return {k: int(v) for k, v in (part.split("=") for part in line.split()[2:])}
    raise AssertionError(f"no PLAY RECAP line for {host}:\n{output[-3000:]}")


def neutral(text, node: Node, vip):
    """text with the node's name and its two addresses replaced by placeholders (whole addresses
    only: one may be a prefix of the other)."""
    for value, placeholder in ((vip, "@VIP@"), (node_address(node.name), "@ADDRESS@")):
        text = re.sub(r"(?<![\d.])" + re.escape(value) + r"(?![\d])", placeholder, text)
    return text.replace(node.name, "@NODE@")


def containers_state(node: Node):
    """Every container in the node: what kolla-ansible asked the engine for, and how it runs."""
    names = node.exec("docker", "ps", "-aq").stdout.split()
    inspect = json.loads(node.exec("docker", "inspect", *names).stdout) if names else []
    containers = {}
    for c in inspect:
        host, cfg = c["HostConfig"], c["Config"]
        containers[c["Name"].lstrip("/")] = {
            "image": cfg["Image"], "cmd": cfg["Cmd"], "entrypoint": cfg["Entrypoint"],
            "env": sorted(e for e in cfg["Env"] if not e.startswith("HOSTNAME=")),
            "labels": cfg["Labels"], "binds": sorted(host["Binds"] or []),
            "tmpfs": host.get("Tmpfs"), "cap_add": host["CapAdd"],
            "restart": host["RestartPolicy"], "privileged": host["Privileged"],
            "network_mode": host["NetworkMode"], "pid_mode": host["PidMode"], "ipc_mode": host["IpcMode"],
            "ulimits": host["Ulimits"], "healthcheck": cfg.get("Healthcheck"),
            "status": c["State"]["Status"],
        }
    return containers


def end_state(node: Node, vip):
    """What an operator would compare: containers, systemd units (bytes), the rendered
    /etc/kolla (paths, modes, owners, bytes) and volumes; the node's name and addresses neutral."""
    containers = containers_state(node)
    units = node.exec("sh", "-c", "cd /etc/systemd/system && for f in kolla-*.service; do "
                      "echo \"== $f $(systemctl is-active $f) $(systemctl is-enabled $f)\"; cat $f; done",
                      check=False).stdout
    tree = node.exec("sh", "-c", "cd /etc/kolla && find . -type f | sort | while read f; do "
                     "echo \"== $f $(stat -c '%a %U:%G' \"$f\")\"; cat \"$f\"; done").stdout
    volumes = sorted(node.exec("docker", "volume", "ls", "-q").stdout.split())
    return {"containers": json.loads(neutral(json.dumps(containers), node, vip)),
            "units": neutral(units, node, vip), "tree": neutral(tree, node, vip), "volumes": volumes}


def wait_healthy(node: Node, timeout=HEALTH_TIMEOUT):
    """Waits until no container with a healthcheck is starting; {name: health} of those that have one."""
    deadline = time.monotonic() + timeout
    while True:
        names = node.exec("docker", "ps", "-q").stdout.split()
        health = {}
        if names:
            for line in node.exec("docker", "inspect", "-f",
                                  "{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{end}}",
                                  *names).stdout.splitlines():
                name, _, status = line.strip().lstrip("/").partition(" ")
                if status:
                    health[name] = status
        if "starting" not in health.values() or time.monotonic() > deadline:
            return health
        time.sleep(2)
