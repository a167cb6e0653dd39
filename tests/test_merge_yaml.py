"""merge_yaml end to end: our action plugin and binary through
ansible-playbook, check and diff mode, copy-like attributes, kolla-ansible
22.2's own role uses rendered both ways, and SIGKILL during the write."""
import hashlib
import json
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import MODULES, REF_22


def play(tasks, vars_=None):
    return json.dumps([{"hosts": "localhost", "gather_facts": False,
                        "vars": vars_ or {"region": "RegionTwo"}, "tasks": tasks}])


def failed(run, name):
    """Whether the named task failed (results carry no `failed` key; the record's status does)."""
    return [r["status"] for r in run.records if r["task"] == name][-1] == "failed"


def merge(name, sources, dest, **opts):
    return {"name": name, "merge_yaml": {"sources": sources, "dest": str(dest), **opts}, "register": "r"}


@pytest.fixture
def srcs(tmp_path):
    d = tmp_path / "src"
    d.mkdir()
    (d / "base.yml.j2").write_text(
        "service:\n  region: {{ region }}\n  {% if extra | default(false) %}\n  extra: yes\n  {% endif %}\n"
        "  ports: [5000, 5001]\nname: caf\u00e9\n")
    (d / "override.yml").write_text("service:\n  ports: [6000]\n  debug: on\nlevel: '010'\n")
    return d


BASE_THEN_OVERRIDE = (
    "level: '010'\nname: \"caf\\xE9\"\nservice:\n  debug: true\n  ports:\n  - 6000\n  region: RegionTwo\n")


def test_templates_merges_skips_missing_and_is_idempotent(playbook, tmp_path, srcs):
    dest = tmp_path / "out.yml"
    t = merge("m", [str(srcs / "base.yml.j2"), str(srcs / "nope.yml"), str(srcs / "override.yml")], dest,
              mode="0640")
    first = playbook(play([t]))
    assert first.rc == 0, first.stdout
    assert dest.read_text() == BASE_THEN_OVERRIDE
    r = first.result("m")
    assert r["changed"] is True and r["mode"] == "0640"
    assert r["checksum"] == hashlib.sha1(BASE_THEN_OVERRIDE.encode()).hexdigest()
    assert "RegionTwo" not in json.dumps(r.get("invocation", {}))
    mtime = dest.stat().st_mtime_ns
    second = playbook(play([t]))
    assert second.rc == 0 and second.result("m")["changed"] is False
    assert dest.stat().st_mtime_ns == mtime


def test_extend_lists_vars_and_comma_separated_sources(playbook, tmp_path, srcs):
    dest = tmp_path / "out.yml"
    t = merge("m", f"{srcs / 'base.yml.j2'},{srcs / 'override.yml'}", dest, extend_lists=True,
              vars={"extra": True, "region": "R3"})
    run = playbook(play([t]))
    assert run.rc == 0, run.stdout
    assert dest.read_text() == (
        "level: '010'\nname: \"caf\\xE9\"\nservice:\n  debug: true\n  extra: true\n  ports:\n"
        "  - 5000\n  - 5001\n  - 6000\n  region: R3\n")


def test_check_and_diff_mode_change_nothing(playbook, tmp_path, srcs):
    dest = tmp_path / "out.yml"
    dest.write_text("old: 1\n")
    t = merge("m", [str(srcs / "override.yml")], dest)
    run = playbook(play([t]), "--check", "--diff")
    assert run.rc == 0, run.stdout
    r = run.result("m")
    assert r["changed"] is True
    assert dest.read_text() == "old: 1\n"
    diff = r["diff"][0] if isinstance(r["diff"], list) else r["diff"]
    assert diff["before"] == "old: 1\n" and "ports:\n  - 6000" in diff["after"]


def test_no_source_fails_naming_them_and_leaves_dest(playbook, tmp_path):
    dest = tmp_path / "out.yml"
    dest.write_text("keep: me\n")
    run = playbook(play([merge("m", [str(tmp_path / "a.yml"), str(tmp_path / "b.yml")], dest)]))
    r = run.result("m")
    assert failed(run, "m")
    assert str(tmp_path / "a.yml") in r["msg"] and str(tmp_path / "b.yml") in r["msg"]
    assert dest.read_text() == "keep: me\n"


@pytest.mark.parametrize("text,expect", [
    ("a: [1\n", "line 2"),
    ("- a\n- b\n", "is a list, not a mapping"),
    ("just text\n", "is a str, not a mapping"),
    ("a: 1\n---\nb: 2\n", "single document"),
    ("a: !!python/object:os.system x\n", "could not determine a constructor"),
    ("a: *nowhere\n", "unknown anchor"),
    ("a: 0x_\n", "invalid int"),
    ("a: \x07\n", "unacceptable character"),
])
def test_bad_sources_fail_with_path_and_leave_dest(playbook, tmp_path, text, expect):
    good = tmp_path / "good.yml"
    good.write_text("a: 1\n")
    bad = tmp_path / "bad.yml"
    bad.write_text(text)
    dest = tmp_path / "out.yml"
    dest.write_text("keep: me\n")
    run = playbook(play([merge("m", [str(good), str(bad)], dest)]))
    r = run.result("m")
    assert failed(run, "m") and str(bad) in r["msg"] and expect in r["msg"], r["msg"]
    assert "Traceback" not in run.stdout
    assert dest.read_text() == "keep: me\n"


