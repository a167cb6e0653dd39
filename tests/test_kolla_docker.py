"""kolla_docker end to end: real ansible-playbook runs against the real engine
and the authenticated local registry. Scenarios parametrized over `impl` run
kolla-ansible 15.6.0's Python module too: where it behaves as ours the same
assertions hold for both; where it does not, the test asserts the reference's
behaviour next to ours and names the section of docs/reference-behaviour.md we do not reproduce.
Field-by-field change detection is in test_kolla_docker_fields.py."""
import json
import re

import pytest

from conftest import docker, docker_inspect
from kolla_docker.helpers import (IDLE, LABELED, REGISTRY, SERVICE, UNLABELED, differences_of,
                                  inspect_task, inspected, kdt, names_field, normalise,
                                  push_to_registry, registry_credentials, run, task)

__all__ = ["kdt"]

BOTH = pytest.mark.parametrize("impl", ["ours", "ref"])
# What the controller adds to every result; not part of a module's answer.
CONTROLLER_KEYS = {"invocation", "warnings", "deprecations", "_ansible_no_log", "ansible_facts",
                   "failed", "skipped",
                   "_ansible_verbose_always", "_ansible_verbose_override"}


def answer_keys(res):
    return set(res) - CONTROLLER_KEYS


def set_check_rc(name, rc):
    """A task making the container's kolla_set_configs --check exit with rc from now on."""
    return {"name": f"rc{rc}", "raw": f"docker exec {name} sh -c 'echo {rc} > /etc/kolla-check-rc'"}


def svc(name, **extra):
    return {"name": name, "image": SERVICE, "command": IDLE, "graceful_timeout": 1, **extra}


# --- every action, one play -----------------------------------------------

@BOTH
def test_every_action_lifecycle(impl, playbook, kdt):
    name, vol = kdt("svc"), kdt("vol")
    s = svc(name, environment={"FOO": "bar"}, volumes=[f"{vol}:/data"])
    r = run(playbook, impl,
            task("create volume", action="create_volume", name=vol),
            task("create volume again", action="create_volume", name=vol),
            task("ensure present image", action="ensure_image", image=SERVICE),
            task("start", action="start_container", **s),
            task("state", action="get_container_state", name=name),
            task("env", action="get_container_env", name=name),
            task("compare same", action="compare_container", **s),
            task("compare image same", action="compare_image", name=name, image=SERVICE),
            task("compare image other", action="compare_image", name=name, image=LABELED),
            inspect_task("inspect before restart", name),
            task("restart", action="restart_container", name=name, graceful_timeout=1),
            inspect_task("inspect after restart", name),
            task("stop", action="stop_container", name=name, graceful_timeout=1),
            task("stop again", action="stop_container", name=name, graceful_timeout=1),
            task("state stopped", action="get_container_state", name=name),
            task("start stopped", action="start_container", **s),
            task("stop and remove", action="stop_and_remove_container", name=name, graceful_timeout=1),
            task("stop and remove again", action="stop_and_remove_container", name=name),
            task("remove missing container", action="remove_container", name=name),
            task("recreate_or_restart creates", action="recreate_or_restart_container", **s),
            task("remove container", action="remove_container", name=name),
            task("remove volume", action="remove_volume", name=vol),
            task("remove volume again", action="remove_volume", name=vol),
            task("state missing", action="get_container_state", name=name),
            task("env missing", action="get_container_env", name=name),
            )
    expect_changed = {
        "create volume": True, "create volume again": False, "ensure present image": False,
        "start": True, "state": False, "env": False, "compare same": False, "restart": True,
        "stop": True, "stop again": False, "state stopped": False, "start stopped": True,
        "stop and remove": True, "stop and remove again": False,
        "remove missing container": False, "recreate_or_restart creates": True,
        "remove container": True, "remove volume": True, "remove volume again": False,
    }
    for title, changed in expect_changed.items():
        res = r.result(title)
        assert not res.get("failed"), f"{impl} {title}: {res.get('msg')}"
        assert res["changed"] is changed, f"{impl} {title}: changed={res['changed']}"
    assert r.result("compare same")["result"] is False
    assert r.result("compare image same")["result"] is False
    assert r.result("compare image other")["result"] is True
    # compare_image answers in `result` only, in both (docs/reference-behaviour.md, compare-image).
    assert r.result("compare image other")["changed"] is False

    state = r.result("state")
    assert state["Running"] is True and state["Status"] == "running" and state["ExitCode"] == 0
    assert {"Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ExitCode",
            "Error", "StartedAt", "FinishedAt"} <= answer_keys(state)
    stopped = r.result("state stopped")
    assert stopped["Running"] is False and stopped["Status"] == "exited"

    env = r.result("env")
    assert env["FOO"] == "bar" and env["KOLLA_SERVICE_NAME"] == name.replace("_", "-")
    assert env["PATH"] == "/usr/local/bin:/bin"
    assert answer_keys(env) == {"FOO", "KOLLA_SERVICE_NAME", "PATH", "changed"}

    before, after = inspected(r, "inspect before restart"), inspected(r, "inspect after restart")
    assert before["Id"] == after["Id"] and before["State"]["StartedAt"] != after["State"]["StartedAt"]

    for title in ("state missing", "env missing"):
        res = r.result(title)
        assert res["failed"] is True and f"No such container: {name}" in res["msg"]
    assert docker_inspect(name) is None
    assert docker("volume", "inspect", vol, check=False).returncode != 0


