"""kolla_container (kolla-ansible 22.2's successor of kolla_docker) end to end:
the built binary against the tests' real docker engine and, with
container_engine: podman, the tests' real podman service (KOLLA_RUST_PODMAN_HOST).
Most cases run the binary as Ansible does (args file, one JSON object on
stdout); one play runs every action through ansible-playbook.

The hosts here do not boot systemd, so 22.2's own module cannot run here (it
talks to systemd over D-Bus); the systemd differential tests are helper B's,
inside the systemd node. Deviations from 22.2 asserted here are in
docs/reference-behaviour.md, section "kolla_container"."""
import json
import os
import uuid

import pytest

from conftest import docker, docker_inspect, run_binary

SERVICE = "kolla-test/service:latest"     # has kolla_set_configs
LABELED = "kolla-test/busybox:labeled"
IDLE = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'"
PODMAN_HOST = os.environ.get("KOLLA_RUST_PODMAN_HOST")
DOCKER_HOST = os.environ.get("KOLLA_RUST_DOCKER_HOST", os.environ.get("DOCKER_HOST"))
# podman's compat API raises NOFILE/NPROC past this machine's hard limits unless asked.
LIMITS = {"nofile": {"soft": 1024, "hard": 1024}, "nproc": {"soft": 4096, "hard": 4096}}

ENGINES = pytest.mark.parametrize("engine", [
    "docker",
    pytest.param("podman", marks=pytest.mark.skipif(
        not PODMAN_HOST, reason="KOLLA_RUST_PODMAN_HOST is not in env.sh (tests/env/up.sh)")),
])


def host_of(engine):
    return DOCKER_HOST if engine == "docker" else PODMAN_HOST


def cli(engine, *args, check=True):
    """The docker CLI against the engine (podman answers the same API)."""
    import subprocess
    env = dict(os.environ, DOCKER_HOST=host_of(engine))
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, env=env)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def inspect(engine, name, kind="container"):
    proc = cli(engine, kind, "inspect", name, check=False)
    return json.loads(proc.stdout)[0] if proc.returncode == 0 else None


@pytest.fixture
def kc(tmp_path):
    """kc(engine, **args) -> result of the kolla_container binary; names get cleaned up."""
    made = []

    def call(engine="docker", check=False, **args):
        args = {"container_engine": engine, "docker_host": host_of(engine), **args}
        if args.get("name"):
            made.append((engine, args["name"]))
        run = run_binary("kolla_container", args, tmp_path, {"check_mode": check})
        assert run.rc == 0, run.stderr
        return run.result

    call.name = lambda what="c": f"kc-{what}-{uuid.uuid4().hex[:6]}"
    call.tmp_path = tmp_path
    yield call
    for engine, name in made:
        cli(engine, "rm", "-f", name, check=False)
        cli(engine, "volume", "rm", name, check=False)


def svc(name, engine, **extra):
    return {"action": "start_container", "name": name, "image": SERVICE, "command": IDLE,
            "graceful_timeout": 1, "dimensions": {"ulimits": LIMITS}, **extra}


# --- every action through ansible-playbook --------------------------------

