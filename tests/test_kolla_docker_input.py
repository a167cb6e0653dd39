"""Bad input to kolla_docker: every argument type given the wrong kind of value,
unknown arguments, missing per-action requirements, unsupported dimensions and
healthcheck keys, an unreachable daemon. Each must give failed JSON (never a
panic or non-JSON; conftest.run_binary checks both) whose message names the
culprit. Run through the binary as Ansible does, plus one ansible-playbook run."""
import json

import pytest

from conftest import docker, docker_inspect, run_binary
from kolla_docker.helpers import IDLE, SERVICE, kdt, run, task

__all__ = ["kdt"]

START = {"action": "start_container", "name": "kdt_never_created", "image": SERVICE, "command": IDLE}

BAD = [
    # (id, args, words the message must contain)
    ("no-action", {"name": "x"}, ["action"]),
    ("unknown-action", {"action": "explode_container", "name": "x"}, ["action", "explode_container"]),
    ("documented-but-rejected-action", {"action": "stop_container_and_remove_container", "name": "x"},
     ["action"]),
    ("unknown-argument", {**START, "bogus_option": 1}, ["bogus_option"]),
    ("bool", {**START, "detach": "maybe"}, ["detach"]),
    ("bool-privileged", {**START, "privileged": "sometimes"}, ["privileged"]),
    ("int", {**START, "graceful_timeout": "soon"}, ["graceful_timeout"]),
    ("int-client_timeout", {**START, "client_timeout": [1]}, ["client_timeout"]),
    ("dict-environment", {**START, "environment": "not a dict"}, ["environment"]),
    ("dict-labels", {**START, "labels": ["a", "b"]}, ["labels"]),
    ("dict-dimensions", {**START, "dimensions": 5}, ["dimensions"]),
    ("dict-common_options", {**START, "common_options": "x y"}, ["common_options"]),
    ("list-volumes", {**START, "volumes": {"a": "b"}}, ["volumes"]),
    ("list-cap_add", {**START, "cap_add": {"NET_ADMIN": True}}, ["cap_add"]),
    ("choice-ipc_mode", {**START, "ipc_mode": "everything"}, ["ipc_mode"]),
    ("choice-pid_mode", {**START, "pid_mode": "private"}, ["pid_mode"]),
    ("choice-cgroupns_mode", {**START, "cgroupns_mode": "shared"}, ["cgroupns_mode"]),
    ("choice-restart_policy", {**START, "restart_policy": "sometimes"}, ["restart_policy"]),
    ("choice-state", {**START, "state": "dead"}, ["state"]),
    ("start-needs-image", {"action": "start_container", "name": "x"}, ["image"]),
    ("pull-needs-image", {"action": "pull_image"}, ["image"]),
    ("remove_image-needs-image", {"action": "remove_image"}, ["image"]),
    ("ensure-needs-image", {"action": "ensure_image"}, ["image"]),
    *[(f"{a}-needs-name", {"action": a}, ["name"]) for a in (
        "compare_container", "compare_image", "create_volume", "get_container_env",
        "get_container_state", "recreate_or_restart_container", "remove_container",
        "remove_volume", "restart_container", "stop_container", "stop_and_remove_container")],
    ("dimension-unknown", {**START, "dimensions": {"cpu_wishes": 3}}, ["cpu_wishes"]),
    ("dimension-value", {**START, "dimensions": {"mem_limit": "lots"}}, ["mem_limit"]),
    ("ulimit-shape", {**START, "dimensions": {"ulimits": {"nofile": 5}}}, ["nofile"]),
    ("healthcheck-unknown", {**START, "healthcheck": {"test": "true", "interval": 1, "timeout": 1,
                                                      "start_period": 1, "retries": 1, "jitter": 2}},
     ["jitter"]),
    ("healthcheck-duration", {**START, "healthcheck": {"test": "true", "interval": "often",
                                                       "timeout": 1, "start_period": 1, "retries": 1}},
     ["interval"]),
    ("healthcheck-retries", {**START, "healthcheck": {"test": "true", "interval": 1, "timeout": 1,
                                                      "start_period": 1, "retries": "many"}},
     ["retries"]),
]