@BOTH
def test_result_shapes_match_between_implementations(impl, playbook, kdt):
    """get_container_state / get_container_env answer with the same keys as the reference."""
    name = kdt("svc")
    r = run(playbook, impl,
            task("start", action="start_container", **svc(name, environment={"A": "1"})),
            task("state", action="get_container_state", name=name),
            task("env", action="get_container_env", name=name),
            task("start again", action="start_container", **svc(name, environment={"A": "1"})))
    state = r.result("state")
    # Docker's own State object, verbatim, plus `changed` (no Health: no healthcheck here).
    info = docker_inspect(name)["State"]
    assert answer_keys(state) - {"changed"} == set(info), impl
    assert answer_keys(r.result("env")) == {"A", "KOLLA_SERVICE_NAME", "PATH", "changed"}
    # Ours may add `differences` (the fields it compared and found different).
    assert answer_keys(r.result("start again")) - {"differences"} == {"changed", "result"}


# --- config check: kolla_set_configs --check --------------------------------

@BOTH
def test_config_check_exit_codes(impl, playbook, kdt):
    name = kdt("svc")
    s = svc(name)
    r = run(playbook, impl,
            task("start", action="start_container", **s),
            set_check_rc(name, 0), task("compare rc 0", action="compare_container", **s),
            set_check_rc(name, 1), task("compare rc 1", action="compare_container", **s),
            set_check_rc(name, 137), task("compare rc 137", action="compare_container", **s),
            set_check_rc(name, 3), task("compare rc 3", action="compare_container", **s),
            set_check_rc(name, 0),
            task("start after config change", action="start_container", **s))
    assert r.result("compare rc 0")["result"] is False and r.result("compare rc 0")["changed"] is False
    for rc in (1, 137):
        res = r.result(f"compare rc {rc}")
        assert not res.get("failed") and res["result"] is True and res["changed"] is True, (rc, res)
        if impl == "ours":
            assert names_field(differences_of(res), "config"), differences_of(res)
    bad = r.result("compare rc 3")
    assert bad["failed"] is True
    # The reference reports every unexpected exception as a change (docs/reference-behaviour.md, changed-on-error); a
    # failed check changed nothing.
    assert bad["changed"] is (impl == "ref")
    assert "ExitCode: 3" in bad["msg"] if impl == "ref" else re.search(r"\b3\b", bad["msg"]), bad["msg"]
    assert "kolla_set_configs --check: exit 3" in bad["msg"], "the check's output explains the failure"
    # start_container does not run the config check (the caller decides with compare_container).
    assert r.result("start after config change")["changed"] is False


# --- recreate_or_restart_container ----------------------------------------

