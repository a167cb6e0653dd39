"""kolla_container with container_engine: podman in systemd mode, ours
(plugins/modules/kolla_container) against kolla-ansible 22.2.0's Python module
and its podman worker (podman-py, baked into the node image by
tests/env/nodes/build.sh), in one systemd test node whose podman.socket serves
/run/podman/podman.sock.

The scenario of tests/test_kolla_container_systemd.py, on podman: start (unit +
container), an unchanged rerun (the acceptance test for our podman
normalisations: the base container sets every compared field podman keeps),
compare_container unchanged and with each compared field changed one at a time,
a recreate through systemd and its unchanged rerun, restart, stop, remove,
one-shot bootstraps (rc/stdout/stderr) and kolla_container_facts' actions. Every
step's result and the unit's file, link and state after it are compared after
normalising ids and timestamps.

Deviations, each asserted both ways (docs/reference-behaviour.md, "kolla_container
on podman against 22.2's podman worker"): kcp-tmpfs (22.2 recreates a tmpfs
container on every run), kcp-ipc-4.3 (22.2 flags every ipc_mode: host task),
kcp-start-volume-result (22.2's start result carries a created volume's
inspect). Values the two podman APIs merely order
differently (bind flags, ulimits, environment entries) are compared sorted.
"""
import base64
import json
import uuid

import pytest

from conftest import MODULES, docker
from test_kolla_container_systemd import (  # noqa: F401  (collections is a fixture)
    Node, IMAGE, collections, normalise, shell_state)
from test_kolla_container_systemd import play_scenario as systemd_play_scenario

SERVICE_IMAGE = "kolla-test/service:latest"
OTHER_IMAGE = "kolla-test/busybox:labeled"
NAME = "kcp_svc"
TMP = "kcp_tmp"
BOOT = "kcp_boot"
VOLUME = "kcp_data"
NAMES = (NAME, TMP, BOOT)
UNIT = f"kolla-{NAME}-container.service"
UNIT_PATH = f"/etc/systemd/system/{UNIT}"
WANTS_LINK = f"/etc/systemd/system/multi-user.target.wants/{UNIT}"

STATE_CMD = (
    f"systemctl show --property=LoadState,ActiveState,SubState,UnitFileState {UNIT}; "
    f"echo file=$(test -f {UNIT_PATH} && base64 -w0 {UNIT_PATH} || echo absent); "
    f"echo wants=$(test -L {WANTS_LINK} && echo link || echo none); "
    f"for c in {' '.join(NAMES)}; do echo $c=$(podman inspect -f "
    "'{% raw %}{{.State.Status}}{% endraw %}' $c 2>/dev/null | grep . || echo missing); done; "
    f"echo boot_unit=$(test -e /etc/systemd/system/kolla-{BOOT}-container.service "
    "&& echo present || echo absent)"
)

# As test_kolla_container_systemd.TIMEOUTS, with room for 22.2's 5 s polls of a
# podman restart (12 s timed its restart out on a loaded machine).
TIMEOUTS = dict(client_timeout=40, restart_retries=2)

# Every field 22.2's podman worker creates and compares, so that the unchanged
# rerun shows each of them read back as asked. ulimits: once a task asks for any,
# podman adds NOFILE and NPROC at 1048576 unless asked for those too, which
# cannot start here (hard limit 20000, no CAP_SYS_RESOURCE); 22.2 compares
# neither, so the change below is to `core`.
ULIMITS = {"nofile": {"soft": 4096, "hard": 4096}, "nproc": {"soft": 4096, "hard": 4096},
           "core": {"soft": 0, "hard": 0}}
BASE = dict(
    image=SERVICE_IMAGE,
    restart_policy="unless-stopped",
    environment={"KCP_MODE": "base", "KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"},
    volumes=["/etc/hostname:/etc/kcp-hostname:ro", f"{VOLUME}:/var/lib/kcp", ""],
    dimensions={"cpu_shares": 512, "ulimits": ULIMITS},
    healthcheck={"test": ["CMD-SHELL", "true"], "interval": 30, "retries": 3,
                 "timeout": 10, "start_period": 5},
    labels={"kcp": "base"},
    command="sh -c 'trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'",
    cap_add=["NET_ADMIN"],
)

