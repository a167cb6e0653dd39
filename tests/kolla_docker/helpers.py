"""Shared pieces of the kolla_docker / kolla_container_facts tests: images,
playbook building, the two implementations, docker inspect normalisation and
clean-up of the `kdt_` containers, volumes and images a test creates."""
import json
import os
import subprocess

import pytest

from conftest import REF_15, ROOT, VENV, _run, ansible_env, docker

SERVICE = "kolla-test/service:latest"     # has kolla_set_configs (tests/env/images.d/10-kolla-docker.sh)
LABELED = "kolla-test/busybox:labeled"
UNLABELED = "kolla-test/busybox:unlabeled"
REGISTRY = os.environ.get("KOLLA_RUST_REGISTRY", "127.0.0.1:5000")

# An idle service that stops at once on SIGTERM (busybox sleep as PID 1 ignores it).
IDLE = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'"
IDLE2 = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 2 & wait; done'"

# How each implementation is selected in a playbook run: ours is the in-repo
# ansible.cfg's plugins/modules; the reference is kolla-ansible 15.6.0's Python.
IMPLS = {
    "ours": {},
    "ref": {"library": REF_15 / "library", "module_utils": REF_15 / "module_utils"},
}


def task(title, /, module="kolla_docker", **args):
    """One task; failures are recorded, not fatal, so a play runs every step."""
    return {"name": title, module: args, "ignore_errors": True}


def inspect_task(name, container):
    """A task whose recorded stdout is `docker inspect` of the container at that point of the play.

    `raw`, not `command`: no Python module start-up, which keeps long plays quick."""
    return {"name": name, "raw": f"docker inspect {container}", "changed_when": False,
            "ignore_errors": True}


def play(*tasks):
    """A play on localhost; YAML is a superset of JSON, so JSON text is the playbook."""
    return json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": list(tasks)}], indent=1)


def run(playbook, impl, *tasks, cli=()):
    """Runs the tasks with one implementation of kolla_docker."""
    return _mark_failures(playbook(play(*tasks), *cli, **IMPLS[impl]))


def _mark_failures(r):
    """Ansible strips `failed` from ignored failures' results; the recorded status keeps it."""
    for rec in r.records:
        rec["result"]["failed"] = rec["status"] in ("failed", "item_failed")
        rec["result"]["skipped"] = rec["status"] == "skipped"
    return r


def run_in(tmp_dir, impl, *tasks, cli=()):
    """Like run(), for fixtures wider than one test (the `playbook` fixture is per test)."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    path = tmp_dir / f"play-{os.urandom(4).hex()}.yml"
    path.write_text(play(*tasks))
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(path), *cli]
    return _mark_failures(_run(cmd, ansible_env(tmp_dir, **IMPLS[impl]), ROOT, 1200))


def inspected(run_, name):
    """The `docker inspect` object captured by inspect_task `name` (None if the container was absent)."""
    res = run_.result(name)
    if res.get("rc") != 0:
        return None
    return json.loads(res["stdout"])[0]


def changed_flags(run_, names):
    return [run_.result(n).get("changed") for n in names]


def failed(res):
    return bool(res.get("failed"))


# --- docker inspect normalisation -----------------------------------------

_VOLATILE_TOP = {"Id", "Created", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath",
                 "GraphDriver", "NetworkSettings", "ExecIDs", "SizeRw", "SizeRootFs",
                 "RestartCount", "AppArmorProfile", "Platform", "Driver", "MountLabel",
                 "ProcessLabel"}
_VOLATILE_STATE = {"Pid", "StartedAt", "FinishedAt", "Health"}
_VOLATILE_CONFIG = {"Hostname", "Domainname"}


def normalise(info):
    """The parts of `docker inspect` a deployment decides, without run-to-run noise.

    Dropped: ids, times, pids, paths derived from ids, network sandbox state and
    hostnames. Lists whose order Docker does not define are sorted; empty lists and
    maps count as absent. Mount sources of
    named volumes keep the volume name (a path under the data root)."""
    if info is None:
        return None
    out = {k: v for k, v in info.items() if k not in _VOLATILE_TOP}
    out["State"] = {k: v for k, v in info["State"].items() if k not in _VOLATILE_STATE}
    out["Config"] = {k: v for k, v in info["Config"].items() if k not in _VOLATILE_CONFIG}
    out["Config"]["Env"] = sorted(out["Config"].get("Env") or [])
    host = dict(info["HostConfig"])
    for key in ("CapAdd", "SecurityOpt", "Binds", "VolumesFrom"):
        if host.get(key):
            host[key] = sorted(host[key])
    out["HostConfig"] = host
    # An empty list and an absent (null) one mean the same to Docker; clients differ
    # in which they send (docker-py sends SecurityOpt: [] where ours omits it).
    for section in (out["Config"], out["HostConfig"]):
        for k, v in section.items():
            if v == [] or v == {}:
                section[k] = None
    out["Mounts"] = sorted((info.get("Mounts") or []), key=lambda m: m.get("Destination", ""))
    # Image is an id; both implementations must resolve the same tag to it.
    return out


def diff_paths(a, b, path=""):
    """Human-readable list of where two normalised inspects differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            out += diff_paths(a.get(k, "<absent>"), b.get(k, "<absent>"), f"{path}.{k}")
        return out
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