def test_every_action_in_one_play(playbook, kc):
    name, vol = kc.name("play"), kc.name("vol")
    common = {"container_engine": "docker", "graceful_timeout": 1}
    s = {"name": name, "image": SERVICE, "command": IDLE, "common_options": common,
         "volumes": [f"{vol}:/data"]}
    tasks = [
        ("create volume", {"action": "create_volume", "name": vol}),
        ("create volume again", {"action": "create_volume", "name": vol}),
        ("ensure image", {"action": "ensure_image", "image": SERVICE}),
        ("pull image", {"action": "pull_image", "image": "127.0.0.1:5000/kc-absent:none"}),
        ("start", {"action": "start_container", **s}),
        ("start again", {"action": "start_container", **s}),
        ("compare same", {"action": "compare_container", **s}),
        ("compare image same", {"action": "compare_image", "name": name, "image": SERVICE}),
        ("compare image other", {"action": "compare_image", "name": name, "image": LABELED}),
        ("recreate or restart", {"action": "recreate_or_restart_container", **s,
                                 "environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}}),
        ("restart", {"action": "restart_container", "name": name, "common_options": common}),
        ("stop", {"action": "stop_container", "name": name, "common_options": common}),
        ("stop again", {"action": "stop_container", "name": name, "common_options": common}),
        ("remove", {"action": "remove_container", "name": name}),
        ("remove again", {"action": "remove_container", "name": name}),
        ("start for stop_and_remove", {"action": "start_container", **s}),
        ("stop and remove", {"action": "stop_and_remove_container", "name": name,
                             "common_options": common}),
        ("remove volume", {"action": "remove_volume", "name": vol}),
        ("remove volume again", {"action": "remove_volume", "name": vol}),
        ("remove missing image", {"action": "remove_image", "image": "kc-none:absent"}),
    ]
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": t, "kolla_container": {"docker_host": DOCKER_HOST, **a}, "ignore_errors": True}
        for t, a in tasks]}]
    try:
        r = playbook(json.dumps(play))
        changed = {t: r.result(t).get("changed") for t, _ in tasks}
        assert changed == {
            "create volume": True, "create volume again": False, "ensure image": False,
            "pull image": False, "start": True, "start again": False, "compare same": False,
            "compare image same": False, "compare image other": False,
            "recreate or restart": True, "restart": True, "stop": True, "stop again": False,
            "remove": True, "remove again": False, "start for stop_and_remove": True,
            "stop and remove": True, "remove volume": True, "remove volume again": False,
            "remove missing image": False,
        }, r.stdout[-3000:]
        # The test registry wants credentials: the failure says which options to set.
        status = {rec["task"]: rec["status"] for rec in r.records}
        assert status["pull image"] == "failed"
        assert "auth_username" in r.result("pull image")["msg"]
        assert [t for t, st in status.items() if st == "failed"] == ["pull image"], status
        assert r.result("compare image other")["result"] is True
        assert r.result("compare same")["result"] is False
        assert "comparison_failures" not in r.result("compare same")
        # Engine supervision is announced wherever a container is made (no systemd here).
        assert any("restart policy" in w for w in r.result("start").get("warnings", []))
        assert docker_inspect(name) is None
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", vol, check=False)


# --- each compared field, one at a time -----------------------------------

FIELD_CHANGES = [
    ("command", {"command": "sh -c 'trap \"exit 0\" TERM; while :; do sleep 2 & wait; done'"}),
    ("environment", {"environment": {"KC_A": "1", "KC_N": 5}}),
    ("labels", {"labels": {"kc.label": "x"}}),
    ("cap_add", {"cap_add": ["NET_ADMIN"]}),
    ("volumes", {"volumes": ["/etc/hosts:/etc/hosts:ro", "/tmp:/hosttmp", "/anon", ""]}),
    ("named_volume", {"volumes": ["VOL:/data"]}),
    ("tmpfs", {"tmpfs": ["/t:size=1m", ""]}),
    ("mem_limit", {"dimensions": {"mem_limit": "64m", "ulimits": LIMITS}}),
    ("ulimits", {"dimensions": {"ulimits": {**LIMITS, "core": {"soft": 0, "hard": 0}}}}),
    ("healthcheck", {"healthcheck": {"test": "true", "interval": 30, "timeout": 5,
                                     "start_period": 1, "retries": 2}}),
    ("pid_mode", {"pid_mode": "host"}),
    ("ipc_mode", {"ipc_mode": "host"}),
    ("security_opt", {"security_opt": ["no-new-privileges"]}),
    ("tty", {"tty": True}),
    ("image", {"image": LABELED}),
    ("restart_policy", {"restart_policy": "on-failure", "restart_retries": 3}),
]


