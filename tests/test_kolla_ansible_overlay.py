"""bin/kolla-rust-overlay: kolla-ansible 22.2.0's own playbooks run with our modules.

kolla-ansible comes from PyPI (tests/env/kolla_ansible.sh makes its venv).
`kolla-ansible genconfig` runs twice on localhost (ansible_connection=local),
once with its stock plugins and once through the overlay, each rendering into
a node_config_directory of its own under tmp_path (never /etc/kolla). A
callback plugin records, for every task, which module and action plugin files
Ansible resolved, which proves that ours ran; then the rendered trees must be
identical. Services enabled (few, to stay in the time budget): keystone and
memcached (merge_configs) and opensearch (merge_yaml), plus what kolla-ansible
always configures (common: cron, kolla-toolbox). No config task of these
calls kolla_container, kolla_container_facts or kolla_toolbox. Set
KOLLA_RUST_OVERLAY_BENCH=1 to also time three alternating
genconfig runs of each (printed, not asserted).

`kolla-ansible prechecks` runs through the overlay for memcached only
(`-t memcached`): its service prechecks call kolla_container_facts (ours, on
the test engine) and check the port is free. The other prechecks cannot pass
on this machine whoever's plugins run: the prechecks role wants systemd as
the service manager, the Docker SDK and dbus-python in the target's Python
and a `kolla` user; keystone's wants port 5000, where the test registry
listens. Stock kolla-ansible is not run there: its kolla_container_facts needs
the Docker SDK, which its venv does not have.
"""
import json
import os
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from conftest import CACHE, REF_22, ROOT, VENV

KA_VENV = CACHE / "kolla-ansible-22.2.0-venv"
KA_TREE = KA_VENV / "share" / "kolla-ansible" / "ansible"
OVERLAY = ROOT / "bin" / "kolla-rust-overlay"
REPLACED = ("kolla_container", "kolla_container_facts", "kolla_toolbox", "merge_configs", "merge_yaml")
SERVICES = ("keystone", "memcached", "opensearch")

# Records, per task, the module and action plugin files its action resolves
# to, asking Ansible's own plugin loaders in the controller process (where
# the playbook-adjacent library/ and action_plugins/ have been added).
RESOLVED_CALLBACK = '''
import json, os
from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import action_loader, module_loader

class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "resolved"
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, result, status):
        task = result._task
        name = task.action
        module = module_loader.find_plugin_with_context(name)
        action = action_loader.find_plugin_with_context(name)
        entry = {"action": name, "status": status,
                 "module": module.plugin_resolved_path if module.resolved else None,
                 "action_plugin": action.plugin_resolved_path if action.resolved else None,
                 "keys": sorted(result._result)}
        with open(os.environ["H_OVERLAY_RECORD"], "a") as f:
            f.write(json.dumps(entry, default=str) + "\\n")

    def v2_runner_on_ok(self, result):
        self._write(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed")
'''

@pytest.fixture(autouse=True, scope="module")
def kolla_ansible_venv():
    # tests/env/up.sh makes it (tests/env/kolla_ansible.sh); its absence is a broken
    # environment, not a skip.
    assert (KA_VENV / ".kolla-rust-ready").is_file(), \
        f"no kolla-ansible venv at {KA_VENV}: run tests/env/up.sh"


def overlay(*args):
    return subprocess.run([str(OVERLAY), *map(str, args)], capture_output=True, text=True, timeout=60)


def ours_action_plugin(out_dir, name):
    """The overlay's action plugin for one of our modules, or None where we have none."""
    if (ROOT / "action_plugins" / f"{name}.py").is_file():
        return str(out_dir / "action_plugins" / f"{name}.py")
    return None


def genpwd_once(tmp_path_factory):
    path = tmp_path_factory.getbasetemp() / "passwords.yml"
    if not path.exists():
        shutil.copy(KA_VENV / "share" / "kolla-ansible" / "etc_examples" / "kolla" / "passwords.yml", path)
        subprocess.run([str(KA_VENV / "bin" / "kolla-genpwd"), "-p", str(path)], check=True,
                       capture_output=True, timeout=60)
    return path


