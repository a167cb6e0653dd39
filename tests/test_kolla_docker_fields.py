"""Every field kolla_docker compares, changed one at a time, through real
ansible-playbook runs against the real engine, for our binary and for
kolla-ansible 15.6.0's Python module, in one play per implementation:

  start(base) changed -> start(base) unchanged -> compare(changed) reports the
  field and touches nothing -> start(changed) changed and applied -> start(changed)
  unchanged -> start(base) changed again (going back is a change too).

Ours must follow that sequence exactly. The reference is asserted with its own
flags: where it differs, the case names the docs/reference-behaviour.md section we deliberately
do not reproduce, so the deviation is proved by the test. After the `changed`
step, both implementations' containers must look the same to `docker inspect`
(normalised)."""
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import pytest

from conftest import PlaybookRun
from kolla_docker.helpers import (IDLE, IDLE2, LABELED, SERVICE, Names, diff_paths,
                                  differences_of, inspect_task, inspected, names_field,
                                  normalise, run_in, task)

STEPS = ["base", "base again", "compare", "changed", "changed again", "back"]
OURS = {"base": True, "base again": False, "compare": True, "changed": True,
        "changed again": False, "back": True}


@dataclass
class Case:
    id: str
    base: dict
    changed: dict
    field: str                        # the name our `differences` must contain
    applied: Callable[[dict], bool]   # docker inspect shows the changed value
    ref: dict = field(default_factory=dict)  # the reference's flags where they differ from OURS
    why: str = ""                     # the docs/reference-behaviour.md section behind `ref`
    setup: Callable = None            # extra tasks before the first start, given the name prefix
    ref_applies: bool = True          # False: the reference never reaches the changed value


def host(info):
    return info["HostConfig"]


HC = {"test": ["CMD-SHELL", "true"], "interval": 30, "timeout": 5, "start_period": 5, "retries": 3}

