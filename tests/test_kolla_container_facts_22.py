"""kolla_container_facts with `action` (kolla-ansible 22.2.0's interface), on
the test engine's dockerd AND the test podman, ours against 22.2's Python
module (Docker SDK / podman-py) over the same containers and volumes.

The reference hard-codes the machine's sockets (/var/run/docker.sock,
/run/podman/podman.sock); it runs from a copy with only those two addresses
replaced by the test environment's. Both run as Ansible runs a module (an
arguments file, one JSON object out); one play per engine drives both
through ansible-playbook as roles use them."""
import json
import os
import re
import socket
import subprocess
import uuid

import pytest

from conftest import MODULES, PYTHON, REF_22, parse_single_json
from kolla_docker.helpers import SERVICE

DOCKER_HOST = os.environ.get("KOLLA_RUST_DOCKER_HOST", "")
PODMAN_HOST = os.environ.get("KOLLA_RUST_PODMAN_HOST", "")
HOSTS = {"docker": DOCKER_HOST, "podman": PODMAN_HOST}
# What 22.2's module dials, and what the copy dials instead.
REF_SOCKETS = {"docker": "http+unix:/var/run/docker.sock", "podman": "http+unix:/run/podman/podman.sock"}
ENGINES = pytest.mark.parametrize("engine", ["docker", "podman"])
IDLE = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"]


def cli(engine, *args, check=True):
    """The docker CLI against one engine (podman through its Docker-compatible API)."""
    env = dict(os.environ, DOCKER_HOST=HOSTS[engine])
    proc = subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def ref_module(tmp_path_factory):
    """22.2's kolla_container_facts.py, dialling the test engines."""
    if not PODMAN_HOST:
        pytest.fail("KOLLA_RUST_PODMAN_HOST is unset: rerun tests/env/up.sh and source env.sh")
    text = (REF_22 / "library" / "kolla_container_facts.py").read_text()
    for engine, socket in REF_SOCKETS.items():
        assert text.count(f"'{socket}'") + text.count(f'"{socket}"') == 1, f"22.2 no longer dials {socket}"
        text = text.replace(socket, "http+unix://" + HOSTS[engine].removeprefix("unix://"))
    path = tmp_path_factory.mktemp("ref22") / "kolla_container_facts.py"
    path.write_text(text)
    return path


def _args_file(tmp_path, payload):
    path = tmp_path / f"args-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(payload))
    return path


def ours(tmp_path, args, engine=None):
    """Our binary; the engine's address comes from the environment, as on a target."""
    env = dict(os.environ, CONTAINER_HOST=PODMAN_HOST, DOCKER_HOST=DOCKER_HOST)
    proc = subprocess.run([str(MODULES / "kolla_container_facts"), str(_args_file(tmp_path, args))],
                          env=env, capture_output=True, text=True, timeout=120)
    assert "panicked" not in proc.stderr, proc.stderr
    return parse_single_json(proc.stdout)


# Runs 22.2's module once per arguments file in one interpreter: importing
# Ansible, the Docker SDK and podman-py is most of a run's time. Each run
# starts as a fresh module process would (arguments re-read, module re-executed).
REF_DRIVER = """
import contextlib, io, json, runpy, sys, traceback
import ansible.module_utils.basic as basic
module, *argfiles = sys.argv[1:]
outs = []
for path in argfiles:
    basic._ANSIBLE_ARGS = None
    sys.argv = [module, path]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            runpy.run_path(module, run_name="__main__")
        except SystemExit:
            pass
        except Exception:
            # 22.2's own error handler can crash (it passes `changed` twice):
            # recorded so that the run can be retried, not lost with the others.
            out = io.StringIO(json.dumps({"failed": True, "msg": "REFERENCE CRASHED: " + traceback.format_exc()}))
    outs.append(out.getvalue())
print(json.dumps(outs))
"""