@ENGINES
def test_each_field_change_then_unchanged(engine, kc):
    name = kc.name(f"f{engine[0]}")
    vol = name + "-v"
    base = svc(name, engine)
    first = kc(engine, **base)
    assert first["changed"] is True and not first.get("failed"), first
    assert kc(engine, **base)["changed"] is False
    failures = []
    for field, change in FIELD_CHANGES:
        change = json.loads(json.dumps(change).replace("VOL", vol))
        args = {**base, **change}
        r1 = kc(engine, **args)
        r2 = kc(engine, **args)
        if engine == "podman" and field == "ipc_mode":
            # docs/reference-behaviour.md, kc-podman-ipc: podman 4.3's Docker-compatible
            # inspect says "shareable" whatever was asked, so ipc_mode is not compared there.
            assert (r1["changed"], r1["differences"], r2["changed"]) == (False, [], False), r1
            continue
        if not (r1["changed"] is True and not r1.get("failed") and r2["changed"] is False):
            failures.append((field, r1.get("msg"), r1.get("differences"), r2.get("differences")))
        # Back to the base, so the next change is the only one.
        kc(engine, **base)
    cli(engine, "rm", "-f", name, check=False)
    cli(engine, "volume", "rm", vol, check=False)
    assert failures == [], failures


@ENGINES
def test_named_volumes_are_labelled_kolla_managed(engine, kc):
    name = kc.name("lv")
    vol, mounted = name + "-a", name + "-b"
    try:
        r = kc(engine, action="create_volume", name=vol)
        assert r["changed"] is True
        assert inspect(engine, vol, "volume")["Labels"] == {"kolla_managed": "true"}
        r = kc(engine, **svc(name, engine, volumes=[f"{mounted}:/data"]))
        assert r["changed"] is True and not r.get("failed"), r
        assert inspect(engine, mounted, "volume")["Labels"].get("kolla_managed") == "true"
    finally:
        cli(engine, "rm", "-f", name, check=False)
        for v in (vol, mounted):
            cli(engine, "volume", "rm", v, check=False)


# --- oneshot ---------------------------------------------------------------

@ENGINES
def test_oneshot_runs_to_completion(engine, kc):
    name = kc.name("one")
    ok = svc(name, engine, command="sh -c 'echo out; echo err >&2'", restart_policy="oneshot",
             detach=False)
    r = kc(engine, **ok)
    assert not r.get("failed"), r
    assert (r["changed"], r["rc"], r["stdout"].strip(), r["stderr"].strip()) == (True, 0, "out", "err")
    # Nobody supervises a oneshot container: no engine policy, no warning.
    assert not any("restart policy" in w for w in r.get("warnings", []))
    assert inspect(engine, name) is None  # remove_on_exit
    kept = {**ok, "remove_on_exit": False, "command": "sh -c 'echo bad; exit 3'"}
    r = kc(engine, **kept)
    assert r["failed"] is True and r["changed"] is True and r["rc"] == 3, r
    assert r["stdout"].strip() == "bad" and "3" in r["msg"]
    policy = inspect(engine, name)["HostConfig"]["RestartPolicy"]
    assert policy["Name"] in ("", "no"), policy


# --- compare_container's comparison_failures ------------------------------

