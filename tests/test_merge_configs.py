"""merge_configs end to end: our action plugin and binary through
ansible-playbook and ad hoc, and the binary directly."""
import hashlib
import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def task(sources, dest, options=None, keywords=None, action="merge_configs"):
    """A one-task play as JSON (which is YAML): `options` for the module, `keywords` for the task.
    A list of `sources` is given as paths; anything else is given as it is."""
    if isinstance(sources, (list, tuple)):
        sources = [str(s) for s in sources]
    t = {"name": "merge", action: {"sources": sources, "dest": str(dest), **(options or {})},
         "register": "r", **(keywords or {})}
    return json.dumps([{"hosts": "localhost", "gather_facts": False,
                        "vars": {"region": "RegionTwo", "workers": 3}, "tasks": [t]}])


@pytest.fixture
def layers(tmp_path):
    base = write(tmp_path / "src" / "base.conf.j2", """\
        [DEFAULT]
        region = {{ region }}
        {% if workers > 1 %}
            {% for i in range(workers) %}
        worker_{{ i }} = yes
            {% endfor %}
        {% endif %}
        hosts = a
          b
        [db]
        url = sqlite://
        """)
    override = write(tmp_path / "src" / "override.conf", """\
        [db]
        url = mysql://{{ region | lower }}
        pool = 5
        pool = 6
        """)
    return base, override


EXPECTED = (
    "[DEFAULT]\nregion = RegionTwo\nworker_0 = yes\nworker_1 = yes\nworker_2 = yes\n"
    "hosts = a\n        b\n\n[db]\nurl = mysql://regiontwo\npool = 5\npool = 6\n\n"
)


def test_templates_merges_skips_missing_and_is_idempotent(playbook, tmp_path, layers):
    dest = tmp_path / "out" / "svc.conf"
    dest.parent.mkdir()
    play = task([layers[0], tmp_path / "src" / "missing.conf", layers[1]], dest)
    first = playbook(play)
    assert first.rc == 0, first.stdout
    assert dest.read_text() == EXPECTED
    r = first.result("merge")
    assert r["changed"] is True
    assert r["checksum"] == hashlib.sha1(EXPECTED.encode()).hexdigest()
    assert r["size"] == len(EXPECTED) and r["dest"] == str(dest)
    assert (r["mode"], r["owner"], r["uid"], r["group"], r["gid"]) == ("0644", "root", 0, "root", 0)
    # The rendered texts never show in the result (config files hold secrets).
    assert "RegionTwo" not in str(r.get("invocation", ""))
    mtime = dest.stat().st_mtime_ns
    second = playbook(play)
    assert second.rc == 0 and second.result("merge")["changed"] is False
    assert dest.stat().st_mtime_ns == mtime


def test_mode_owner_group_and_attribute_only_change(playbook, tmp_path, layers):
    dest = tmp_path / "attrs.conf"
    run = playbook(task(layers, dest, {"mode": "0640", "owner": "nobody", "group": "nogroup"}))
    assert run.rc == 0, run.stdout
    st = dest.stat()
    assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == (0o640, 65534, 65534)
    r = run.result("merge")
    assert (r["mode"], r["owner"], r["group"], r["uid"], r["gid"]) == ("0640", "nobody", "nogroup", 65534, 65534)

    # Same content, another mode: changed, the file's bytes are kept.
    ino = st.st_ino
    run = playbook(task(layers, dest, {"mode": "0600"}), "--diff")
    assert run.rc == 0 and run.result("merge")["changed"] is True
    assert dest.stat().st_mode & 0o7777 == 0o600 and dest.stat().st_ino == ino
    assert dest.read_text() == EXPECTED
    assert "0640" in run.stdout and "0600" in run.stdout  # attribute diff


def test_check_mode_writes_nothing(playbook, tmp_path, layers):
    dest = tmp_path / "check.conf"
    run = playbook(task(layers, dest), "--check")
    assert run.rc == 0 and run.result("merge")["changed"] is True
    assert not dest.exists()
    dest.write_text("old\n")
    run = playbook(task(layers, dest, {"mode": "0600"}), "--check")
    assert run.result("merge")["changed"] is True
    assert dest.read_text() == "old\n" and dest.stat().st_mode & 0o777 == 0o644


