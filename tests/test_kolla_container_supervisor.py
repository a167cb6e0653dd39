"""kolla_container on a host that boots systemd (the systemd test node,
tests/env/nodes): the static binary, copied into the node, runs every
non-oneshot container through its unit kolla-<name>-container.service, with
no engine RestartPolicy on the container; the unit's changes count toward
`changed`; compare_container reports a differing unit as `systemd_unit`; stop
and remove go through systemd and remove the unit. The differential tests
against 22.2's own module in such a node are test_kolla_container_systemd*
(helper B's); the no-systemd fallback is in test_kolla_container.py."""
import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT, docker

sys.path.insert(0, str(Path(__file__).resolve().parent / "env" / "nodes"))
from node import IMAGE, Node  # noqa: E402

SERVICE = "kolla-test/service:latest"
IDLE = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1 & wait; done'"
UNIT = "kolla-kc_sd-container.service"


@pytest.fixture(scope="module")
def node():
    if docker("image", "inspect", IMAGE, check=False).returncode != 0:
        pytest.fail(f"{IMAGE} is missing from the test engine: run `bash tests/env/nodes/build.sh`")
    with Node.start() as started:
        started.load_image(SERVICE)
        docker("cp", str(ROOT / "plugins" / "modules" / "kolla_container"),
               f"{started.name}:/usr/local/bin/kolla_container")
        yield started


def kc(node, **args):
    node.exec("sh", "-c", "cat > /tmp/kc-args.json", input=json.dumps(args).encode())
    out = node.exec("/usr/local/bin/kolla_container", "/tmp/kc-args.json", check=False)
    return json.loads(out.stdout)


def unit_state(node):
    return node.exec("systemctl", "is-active", UNIT, check=False).stdout.strip()


def restart_policy(node):
    out = node.exec("docker", "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "kc_sd",
                    check=False)
    return out.stdout.strip()


def test_systemd_supervises_the_container(node):
    s = {"action": "start_container", "name": "kc_sd", "image": SERVICE, "command": IDLE,
         "graceful_timeout": 1, "restart_policy": "unless-stopped"}
    r = kc(node, **s)
    assert (r["changed"], r.get("failed"), r.get("warnings")) == (True, None, None), r
    assert unit_state(node) == "active"
    assert restart_policy(node) in ("", "no")
    unit = node.exec("cat", f"/etc/systemd/system/{UNIT}").stdout
    assert "ExecStart=/usr/bin/docker start -a kc_sd" in unit and "Restart=always" in unit

    assert kc(node, **s)["changed"] is False
    same = kc(node, **{**s, "action": "compare_container"})
    assert same["changed"] is False and "comparison_failures" not in same, same

    # docs/reference-behaviour.md, kc-unit-rewrite: a new policy reaches the unit (22.2: changed false).
    other = {**s, "restart_policy": "on-failure"}
    stale = kc(node, **{**other, "action": "compare_container"})
    assert stale["comparison_failures"] == [
        {"name": "systemd_unit", "current": "out_of_date", "desired": "up_to_date"}], stale
    assert kc(node, **other)["changed"] is True
    assert "Restart=on-failure" in node.exec("cat", f"/etc/systemd/system/{UNIT}").stdout
    assert kc(node, **other)["changed"] is False

    r = kc(node, **{**other, "action": "restart_container"})
    assert r["changed"] is True and not r.get("failed"), r
    assert unit_state(node) == "active"
    r = kc(node, action="stop_container", name="kc_sd", graceful_timeout=1)
    assert r["changed"] is True and unit_state(node) != "active", r
    r = kc(node, action="stop_and_remove_container", name="kc_sd", graceful_timeout=1)
    assert r["changed"] is True and not r.get("failed"), r
    assert node.exec("test", "-e", f"/etc/systemd/system/{UNIT}", check=False).returncode == 1


def test_oneshot_gets_no_unit(node):
    r = kc(node, action="start_container", name="kc_once", image=SERVICE, restart_policy="oneshot",
           detach=False, command="sh -c 'echo done'")
    assert (r["changed"], r["rc"], r["stdout"].strip()) == (True, 0, "done"), r
    assert node.exec("test", "-e", "/etc/systemd/system/kolla-kc_once-container.service",
                     check=False).returncode == 1
