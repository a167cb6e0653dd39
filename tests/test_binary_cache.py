"""The binary cache (plugins/plugin_utils/binary_cache.py) over real SSH.

A loopback sshd (tests/env/sshd.py, the one the SSH benchmarks use too) is
the target. A binary is "sent" when ansible's ssh connection logs
`PUT <controller module file> TO ...` at -vvv: that line comes from the
connection's put_file, which every transfer goes through. Each test gets its own cache directory on the target
(kolla_rust_module_cache_dir), so none depends on another's state.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import MODULES, ROOT, VENV, ansible_env, _run

sys.path.insert(0, str(ROOT / "tests" / "env"))
from sshd import Sshd  # noqa: E402  (tests/env/sshd.py)

PUT = re.compile(r"^<[^>]+> PUT (\S+) TO (\S+)$", re.M)


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    server = Sshd(tmp_path_factory.mktemp("kbc-sshd") / "ssh")
    yield server
    server.stop()


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def play(tasks, become=None):
    """A playbook for all hosts running `tasks` (a list of dicts) without facts."""
    head = {"hosts": "all", "gather_facts": False, "tasks": tasks}
    if become:
        head.update(become)
    return json.dumps([head])


def run_play(tmp_path, inventory, text, *args, env=None, forks=1):
    path = tmp_path / f"play-{os.urandom(4).hex()}.yml"
    path.write_text(text)
    extra = {"ANSIBLE_SSH_CONTROL_PATH_DIR": str(tmp_path / "cp"), "ANSIBLE_FORKS": str(forks)}
    extra.update(env or {})
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-vvv", "-i", str(inventory), str(path), *args]
    run = _run(cmd, ansible_env(tmp_path, extra=extra), ROOT, 300)
    # Persistent masters would outlive the test (and its sshd) by a minute.
    for sock in (tmp_path / "cp").glob("*"):
        subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "target"], capture_output=True)
    assert run.rc == 0, run.stdout[-4000:] + run.stderr
    return run


def sent(run, binary):
    """The remote paths the controller file `binary` was sent to, in order."""
    return [dst for src, dst in PUT.findall(run.stdout) if src == str(binary)]


def slurp_tasks(n, src="/etc/hostname"):
    return [{"name": f"slurp {i}", "bslurp": {"src": src}} for i in range(n)]


def test_first_task_sends_the_binary_the_next_ten_do_not_and_a_new_version_once_more(sshd, tmp_path):
    cache = tmp_path / "cache"
    inv = sshd.inventory(tmp_path / "inv", kolla_rust_module_cache_dir=str(cache))
    binary = MODULES / "bslurp"
    run = run_play(tmp_path, inv, play(slurp_tasks(11)))
    dest = cache / sha256(binary) / "bslurp"
    assert len(sent(run, binary)) == 1 and sent(run, binary)[0].startswith(f"{dest.parent}/.bslurp."), run.stdout
    assert dest.read_bytes() == binary.read_bytes()
    assert (dest.parent.stat().st_mode & 0o777) == 0o700 and (cache.stat().st_mode & 0o777) == 0o700
    assert os.listdir(dest.parent) == ["bslurp"], "the temporary name must be gone"
    results = run.results()
    assert len(results) == 11 and all(r == results[0] for r in results), results
    assert results[0]["content"] and not results[0].get("failed")
    before = dest.stat()
    # Bytes after an ELF's last section are ignored by the loader: the same
    # program in a different file, as a rebuild gives.
    library = tmp_path / "newer-modules"  # not library/: ansible searches that beside the playbook
    library.mkdir()
    newer = library / "bslurp"
    newer.write_bytes(binary.read_bytes() + b"kbc-new-version")
    newer.chmod(0o755)
    again = run_play(tmp_path, inv, play(slurp_tasks(2)))
    assert sent(again, binary) == []
    after = dest.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
    run = run_play(tmp_path, inv, play(slurp_tasks(3)), env={"ANSIBLE_LIBRARY": str(library)})
    assert len(sent(run, newer)) == 1, run.stdout
    assert sorted(os.listdir(cache)) == sorted([sha256(binary), sha256(newer)])
    assert (cache / sha256(newer) / "bslurp").read_bytes() == newer.read_bytes()
    assert run.results()[0] == results[0]


def test_results_are_those_of_the_normal_path(sshd, tmp_path):
    """Check mode with diff, then a real run, of merge_configs: on a host with the cache
    and on one without (an empty kolla_rust_module_cache_dir turns it off), the same JSON."""
    src = tmp_path / "a.ini"
    src.write_text("[DEFAULT]\ndebug = {{ 'true' }}\n[db]\nconnection = mysql://x\n")
    inv = tmp_path / "inv"
    sshd.inventory(inv, hosts=("cached",), kolla_rust_module_cache_dir=str(tmp_path / "cache"))
    plain = tmp_path / "inv-plain"
    sshd.inventory(plain, hosts=("normal",), kolla_rust_module_cache_dir="")
    inv.write_text(inv.read_text() + plain.read_text())
    args = {"sources": [str(src)], "dest": str(tmp_path) + "/{{ inventory_hostname }}.conf", "mode": "0640"}
    tasks = [{"name": "check", "merge_configs": args, "check_mode": True, "diff": True},
             {"name": "absent", "stat": {"path": args["dest"]}},
             {"name": "real", "merge_configs": args, "diff": True}]
    run = run_play(tmp_path, inv, play(tasks), forks=2)
    by_host = {}
    for r in run.records:
        if r["task"] != "absent":
            by_host.setdefault(r["host"], []).append(json.dumps(r["result"], sort_keys=True).replace(r["host"], "HOST"))
    assert by_host["cached"] == by_host["normal"] and len(by_host["cached"]) == 2
    assert all(r["result"]["stat"]["exists"] is False for r in run.records if r["task"] == "absent")
    assert (tmp_path / "cached.conf").read_bytes() == (tmp_path / "normal.conf").read_bytes()
    assert "debug = true" in (tmp_path / "cached.conf").read_text()
    check, real = (json.loads(r) for r in by_host["cached"])
    assert check["changed"] is True and check["diff"] and real["changed"] is True
    sends = sent(run, MODULES / "merge_configs")
    assert sum("/AnsiballZ_merge_configs" in p for p in sends) == 2, sends  # the normal host, each task
    assert sum(str(tmp_path / "cache") in p for p in sends) == 1, sends  # the cached host, once


def test_become_root_is_cached_and_become_unprivileged_falls_back(sshd, tmp_path):
    cache = tmp_path / "cache"
    inv = sshd.inventory(tmp_path / "inv", kolla_rust_module_cache_dir=str(cache))
    binary = MODULES / "bslurp"
    as_root = {"hosts": "all", "gather_facts": False, "become": True, "become_method": "su",
               "tasks": slurp_tasks(2)}
    # nobody cannot enter root's 0700 cache: ansible-core's own path (a copy in a
    # tmp dir it hands to that user) runs instead, every task.
    nobody = {"hosts": "all", "gather_facts": False, "become": True, "become_method": "su",
              "become_user": "nobody", "become_flags": "-s /bin/sh",
              "tasks": [{"name": f"nobody {i}", "bslurp": {"src": "/etc/hostname"}} for i in range(2)]
              + [{"name": "whoami", "raw": "id -un"}]}
    run = run_play(tmp_path, inv, json.dumps([as_root, nobody]))
    where = sent(run, binary)
    assert len(where) == 3 and where[0].startswith(str(cache)), run.stdout
    assert [p.rsplit("/", 1)[-1] for p in where[1:]] == ["AnsiballZ_bslurp"] * 2, run.stdout
    assert (cache / sha256(binary) / "bslurp").exists()
    assert run.result("whoami")["stdout"].strip() == "nobody"
    assert run.result("nobody 1") == run.result("slurp 1")


def test_read_only_home_and_unusable_cache_dirs_fall_back(tmp_path):
    """A target whose home is read-only (sshd in a mount namespace where /root is a
    read-only bind mount), and cache dirs that are not directories: the tasks run,
    from a per-task copy, and nothing fails."""
    server = Sshd(tmp_path / "ssh", wrap=(
        "unshare", "-m", "--propagation", "private", "sh", "-c",
        'mount --bind /root /root && mount -o remount,bind,ro /root && exec "$@"', "sh"))
    try:
        binary = MODULES / "bslurp"
        caches = (f"~/kbc-cache-{os.urandom(4).hex()}", "/etc/hostname/cache", "/proc/kbc-cache")
        inv = tmp_path / "inv"
        inv.write_text("".join(server.inventory(tmp_path / f"inv{i}", hosts=(f"h{i}",),
                                                kolla_rust_module_cache_dir=c).read_text()
                               for i, c in enumerate(caches)))
        run = run_play(tmp_path, inv, play(slurp_tasks(2)), forks=3)
        assert [p.rsplit("/", 1)[-1] for p in sent(run, binary)] == ["AnsiballZ_bslurp"] * 6, run.stdout
        assert len(run.results()) == 6 and all(r.get("content") for r in run.results())
        for c in caches:
            assert not os.path.exists(os.path.expanduser(c)), c
    finally:
        server.stop()


def test_a_damaged_cached_file_is_never_executed(sshd, tmp_path):
    """One host's cached file truncated, the other's replaced by a runnable script of
    another size: neither runs, both are sent again and replaced."""
    hosts = ("truncated", "replaced")
    inv = tmp_path / "inv"
    inv.write_text("".join(sshd.inventory(tmp_path / f"inv-{h}", hosts=(h,),
                                          kolla_rust_module_cache_dir=str(tmp_path / h)).read_text()
                           for h in hosts))
    binary = MODULES / "bslurp"
    run_play(tmp_path, inv, play(slurp_tasks(1)), forks=2)
    marker = tmp_path / "executed"
    cached = {h: tmp_path / h / sha256(binary) / "bslurp" for h in hosts}
    cached["truncated"].write_bytes(binary.read_bytes()[: binary.stat().st_size // 2])
    cached["replaced"].write_text(f"#!/bin/sh\ntouch {marker}\necho '{{\"changed\": false}}'\n")
    run = run_play(tmp_path, inv, play(slurp_tasks(2)), forks=2)
    assert not marker.exists()
    assert len(sent(run, binary)) == 2, run.stdout
    assert all(f.read_bytes() == binary.read_bytes() for f in cached.values())
    assert len(run.results()) == 4 and all(r.get("content") for r in run.results())


def test_concurrent_forks_to_one_host(sshd, tmp_path):
    cache = tmp_path / "cache"
    hosts = [f"h{i}" for i in range(4)]
    inv = sshd.inventory(tmp_path / "inv", hosts=hosts, kolla_rust_module_cache_dir=str(cache))
    binary = MODULES / "bslurp"
    run = run_play(tmp_path, inv, play(slurp_tasks(2)), forks=4)
    assert len(run.results()) == 8 and all(r.get("content") for r in run.results())
    assert 1 <= len(sent(run, binary)) <= 4
    assert os.listdir(cache / sha256(binary)) == ["bslurp"]
    assert (cache / sha256(binary) / "bslurp").read_bytes() == binary.read_bytes()


def test_async_falls_back_and_local_connection_copies_nothing(sshd, tmp_path):
    cache = tmp_path / "cache"
    inv = sshd.inventory(tmp_path / "inv", kolla_rust_module_cache_dir=str(cache))
    inv.write_text(inv.read_text() + f"localhost ansible_connection=local kolla_rust_module_cache_dir={cache}\n")
    binary = MODULES / "bslurp"
    tasks = [{"name": "async", "bslurp": {"src": "/etc/hostname"}, "async": 30, "poll": 1,
              "when": "inventory_hostname == 'target'"}] + slurp_tasks(2)
    run = run_play(tmp_path, inv, play(tasks), forks=2)
    # target: the async task is copied as usual; its two plain tasks share one cached copy.
    # localhost: the controller's file is used in place, nothing is copied.
    names = [p.rsplit("/", 1)[-1] for p in sent(run, binary)]
    assert len(names) == 2 and names[0] == "AnsiballZ_bslurp" and names[1].startswith(".bslurp."), run.stdout
    done = [r for r in run.records if r["task"].startswith(("async", "slurp")) and r["status"] == "ok"]
    assert len(done) == 5 and all(r["result"].get("content") for r in done), run.records


def test_bad_cache_dir_values_fail_with_the_reason(tmp_path):
    """Bad input for the one new setting, kolla_rust_module_cache_dir: not a path, or a
    relative one, fails the task saying what is expected; empty turns the cache off."""
    inv = tmp_path / "inv"
    inv.write_text("list ansible_connection=local kolla_rust_module_cache_dir='[1]'\n"
                   "number ansible_connection=local kolla_rust_module_cache_dir=5\n"
                   "relative ansible_connection=local kolla_rust_module_cache_dir=cache/dir\n"
                   "shell ansible_connection=local kolla_rust_module_cache_dir='~$(id)/x'\n"
                   "off ansible_connection=local kolla_rust_module_cache_dir=''\n")
    task = {"name": "slurp", "bslurp": {"src": "/etc/hostname"}, "ignore_errors": True}
    run = run_play(tmp_path, inv, play([task]), forks=5)
    got = {r["host"]: r for r in run.records}
    for host, shown in (("list", "[1]"), ("number", "5"), ("relative", "'cache/dir'"), ("shell", "'~$(id)/x'")):
        assert got[host]["status"] == "failed", got[host]
        msg = got[host]["result"]["msg"]
        assert "kolla_rust_module_cache_dir must be an absolute path or one starting with ~" in msg, msg
        assert msg.endswith(f"or empty to turn the binary cache off; got {shown}"), msg
    assert got["off"]["status"] == "ok" and got["off"]["result"].get("content")
    assert not (ROOT / "cache").exists()


def test_local_connection_copies_a_file_it_must_not_chmod(tmp_path):
    """ansible-core chmods u+rwx what it runs; through a symlink that would change (or,
    for another user's file, fail on) the controller's module file, so a 0555 binary
    is copied as usual and left as it is."""
    library = tmp_path / "modules"
    library.mkdir()
    binary = library / "bslurp"
    shutil.copy(MODULES / "bslurp", binary)
    binary.chmod(0o555)
    inv = tmp_path / "inv"
    inv.write_text(f"localhost ansible_connection=local kolla_rust_module_cache_dir={tmp_path / 'cache'}\n")
    run = run_play(tmp_path, inv, play(slurp_tasks(1)), env={"ANSIBLE_LIBRARY": str(library)})
    assert [p.rsplit("/", 1)[-1] for p in sent(run, binary)] == ["AnsiballZ_bslurp"], run.stdout
    assert binary.stat().st_mode & 0o777 == 0o555 and run.result("slurp 0").get("content")
    assert not (tmp_path / "cache").exists()