def test_diff_mode_shows_before_and_after(playbook, tmp_path, layers):
    dest = tmp_path / "diff.conf"
    dest.write_text("[db]\nurl = old\n")
    run = playbook(task(layers, dest), "--diff")
    assert run.rc == 0
    assert f"--- before: {dest}" in run.stdout
    assert "-url = old" in run.stdout and "+url = mysql://regiontwo" in run.stdout
    d = run.result("merge")["diff"]
    d = d[0] if isinstance(d, list) else d
    assert d["before"] == "[db]\nurl = old\n" and d["after"] == EXPECTED
    # Without --diff no diff is returned.
    assert "diff" not in playbook(task(layers, tmp_path / "nodiff.conf")).result("merge")


def test_backup_keeps_the_old_file(playbook, tmp_path, layers):
    dest = tmp_path / "b.conf"
    dest.write_text("previous\n")
    run = playbook(task(layers, dest, {"backup": True}))
    backup = Path(run.result("merge")["backup_file"])
    assert backup.read_text() == "previous\n" and dest.read_text() == EXPECTED
    assert backup.parent == tmp_path and backup.name.startswith("b.conf.")


def test_become_root_and_su_to_another_user(playbook, tmp_path, layers):
    """become: true as root works without sudo (Ansible skips becoming the same
    user); becoming another user with su really runs the module as that user."""
    dest = tmp_path / "root.conf"
    run = playbook(task(layers, dest, keywords={"become": True}))
    assert run.rc == 0, run.stdout
    assert dest.read_text() == EXPECTED
    # pytest's own tmp directories are private to root: nobody needs a path it can walk.
    owned = Path(tempfile.mkdtemp(prefix="merge-configs-su-"))
    owned.chmod(0o755)
    os.chown(owned, 65534, 65534)
    become = {"become": True, "become_user": "nobody", "become_method": "su", "become_flags": "-s /bin/sh"}
    try:
        run = playbook(task(layers, owned / "x.conf", keywords=become))
        assert run.rc == 0, run.stdout
        assert (owned / "x.conf").stat().st_uid == 65534
        assert run.result("merge")["owner"] == "nobody"
    finally:
        shutil.rmtree(owned)


@pytest.mark.parametrize("bad, line, what", [
    ("[db]\nurl = 1\njust words\n", 3, "no ':' or '=' found"),
    ("[db\nurl = 1\n", 1, "invalid section"),
    ("[db]\n\n   indented\n", 3, "unexpected continuation"),
    ("[]\n", 1, "empty section name"),
])
def test_bad_input_fails_with_file_and_line_and_leaves_dest(playbook, tmp_path, layers, bad, line, what):
    dest = tmp_path / "keep.conf"
    dest.write_text("[keep]\nme = 1\n")
    os.utime(dest, ns=(1_000_000_000, 1_000_000_000))
    broken = write(tmp_path / "src" / "broken.conf", bad)
    run = playbook(task([layers[0], broken], dest, {"mode": "0600"}))
    assert run.rc != 0
    r = run.result("merge")
    assert run.records[-1]["status"] == "failed" and r["changed"] is False
    assert f"{broken}: line {line}: {what}" in r["msg"], r["msg"]
    assert dest.read_text() == "[keep]\nme = 1\n"
    assert dest.stat().st_mtime_ns == 1_000_000_000 and dest.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep.conf")] == []


def test_option_errors_are_clear(playbook, tmp_path, layers):
    run = playbook(task(layers, tmp_path / "x.conf", {"owner": "no-such-user"}))
    assert "user 'no-such-user' does not exist" in run.result("merge")["msg"]
    run = playbook(task(layers, tmp_path / "x.conf", {"mode": "u=rw"}))
    assert "is not an octal permission" in run.result("merge")["msg"]
    run = playbook(task(layers, tmp_path / "x.conf", {"validate": "/bin/true %s"}))
    assert "Unsupported parameters" in run.result("merge")["msg"]
    (tmp_path / "adir").mkdir()
    run = playbook(task(layers, tmp_path / "adir"))
    assert "is a directory" in run.result("merge")["msg"]
    assert not (tmp_path / "x.conf").exists()
    for mode in ((), ("--check",)):
        run = playbook(task(layers, tmp_path / "no" / "such" / "dir.conf"), *mode)
        assert "directory " in run.result("merge")["msg"] and "does not exist" in run.result("merge")["msg"]