class Genconfig:
    """One kolla-ansible config dir plus node_config_directory, and a way to run genconfig there."""

    def __init__(self, base: Path, passwords: Path):
        self.base = base
        self.etc = base / "etc"
        self.node = base / "node"
        self.record = base / "resolved.jsonl"
        for d in (self.etc, self.node, base / "custom", base / "callbacks"):
            d.mkdir(parents=True, exist_ok=True)
        shutil.copy(passwords, self.etc / "passwords.yml")
        enabled = "\n".join(f"enable_{s}: true" for s in SERVICES)
        (self.etc / "globals.yml").write_text(textwrap.dedent(f"""\
            ---
            kolla_base_distro: debian
            network_interface: lo
            neutron_external_interface: lo
            kolla_internal_vip_address: 127.0.0.1
            node_config_directory: {self.node}
            node_custom_config: {base / "custom"}
            enable_openstack_core: false
            enable_haproxy: false
            enable_mariadb: false
            enable_proxysql: false
            enable_keepalived: false
            enable_fluentd: false
            """) + enabled + "\n")
        (base / "callbacks" / "resolved.py").write_text(RESOLVED_CALLBACK)

    def run(self, playbook=None, command=("genconfig",)):
        """A kolla-ansible command (genconfig by default) with its CLI; the seconds it took."""
        self.record.unlink(missing_ok=True)
        if self.node.exists():
            shutil.rmtree(self.node)
        self.node.mkdir()
        env = dict(os.environ, PATH=f"{KA_VENV / 'bin'}:{os.environ['PATH']}",
                   ANSIBLE_CALLBACK_PLUGINS=str(self.base / "callbacks"),
                   ANSIBLE_CALLBACKS_ENABLED="resolved", H_OVERLAY_RECORD=str(self.record))
        # kolla-ansible's group_vars pick the interpreter from the facts; on
        # this machine that is a pyenv shim without a Python behind it.
        argv = [str(KA_VENV / "bin" / "kolla-ansible"), *command,
                "-i", str(KA_TREE / "inventory" / "all-in-one"), "--configdir", str(self.etc),
                "-e", f"ansible_python_interpreter={KA_VENV / 'bin' / 'python'}"]
        if playbook:
            argv += ["-p", str(playbook)]
        start = time.monotonic()
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=self.base, timeout=900)
        took = time.monotonic() - start
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        return took

    def resolved(self):
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def tree(self):
        """Every rendered file (relative path -> bytes, with this run's directories neutral) and mode."""
        out = {}
        for path in sorted(self.node.rglob("*")):
            rel = str(path.relative_to(self.node))
            if path.is_file():
                data = path.read_bytes().replace(str(self.base).encode(), b"@BASE@")
                out[rel] = (data, oct(path.stat().st_mode & 0o7777))
            elif path.is_dir():
                out[rel + "/"] = (None, oct(path.stat().st_mode & 0o7777))
        return out


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("overlay") / "out"
    proc = overlay(KA_TREE, out)
    assert proc.returncode == 0, proc.stderr
    return out


def test_every_replaced_plugin_is_ours(out_dir):
    manifest = json.loads((out_dir / ".kolla-rust-overlay.json").read_text())
    assert manifest["kolla_ansible_version"] == "22.2.0"
    assert manifest["kolla_ansible_version_from"].startswith("dist-info ")
    assert manifest["replaced"] == sorted(REPLACED)
    for name in REPLACED:
        assert (out_dir / "library" / name).resolve() == (ROOT / "plugins" / "modules" / name).resolve()
    # Every action plugin of ours for a replaced module, and only those.
    ours = sorted(f"{n}.py" for n in REPLACED if (ROOT / "action_plugins" / f"{n}.py").is_file())
    assert {"merge_configs.py", "merge_yaml.py"} <= set(ours)
    assert sorted(p.name for p in (out_dir / "action_plugins").iterdir()) == ours
    for name in ours:
        assert (out_dir / "action_plugins" / name).resolve() == (ROOT / "action_plugins" / name).resolve()
    # No kolla-ansible Python module is left beside ours to win a name lookup.
    assert not list((out_dir / "library").glob("*.py"))
    assert (out_dir / "roles").resolve() == KA_TREE.resolve() / "roles"
    assert (out_dir / "collections" / "ansible_collections" / "kolla" / "rust").resolve() == ROOT.resolve()


