"""kolla_container_facts against the real engine, ours and kolla-ansible
15.6.0's, over the same containers: the result shape and every field of each
container summary must match (bar Docker's human "Up N seconds" text)."""
import os

import pytest

from conftest import docker, docker_inspect, run_binary
from kolla_docker.helpers import IDLE, SERVICE, diff_paths, run, run_in, task

BOTH = pytest.mark.parametrize("impl", ["ours", "ref"])


@pytest.fixture(scope="module")
def containers():
    """Two running containers and a stopped one, shared by the module's tests."""
    prefix = f"kcf-{os.urandom(3).hex()}"
    a, b, stopped = (f"{prefix}-{n}" for n in ("a", "b", "stopped"))
    for name in (a, b, stopped):
        docker("run", "-d", "--network", "host", "--name", name, "--label", "kdt.facts=yes",
               SERVICE, "sh", "-c",
               IDLE.split(" ", 2)[2].strip("'"))
    docker("stop", "-t", "1", stopped)
    yield a, b, stopped
    docker("rm", "-f", a, b, stopped, check=False)


def facts(title, /, **args):
    return task(title, module="kolla_container_facts", container_engine="docker", **args)


def answer(res):
    return {k: v for k, v in res.items() if k not in {"invocation", "failed", "skipped",
                                                      "_ansible_no_log", "changed", "warnings"}}


@pytest.fixture(scope="module")
def both(tmp_path_factory, containers):
    """One playbook run per implementation, shared: ansible-playbook's start-up is most of the time."""
    a, b, stopped = containers
    tasks = [facts("named", name=[a, stopped, "kdt_absent_container"]),
             facts("all"),
             facts("single string", name=a),
             facts("comma string", name=f"{a},{b}")]
    return {impl: run_in(tmp_path_factory.mktemp(f"facts-{impl}"), impl, *tasks) for impl in ("ref", "ours")}


@BOTH
def test_facts_for_named_containers(impl, both, containers):
    a, b, stopped = containers
    res = both[impl].result("named")
    assert res["changed"] is False and not res["failed"]
    got = answer(res)
    assert set(got) == {"_containers", a}, "only running, named containers"
    summary = got[a]
    assert got["_containers"] == [summary]
    info = docker_inspect(a)
    assert summary["Id"] == info["Id"] and summary["Names"] == [f"/{a}"]
    assert summary["State"] == "running" and summary["Image"] == SERVICE
    assert summary["Labels"]["kdt.facts"] == "yes"
    for title, names in (("single string", {a}), ("comma string", {a, b})):
        assert set(answer(both[impl].result(title))) - {"_containers"} == names, (impl, title)


@BOTH
def test_facts_for_all_running_containers(impl, both, containers):
    a, b, stopped = containers
    got = answer(both[impl].result("all"))
    assert {a, b} <= set(got) and stopped not in got
    names = set(got) - {"_containers"}
    assert sorted(c["Names"][0][1:] for c in got["_containers"]) == sorted(names)
    assert all(got[n]["State"] == "running" for n in names)


def test_same_answer_as_reference(both, containers):
    prefix = containers[0].rsplit("-", 1)[0]

    def comparable(res):
        # Only this test's containers: others may come and go between the two runs.
        got = {k: v for k, v in answer(res).items() if k.startswith(prefix)}
        got["_containers"] = [c for c in answer(res)["_containers"] if c["Names"][0][1:].startswith(prefix)]
        # "Up 3 seconds" moves on between the two runs; the rest must be equal.
        strip = lambda s: {k: v for k, v in s.items() if k != "Status"}  # noqa: E731
        return {k: ([strip(c) for c in v] if k == "_containers" else strip(v)) for k, v in got.items()}

    for title in ("named", "all", "single string", "comma string"):
        ref, ours = comparable(both["ref"].result(title)), comparable(both["ours"].result(title))
        assert set(ours) == set(ref), title
        for key in ref:
            if key == "_containers":
                by_id = lambda cs: {c["Id"]: c for c in cs}  # noqa: E731
                problems = diff_paths(by_id(ref[key]), by_id(ours[key]))
            else:
                problems = diff_paths(ref[key], ours[key])
            assert not problems, f"{title} {key}: ref != ours:\n" + "\n".join(problems)


def test_check_mode_answers_too(playbook, containers):
    a = containers[0]
    res = run(playbook, "ours", facts("named", name=[a]), cli=["--check"]).result("named")
    assert not res["skipped"] and a in res


@pytest.mark.parametrize("args, word", [
    ({"name": ["x"]}, "container_engine"),
    ({"container_engine": "docker", "name": {"a": 1}}, "name"),
    ({"container_engine": "docker", "bogus": 1}, "bogus"),
])
def test_bad_input(args, word, tmp_path):
    out = run_binary("kolla_container_facts", args, tmp_path).result
    assert out["failed"] is True and word in out["msg"], out


def test_unreachable_daemon(tmp_path):
    out = run_binary("kolla_container_facts", {"container_engine": "docker",
                                               "docker_host": "unix:///nonexistent.sock"}, tmp_path).result
    assert out["failed"] is True and "/nonexistent.sock" in out["msg"]