def test_direct_module_use_reads_target_files(adhoc, tmp_path):
    """Without the action plugin (none on the plugin path), sources are files on
    the target, read as Python's text mode reads them (CRLF and CR become LF)."""
    a = tmp_path / "a.ini"
    a.write_bytes(b"[s]\r\nk = 1\r\nm = x\r  y\r\n")
    b = tmp_path / "b.ini"
    b.write_text("[s]\nk = {{ not templated }}\n")
    dest = tmp_path / "c.ini"
    empty = tmp_path / "no-action-plugins"
    empty.mkdir()
    run = adhoc("merge_configs", f"sources={a},{tmp_path / 'missing.ini'},{b} dest={dest} whitespace=no",
                env={"ANSIBLE_ACTION_PLUGINS": str(empty)})
    assert run.rc == 0, run.stdout
    assert dest.read_text() == "[s]\nk={{ not templated }}\nm=x\n  y\n\n"


@pytest.fixture
def ini_pair(tmp_path):
    a = write(tmp_path / "a.ini", "[s]\nk = 1\nj = {{ 1 + 1 }}\n")
    b = write(tmp_path / "b.ini", "[s]\nk = 3\n")
    return a, b


def untouched(dest: Path):
    """Gives `dest` known bytes and an old mtime; returns a check that both are unchanged."""
    dest.write_text("[keep]\nme = 1\n")
    os.utime(dest, ns=(1_000_000_000, 1_000_000_000))

    def check():
        assert dest.read_text() == "[keep]\nme = 1\n"
        assert dest.stat().st_mtime_ns == 1_000_000_000
        assert [p.name for p in dest.parent.iterdir() if p.name.startswith(f".{dest.name}")] == []
    return check


def test_readme_adhoc_example_splits_comma_separated_sources(adhoc, tmp_path, ini_pair):
    """The README's `-a "sources=/a.ini,/b.ini dest=/c.ini"` through the action
    plugin: the comma string is two sources (AnsibleModule's list coercion),
    both templated and merged, never one missing path and an empty dest."""
    a, b = ini_pair
    dest = tmp_path / "c.ini"
    run = adhoc("merge_configs", f"sources={a},{b} dest={dest}")
    assert run.rc == 0, run.stdout
    assert dest.read_text() == "[s]\nk = 3\nj = 2\n\n"
    r = run.result("merge_configs")
    assert r["changed"] is True and r["invocation"]["module_args"]["sources"] == [str(a), str(b)]
    again = adhoc("merge_configs", f"sources={a},{b} dest={dest}")
    assert again.rc == 0 and again.result("merge_configs")["changed"] is False


def test_adhoc_missing_override_is_skipped(adhoc, tmp_path, ini_pair):
    a, b = ini_pair
    dest = tmp_path / "c.ini"
    run = adhoc("merge_configs", f"sources={a},{tmp_path / 'missing.ini'},{b} dest={dest}")
    assert run.rc == 0, run.stdout
    assert dest.read_text() == "[s]\nk = 3\nj = 2\n\n"


@pytest.mark.parametrize("plugin", ["action plugin", "binary alone"])
def test_all_sources_missing_fails_and_leaves_dest(adhoc, tmp_path, plugin):
    """Nothing to merge is a mistake (a typo, a wrong directory), not an empty
    config: the task fails naming every source, in check mode too, and dest
    keeps its bytes and mtime."""
    env = {}
    if plugin == "binary alone":
        (tmp_path / "no-action-plugins").mkdir()
        env = {"ANSIBLE_ACTION_PLUGINS": str(tmp_path / "no-action-plugins")}
    dest = tmp_path / "c.ini"
    check = untouched(dest)
    missing = [tmp_path / "a.ini", tmp_path / "nowhere" / "b.ini"]
    for extra in ((), ("--check",)):
        run = adhoc("merge_configs", f"sources={missing[0]},{missing[1]} dest={dest}", *extra, env=env)
        assert run.rc != 0, run.stdout
        r = run.result("merge_configs")
        assert run.records[-1]["status"] == "failed" and r["changed"] is False
        assert "none of the sources exists or is readable" in r["msg"], r["msg"]
        assert f"{missing[0]}, {missing[1]}" in r["msg"] and f"{dest} was not changed" in r["msg"]
        check()