def test_genconfig_runs_ours_and_renders_what_stock_renders(out_dir, tmp_path, tmp_path_factory):
    passwords = genpwd_once(tmp_path_factory)
    stock = Genconfig(tmp_path / "stock", passwords)
    ours = Genconfig(tmp_path / "ours", passwords)
    stock.run()
    ours.run(out_dir / "site.yml")

    used = [e for e in ours.resolved() if e["action"] in REPLACED]
    assert {e["action"] for e in used} == {"merge_configs", "merge_yaml"}, used
    for e in used:
        assert e["module"] == str(out_dir / "library" / e["action"]), e
        assert e["action_plugin"] == ours_action_plugin(out_dir, e["action"]), e
    stock_used = [e for e in stock.resolved() if e["action"] in REPLACED]
    assert stock_used and all(str(KA_TREE) in (e["action_plugin"] or e["module"]) for e in stock_used)

    want, got = stock.tree(), ours.tree()
    assert len(want) > 20
    assert sorted(got) == sorted(want)
    differ = [rel for rel in want if want[rel] != got[rel]]
    assert differ == [], differ


def test_prechecks_run_our_container_facts(out_dir, tmp_path, tmp_path_factory):
    ours = Genconfig(tmp_path / "ours", genpwd_once(tmp_path_factory))
    ours.run(out_dir / "site.yml", command=("prechecks", "-t", "memcached"))
    facts = [e for e in ours.resolved() if e["action"] == "kolla_container_facts"]
    assert facts and all(e["status"] == "ok" for e in facts), facts
    assert {e["module"] for e in facts} == {str(out_dir / "library" / "kolla_container_facts")}
    assert {e["action_plugin"] for e in facts} == {ours_action_plugin(out_dir, "kolla_container_facts")}
    assert "containers" in facts[0]["keys"]


def test_rerun_replaces_the_overlay(tmp_path):
    out = tmp_path / "overlay"
    assert overlay(KA_TREE, out).returncode == 0
    (out / "stale").write_text("left by an older overlay")
    proc = overlay(KA_TREE, out)
    assert proc.returncode == 0, proc.stderr
    assert not (out / "stale").exists()
    assert (out / "library" / "kolla_container").resolve() == (ROOT / "plugins" / "modules" / "kolla_container")
    assert [p.name for p in tmp_path.iterdir()] == ["overlay"]


def test_copied_tree_is_recognised_by_its_plugins(tmp_path):
    # The reference copy has no dist-info beside it.
    proc = overlay(REF_22, tmp_path / "overlay")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "overlay" / ".kolla-rust-overlay.json").read_text())
    assert manifest["kolla_ansible_version_from"] == "plugin digest"


@pytest.mark.parametrize("case", ["unsupported", "missing", "not-kolla", "parent", "inside", "foreign-out",
                                  "link-out", "edited", "collection"])