def test_comparison_failures(kc):
    name = kc.name("cmp")
    missing = kc(action="compare_container", name=name)
    assert missing["changed"] is True and missing["result"] is True
    assert missing["comparison_failures"] == [
        {"name": "container_missing", "current": None, "desired": name}]
    s = svc(name, "docker", environment={"A": "1"})
    kc(**s)
    same = kc(**{**s, "action": "compare_container"})
    assert same["changed"] is False and "comparison_failures" not in same, same
    kc(**s)  # leaves it running; now stop it and change an env value
    docker("stop", "-t", "1", name)
    differs = kc(**{**s, "action": "compare_container", "environment": {"A": "2"}})
    by_name = {f["name"]: f for f in differs["comparison_failures"]}
    # 22.2 shows the variables' names (all the container has, all the task asks), never values.
    env = by_name["environment"]
    assert env["desired"] == ["A"], env
    assert "A" in env["current"] and "KOLLA_SERVICE_NAME" in env["current"], env
    assert env["current"] == sorted(env["current"]), env
    assert by_name["container_state"]["current"] == "exited"
    assert by_name["container_state"]["desired"] == "running"
    # 22.2 asks kolla_set_configs even when other fields differ; it cannot run in a stopped container.
    assert by_name["config"] == {"name": "config", "current": "container unavailable for config check",
                                 "desired": "up_to_date"}
    assert set(differs["differences"]) >= {"environment.A", "state", "config"}


def test_a_changed_secret_appears_nowhere_in_compare_container_output(kc, tmp_path):
    name = f"kc2-secret-{uuid.uuid4().hex[:6]}"
    s = svc(name, "docker", environment={"DB_PASSWORD": "old-pw-kc2", "A": "1"})
    kc(**s)
    ask = {**s, "action": "compare_container",
           "environment": {"DB_PASSWORD": "s3cret-xyz", "A": "1"}}
    run = run_binary("kolla_container", {**ask, "docker_host": DOCKER_HOST,
                                          "container_engine": "docker"},
                     tmp_path, {"check_mode": False})
    assert run.rc == 0, run.stderr
    # The result is the binary's whole stdout (run_binary parses exactly one object).
    text = json.dumps(run.result) + run.stderr
    assert run.result["changed"] is True, run.result
    failures = {f["name"]: f for f in run.result["comparison_failures"]}
    assert failures["environment"]["desired"] == ["A", "DB_PASSWORD"], failures
    assert "DB_PASSWORD" in failures["environment"]["current"], failures
    for secret in ("s3cret-xyz", "old-pw-kc2"):
        assert secret not in text, text


@ENGINES
@pytest.mark.parametrize("binary", ["kolla_container", "kolla_docker"])
@pytest.mark.parametrize("action", ["compare_container", "start_container"])
def test_diff_mode_shows_environment_keys_never_values(engine, binary, action, kc, tmp_path):
    # Environment values carry passwords: --diff masks them (fields::SECRET_MASK).
    if binary == "kolla_docker" and engine == "podman":
        pytest.skip("kolla_docker (15.6) has no container_engine")
    name = kc.name("diff")
    kc(engine, **svc(name, engine, environment={"DB_PASSWORD": "old-pw-kcd", "A": "1"}))
    ask = {**svc(name, engine, environment={"DB_PASSWORD": "s3cret-kcd", "NEW_TOKEN": "t0ken-kcd"}),
           "action": action, "docker_host": host_of(engine)}
    if binary == "kolla_container":
        ask["container_engine"] = engine
    run = run_binary(binary, ask, tmp_path, {"diff": True, "check_mode": False})
    assert run.rc == 0, run.stderr
    assert run.result["changed"] is True, run.result
    before, after = run.result["diff"]["before"], run.result["diff"]["after"]
    assert before["environment.DB_PASSWORD"] == after["environment.DB_PASSWORD"] == "********"
    assert (before["environment.A"], after["environment.A"]) == ("********", None)
    assert (before["environment.NEW_TOKEN"], after["environment.NEW_TOKEN"]) == (None, "********")
    text = json.dumps(run.result) + run.stderr
    for secret in ("old-pw-kcd", "s3cret-kcd", "t0ken-kcd"):
        assert secret not in text, text


# --- podman: containers made as 22.2's worker makes them --------------------