# One compared field changed at a time (compare_container; nothing changes).
CHANGES = {
    "image": dict(image=OTHER_IMAGE),
    "environment": dict(environment={"KCP_MODE": "changed", "KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS"}),
    "volumes": dict(volumes=["/etc/hostname:/etc/kcp-hostname:rw", f"{VOLUME}:/var/lib/kcp"]),
    "dimensions": dict(dimensions={"cpu_shares": 256, "ulimits": ULIMITS}),
    "ulimits": dict(dimensions={"cpu_shares": 512,
                                "ulimits": dict(ULIMITS, core={"soft": 0, "hard": 1})}),
    "healthcheck": dict(healthcheck={"test": ["CMD-SHELL", "false"], "interval": 30, "retries": 3,
                                     "timeout": 10, "start_period": 5}),
    "labels": dict(labels={"kcp": "changed"}),
    "command": dict(command="sh -c 'trap \"exit 0\" TERM; while :; do sleep 2 & wait; done'"),
    "cap_add": dict(cap_add=["NET_ADMIN", "NET_RAW"]),
    "privileged": dict(privileged=True),
    "tmpfs": dict(tmpfs=["/kcp-tmp"]),
    "ipc_mode": dict(ipc_mode="host"),
}


def kc(action, name=NAME, **args):
    """One kolla_container task's arguments (podman engine)."""
    return dict(action=action, container_engine="podman", name=name, **TIMEOUTS, **args)


def facts(action, **args):
    return dict(action=action, container_engine="podman", **args)


def scenario():
    """The play both implementations run: (task name, module, args, extra task keys)."""
    changed = dict(BASE, **CHANGES["environment"])
    tmpfs = dict(image=SERVICE_IMAGE, restart_policy="unless-stopped", tmpfs=["/kcp-tmp"])
    oneshot = dict(image=SERVICE_IMAGE, restart_policy="oneshot", detach=False)
    steps = [
        ("start", "kolla_container", kc("start_container", **BASE), {}),
        ("state after start", "shell", STATE_CMD, {}),
        ("rerun", "kolla_container", kc("start_container", **BASE), {}),
        ("compare unchanged", "kolla_container", kc("compare_container", **BASE), {}),
        ("facts get_containers", "kolla_container_facts",
         facts("get_containers", name=[NAME]), {}),
        ("facts get_containers_names", "kolla_container_facts",
         facts("get_containers_names"), {}),
        ("facts get_containers_state", "kolla_container_facts",
         facts("get_containers_state", name=[NAME]), {}),
        ("facts get_containers_env", "kolla_container_facts",
         facts("get_containers_env", name=[NAME]), {}),
        ("facts get_volumes", "kolla_container_facts", facts("get_volumes", name=[NAME]), {}),
    ]
    steps += [(f"compare {field}", "kolla_container",
               kc("compare_container", **dict(BASE, **change)), {})
              for field, change in CHANGES.items()]
    steps += [
        ("recreate", "kolla_container", kc("recreate_or_restart_container", **changed), {}),
        ("state after recreate", "shell", STATE_CMD, {}),
        ("rerun after recreate", "kolla_container", kc("start_container", **changed), {}),
        ("restart", "kolla_container", kc("restart_container", **changed), {}),
        ("stop", "kolla_container", kc("stop_container", **changed), {}),
        ("state after stop", "shell", STATE_CMD, {}),
        ("remove", "kolla_container", kc("remove_container", **changed), {}),
        ("tmpfs start", "kolla_container", kc("start_container", name=TMP, **tmpfs), {}),
        ("tmpfs rerun", "kolla_container", kc("start_container", name=TMP, **tmpfs), {}),
        ("bootstrap", "kolla_container",
         kc("start_container", name=BOOT, command="sh -c 'echo boot-out; echo boot-err >&2'",
            **oneshot), {}),
        ("bootstrap failing", "kolla_container",
         kc("start_container", name=BOOT,
            command="sh -c 'echo half-done; echo broken >&2; exit 3'", **oneshot),
         {"ignore_errors": True}),
        ("state after remove and bootstrap", "shell", STATE_CMD, {}),
    ]
    return steps