# --- names and clean-up ---------------------------------------------------

class Names:
    """Unique `kdt_` names for one test; clean() removes what carries them."""

    def __init__(self):
        self.prefix = f"kdt_{os.urandom(3).hex()}"
        self.images = []

    def __call__(self, suffix):
        return f"{self.prefix}_{suffix}"

    def clean(self):
        ids = docker("ps", "-aq", "--filter", f"name=^/{self.prefix}", check=False).stdout.split()
        if ids:
            docker("rm", "-f", "-v", *ids, check=False)
        vols = [v for v in docker("volume", "ls", "-q", check=False).stdout.split()
                if v.startswith(self.prefix)]
        if vols:
            docker("volume", "rm", "-f", *vols, check=False)
        for image in self.images:
            docker("rmi", "-f", image, check=False)


@pytest.fixture
def kdt():
    names = Names()
    yield names
    names.clean()


# --- the authenticated registry ---------------------------------------------

def registry_credentials():
    user = os.environ.get("KOLLA_RUST_REGISTRY_USER")
    password = os.environ.get("KOLLA_RUST_REGISTRY_PASS")
    assert user and password, "source $KOLLA_RUST_CACHE/env.sh (registry credentials)"
    return user, password


def push_to_registry(source, repo_tag, tmp_path):
    """Pushes a local image to the test registry as REGISTRY/repo_tag and returns the
    full reference. The CLI logs in with its own config dir, so no credential lands in
    ~/.docker/config.json where the Docker SDK (the reference) would find it."""
    user, password = registry_credentials()
    cfg = tmp_path / "docker-cli-config"
    cfg.mkdir(exist_ok=True)
    env = dict(os.environ, DOCKER_CONFIG=str(cfg))
    ref = f"{REGISTRY}/{repo_tag}"

    def cli(*args, stdin=None):
        proc = subprocess.run(["docker", *args], input=stdin, env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 0, f"docker {args[0]}: {proc.stderr}"

    cli("login", "-u", user, "--password-stdin", REGISTRY, stdin=password)
    cli("tag", source, ref)
    cli("push", ref)
    cli("logout", REGISTRY)
    return ref


def differences_of(res):
    """Our compare result's `differences` as plain field names."""
    return [str(d) for d in res.get("differences") or []]


def names_field(differences, field):
    """True when a difference names the field itself or one of its entries (field.X)."""
    return any(d == field or d.startswith(field + ".") for d in differences)