# 22.2's podman worker (module_utils/kolla_podman_worker.py) turning a task's
# options into podman-py's keywords, and podman-py creating the container
# through libpod, as 22.2 does; then libpod's inspect (what podman-py and
# kolla_container_facts read). 22.2's workers import python3-dbus for systemd,
# which only the create path here does not use: an empty module stands in for it.
REF_PODMAN_CREATE = """
import importlib.util, json, sys, types
ref, socket, name, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
sys.modules["dbus"] = types.ModuleType("dbus")
for mod in ("kolla_systemd_worker", "kolla_container_worker", "kolla_podman_worker"):
    spec = importlib.util.spec_from_file_location("ansible.module_utils." + mod, f"{ref}/module_utils/{mod}.py")
    sys.modules["ansible.module_utils." + mod] = loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
from ansible.module_utils.kolla_podman_worker import PodmanWorker
from podman import PodmanClient
worker = object.__new__(PodmanWorker)  # its __init__ would also connect to systemd
worker.params = dict(params, name=name)
client = PodmanClient(base_url="http+unix://" + socket)
if worker.params.get("image"):
    container = client.containers.create(**worker.prepare_container_args())
    container.start()
print(json.dumps(client.containers.get(name).attrs))
"""

# Tasks whose containers must come out of podman identical from both: a
# service with every field 22.2 sends, and a bare one (nothing but defaults).
PODMAN_TASKS = {
    "service": dict(
        environment={"KPL_MODE": "base", "KPL_N": 5}, labels={"kpl": "yes"},
        volumes=["/etc/hostname:/etc/kpl-hostname:ro", "VOL:/var/lib/kpl", "/tmp:/kpl-tmp", ""],
        dimensions={"cpu_shares": 512, "mem_limit": "64m", "ulimits": {**LIMITS, "core": {"soft": 0, "hard": 0}}},
        healthcheck={"test": ["CMD-SHELL", "true"], "interval": 30, "retries": 3, "timeout": 10,
                     "start_period": 5},
        cap_add=["NET_ADMIN"], pid_mode="host", ipc_mode="host", tty=True),
    "bare": dict(environment={}, dimensions={"ulimits": LIMITS}),
}


