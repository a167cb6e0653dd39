"""Shared fixtures: run built module binaries directly, through `ansible`
ad hoc and through `ansible-playbook`, with our plugins or kolla-ansible's.

The suite runs after `tests/env/up.sh` and `make build` (the Makefile's
`test` target does both), with $KOLLA_RUST_CACHE/env.sh sourced.
"""
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