@BOTH
def test_recreate_or_restart(impl, playbook, kdt):
    plain, always, once, differ = (kdt(n) for n in ("plain", "always", "once", "differ"))
    env = lambda strategy: {"KOLLA_CONFIG_STRATEGY": strategy} if strategy else {}  # noqa: E731
    r = run(playbook, impl,
            task("start plain", action="start_container", **svc(plain)),
            task("start always", action="start_container", **svc(always, environment=env("COPY_ALWAYS"))),
            task("start once", action="start_container", **svc(once, environment=env("COPY_ONCE"))),
            task("start differ", action="start_container", **svc(differ, environment=env("COPY_ALWAYS"))),
            inspect_task("plain before", plain), inspect_task("always before", always),
            inspect_task("once before", once), inspect_task("differ before", differ),
            task("plain", action="recreate_or_restart_container", **svc(plain)),
            task("always", action="recreate_or_restart_container",
                 **svc(always, environment=env("COPY_ALWAYS"))),
            task("once", action="recreate_or_restart_container", **svc(once, environment=env("COPY_ONCE"))),
            task("differ", action="recreate_or_restart_container",
                 **svc(differ, environment={**env("COPY_ALWAYS"), "NEW": "1"})),
            inspect_task("plain after", plain), inspect_task("always after", always),
            inspect_task("once after", once), inspect_task("differ after", differ))
    for title in ("plain", "always", "once", "differ"):
        assert not r.result(title).get("failed"), (title, r.result(title).get("msg"))
    before = {t: inspected(r, f"{t} before") for t in ("plain", "always", "once", "differ")}
    after = {t: inspected(r, f"{t} after") for t in ("plain", "always", "once", "differ")}
    # Without a strategy and without a difference nothing happens to the container...
    assert after["plain"]["Id"] == before["plain"]["Id"]
    assert after["plain"]["State"]["StartedAt"] == before["plain"]["State"]["StartedAt"]
    # ...which the reference still reports as a change (docs/reference-behaviour.md, changed-on-error); ours does not.
    assert r.result("plain")["changed"] is (impl == "ref")
    # COPY_ALWAYS restarts the same container; COPY_ONCE and a difference recreate it.
    assert r.result("always")["changed"] is True
    assert after["always"]["Id"] == before["always"]["Id"]
    assert after["always"]["State"]["StartedAt"] != before["always"]["State"]["StartedAt"]
    for title in ("once", "differ"):
        assert r.result(title)["changed"] is True
        assert after[title]["Id"] != before[title]["Id"] and after[title]["State"]["Running"]
    assert "NEW=1" in after["differ"]["Config"]["Env"]


# --- bootstrap-style runs (detach: false) ---------------------------------

@BOTH
def test_non_detached_runs(impl, playbook, kdt):
    ok, keep, bad = kdt("boot_ok"), kdt("boot_keep"), kdt("boot_bad")
    once = "sh -c 'echo to-stdout; echo to-stderr >&2'"
    r = run(playbook, impl,
            task("ok", action="start_container", name=ok, image=SERVICE, detach=False, command=once),
            task("keep", action="start_container", name=keep, image=SERVICE, detach=False,
                 command=once, remove_on_exit=False),
            task("bad", action="start_container", name=bad, image=SERVICE, detach=False,
                 command="sh -c 'echo broken >&2; exit 3'"))
    res = r.result("ok")
    assert not res.get("failed") and res["changed"] is True
    assert res["rc"] == 0 and res["stdout"] == "to-stdout\n" and res["stderr"] == "to-stderr\n"
    assert docker_inspect(ok) is None, "remove_on_exit (default) removes the container"
    kept = docker_inspect(keep)
    assert r.result("keep")["rc"] == 0 and kept["State"]["Status"] == "exited"
    res = r.result("bad")
    assert res["failed"] is True and res["changed"] is True and res["rc"] == 3
    assert res["stderr"] == "broken\n" and "3" in res["msg"]
    assert docker_inspect(bad) is None


# --- images and the authenticated registry ------------------------------------

@pytest.fixture
def registry_image(kdt, tmp_path):
    """An image of its own (one tag, so removing it while in use is a real conflict),
    pushed to the registry under a per-test tag, with no local copy left."""
    local = f"kdt-local/{kdt.prefix}:latest"
    (tmp_path / "Dockerfile").write_text(f"FROM {LABELED}\nLABEL kdt.test={kdt.prefix}\n")
    docker("build", "-q", "-t", local, str(tmp_path))
    ref = push_to_registry(local, f"kdt/busybox:{kdt.prefix}", tmp_path)
    kdt.images += [local, ref]
    docker("rmi", local, ref)
    return ref


def auth(password=None):
    user, real = registry_credentials()
    return {"auth_username": user, "auth_password": password or real, "auth_registry": REGISTRY}