@pytest.fixture(scope="module")
def node():
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        pytest.fail(f"{IMAGE} is missing from the test engine: run `bash tests/env/nodes/build.sh`")
    with Node.start(name=f"kcp-node-{uuid.uuid4().hex[:8]}") as started:
        started.wait_engine("podman")
        for image in (SERVICE_IMAGE, OTHER_IMAGE):
            started.load_image(image, engine="podman")
        yield started


def cleanup(node):
    """Leaves no container, volume, unit or unit link of this file in the node."""
    for name in NAMES:
        unit = f"kolla-{name}-container.service"
        node.exec("systemctl", "stop", unit, check=False)
        node.exec("podman", "rm", "-f", name, check=False)
        node.exec("rm", "-f", f"/etc/systemd/system/{unit}",
                  f"/etc/systemd/system/multi-user.target.wants/{unit}", check=False)
    node.exec("podman", "volume", "rm", "-f", VOLUME, check=False)
    node.exec("systemctl", "daemon-reload", check=False)
    node.exec("systemctl", "reset-failed", check=False)


# 22.2's podman worker pays podman-py's round trips on every task (a loaded
# 2-core machine took 20-30 s a task), more than the docker file's 240 s a play.
PLAY_TIMEOUT = 1200


def play_scenario(node, collections, tmp_path, ours):
    """(results, recreate seconds) of one implementation's run; the node is left clean."""
    return systemd_play_scenario(node, collections, tmp_path, ours, steps=scenario(), unit=UNIT,
                                 clean=cleanup, timeout=PLAY_TIMEOUT)


@pytest.fixture(scope="module")
def reference(node, collections, tmp_path_factory):
    """22.2's run of the scenario and its recreate time."""
    return play_scenario(node, collections, tmp_path_factory.mktemp("ref"), ours=False)


@pytest.fixture(scope="module")
def ours(reference, node, collections, tmp_path_factory):
    """Our run of the scenario, after 22.2's, with the same names."""
    for binary in ("kolla_container", "kolla_container_facts"):
        assert (MODULES / binary).is_file(), f"{MODULES / binary} is not built"
    results, seconds = play_scenario(node, collections, tmp_path_factory.mktemp("ours"), ours=True)
    print(f"\npodman recreate through systemd (journal: Stopping old -> Started new): "
          f"22.2 {reference[1]:.2f} s, ours {seconds:.2f} s")
    return results, seconds


STEPS = scenario()
MODULE_TASKS = [s[0] for s in STEPS if s[1] == "kolla_container" and not s[0].startswith("tmpfs")]
FACTS_TASKS = [s[0] for s in STEPS if s[1] == "kolla_container_facts"]
STATE_TASKS = [s[0] for s in STEPS if s[0].startswith("state after")]


# What 22.2's podman start_container result also carries: create_volume's
# `self.result = vol.attrs` leaks the inspect of a volume it created.
VOLUME_KEYS = {"CreatedAt", "Driver", "Labels", "MountCount", "Mountpoint", "Name",
               "NeedsChown", "NeedsCopyUp", "Options", "Scope"}


def engine_order(value):
    """Orders what the two podman APIs report in different orders: a bind's
    mount flags (libpod `rprivate,ro,rbind`, compat `ro,rprivate,rbind`),
    ulimits and environment entries."""
    if isinstance(value, dict):
        out = {k: engine_order(v) for k, v in value.items()}
        if isinstance(out.get("binds"), list):
            out["binds"] = sorted(sort_flags(b) for b in out["binds"])
        for key in ("Ulimits", "Binds", "Env"):
            if isinstance(out.get(key), list):
                items = [sort_flags(b) if key == "Binds" else b for b in out[key]]
                out[key] = sorted(items, key=json.dumps)
        return out
    if isinstance(value, list):
        return [engine_order(v) for v in value]
    return value


def sort_flags(bind):
    parts = bind.split(":")
    if len(parts) == 3:
        parts[2] = ",".join(sorted(parts[2].split(",")))
    return ":".join(parts)


def module_results(reference, ours, task):
    ref = engine_order(normalise(reference[0][task]))
    mine = engine_order(normalise(ours[0][task]))
    assert "differences" not in ref
    if "differences" in mine:
        assert isinstance(mine.pop("differences"), list)
    return ref, mine