CASES = [
    Case("image", {}, {"image": LABELED}, "image",
         lambda i: i["Config"]["Image"] == LABELED),
    Case("environment", {"environment": {"FOO": "a"}}, {"environment": {"FOO": "b"}},
         "environment.FOO", lambda i: "FOO=b" in i["Config"]["Env"]),
    Case("environment-removed", {"environment": {"FOO": "a", "BAR": "x"}},
         {"environment": {"FOO": "a"}}, "environment.BAR",
         lambda i: not any(e.startswith("BAR=") for e in i["Config"]["Env"]),
         ref={"compare": False, "changed": False, "back": False},
         why="removing an environment variable is not detected"),
    Case("labels", {}, {"labels": {"kdt.role": "x"}}, "labels",
         lambda i: i["Config"]["Labels"].get("kdt.role") == "x"),
    Case("volumes", {}, {"volumes": ["{p}_vol:/kdt_data:rw", ""]}, "volumes",
         lambda i: any(m.get("Name", "").endswith("_vol") and m["Destination"] == "/kdt_data"
                       for m in i["Mounts"])),
    Case("volumes_from", {}, {"volumes_from": ["{p}_src"]}, "volumes_from",
         lambda i: host(i)["VolumesFrom"] and host(i)["VolumesFrom"][0].endswith("_src"),
         setup=lambda p: [task("setup source", action="start_container", name=f"{p}_src",
                               image=SERVICE, command=IDLE, volumes=[f"{p}_srcvol:/shared"])]),
    Case("cap_add", {}, {"cap_add": ["NET_ADMIN"]}, "cap_add",
         lambda i: host(i)["CapAdd"] == ["NET_ADMIN"]),
    Case("security_opt", {}, {"security_opt": ["no-new-privileges"]}, "security_opt",
         lambda i: host(i)["SecurityOpt"] == ["no-new-privileges"]),
    Case("ipc_mode", {}, {"ipc_mode": "host"}, "ipc_mode",
         lambda i: host(i)["IpcMode"] == "host"),
    Case("pid_mode", {}, {"pid_mode": "host"}, "pid_mode",
         lambda i: host(i)["PidMode"] == "host"),
    Case("cgroupns_mode", {}, {"cgroupns_mode": "private"}, "cgroupns_mode",
         lambda i: host(i)["CgroupnsMode"] == "private",
         ref={"back": False}, why="an omitted cgroupns_mode is not detected"),
    Case("tmpfs", {}, {"tmpfs": ["/kdt_tmp", ""]}, "tmpfs",
         lambda i: "/kdt_tmp" in (host(i)["Tmpfs"] or {})),
    Case("dimensions", {}, {"dimensions": {"cpu_shares": 512, "mem_limit": 268435456,
                                           "memswap_limit": 536870912}}, "dimensions",
         lambda i: host(i)["CpuShares"] == 512 and host(i)["Memory"] == 268435456),
    Case("ulimits", {"dimensions": {"ulimits": {"nofile": {"soft": 1024, "hard": 2048}}}},
         {"dimensions": {"ulimits": {"nofile": {"soft": 2048, "hard": 4096}}}}, "dimensions",
         lambda i: host(i)["Ulimits"] == [{"Name": "nofile", "Soft": 2048, "Hard": 4096}]),
    Case("command", {}, {"command": IDLE2}, "command",
         lambda i: "sleep 2" in i["Args"][-1]),
    Case("healthcheck", {}, {"healthcheck": HC}, "healthcheck",
         lambda i: i["Config"]["Healthcheck"]["Test"] == ["CMD-SHELL", "true"]
         and i["Config"]["Healthcheck"]["Interval"] == 30_000_000_000),
    Case("restart_policy", {"restart_policy": "no"}, {"restart_policy": "unless-stopped"},
         "restart_policy", lambda i: host(i)["RestartPolicy"]["Name"] == "unless-stopped",
         ref={"compare": False, "changed": False, "back": False},
         why="a changed restart_policy is not detected"),
    Case("tty", {}, {"tty": True}, "tty", lambda i: i["Config"]["Tty"] is True,
         ref={"compare": False, "changed": False, "back": False},
         why="a changed tty is not detected"),
    Case("command-omitted", {"command": IDLE2}, {"command": None}, "command",
         lambda i: "sleep 1" in i["Args"][-1],
         ref={"compare": False, "changed": False, "back": False},
         why="an omitted command is not detected"),
    Case("cgroupns-omitted", {"cgroupns_mode": "private"}, {"cgroupns_mode": None},
         "cgroupns_mode", lambda i: host(i)["CgroupnsMode"] == "host",
         ref={"compare": False, "changed": False, "back": False},
         why="an omitted cgroupns_mode is not detected"),
    Case("state-exited", {}, {"state": "exited"}, "state",
         lambda i: i["State"]["Status"] == "exited",
         ref={"changed again": True, "back": False}, ref_applies=False,
         why="state: exited is never idempotent (recreated and started again on every run)"),
    Case("state-paused", {}, {"state": "paused"}, "state",
         lambda i: i["State"]["Status"] == "paused",
         ref={"changed again": True, "back": False}, ref_applies=False,
         why="state: paused, like exited, is recreated and left running on every run"),
    # Values the reference recreates on every run (section 6, "never idempotent").
    Case("environment-int-null", {"environment": {"FOO": "a"}},
         {"environment": {"FOO": 5, "BAR": None}}, "environment",
         lambda i: "FOO=5" in i["Config"]["Env"] and "BAR=" in i["Config"]["Env"],
         ref={"changed again": True}, why="environment values that are ints or null"),
    Case("label-overrides-image-label", {}, {"labels": {"maintainer": "kdt"}}, "labels",
         lambda i: i["Config"]["Labels"]["maintainer"] == "kdt",
         ref={"changed again": True, "back": False},
         why="a label overriding an image label; dropping the override is not detected"),
    Case("mem_limit-alone", {}, {"dimensions": {"mem_limit": 268435456}}, "dimensions",
         lambda i: host(i)["Memory"] == 268435456,
         ref={"changed again": True}, why="mem_limit without memswap_limit"),
    Case("size-string", {}, {"dimensions": {"mem_limit": "64m", "memswap_limit": "128m"}},
         "dimensions", lambda i: host(i)["Memory"] == 64 * 1024 * 1024,
         ref={"changed again": True}, why="size strings like 64m"),
    Case("tmpfs-options", {}, {"tmpfs": ["/kdt_tmp:size=1m"]}, "tmpfs",
         lambda i: (host(i)["Tmpfs"] or {}).get("/kdt_tmp") == "size=1m",
         ref={"changed again": True}, why="tmpfs entries with options"),
]


def fill(value, prefix):
    """Puts the case's name prefix into {p} placeholders; None means "omit the argument"."""
    if isinstance(value, str):
        return value.replace("{p}", prefix)
    if isinstance(value, list):
        return [fill(v, prefix) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, prefix) for k, v in value.items() if v is not None or k == "BAR"}
    return value