def libpod_inspect(name, params=None):
    """libpod's inspect of `name`, after 22.2's worker created and started it from `params`."""
    import subprocess
    from conftest import PYTHON, REF_22
    proc = subprocess.run([str(PYTHON), "-c", REF_PODMAN_CREATE, str(REF_22), PODMAN_HOST.removeprefix("unix://"),
                           name, json.dumps(params or {})], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def created_as(info):
    """What a container is, without what says when and as which object it was made."""
    volatile = {"Id", "Created", "State", "ConmonPidFile", "PidFile", "OCIConfigPath", "ResolvConfPath",
                "HostnamePath", "HostsPath", "StaticDir", "ExitCommand", "Namespace", "Dependencies", "LockNumber"}
    out = json.loads(json.dumps({k: v for k, v in info.items() if k not in volatile}).replace(info["Id"], "ID"))
    out["GraphDriver"] = out["GraphDriver"]["Name"]  # the layer's own id
    out["Config"].get("Annotations", {}).pop("io.kubernetes.cri-o.Created", None)
    # podman keeps the environment in a map and ulimits as sent (22.2 in the task's order, ours sorted).
    out["Config"]["Env"] = sorted(out["Config"]["Env"])
    out["HostConfig"]["Ulimits"] = sorted(out["HostConfig"].get("Ulimits") or [], key=json.dumps)
    return out


@pytest.mark.skipif(not PODMAN_HOST, reason="KOLLA_RUST_PODMAN_HOST is not in env.sh (tests/env/up.sh)")
@pytest.mark.parametrize("task", PODMAN_TASKS)
def test_podman_containers_are_the_ones_22_2_creates(task, kc):
    # docs/reference-behaviour.md, kcp-umask: through libpod's create, as 22.2,
    # so podman's own defaults (umask 0022) hold, not the compat API's 0000.
    name = f"kpl-{task}-{uuid.uuid4().hex[:6]}"
    args = {"name": name, "image": SERVICE, "command": IDLE, "graceful_timeout": 1,
            **json.loads(json.dumps(PODMAN_TASKS[task]).replace("VOL", name + "-v"))}
    try:
        theirs = created_as(libpod_inspect(name, {**args, "container_engine": "podman"}))
        cli("podman", "rm", "-f", name)
        r = kc("podman", action="start_container", **args)
        assert r["changed"] is True and not r.get("failed"), r
        mine = created_as(libpod_inspect(name))
        assert kc("podman", action="start_container", **args)["changed"] is False
    finally:
        cli("podman", "rm", "-f", name, check=False)
        cli("podman", "volume", "rm", name + "-v", check=False)
    assert mine["Config"]["Umask"] == theirs["Config"]["Umask"] == "0022", (mine["Config"], theirs["Config"])
    assert mine == theirs, differing(mine, theirs)


def differing(a, b, path=""):
    """The paths where two inspects differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in differing(a.get(k), b.get(k), f"{path}.{k}")]
    return [] if a == b else [(path, a, b)]


def test_a_service_without_the_libpod_api_fails_naming_it(kc):
    # container_engine: podman against a Docker daemon: libpod's create is not there.
    name = f"kpl-nolibpod-{uuid.uuid4().hex[:6]}"
    args = svc(name, "podman", docker_host=DOCKER_HOST)
    run = run_binary("kolla_container", {"container_engine": "podman", **args}, kc.tmp_path)
    r = run.result
    assert r["failed"] is True, r
    assert "POST /v4.0.0/libpod/containers/create with HTTP 404" in r["msg"], r
    assert "libpod API" in r["msg"] and DOCKER_HOST in r["msg"], r
    assert docker_inspect(name) is None


# --- no systemd: the engine supervises, and says so -----------------------

def test_without_systemd_the_engine_policy_supervises_with_a_warning(kc):
    assert not os.path.isdir("/run/systemd/system"), "this test needs a host without systemd"
    name = kc.name("sup")
    r = kc(**svc(name, "docker", restart_policy="unless-stopped"))
    assert r["changed"] is True
    assert any("PID 1 is not systemd" in w for w in r["warnings"]), r
    assert docker_inspect(name)["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    # Actions that make no container do not warn.
    r = kc(action="create_volume", name=name)
    assert not r.get("warnings"), r


# --- bad input: one failed JSON object each -------------------------------

BAD_INPUT = [
    ("unknown option", {"action": "start_container", "name": "kc-x", "image": SERVICE,
                        "bogus": 1}, "bogus"),
    ("wrong type", {"action": "start_container", "name": "kc-x", "image": SERVICE,
                    "graceful_timeout": "soon"}, "graceful_timeout"),
    ("bad engine", {"action": "start_container", "name": "kc-x", "image": SERVICE,
                    "container_engine": "lxc"}, "container_engine"),
    ("bad engine in common_options", {"action": "stop_container", "name": "kc-x",
                                      "common_options": {"container_engine": "lxc"}},
     "container_engine"),
    ("bad restart policy", {"action": "start_container", "name": "kc-x", "image": SERVICE,
                            "restart_policy": "sometimes"}, "restart_policy"),
    ("required_if", {"action": "start_container", "name": "kc-x"}, "image"),
    ("15.6 getter", {"action": "get_container_state", "name": "kc-x"}, "action"),
    ("bad pid_mode", {"action": "start_container", "name": "kc-x", "image": SERVICE,
                      "pid_mode": "container"}, "pid_mode"),
]


@pytest.mark.parametrize("case,args,word", BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_with_one_json_object(case, args, word, tmp_path):
    run = run_binary("kolla_container", args, tmp_path)  # parses stdout as exactly one JSON object
    assert run.rc == 0, run.stderr
    result = run.result
    assert result["failed"] is True, result
    assert word in result["msg"], result
    assert "panicked" not in run.stderr and "Traceback" not in json.dumps(result)
    assert docker_inspect("kc-x") is None