@pytest.mark.parametrize("task", [t for t in MODULE_TASKS if t not in ("start", "compare ipc_mode")])
def test_module_results_match_22_2(reference, ours, task):
    ref, mine = module_results(reference, ours, task)
    if task == "bootstrap failing":
        keys = ("status", "changed", "rc", "stdout", "stderr", "msg")
        ref = {k: ref.get(k) for k in keys}
        mine = {k: mine.get(k) for k in keys}
    assert mine == ref


def test_start_matches_22_2_without_its_volume_inspect(reference, ours):
    # docs/reference-behaviour.md, kcp-start-volume-result.
    ref, mine = module_results(reference, ours, "start")
    assert ref["Name"] == VOLUME and ref["Labels"] == {"kolla_managed": "true"}, ref
    assert not VOLUME_KEYS & set(mine), mine
    assert mine == {k: v for k, v in ref.items() if k not in VOLUME_KEYS}


def test_ipc_mode_is_not_compared_on_podman_4_3(reference, ours):
    # docs/reference-behaviour.md, kcp-ipc-4.3: podman 4.3 reports "shareable"
    # whatever was asked, so 22.2 flags every ipc_mode: host task.
    ref, mine = module_results(reference, ours, "compare ipc_mode")
    assert ref["changed"] is True, ref
    assert ref["comparison_failures"] == [
        {"name": "ipc_mode", "current": "shareable", "desired": "host"}], ref
    assert mine["changed"] is False and "comparison_failures" not in mine, mine


# Inspect keys that say when and by which process the container was made
# rather than what it is (both create through libpod's API; the annotations
# carry a creation timestamp).
CREATION_KEYS = {("Config", "CreateCommand"), ("Config", "Annotations"),
                 ("State", "Pid"), ("State", "ConmonPid")}


@pytest.mark.parametrize("task", FACTS_TASKS)
def test_facts_match_22_2(reference, ours, task):
    ref, mine = module_results(reference, ours, task)
    if task == "facts get_containers":
        umasks = []
        for side in (ref, mine):
            info = side["containers"][NAME]
            for section, key in CREATION_KEYS:
                info[section].pop(key, None)
            umasks.append(info["Config"]["Umask"])
        # docs/reference-behaviour.md, kcp-umask: ours creates through libpod, as 22.2 does.
        assert umasks == ["0022", "0022"], umasks
    assert mine == ref


@pytest.mark.parametrize("task", STATE_TASKS)
def test_units_and_containers_end_as_with_22_2(reference, ours, task):
    assert shell_state(ours[0][task]) == shell_state(reference[0][task])


def test_tmpfs_is_created_and_left_alone_where_22_2_recreates(reference, ours):
    # docs/reference-behaviour.md, "kolla_container on podman": 22.2 drops tmpfs
    # at creation and then finds it missing on every later run.
    ref, mine = reference[0], ours[0]
    assert ref["tmpfs start"]["changed"] is True and mine["tmpfs start"]["changed"] is True
    assert ref["tmpfs rerun"]["changed"] is True, ref["tmpfs rerun"]
    assert mine["tmpfs rerun"]["changed"] is False, mine["tmpfs rerun"]
    assert ref["compare tmpfs"]["changed"] is True and mine["compare tmpfs"]["changed"] is True


def test_the_reference_run_shows_kolla_s_podman_lifecycle(reference):
    # What the comparisons above hold ours to, checked on 22.2 itself.
    results = reference[0]
    after = {t: shell_state(results[t]) for t in STATE_TASKS}
    unit = base64.b64decode(after["state after start"]["file"]).decode()
    assert f"ExecStart=/usr/bin/podman start -a {NAME}\n" in unit
    assert after["state after start"]["ActiveState"] == "active"
    assert after["state after start"][NAME] == "running"
    assert after["state after recreate"][NAME] == "running"
    assert after["state after stop"][NAME] == "exited"
    assert after["state after remove and bootstrap"][NAME] == "missing"
    assert results["rerun"]["changed"] is False
    assert results["compare unchanged"]["changed"] is False
    assert results["rerun after recreate"]["changed"] is False
    assert results["recreate"]["changed"] is True
    for field in CHANGES:
        if field == "tmpfs":
            continue
        assert results[f"compare {field}"]["changed"] is True, field
    assert results["bootstrap"]["rc"] == 0
    assert results["bootstrap failing"]["rc"] == 3