@BOTH
def test_pull_image(impl, playbook, kdt, registry_image):
    missing_tag = registry_image.rsplit(":", 1)[0] + ":no-such-tag"
    name = kdt("pulled")
    r = run(playbook, impl,
            task("no credentials", action="pull_image", image=registry_image),
            task("wrong password", action="pull_image", image=registry_image,
                 **auth("not-the-password-kdt")),
            task("missing tag", action="pull_image", image=missing_tag, **auth()),
            task("pull", action="pull_image", image=registry_image, **auth()),
            task("pull again", action="pull_image", image=registry_image, **auth()),
            task("ensure", action="ensure_image", image=registry_image),
            task("use", action="start_container", name=name, image=registry_image, command=IDLE,
                 graceful_timeout=1),
            task("remove in use", action="remove_image", image=registry_image),
            task("drop container", action="stop_and_remove_container", name=name, graceful_timeout=1),
            task("remove", action="remove_image", image=registry_image),
            task("remove again", action="remove_image", image=registry_image))
    for title in ("no credentials", "wrong password", "missing tag"):
        assert r.result(title)["failed"] is True, title
    if impl == "ours":
        # The reference surfaces raw tracebacks for these three (docs/reference-behaviour.md, pull-messages).
        assert re.search(r"auth|credential|unauthori[sz]ed|denied", r.result("no credentials")["msg"], re.I)
        assert re.search(r"auth|login|password|unauthori[sz]ed|denied",
                         r.result("wrong password")["msg"], re.I)
        assert "no-such-tag" in r.result("missing tag")["msg"]
        assert re.search(r"not exist|not found|unknown", r.result("missing tag")["msg"], re.I)
    else:
        assert "Traceback" in r.result("wrong password")["msg"]
    text = json.dumps(r.records) + r.stdout + r.stderr
    assert "not-the-password-kdt" not in text and registry_credentials()[1] not in text, "secret echoed"
    assert r.result("pull")["changed"] is True and not r.result("pull").get("failed")
    assert r.result("pull again")["changed"] is False
    assert r.result("ensure")["changed"] is False
    res = r.result("remove in use")
    assert res["failed"] is True and res.get("changed", False) is False
    assert "in-use" in res["msg"] or "in use" in res["msg"]
    assert r.result("remove")["changed"] is True
    assert r.result("remove again")["changed"] is False
    assert docker("image", "inspect", registry_image, check=False).returncode != 0


@BOTH
def test_ensure_image_pulls_when_absent(impl, playbook, registry_image):
    r = run(playbook, impl, task("ensure", action="ensure_image", image=registry_image, **auth()))
    assert r.result("ensure")["changed"] is True
    assert docker("image", "inspect", registry_image, check=False).returncode == 0


@BOTH
def test_failed_pull_leaves_old_container_running(impl, playbook, kdt, registry_image):
    name = kdt("svc")
    missing = registry_image.rsplit(":", 1)[0] + ":no-such-tag"
    r = run(playbook, impl,
            task("start", action="start_container", **svc(name)),
            inspect_task("before", name),
            task("start new image", action="start_container", **svc(name, image=missing), **auth()),
            task("recreate new image", action="recreate_or_restart_container",
                 **svc(name, image=missing), **auth()),
            inspect_task("after", name))
    assert r.result("start new image")["failed"] is True
    assert r.result("recreate new image")["failed"] is True
    before, after = inspected(r, "before"), inspected(r, "after")
    assert after["Id"] == before["Id"] and after["State"]["Running"] is True
    assert after["State"]["StartedAt"] == before["State"]["StartedAt"]


# --- failures of single actions ---------------------------------------------

@BOTH
def test_stop_missing_container(impl, playbook, kdt):
    name = kdt("absent")
    r = run(playbook, impl,
            task("stop", action="stop_container", name=name),
            task("stop ignore_missing", action="stop_container", name=name, ignore_missing=True))
    res = r.result("stop")
    assert res["failed"] is True and name in res["msg"]
    res = r.result("stop ignore_missing")
    assert not res.get("failed") and res["changed"] is False


@BOTH
def test_remove_volume_in_use_fails(impl, playbook, kdt):
    name, vol = kdt("svc"), kdt("vol")
    r = run(playbook, impl,
            task("start", action="start_container", **svc(name, volumes=[f"{vol}:/data"])),
            task("remove volume", action="remove_volume", name=vol))
    res = r.result("remove volume")
    assert res["failed"] is True and vol in res["msg"] and "in-use" in res["msg"]
    assert res.get("changed", False) is False
    assert docker("volume", "inspect", vol, check=False).returncode == 0