def test_conflicting_types_fail_with_the_key_path(playbook, tmp_path):
    a, b = tmp_path / "a.yml", tmp_path / "b.yml"
    a.write_text("x:\n  l: [1]\n  s: str\n")
    b.write_text("x:\n  l: 5\n")
    dest = tmp_path / "out.yml"
    run = playbook(play([merge("m", [str(a), str(b)], dest, extend_lists=True)]))
    assert "key x.l" in run.result("m")["msg"]
    b.write_text("x:\n  s: {k: v}\n")
    run = playbook(play([merge("m", [str(a), str(b)], dest)]))
    assert "key x.s" in run.result("m")["msg"]
    assert not dest.exists()


# kolla-ansible 22.2's own merge_yaml tasks whose templates render with a few variables.
# (opensearch's and prometheus's need kolla's address filters and inventory groups.)
ROLE_TEMPLATES = [
    "bifrost/templates/bifrost.yml.j2",
    "bifrost/templates/dib.yml.j2",
    "bifrost/templates/servers.yml.j2",
    "ceilometer/templates/event_pipeline.yaml.j2",
    "skyline/templates/skyline.yaml.j2",
]


def role_vars(path):
    """A value for every variable the template uses: flags off, ports numbers, the rest text."""
    import jinja2
    from jinja2 import meta
    env = jinja2.Environment()
    # Parsing checks filter names: stand-ins for Ansible's and kolla's, never called.
    env.filters.update({f: str for f in ("bool", "to_json", "to_yaml", "kolla_address",
                                          "put_address_in_context", "regex_replace", "ternary")})
    names = meta.find_undeclared_variables(env.parse(path.read_text()))
    out = {}
    for n in sorted(names):
        if "enable" in n or "tls" in n:
            out[n] = False
        elif "port" in n or "seconds" in n:
            out[n] = 8080
        else:
            out[n] = f"val-{n}"
    return out


@pytest.mark.parametrize("template", ROLE_TEMPLATES)
def test_kolla_role_templates_render_the_same_both_ways(playbook, tmp_path, template):
    src = REF_22 / "roles" / template
    override = tmp_path / "override.yml"
    override.write_text("custom:\n  added: [1, 2]\n  flag: yes\n")
    v = role_vars(src)
    outs = {}
    for action, plugins in (("ref", REF_22 / "action_plugins"), ("ours", None)):
        dest = tmp_path / f"{action}.yml"
        t = merge("m", [str(src), str(override)], dest, mode="0660", yaml_width=131072)
        run = playbook(play([t], v), action_plugins=plugins)
        assert run.rc == 0, run.stdout[-2000:]
        outs[action] = dest.read_bytes()
    assert b"custom:\n  added:\n  - 1\n  - 2\n  flag: true\n" in outs["ours"]
    assert outs["ours"] == outs["ref"]


KILLS = 20


def test_sigkill_never_leaves_a_mix(tmp_path):
    big = "\n".join(f"key{i}:\n  value: value-{i}-{'x' * 40}\n  list: [a, b, {i}]" for i in range(20_000))
    dest = tmp_path / "dest" / "big.yml"
    dest.parent.mkdir()
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"rendered": [{"path": "big.yml", "content": big}], "dest": str(dest)}))
    old = b"old: " + b"O" * (8 * 1024 * 1024) + b"\n"

    dest.write_bytes(old)
    t0 = time.perf_counter()
    out = subprocess.run([str(MODULES / "merge_yaml"), str(argfile)], capture_output=True, text=True)
    full = time.perf_counter() - t0
    assert json.loads(out.stdout).get("changed") is True, out.stdout[:500]
    new = dest.read_bytes()
    valid = {hashlib.sha256(old).digest(): "old", hashlib.sha256(new).digest(): "new"}
    rng = random.Random("sigkill-merge_yaml")
    seen = {"old": 0, "new": 0}
    for _ in range(KILLS):
        dest.write_bytes(old)
        proc = subprocess.Popen([str(MODULES / "merge_yaml"), str(argfile)], stdout=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, full * 1.1))
        proc.kill()
        proc.wait()
        state = valid.get(hashlib.sha256(dest.read_bytes()).digest())
        assert state, "destination holds neither the old nor the new content"
        seen[state] += 1
    dest.write_bytes(old)
    out = subprocess.run([str(MODULES / "merge_yaml"), str(argfile)], capture_output=True, text=True)
    assert json.loads(out.stdout)["changed"] is True
    assert [p.name for p in dest.parent.iterdir()] == ["big.yml"], "stray temporary files"
    assert dest.read_bytes() == new
    print(f"\nmerge_yaml: {KILLS} kills, destination old {seen['old']}x, new {seen['new']}x, never mixed")