@pytest.mark.parametrize("args, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_fails_with_a_useful_message(args, words, tmp_path):
    out = run_binary("kolla_docker", args, tmp_path).result
    assert out.get("failed") is True, out
    assert out.get("changed", False) is False, out
    for word in words:
        assert word in out["msg"], f"{word!r} not in {out['msg']!r}"


def test_bad_input_never_creates_a_container(tmp_path):
    """The failures above are found before Docker is touched."""
    try:
        for _, args, _ in BAD:
            run_binary("kolla_docker", args, tmp_path)
        assert docker_inspect("kdt_never_created") is None
    finally:
        docker("rm", "-f", "kdt_never_created", check=False)


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'{"action": "start_container",'])
def test_unreadable_args_file(raw, tmp_path):
    out = run_binary("kolla_docker", None, tmp_path, raw=raw).result
    assert out["failed"] is True and out["msg"]


def test_secret_is_not_echoed_in_failures(tmp_path):
    out = run_binary("kolla_docker", {"action": "pull_image", "image": "127.0.0.1:1/kdt/x:y",
                                      "auth_username": "u", "auth_password": "kdt-secret-value",
                                      "auth_registry": "127.0.0.1:1", "bogus": 1}, tmp_path).result
    assert out["failed"] is True and "kdt-secret-value" not in json.dumps(out)


@pytest.mark.parametrize("impl", ["ours", "ref"])
def test_unsupported_keys_like_reference(impl, playbook):
    """docs/reference-behaviour.md, unsupported-keys, says the reference reports unsupported dimensions / healthcheck
    keys through exit_json with a Python set; ansible-core 2.19's AnsibleModule turns
    the set into a list, so both implementations fail and name the key."""
    hc = {"test": "true", "interval": 1, "timeout": 1, "start_period": 1, "retries": 1, "jitter": 2}
    r = run(playbook, impl,
            task("dimension", **{**START, "dimensions": {"cpu_wishes": 3}}),
            task("healthcheck", **{**START, "healthcheck": hc}))
    for title, key in (("dimension", "cpu_wishes"), ("healthcheck", "jitter")):
        res = r.result(title)
        assert res["failed"] is True and key in json.dumps(res), (impl, res)
        if impl == "ours":
            assert key in res["msg"]


def test_bad_input_through_ansible_playbook(playbook):
    r = run(playbook, "ours",
            task("wrong bool", action="start_container", name="kdt_never_created", image=SERVICE,
                 tty="sideways"),
            task("missing image", action="start_container", name="kdt_never_created"))
    assert r.result("wrong bool")["failed"] is True and "tty" in r.result("wrong bool")["msg"]
    assert r.result("missing image")["failed"] is True and "image" in r.result("missing image")["msg"]
    assert "MODULE FAILURE" not in r.stdout


@pytest.mark.parametrize("action, extra", [
    ("get_container_state", {"name": "kdt_x"}),
    ("start_container", {"name": "kdt_x", "image": SERVICE}),
    ("create_volume", {"name": "kdt_x"}),
    ("pull_image", {"image": SERVICE}),
])
def test_unreachable_daemon_fails_clearly(action, extra, tmp_path):
    out = run_binary("kolla_docker", {"action": action, "docker_host": "unix:///nonexistent.sock",
                                      "client_timeout": 5, **extra}, tmp_path).result
    assert out["failed"] is True
    assert "/nonexistent.sock" in out["msg"], out["msg"]


def test_unreachable_tcp_daemon_fails_clearly(tmp_path):
    # Port 1 on loopback: nothing listens there.
    out = run_binary("kolla_docker", {"action": "get_container_state", "name": "kdt_x",
                                      "docker_host": "tcp://127.0.0.1:1", "client_timeout": 5},
                     tmp_path).result
    assert out["failed"] is True and "127.0.0.1:1" in out["msg"], out["msg"]


def test_unreachable_daemon_through_adhoc(adhoc):
    r = adhoc("kolla_docker", "action=get_container_state name=kdt_x docker_host=unix:///nonexistent.sock")
    assert r.rc != 0 and "/nonexistent.sock" in r.stdout and "MODULE FAILURE" not in r.stdout