@BOTH
def test_stopped_container_is_started_again(impl, playbook, kdt):
    name = kdt("svc")
    r = run(playbook, impl,
            task("start", action="start_container", **svc(name)),
            {"name": "stop outside", "command": f"docker stop -t 1 {name}"},
            task("compare stopped", action="compare_container", **svc(name)),
            task("start stopped", action="start_container", **svc(name)),
            task("start again", action="start_container", **svc(name)))
    assert r.result("compare stopped")["result"] is True
    if impl == "ours":
        assert names_field(differences_of(r.result("compare stopped")), "state")
    assert r.result("start stopped")["changed"] is True
    assert r.result("start again")["changed"] is False
    assert docker_inspect(name)["State"]["Running"] is True


@BOTH
def test_privileged_is_compared_and_applied_on_create(impl, playbook, kdt):
    """Privileged containers cannot start here (docs/reference-behaviour.md, privileged): the test
    proves the definition Docker received and the comparison, not a running container."""
    name = kdt("svc")
    r = run(playbook, impl,
            task("start", action="start_container", **svc(name)),
            task("compare privileged", action="compare_container", **svc(name, privileged=True)),
            task("start privileged", action="start_container", **svc(name, privileged=True)),
            inspect_task("inspect privileged", name),
            task("start unprivileged", action="start_container", **svc(name)),
            inspect_task("inspect unprivileged", name))
    cmp = r.result("compare privileged")
    assert cmp["result"] is True
    if impl == "ours":
        assert names_field(differences_of(cmp), "privileged"), differences_of(cmp)
    res = r.result("start privileged")
    assert res["failed"] is True, "a privileged container cannot start on this machine"
    assert inspected(r, "inspect privileged")["HostConfig"]["Privileged"] is True
    assert r.result("start unprivileged")["changed"] is True
    info = inspected(r, "inspect unprivileged")
    assert info["HostConfig"]["Privileged"] is False and info["State"]["Running"] is True


@BOTH
def test_images_without_labels(impl, playbook, kdt):
    name = kdt("svc")
    s = svc(name, image=UNLABELED)
    r = run(playbook, impl,
            task("start", action="start_container", **s),
            task("start again", action="start_container", **s),
            task("compare", action="compare_container", **s))
    assert r.result("start")["changed"] is True
    if impl == "ref":
        # compare_labels crashes on `Labels: null` (docs/reference-behaviour.md, labels-null): we fix it.
        assert r.result("start again")["failed"] is True and "Traceback" in r.result("start again")["msg"]
        return
    assert r.result("start again")["changed"] is False and not r.result("start again").get("failed")
    # The image has no kolla_set_configs: the config check cannot run, and says why.
    res = r.result("compare")
    assert res["failed"] is True and "kolla_set_configs" in res["msg"], res


# --- check mode and diff mode (ours; the reference has neither) -----------------

def test_check_mode_changes_nothing(playbook, kdt):
    name, absent, vol, kept = kdt("svc"), kdt("absent"), kdt("vol"), kdt("kept")
    docker("volume", "create", kept)
    spare = f"kdt-local/{kdt.prefix}:check"
    docker("tag", LABELED, spare)
    kdt.images.append(spare)
    s = svc(name, environment={"FOO": "a"})
    assert run(playbook, "ours", task("start", action="start_container", **s)).result("start")["changed"]
    before = normalise(docker_inspect(name))
    before_id = docker_inspect(name)["Id"]
    r = run(playbook, "ours",
            task("unchanged", action="start_container", **s),
            task("env change", action="start_container", **{**s, "environment": {"FOO": "b"}}),
            task("create absent", action="start_container", **svc(absent)),
            task("restart", action="restart_container", name=name),
            task("stop", action="stop_container", name=name),
            task("recreate", action="recreate_or_restart_container",
                 **{**s, "environment": {"FOO": "a", "KOLLA_CONFIG_STRATEGY": "COPY_ONCE"}}),
            task("stop and remove", action="stop_and_remove_container", name=name),
            task("create volume", action="create_volume", name=vol),
            task("remove volume", action="remove_volume", name=kept),
            task("remove image", action="remove_image", image=spare),
            cli=["--check"])
    expect = {"unchanged": False, "env change": True, "create absent": True, "restart": True,
              "stop": True, "recreate": True, "stop and remove": True, "create volume": True,
              "remove volume": True, "remove image": True}
    for title, changed in expect.items():
        res = r.result(title)
        assert not res.get("failed"), (title, res.get("msg"))
        assert res["changed"] is changed, (title, res)
    after = docker_inspect(name)
    assert after["Id"] == before_id and normalise(after) == before
    assert docker_inspect(absent) is None
    assert docker("volume", "inspect", vol, check=False).returncode != 0
    assert docker("volume", "inspect", kept, check=False).returncode == 0
    assert docker("image", "inspect", spare, check=False).returncode == 0


