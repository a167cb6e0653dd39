"""Shared fixtures: run built module binaries directly, through `ansible`
ad hoc and through `ansible-playbook`, with our plugins or kolla-ansible's.

The suite runs after `tests/env/up.sh` and `make build` (the Makefile's
`test` target does both), with $KOLLA_RUST_CACHE/env.sh sourced. It never
touches the machine's own Docker engine: every process of the suite lives in
the test environment's network namespace, and every Docker client (the CLI,
our modules, the reference plugins) talks to the test engine.
"""
import ctypes
import json
import os
import subprocess
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "plugins" / "modules"
CACHE = Path(os.environ.get("KOLLA_RUST_CACHE", "/var/cache/kolla-rust"))
VENV = Path(os.environ.get("KOLLA_RUST_VENV", CACHE / "venv"))
REF = Path(os.environ.get("KOLLA_RUST_REF", CACHE / "ref"))
PYTHON = VENV / "bin" / "python"

# Where each reference plugin lives (kolla-ansible from PyPI, unpacked by up.sh).
REF_15 = REF / "kolla-ansible-15.6.0" / "ansible"
REF_13 = REF / "kolla-ansible-13.8.0" / "ansible"
REF_22 = REF / "kolla-ansible-22.2.0" / "ansible"
# The 13.x bslurp with its "/usr/bin/env python" shebang made runnable (see up.sh).
REF_13_LIBRARY = REF / "kolla-ansible-13.8.0" / "library-py3"
# A sitecustomize that gives the reference's Docker SDK client the test engine (see there).
REF_SITE = ROOT / "tests" / "env" / "refsite"

# The machine's own engine, which the suite must never change.
MACHINE_DOCKER_HOST = "unix:///var/run/docker.sock"
TEST_DOCKER_HOST = os.environ.get("KOLLA_RUST_DOCKER_HOST", "")
NETNS = os.environ.get("KOLLA_RUST_NETNS", "")
CLONE_NEWNET = 0x40000000
# The network namespace the suite was started in (the machine's), kept open for
# tests that must look at the machine's side; see in_machine_netns().
_MACHINE_NETNS_FD = None
_MACHINE_BEFORE = pytest.StashKey[dict]()


def _netns_inode(path):
    return os.stat(path).st_ino


def enter_test_namespace():
    """Moves this process into the test network namespace and pins DOCKER_HOST
    to the test engine, before any test runs or any thread starts.

    Everything the tests start inherits both: ansible, the docker CLI, our
    modules (which honour DOCKER_HOST), sockets the tests open. So the
    deployment tests' host-network containers, their loopback ports, the
    registry and the probes all meet inside the namespace, away from a
    deployment on this machine."""
    if not TEST_DOCKER_HOST or not NETNS:
        raise pytest.UsageError(
            "the test environment is not set: run `bash tests/env/up.sh`, then "
            "`. /var/cache/kolla-rust/env.sh` (it names the test engine and its network namespace)")
    if TEST_DOCKER_HOST == MACHINE_DOCKER_HOST:
        raise pytest.UsageError("KOLLA_RUST_DOCKER_HOST is the machine's engine; tests need their own")
    os.environ["DOCKER_HOST"] = TEST_DOCKER_HOST
    ns = Path("/run/netns") / NETNS
    if not ns.exists():
        raise pytest.UsageError(f"network namespace {NETNS} is missing: run `bash tests/env/up.sh`")
    global _MACHINE_NETNS_FD
    if _netns_inode("/proc/thread-self/ns/net") == _netns_inode(ns):
        return
    _MACHINE_NETNS_FD = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise pytest.UsageError(f"cannot enter network namespace {NETNS}: {os.strerror(err)} (tests run as root)")
    finally:
        os.close(fd)


def in_machine_netns(*cmd):
    """cmd, run in the network namespace the suite was started from (the machine's)."""
    assert _MACHINE_NETNS_FD is not None, "the suite was started inside the test namespace"
    return ["nsenter", f"--net=/proc/{os.getpid()}/fd/{_MACHINE_NETNS_FD}", *cmd]


def machine_containers():
    """{id: name} of the running containers on the machine's engine; None when it does not answer."""
    try:
        proc = subprocess.run(["docker", "-H", MACHINE_DOCKER_HOST, "ps", "--no-trunc",
                               "--format", "{{.ID}} {{.Names}}"],
                              capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0:
        return None
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines() if line)


def pytest_configure(config):
    enter_test_namespace()
    # The main process (not a pytest-xdist worker) notes what runs on the machine's engine...
    if not hasattr(config, "workerinput"):
        config.stash[_MACHINE_BEFORE] = machine_containers()