def step(case, title):
    return f"{case.id}: {title}"


def scenario(case, names):
    prefix = names(case.id.replace("-", "_"))
    name = f"{prefix}_svc"
    common = {"name": name, "image": SERVICE, "command": IDLE, "graceful_timeout": 1}
    base = fill({**common, **case.base}, prefix)
    changed = fill({**common, **case.changed}, prefix)
    t = lambda title, **args: task(step(case, title), **args)  # noqa: E731
    return [
        *(case.setup(prefix) if case.setup else []),
        t("base", action="start_container", **base),
        t("base again", action="start_container", **base),
        inspect_task(step(case, "inspect before compare"), name),
        t("compare", action="compare_container", **changed),
        inspect_task(step(case, "inspect after compare"), name),
        t("changed", action="start_container", **changed),
        inspect_task(step(case, "inspect changed"), name),
        t("changed again", action="start_container", **changed),
        t("back", action="start_container", **base),
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """All cases in few plays run side by side, under a name prefix per implementation:
    ours in one play, the reference (about 0.6 s a task) split in two so it does not
    set the pace alone. `same_names` maps ours' prefix to the reference's."""
    names = {impl: Names() for impl in ("ref", "ours")}
    shards = {"ref": [CASES[0::2], CASES[1::2]], "ours": [CASES]}
    try:
        with ThreadPoolExecutor(3) as pool:
            futures = {impl: [pool.submit(run_in, tmp_path_factory.mktemp(f"fields-{impl}"), impl,
                                          *[t for case in shard for t in scenario(case, names[impl])])
                              for shard in shards[impl]]
                       for impl in names}
            out = {impl: merged([f.result() for f in fs]) for impl, fs in futures.items()}
        out["prefixes"] = {impl: n.prefix for impl, n in names.items()}
        yield out
    finally:
        for n in names.values():
            n.clean()


def merged(plays):
    """One PlaybookRun holding the records of several (task titles are unique per case)."""
    return PlaybookRun(max(p.rc for p in plays), "\n".join(p.stdout for p in plays),
                       "\n".join(p.stderr for p in plays), [r for p in plays for r in p.records])


def same_names(info, prefixes):
    """Ours' inspect with the reference's names, so the two compare equal."""
    text = json.dumps(info)
    for a, b in ((prefixes["ours"], prefixes["ref"]),
                 (prefixes["ours"].replace("_", "-"), prefixes["ref"].replace("_", "-"))):
        text = text.replace(a, b)
    return json.loads(text)


def flags(r, case):
    out = {}
    for title in STEPS:
        res = r.result(step(case, title))
        assert not res.get("failed"), f"step {title!r} failed: {res.get('msg')}"
        # compare_container answers in `result`; both implementations set changed alike.
        out[title] = res.get("result") if title == "compare" else res.get("changed")
    return out


def compare_touched_nothing(r, case, impl):
    before = inspected(r, step(case, "inspect before compare"))
    after = inspected(r, step(case, "inspect after compare"))
    assert before["Id"] == after["Id"] and normalise(before) == normalise(after), \
        f"{impl}: compare_container changed the container"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_field_change(case, runs):
    # The reference first, with its documented defects (see `why`), which we fix.
    ref_flags = flags(runs["ref"], case)
    assert ref_flags == {**OURS, **case.ref}, \
        f"reference ({case.why or 'expected to behave as ours'}): {ref_flags}"
    compare_touched_nothing(runs["ref"], case, "ref")
    ref_inspect = inspected(runs["ref"], step(case, "inspect changed"))
    ref_applies = case.ref_applies and case.ref.get("changed", True)
    if ref_applies:
        assert case.applied(ref_inspect), f"reference did not apply {case.changed}"

    ours_flags = flags(runs["ours"], case)
    assert ours_flags == OURS, f"ours: {ours_flags}"
    compare_touched_nothing(runs["ours"], case, "ours")
    diffs = differences_of(runs["ours"].result(step(case, "compare")))
    assert names_field(diffs, case.field), f"differences {diffs} do not name {case.field!r}"
    ours_inspect = inspected(runs["ours"], step(case, "inspect changed"))
    assert case.applied(ours_inspect), f"ours did not apply {case.changed}"

    if ref_applies:
        ours_inspect = same_names(ours_inspect, runs["prefixes"])
        problems = diff_paths(normalise(ref_inspect), normalise(ours_inspect))
        assert not problems, "docker inspect differs from the reference's:\n" + "\n".join(problems)