def test_reference_has_no_check_mode(playbook, kdt):
    """Documents why check mode is ours alone: the reference's module declares no
    check-mode support, so Ansible skips it and nothing can be predicted."""
    name = kdt("svc")
    r = run(playbook, "ref", task("start", action="start_container", **svc(name)), cli=["--check"])
    res = r.result("start")
    assert res["skipped"] is True and "does not support check mode" in res["msg"], res
    assert docker_inspect(name) is None


def test_diff_mode_shows_before_and_after(playbook, kdt):
    name = kdt("svc")
    s = svc(name, labels={"tier": "before-value"}, environment={"FOO": "before-secret"})
    run(playbook, "ours", task("start", action="start_container", **s))
    changed = {**s, "labels": {"tier": "after-value"}, "environment": {"FOO": "after-secret"}}
    r = run(playbook, "ours",
            task("change", action="start_container", **changed),
            task("compare", action="compare_container", **changed),
            cli=["--check", "--diff"])
    res = r.result("change")
    assert res["changed"] is True and "diff" in res, res
    diffs = res["diff"] if isinstance(res["diff"], list) else [res["diff"]]
    before = json.dumps([d.get("before") for d in diffs])
    after = json.dumps([d.get("after") for d in diffs])
    assert "before-value" in before and "after-value" not in before
    assert "after-value" in after and "before-value" not in after
    assert "before-value" in r.stdout and "after-value" in r.stdout, "--diff prints the diff"
    # Environment values carry passwords: the diff names the variable and masks its value.
    for secret in ("before-secret", "after-secret"):
        assert secret not in r.stdout and secret not in json.dumps(res)
    assert '"********"' in before and '"********"' in after
    assert names_field(differences_of(r.result("compare")), "environment.FOO")


@BOTH
def test_common_options_merge(impl, playbook, kdt):
    """kolla-ansible passes defaults in common_options: its environment merges under
    the task's, its other values apply where the task gives none (digit strings too)."""
    name = kdt("svc")
    common = {"environment": {"KOLLA_CONFIG_STRATEGY": "COPY_ALWAYS", "SHARED": "common"},
              "restart_policy": "unless-stopped", "graceful_timeout": "1", "client_timeout": "30"}
    s = svc(name, common_options=common, environment={"FOO": "x", "SHARED": "task"})
    del s["graceful_timeout"]
    r = run(playbook, impl,
            task("start", action="start_container", **s),
            task("start again", action="start_container", **s),
            inspect_task("before", name),
            task("recreate or restart", action="recreate_or_restart_container", **s),
            inspect_task("after", name))
    assert r.result("start")["changed"] is True and r.result("start again")["changed"] is False
    before, after = inspected(r, "before"), inspected(r, "after")
    env = before["Config"]["Env"]
    assert {"KOLLA_CONFIG_STRATEGY=COPY_ALWAYS", "SHARED=task", "FOO=x"} <= set(env), env
    assert before["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    # COPY_ALWAYS came from common_options: a restart of the same container.
    assert r.result("recreate or restart")["changed"] is True
    assert after["Id"] == before["Id"] and after["State"]["StartedAt"] != before["State"]["StartedAt"]


@BOTH
def test_compare_image_without_image(impl, playbook, kdt):
    name = kdt("svc")
    r = run(playbook, impl,
            task("start", action="start_container", **svc(name)),
            task("compare image", action="compare_image", name=name))
    res = r.result("compare image")
    if impl == "ref":
        # Crashes on an existing container without `image` (docs/reference-behaviour.md, compare-image).
        assert res["failed"] is True and "Traceback" in res["msg"]
    else:
        assert not res["failed"] and res["changed"] is False, res


@BOTH
def test_rejected_create_changes_nothing(impl, playbook):
    """Docker refuses the name: nothing was made, so nothing changed. The reference
    reports every exception as a change (docs/reference-behaviour.md, changed-on-error); ours must not."""
    r = run(playbook, impl,
            task("volume", action="create_volume", name="kdt bad name!"),
            task("container", action="start_container", name="kdt bad name!", image=SERVICE,
                 command=IDLE))
    for title in ("volume", "container"):
        res = r.result(title)
        assert res["failed"] is True and "kdt bad name!" in res["msg"], (title, res)
        assert res["changed"] is (impl == "ref"), (title, res)