def test_sources_take_any_form_the_list_type_takes(playbook, tmp_path, ini_pair):
    """In a playbook too: a comma-separated string is a list, a single path is a
    one-item list; a mapping is not a list and fails before anything is written."""
    a, b = ini_pair
    dest = tmp_path / "c.ini"
    run = playbook(task(f"{a},{b}", dest))
    assert run.rc == 0, run.stdout
    assert dest.read_text() == "[s]\nk = 3\nj = 2\n\n"
    run = playbook(task(str(b), dest))
    assert run.rc == 0, run.stdout
    assert dest.read_text() == "[s]\nk = 3\n\n"
    check = untouched(dest)
    run = playbook(task({"a": 1}, dest))
    assert run.rc != 0 and "sources must be a list of paths" in run.result("merge")["msg"]
    check()
    run = playbook(task([], dest))
    assert run.rc != 0 and "(none given)" in run.result("merge")["msg"]
    check()


def test_binary_directly(module, tmp_path):
    dest = tmp_path / "d.conf"
    out = module("merge_configs", {"rendered": [{"path": "p", "content": "k = v\n"}], "dest": str(dest)})
    assert out["changed"] is True and dest.read_text() == "k = v\n\n"
    out = module("merge_configs", {"dest": str(dest)})
    assert out["failed"] is True and "sources" in out["msg"]
    out = module("merge_configs", {"sources": [str(tmp_path)], "dest": str(dest)})
    assert out["failed"] is True and "is a directory" in out["msg"]
    # Nothing to merge never replaces dest with an empty file.
    for args in ({"rendered": []}, {"sources": []}, {"sources": [str(tmp_path / "gone.ini")]}):
        out = module("merge_configs", {**args, "dest": str(dest)})
        assert out["failed"] is True and f"{dest} was not changed" in out["msg"], out
        assert dest.read_text() == "k = v\n\n"


def test_fqcn_from_an_installed_collection(playbook, tmp_path, layers):
    """As kolla.rust.merge_configs, with no in-repo plugin paths configured, the
    action plugin must call the collection's module by its full name."""
    coll = tmp_path / "collections" / "ansible_collections" / "kolla"
    coll.mkdir(parents=True)
    (coll / "rust").symlink_to(ROOT)
    cfg = tmp_path / "empty.cfg"
    cfg.write_text("[defaults]\n")
    dest = tmp_path / "fq.conf"
    play = task(layers, dest, action="kolla.rust.merge_configs")
    run = playbook(play, env={"ANSIBLE_CONFIG": str(cfg), "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections")},
                   cwd=tmp_path)
    assert run.rc == 0, run.stdout + run.stderr
    assert dest.read_text() == EXPECTED


def test_ansible_doc_reads_the_documentation():
    import subprocess
    from conftest import VENV
    proc = subprocess.run([str(VENV / "bin" / "ansible-doc"), "-M", str(ROOT / "plugins" / "modules"),
                           "--json", "merge_configs"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)["merge_configs"]["doc"]
    assert set(doc["options"]) == {"sources", "dest", "whitespace", "mode", "owner", "group", "backup", "rendered"}


def test_sources_are_required_by_the_action_plugin(playbook, tmp_path):
    play = json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": [
        {"name": "merge", "merge_configs": {"dest": str(tmp_path / "x.conf")}}]}])
    run = playbook(play)
    assert run.rc != 0 and "merge_configs needs sources" in run.result("merge")["msg"]
    assert not (tmp_path / "x.conf").exists()


def test_binary_runs_in_a_busybox_container_without_libc(tmp_path):
    """Targets need nothing installed: the static binary merges and writes there,
    resolving the owner from the container's own /etc/passwd (no NSS)."""
    from conftest import MODULES, docker
    work = tmp_path / "w"
    work.mkdir()
    (work / "a.ini").write_text("[s]\nk = 1\n")
    (work / "b.ini").write_text("[s]\nk = 2\n  3\n")
    (work / "args.json").write_text(json.dumps(
        {"sources": ["/w/a.ini", "/w/b.ini"], "dest": "/w/out.ini", "owner": "0", "mode": "0600"}))
    proc = docker("run", "--rm", "--network", "none",
                  "-v", f"{MODULES / 'merge_configs'}:/merge_configs:ro", "-v", f"{work}:/w",
                  "kolla-test/busybox:unlabeled", "/merge_configs", "/w/args.json")
    out = json.loads(proc.stdout)
    assert out["changed"] is True, out
    assert (work / "out.ini").read_text() == "[s]\nk = 2\n    3\n\n"
    assert (work / "out.ini").stat().st_mode & 0o777 == 0o600