def test_refusals(case, tmp_path):
    out = tmp_path / "overlay"
    tree, extra, want = KA_TREE, [], None
    if case == "unsupported":
        tree, want = REF_22.parent.parent / "kolla-ansible-15.6.0" / "ansible", \
            "kolla-ansible 15.6.0 (recognised by its plugins) is not supported; supported versions: 22.2.0"
    elif case == "missing":
        tree, want = tmp_path / "nope", "does not exist"
    elif case == "not-kolla":
        tree, want = tmp_path, "is not kolla-ansible's ansible/ directory"
    elif case == "parent":
        tree, want = KA_TREE.parent, f"did you mean {KA_TREE}?"
    elif case == "inside":
        out, want = KA_TREE / "overlay", "is inside KOLLA_ANSIBLE_DIR"
    elif case == "foreign-out":
        out.mkdir()
        (out / "mine").write_text("keep")
        want = "was not written by kolla-rust-overlay"
    elif case == "link-out":
        (tmp_path / "real").mkdir()
        out.symlink_to(tmp_path / "real")
        want = "is a symlink"
    elif case == "edited":
        # A copy of 22.2.0 with a dist-info saying so, whose plugin was changed after install.
        prefix = tmp_path / "venv"
        tree = prefix / "share" / "kolla-ansible" / "ansible"
        shutil.copytree(REF_22, tree, symlinks=True)
        dist = prefix / "lib" / "python3.11" / "site-packages" / "kolla_ansible-22.2.0.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: kolla-ansible\nVersion: 22.2.0\n")
        (dist / "RECORD").write_text("../../../share/kolla-ansible/ansible/site.yml,,\n")
        with open(tree / "library" / "kolla_toolbox.py", "a") as f:
            f.write("# local change\n")
        want = "differ from that release's"
    elif case == "collection":
        extra, want = ["--collection", tmp_path], "is not the kolla.rust collection"
    proc = overlay(*extra, tree, out)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert want in proc.stderr, proc.stderr
    assert proc.stderr.startswith("kolla-rust-overlay: ") and proc.stderr.count("\n") == 1
    if case == "foreign-out":
        assert (out / "mine").read_text() == "keep"
    elif case == "link-out":
        assert out.is_symlink() and not list((tmp_path / "real").iterdir())
    elif case != "inside":
        assert not out.exists()


def test_installed_collection_is_used(tmp_path):
    # What `make collection` stages (the parts the overlay uses), built and
    # installed by ansible-galaxy as an operator would.
    stage = tmp_path / "stage"
    (stage / "plugins" / "modules").mkdir(parents=True)
    shutil.copytree(ROOT / "action_plugins", stage / "plugins" / "action")
    if (ROOT / "plugins" / "plugin_utils").is_dir():
        shutil.copytree(ROOT / "plugins" / "plugin_utils", stage / "plugins" / "plugin_utils")
    for f in ("galaxy.yml", "README.md", "LICENSE"):
        shutil.copy(ROOT / f, stage / f)
    for name in REPLACED:
        shutil.copy(ROOT / "plugins" / "modules" / name, stage / "plugins" / "modules" / name)
    galaxy = str(VENV / "bin" / "ansible-galaxy")
    subprocess.run([galaxy, "collection", "build", "--output-path", str(tmp_path), str(stage)],
                   check=True, capture_output=True, timeout=120)
    tarball = next(tmp_path.glob("kolla-rust-*.tar.gz"))
    installed = tmp_path / "collections"
    # --force: the repository's ansible.cfg already has a kolla.rust (the tree itself).
    subprocess.run([galaxy, "collection", "install", "--offline", "--force", "-p", str(installed), str(tarball)],
                   check=True, capture_output=True, timeout=120, cwd=tmp_path)
    coll = installed / "ansible_collections" / "kolla" / "rust"
    out = tmp_path / "overlay"
    proc = overlay("--collection", installed, KA_TREE, out)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((out / ".kolla-rust-overlay.json").read_text())
    assert manifest["collection"] == str(coll.resolve())
    assert manifest["replaced"] == sorted(REPLACED)
    assert (out / "library" / "kolla_toolbox").resolve() == (coll / "plugins" / "modules" / "kolla_toolbox").resolve()
    assert (out / "action_plugins" / "merge_yaml.py").resolve() == \
        (coll / "plugins" / "action" / "merge_yaml.py").resolve()