def ref_many(tmp_path, ref_module, arg_sets):
    """22.2's module on each of arg_sets, as Ansible runs it: one JSON object each."""
    driver = tmp_path / "ref_driver.py"
    driver.write_text(REF_DRIVER)
    files = [str(_args_file(tmp_path, {"ANSIBLE_MODULE_ARGS": a})) for a in arg_sets]
    proc = subprocess.run([str(PYTHON), str(driver), str(ref_module), *files],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    outs = [parse_single_json(text) for text in json.loads(proc.stdout)]
    for out in outs:
        out.pop("invocation", None)
    return outs


def ref(tmp_path, ref_module, args):
    return ref_many(tmp_path, ref_module, [args])[0]


@pytest.fixture(scope="module")
def world():
    """On each engine: two running containers, a stopped one, two volumes (all `kcf-`)."""
    prefix = f"kcf-{uuid.uuid4().hex[:6]}"
    made = {}
    for engine in HOSTS:
        names = {k: f"{prefix}-{k}" for k in ("run1", "run2", "stopped", "vol1", "vol2")}
        cli(engine, "run", "-d", "--network", "host", "--name", names["run1"],
            "-e", "KCF_PLAIN=1", "-e", "KCF_EQ=a=b", "-e", "KCF_EMPTY=",
            "--label", "kcf=yes", SERVICE, *IDLE)
        cli(engine, "run", "-d", "--network", "host", "--name", names["run2"], SERVICE, *IDLE)
        cli(engine, "create", "--network", "host", "--name", names["stopped"], SERVICE, *IDLE)
        for vol in ("vol1", "vol2"):
            cli(engine, "volume", "create", "--label", "kcf=yes", names[vol])
        made[engine] = names
    yield prefix, made
    for engine, names in made.items():
        cli(engine, "rm", "-f", names["run1"], names["run2"], names["stopped"], check=False)
        cli(engine, "volume", "rm", "-f", names["vol1"], names["vol2"], check=False)


def only_ours(result, key, prefix):
    """result[key] restricted to this module's objects: others' come and go meanwhile."""
    value = result[key]
    if isinstance(value, list):
        return sorted(v for v in value if v.startswith(prefix))
    return {k: v for k, v in value.items() if k.startswith(prefix)}


def both(tmp_path, ref_module, arg_sets, retries=3):
    """[(ours, reference)] on each of arg_sets. The reference inspects every
    container before filtering by name, so another test's container vanishing
    in between fails it; such runs are repeated."""
    mine = [ours(tmp_path, args) for args in arg_sets]
    theirs = ref_many(tmp_path, ref_module, arg_sets)
    for _ in range(retries):
        again = [i for i, t in enumerate(theirs)
                 if "NotFound" in str(t.get("msg", "")) or "REFERENCE CRASHED" in str(t.get("msg", ""))]
        if not again:
            break
        for i, out in zip(again, ref_many(tmp_path, ref_module, [arg_sets[i] for i in again])):
            theirs[i] = out
    return list(zip(mine, theirs))


@ENGINES
def test_get_containers_running_and_all(engine, world, ref_module, tmp_path):
    prefix, names = world[0], world[1][engine]
    run1, run2, stopped = names["run1"], names["run2"], names["stopped"]
    cases = (
        ({}, {run1, run2}),
        ({"args": {"get_all_containers": True}}, {run1, run2, stopped}),
        ({"name": [run1, stopped, f"{prefix}-absent"]}, {run1}),
        ({"name": [run1, stopped, f"{prefix}-absent"], "args": {"get_all_containers": "yes"}}, {run1, stopped}),
        ({"name": run1}, {run1}),
        ({"name": f"{run1},{run2}"}, {run1, run2}),
        # `args` as key=value text, as an ad-hoc `-a` gives it.
        ({"args": "get_all_containers=true"}, {run1, run2, stopped}),
    )
    arg_sets = [{"container_engine": engine, "action": "get_containers", **args} for args, _ in cases]
    for args, (_, expected), (mine, theirs) in zip(arg_sets, cases, both(tmp_path, ref_module, arg_sets)):
        assert not mine.get("failed") and not theirs.get("failed"), (mine, theirs)
        assert set(mine) == set(theirs) == {"changed", "result", "containers"}
        assert mine["changed"] is False and mine["result"] is False
        got = only_ours(mine, "containers", prefix)
        assert set(got) == expected, args
        # The inspect data itself, as the engine sent it: equal to the reference's.
        assert got == only_ours(theirs, "containers", prefix), args
        info = got[run1]
        assert info["State"]["Status"] == "running"
        assert info["Config"]["Image"].endswith(SERVICE)
        assert info["Config"]["Labels"]["kcf"] == "yes"
        if stopped in got:
            assert got[stopped]["State"]["Status"] == "created"
    # Each engine's own shape: libpod's inspect for podman (as podman-py reads it).
    shape = "ImageName" in info
    assert shape == (engine == "podman"), sorted(info)


@ENGINES
def test_container_names_states_and_env(engine, world, ref_module, tmp_path):
    prefix, names = world[0], world[1][engine]
    run1, run2, stopped = names["run1"], names["run2"], names["stopped"]
    cases = (
        ({"action": "get_containers_names"}, "container_names", [run1, run2]),
        # name is ignored by get_containers_names, as in 22.2.
        ({"action": "get_containers_names", "name": [stopped]}, "container_names", [run1, run2]),
        ({"action": "get_containers_state", "name": [run1, stopped]}, "states",
         {run1: "running", stopped: "created"}),
        ({"action": "get_containers_state", "name": run2}, "states", {run2: "running"}),
        ({"action": "get_containers_env", "name": [run1]}, "envs", None),
    )
    arg_sets = [{"container_engine": engine, **args} for args, _, _ in cases]
    for args, (_, key, expected), (mine, theirs) in zip(arg_sets, cases, both(tmp_path, ref_module, arg_sets)):
        assert mine == {**theirs, key: mine[key]} and set(mine) == set(theirs), (mine, theirs)
        got = only_ours(mine, key, prefix)
        assert got == only_ours(theirs, key, prefix), args
        if expected is not None:
            assert got == expected, args
    env = mine["envs"][run1]
    assert env["KCF_PLAIN"] == "1" and env["KCF_EQ"] == "a=b" and env["KCF_EMPTY"] == ""
    assert env == theirs["envs"][run1]
    # Without a name (its default, [], counts as given): nothing to report, in both.
    keys = {"get_containers_state": "states", "get_containers_env": "envs"}
    arg_sets = [{"container_engine": engine, "action": action} for action in keys]
    for args, (mine, theirs) in zip(arg_sets, both(tmp_path, ref_module, arg_sets)):
        assert mine == theirs == {"changed": False, "result": False, keys[args["action"]]: {}}


@ENGINES
def test_unknown_container_fails_like_the_reference(engine, world, ref_module, tmp_path):
    run1 = world[1][engine]["run1"]
    absent = f"{world[0]}-absent"
    arg_sets = [{"container_engine": engine, "action": action, "name": [run1, absent]}
                for action in ("get_containers_state", "get_containers_env")]
    for mine, theirs in both(tmp_path, ref_module, arg_sets):
        assert mine["failed"] is True and theirs["failed"] is True
        assert mine["msg"] == theirs["msg"] == f"No such container: {absent}"


@ENGINES
def test_get_volumes(engine, world, ref_module, tmp_path):
    prefix, names = world[0], world[1][engine]
    vol1, vol2 = names["vol1"], names["vol2"]
    cases = (([vol1], {vol1}), (vol2, {vol2}), ([], {vol1, vol2}), ([f"{prefix}-absent"], set()))
    arg_sets = [{"container_engine": engine, "action": "get_volumes", "name": name} for name, _ in cases]
    for (name, expected), (mine, theirs) in zip(cases, both(tmp_path, ref_module, arg_sets)):
        assert set(mine) == set(theirs) == {"changed", "result", "volumes"}
        got = only_ours(mine, "volumes", prefix)
        assert set(got) == expected and got == only_ours(theirs, "volumes", prefix), name
        for vol in got.values():
            assert vol["Labels"] == {"kcf": "yes"} and vol["Driver"] == "local"
        if vol1 in got:
            # Docker's volume list entries, libpod's volume inspect (as podman-py reads it).
            assert ("MountCount" in got[vol1]) == (engine == "podman"), got[vol1]


BAD_INPUT = [
    {"container_engine": "docker", "action": "get_all"},
    {"container_engine": "docker", "action": "get_volumes", "name": {"a": 1}},
    {"action": "get_containers"},
    # `args` and its sub-options (22.2's `options`): what is wrong, and where.
    {"container_engine": "docker", "action": "get_containers", "args": {"bogus": 1}},
    {"container_engine": "docker", "action": "get_containers", "args": {"bogus": 1, "zz": 2, "get_all_containers": 1}},
    {"container_engine": "docker", "action": "get_containers", "args": {"get_all_containers": "maybe"}},
    {"container_engine": "podman", "action": "get_containers", "args": {"get_all_containers": [1]}},
    {"container_engine": "docker", "action": "get_containers", "args": {"get_all_containers": None}},
    {"container_engine": "docker", "action": "get_containers", "args": "nonsense"},
    {"container_engine": "docker", "action": "get_containers", "args": "{broken"},
    {"container_engine": "docker", "action": "get_containers", "args": "get_all_containers"},
    {"container_engine": "docker", "action": "get_containers", "args": [{"get_all_containers": True}]},
]


def same_booleans(text):
    """ansible-core lists its valid booleans in an order that varies per run: compare them as a set."""
    return re.sub(r"Valid booleans include: (.*)$",
                  lambda m: "Valid booleans include: " + ", ".join(sorted(m.group(1).split(", "))), text)


def test_bad_input_fails_once_with_the_references_message(ref_module, tmp_path):
    """Bad arguments: one failure object from each, with 22.2's AnsibleModule's message."""
    # As Ansible names the module to it (run as a file, AnsibleModule would say "basic.py").
    arg_sets = [dict(args, _ansible_module_name="kolla_container_facts") for args in BAD_INPUT]
    for args, (mine, theirs) in zip(BAD_INPUT, both(tmp_path, ref_module, arg_sets)):
        assert mine["failed"] is True and theirs["failed"] is True, (args, mine, theirs)
        assert mine["changed"] is False, mine
        assert same_booleans(mine["msg"]) == same_booleans(theirs["msg"]), args
        # `errors`: every broken rule when there are several (AnsibleModule shows the first).
        assert set(mine) <= {"failed", "changed", "msg", "errors"}, mine
        assert mine.get("errors", [mine["msg"]])[0] == mine["msg"]


def test_args_that_crash_the_reference_fail_cleanly(ref_module, tmp_path):
    """Deviation: a number (or list of numbers) as `args` crashes 22.2's
    AnsibleModule with a TypeError traceback and no result; ours fails with
    ansible-core's own first check's message."""
    for value in (5, [1]):
        args = {"container_engine": "docker", "action": "get_containers", "args": value}
        proc = subprocess.run([str(PYTHON), str(ref_module), str(_args_file(tmp_path, {"ANSIBLE_MODULE_ARGS": args}))],
                              capture_output=True, text=True, timeout=120)
        assert proc.stdout.strip() == "" and "TypeError" in proc.stderr, (proc.stdout, proc.stderr[-500:])
        mine = ours(tmp_path, args)
        assert mine["failed"] is True and mine["changed"] is False, mine
        assert mine["msg"] == "Value '%s' in the sub parameter field 'args' must be a dict, not 'int'" % (
            value if value == 5 else 1), mine


def test_a_podman_container_ours_made_has_podman_s_umask(world, ref_module, tmp_path):
    """docs/reference-behaviour.md, kcp-umask: kolla_container creates podman
    containers through libpod, as 22.2 does, so both modules report podman's
    default umask 0022 for it (podman 4.3's Docker-compatible create gave 0000)."""
    name = f"{world[0]}-made"
    made = subprocess.run(
        [str(MODULES / "kolla_container"), str(_args_file(tmp_path, {
            "action": "start_container", "container_engine": "podman", "docker_host": PODMAN_HOST,
            "name": name, "image": SERVICE, "command": " ".join(IDLE[:2]) + f' "{IDLE[2]}"',
            "graceful_timeout": 1, "environment": {},
            "dimensions": {"ulimits": {"nofile": {"soft": 1024, "hard": 1024},
                                       "nproc": {"soft": 4096, "hard": 4096}}}}))],
        capture_output=True, text=True, timeout=120)
    try:
        assert not parse_single_json(made.stdout).get("failed"), made.stdout
        args = {"container_engine": "podman", "action": "get_containers", "name": [name]}
        [(mine, theirs)] = both(tmp_path, ref_module, [args])
        assert mine["containers"][name]["Config"]["Umask"] == "0022", mine["containers"][name]["Config"]
        assert mine["containers"] == theirs["containers"]
    finally:
        cli("podman", "rm", "-f", name, check=False)


def test_unknown_engine_is_refused_not_taken_for_podman(world, ref_module, tmp_path):
    """Deviation: 22.2 drives podman for any container_engine but docker."""
    for engine, shown in (("lxc", "lxc"), (["docker"], "['docker']")):
        args = {"container_engine": engine, "action": "get_containers_names"}
        theirs = ref(tmp_path, ref_module, args)
        assert not theirs.get("failed") and world[1]["podman"]["run1"] in theirs["container_names"], theirs
        mine = ours(tmp_path, args)
        assert mine["failed"] is True, mine
        assert f"value of container_engine must be one of: docker, podman, got: {shown}" in mine["msg"], mine


@ENGINES
def test_unreachable_engine_fails_with_its_name(engine, tmp_path, ref_module):
    """Deviation: 22.2 reports a Python traceback (and changed: true), or on
    podman nothing parseable; ours one failure naming the engine and socket."""
    sock = f"unix:///run/kolla-rust-test/kcf-none-{engine}.sock"
    mine = ours(tmp_path, {"container_engine": engine, "action": "get_containers", "docker_host": sock})
    assert mine["failed"] is True and mine["changed"] is False
    assert sock in mine["msg"] and {"docker": "dockerd", "podman": "podman"}[engine] in mine["msg"], mine
    assert "Traceback" not in mine["msg"]
    # A socket that exists but does not answer: the transport's reason.
    dead = tmp_path / "dead.sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(dead))
    mine = ours(tmp_path, {"container_engine": engine, "action": "get_volumes", "docker_host": f"unix://{dead}"})
    assert mine["failed"] is True and "cannot list volumes" in mine["msg"], mine
    assert {"docker": "Docker daemon", "podman": "podman service"}[engine] in mine["msg"], mine
    # The reference, pointed at the same dead socket.
    text = ref_module.read_text().replace(HOSTS[engine].removeprefix("unix://"), str(dead))
    dead_ref = tmp_path / "kolla_container_facts.py"
    dead_ref.write_text(text)
    proc = subprocess.run([str(PYTHON), str(dead_ref), str(_args_file(
        tmp_path, {"ANSIBLE_MODULE_ARGS": {"container_engine": engine, "action": "get_volumes"}}))],
        capture_output=True, text=True, timeout=120)
    if engine == "docker":
        # The SDK fails while connecting: a traceback as the message, changed: true.
        theirs = parse_single_json(proc.stdout)
        assert theirs["failed"] is True and theirs["changed"] is True and "Traceback" in theirs["msg"]
    else:
        # podman-py fails inside the action, and 22.2's handler then passes
        # `changed` twice to fail_json: no JSON at all (Ansible's MODULE FAILURE).
        assert proc.stdout.strip() == "" and "changed" in proc.stderr.splitlines()[-1], proc.stderr[-500:]


def test_without_action_keeps_the_15_6_listing(world, tmp_path):
    prefix, names = world[0], world[1]["docker"]
    mine = ours(tmp_path, {"container_engine": "docker", "name": [names["run1"], names["stopped"]]})
    assert set(mine) == {"changed", "_containers", names["run1"]}
    assert mine[names["run1"]]["Names"] == ["/" + names["run1"]] and mine[names["run1"]]["State"] == "running"


def test_roles_read_the_facts_through_ansible(world, ref_module, playbook):
    """As 22.2's roles do, on both engines in one play: register, then read
    containers[name].State.Status / Config.Image and container_names."""
    tasks = []
    for engine, names in world[1].items():
        run1, stopped = names["run1"], names["stopped"]
        tasks += [
            {"name": f"{engine} facts", "kolla_container_facts": {
                "container_engine": engine, "action": "get_containers", "name": [run1, stopped],
                "args": {"get_all_containers": True}}, "register": "facts"},
            {"name": f"{engine} names", "kolla_container_facts": {
                "container_engine": engine, "action": "get_containers_names"}, "register": "listed"},
            {"name": f"{engine} check", "assert": {"that": [
                f"facts.containers['{run1}'].State.Status == 'running'",
                f"facts.containers['{run1}'].Config.Image is search('{SERVICE}')",
                f"facts.containers['{stopped}'].State.Status != 'running'",
                "facts.changed == false",
                f"'{run1}' in listed.container_names",
                f"'{stopped}' not in listed.container_names"]}},
        ]
    # Bad `args`, with Ansible naming the module: the same failure from both.
    bad = (("unknown key", {"bogus": 1}), ("not a bool", {"get_all_containers": [1]}),
           ("not a dict", "nonsense"))
    tasks += [{"name": name, "ignore_errors": True, "kolla_container_facts": {
        "container_engine": "docker", "action": "get_containers", "args": args}} for name, args in bad]
    text = json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}])
    failures = {}
    for library in (None, ref_module.parent):
        run = playbook(text, library=library, env={"CONTAINER_HOST": PODMAN_HOST})
        assert run.rc == 0, (library, run.stdout[-2000:], run.stderr[-2000:])
        for engine in world[1]:
            assert not run.result(f"{engine} check").get("failed"), (library, engine)
        failures[library] = [next(r for r in run.records if r["task"] == name) for name, _ in bad]
    for mine, theirs in zip(failures[None], failures[ref_module.parent]):
        assert mine["status"] == theirs["status"] == "failed", (mine, theirs)
        assert mine["result"]["msg"] == theirs["result"]["msg"], (mine, theirs)
    assert failures[None][0]["result"]["msg"] == (
        "Unsupported parameters for (kolla_container_facts) module: args.bogus. "
        "Supported parameters include: get_all_containers.")