def pytest_sessionfinish(session, exitstatus):
    # ...and fails the run if any of it is gone or was replaced.
    config = session.config
    if hasattr(config, "workerinput") or _MACHINE_BEFORE not in config.stash:
        return
    before = config.stash[_MACHINE_BEFORE]
    if not before:
        return
    after = machine_containers() or {}
    lost = {cid: name for cid, name in before.items() if cid not in after}
    if lost:
        names = ", ".join(f"{name} ({cid[:12]})" for cid, name in sorted(lost.items(), key=lambda x: x[1]))
        session.config.get_terminal_writer().line(
            f"ERROR: containers running on the machine's engine before the suite are gone: {names}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def parse_single_json(stdout: str) -> dict:
    """The module protocol: stdout is exactly one JSON object."""
    text = stdout.strip()
    assert text, "module printed nothing"
    obj, end = json.JSONDecoder().raw_decode(text)
    assert text[end:].strip() == "", f"extra output after the JSON object: {text[end:][:200]!r}"
    assert isinstance(obj, dict), f"module printed {type(obj).__name__}, not an object"
    return obj


@dataclass
class ModuleRun:
    rc: int
    result: dict
    stderr: str


def run_binary(name: str, args, tmp_path: Path, internal=None, raw: bytes = None, timeout=120) -> ModuleRun:
    """Runs plugins/modules/<name> with an args file, as Ansible does."""
    # Beside, not inside, the test's directory: tests assert on what their directory holds.
    argdir = tmp_path.parent / f"{tmp_path.name}-args"
    argdir.mkdir(exist_ok=True)
    argfile = argdir / f"args-{name}-{os.urandom(4).hex()}.json"
    if raw is not None:
        argfile.write_bytes(raw)
    else:
        payload = dict(args)
        for k, v in (internal or {}).items():
            payload[f"_ansible_{k}"] = v
        argfile.write_text(json.dumps(payload))
    proc = subprocess.run(
        [str(MODULES / name), str(argfile)], capture_output=True, text=True, timeout=timeout
    )
    assert "panicked" not in proc.stderr and "RUST_BACKTRACE" not in proc.stderr, proc.stderr
    return ModuleRun(proc.returncode, parse_single_json(proc.stdout), proc.stderr)


@pytest.fixture
def module(tmp_path):
    """module(name, args, check=False, diff=False) -> result dict of our binary."""

    def call(name, args, check=False, diff=False, **internal):
        internal.update(check_mode=check, diff=diff)
        run = run_binary(name, args, tmp_path, internal)
        assert run.rc == 0, run.stderr
        return run.result

    return call


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    records: list = field(default_factory=list)

    def results(self, task=None):
        """Results of the named task (all tasks when None), in run order."""
        return [r["result"] for r in self.records if task is None or r["task"] == task]

    def result(self, task):
        found = self.results(task)
        assert found, f"no result for task {task!r}; tasks: {[r['task'] for r in self.records]}"
        return found[-1]

    def recap(self):
        """{host: {'ok': n, 'changed': n, 'failed': n, ...}} from the PLAY RECAP."""
        out = {}
        for line in self.stdout.splitlines():
            if " : ok=" in line:
                host, _, stats = line.partition(" : ")
                out[host.strip()] = {
                    k: int(v) for k, v in (p.split("=") for p in stats.split())
                }
        return out


def ansible_env(tmp_path: Path, library=None, action_plugins=None, module_utils=None, extra=None):
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "tests" / "callback_plugins"),
        ANSIBLE_CALLBACKS_ENABLED="record",
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"),
        ANSIBLE_REMOTE_TEMP=str(tmp_path / "ansible-remote"),
        ANSIBLE_PYTHON_INTERPRETER=str(PYTHON),
        ANSIBLE_DEPRECATION_WARNINGS="0",
        KOLLA_RUST_RECORD=str(tmp_path / f"record-{os.urandom(4).hex()}.jsonl"),
        PATH=f"{VENV / 'bin'}:{env.get('PATH', '')}",
    )
    if library is not None:
        env["ANSIBLE_LIBRARY"] = str(library)
    if action_plugins is not None:
        env["ANSIBLE_ACTION_PLUGINS"] = str(action_plugins)
    if module_utils is not None:
        env["ANSIBLE_MODULE_UTILS"] = str(module_utils)
    if any(p is not None and Path(p).is_relative_to(REF) for p in (library, module_utils)):
        env["PYTHONPATH"] = ":".join(filter(None, [str(REF_SITE), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def _run(cmd, env, cwd, timeout):
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    record = Path(env["KOLLA_RUST_RECORD"])
    records = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, records)


@pytest.fixture
def playbook(tmp_path):
    """playbook(yaml_text, *args, library=None, ...) -> PlaybookRun.

    Runs ansible-playbook from the repository root (so ansible.cfg's short
    module names work) against localhost with the local connection. Extra
    command-line args (e.g. "--check", "--diff", "-e", "x=1") pass through.
    """

    def call(text, *args, library=None, action_plugins=None, module_utils=None, env=None,
             cwd=ROOT, inventory="localhost,", timeout=600):
        path = tmp_path / f"play-{os.urandom(4).hex()}.yml"
        path.write_text(textwrap.dedent(text))
        cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", inventory, "-c", "local", str(path), *args]
        return _run(cmd, ansible_env(tmp_path, library, action_plugins, module_utils, env), cwd, timeout)

    return call


@pytest.fixture
def adhoc(tmp_path):
    """adhoc(module, args_text, *extra) -> PlaybookRun of `ansible localhost -m module -a args`."""

    def call(module_name, args_text, *extra, library=None, module_utils=None, env=None, cwd=ROOT, timeout=300):
        cmd = [str(VENV / "bin" / "ansible"), "localhost", "-i", "localhost,", "-c", "local",
               "-m", module_name, "-a", args_text, *extra]
        return _run(cmd, ansible_env(tmp_path, library, None, module_utils, env), cwd, timeout)

    return call


def docker(*args, check=True, timeout=120):
    """The docker CLI, for arranging and inspecting state independently of the modules."""
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {proc.stderr}")
    return proc


def docker_inspect(name):
    proc = docker("inspect", name, check=False)
    return json.loads(proc.stdout)[0] if proc.returncode == 0 else None
