"""The collection as users get it: `make package` assembles it and builds the
platform-named tarball, `ansible-galaxy collection install` puts it in a
collections path, then modules, roles and the site playbook run from a
directory outside the repository with nothing of the repository's."""
import base64
import configparser
import json
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, VENV, ansible_env, _run

VERSION = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
ARTIFACT = f"kolla-rust-{VERSION}-linux-x86_64.tar.gz"
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
# Every module binary of the collection is documented by its sidecar .yml.
MODULE_DOCS = sorted(p.stem for p in (ROOT / "plugins" / "modules").glob("*.yml"))
ACTION_PLUGINS = sorted(p.name for p in (ROOT / "action_plugins").glob("*.py"))


def tool(name, *args, env=None, cwd=ROOT, timeout=300):
    proc = subprocess.run([str(VENV / "bin" / name), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc


@dataclass
class Installed:
    work: Path
    stage: Path
    tarball: Path
    collections: Path


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    work = tmp_path_factory.mktemp("collection")
    proc = subprocess.run(["make", "-s", "package", f"COLLECTION_ROOT={work / 'stage'}",
                           f"DIST_DIR={work / 'dist'}"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    tarball = work / "dist" / ARTIFACT
    assert tarball.is_file(), sorted(os.listdir(work / "dist"))
    tool("ansible-galaxy", "collection", "install", "--force", "-p", str(work / "collections"), str(tarball))
    return Installed(work, work / "stage" / "ansible_collections" / "kolla" / "rust", tarball,
                     work / "collections")


@pytest.fixture
def outside(installed, tmp_path):
    """A directory outside the repository whose ansible.cfg knows nothing of it,
    and an environment whose only collection path is the installed copy."""
    where = tmp_path / "elsewhere"
    where.mkdir()
    (where / "ansible.cfg").write_text("[defaults]\n")
    env = ansible_env(tmp_path, extra={
        "ANSIBLE_CONFIG": str(where / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(installed.collections),
    })
    return where, env


def test_tarball_holds_the_collection_and_nothing_of_the_repository(installed):
    with tarfile.open(installed.tarball) as tar:
        members = {m.name: m for m in tar.getmembers()}
    names = set(members)
    for m in MODULE_DOCS:
        assert {f"plugins/modules/{m}", f"plugins/modules/{m}.yml"} <= names, m
        assert members[f"plugins/modules/{m}"].mode & 0o111, f"{m} must stay executable"
    # Each action plugin once, as a regular file under plugins/action/.
    assert sorted(n for n in names if n.startswith("plugins/action/") and n.endswith(".py")) == \
        [f"plugins/action/{p}" for p in ACTION_PLUGINS]
    assert members["plugins/action"].isdir() and not members["plugins/action"].issym()
    assert not any(m.issym() or m.islnk() for m in members.values())
    assert {"LICENSE", "README.md", "meta/runtime.yml", "playbooks/site.yml", "playbooks/group_vars/all.yml",
            "changelogs/changelog.yaml", "changelogs/config.yaml"} <= names
    assert {f"roles/{r}/meta/argument_specs.yml" for r in ROLES} <= names
    top = {n.split("/")[0] for n in names}
    for repo_only in ("action_plugins", "bin", "inventory", "etc", "group_vars", "ansible.cfg", "modules",
                      "target", "tests", "tools", "fuzz", "bench", "Cargo.toml", "Makefile", ".ansible-lint"):
        assert repo_only not in top, repo_only
    manifest = json.loads(tar_member(installed.tarball, "MANIFEST.json"))["collection_info"]
    assert manifest["version"] == VERSION and manifest["license"] == ["Apache-2.0"]
    assert "x86_64" in manifest["description"] and "linux" in manifest["tags"]


def tar_member(tarball, name):
    with tarfile.open(tarball) as tar:
        return tar.extractfile(name).read()


def test_installed_docs_and_fqcn_playbook_outside_repo(installed, outside, tmp_path):
    where, env = outside
    for name in MODULE_DOCS:
        doc = tool("ansible-doc", f"kolla.rust.{name}", env=env, cwd=where)
        assert f"kolla.rust.{name}" in doc.stdout
    listed = tool("ansible-doc", "-F", "kolla.rust", env=env, cwd=where)
    assert sorted(line.split()[0] for line in listed.stdout.splitlines()) == [f"kolla.rust.{m}" for m in MODULE_DOCS]

    data = tmp_path / "payload"
    data.write_bytes(b"from the installed collection\n")
    (where / "play.yml").write_text(f"""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Fetch through the FQCN
      kolla.rust.bslurp:
        src: {data}
      register: blob
    - name: Push through the FQCN
      kolla.rust.bslurp:
        src: "{{{{ blob.content }}}}"
        dest: {tmp_path}/copy
        sha256: "{{{{ blob.sha256 }}}}"
""")
    run = _run([str(VENV / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local", "play.yml"],
               env, where, 300)
    assert run.rc == 0, run.stdout + run.stderr
    assert (tmp_path / "copy").read_bytes() == data.read_bytes()
    assert base64.b64decode(run.result("Fetch through the FQCN")["content"])
    assert not os.path.exists(where / "plugins"), "nothing may come from the repository"


def test_site_playbook_generates_configuration_from_the_installed_collection(installed, outside, tmp_path):
    """kolla.rust.site's config path for memcached and mariadb: the roles'
    defaults come with the collection (playbooks/group_vars/all.yml) and
    mariadb's merge_configs runs through the shipped plugins/action/."""
    where, env = outside
    shutil.copy(ROOT / "inventory" / "all-in-one", where / "inventory")
    etc = tmp_path / "etc-kolla"
    custom = tmp_path / "config"
    (custom / "mariadb").mkdir(parents=True)
    (custom / "galera.cnf").write_text("[mysqld]\nmarker_from_override = yes\n")
    (where / "globals.yml").write_text(yaml.safe_dump({
        "network_interface": "lo", "kolla_internal_vip_address": "127.0.0.10",
        "node_config_directory": str(etc), "node_custom_config": str(custom)}))
    (where / "passwords.yml").write_text(yaml.safe_dump({"database_password": "not-used-by-config"}))
    run = _run([str(VENV / "bin" / "ansible-playbook"), "-i", "inventory", "kolla.rust.site",
                "-e", "@globals.yml", "-e", "@passwords.yml", "-e", "kolla_action=config",
                "--tags", "memcached,mariadb"], env, where, 600)
    assert run.rc == 0, run.stdout[-6000:] + run.stderr[-3000:]
    memcached = json.loads((etc / "memcached" / "config.json").read_text())
    assert memcached["command"].startswith("/usr/bin/memcached ") and "-l 127.0.0.1" in memcached["command"]
    galera = configparser.ConfigParser(strict=False, allow_no_value=True, interpolation=None)
    galera.read_string((etc / "mariadb" / "galera.cnf").read_text())
    assert galera.get("mysqld", "marker_from_override") == "yes"
    assert not (etc / "keystone").exists(), "--tags limited the run"


def test_roles_are_documented_from_the_installed_collection(installed, outside):
    where, env = outside
    listed = tool("ansible-doc", "-t", "role", "-l", "kolla.rust", "--json", env=env, cwd=where)
    assert sorted(json.loads(listed.stdout)) == [f"kolla.rust.{r}" for r in ROLES]
    doc = tool("ansible-doc", "-t", "role", "kolla.rust.service_database", env=env, cwd=where)
    assert "service_database_databases" in doc.stdout and "service_database_project" in doc.stdout


@pytest.mark.xfail(strict=True, reason=(
    "ansible-core 2.19 cli/doc.py _get_plugin_list_descriptions reads each listed module as text "
    "(read_docstub); a binary raises UnicodeDecodeError, and that error still skips the module after "
    "its sidecar .yml has been read. Passes (and must lose this mark) once ansible-core checks the "
    "error only when no documentation was found."))
def test_ansible_doc_lists_the_modules(installed, outside):
    where, env = outside
    listed = tool("ansible-doc", "-l", "--json", "kolla.rust", env=env, cwd=where)
    assert sorted(json.loads(listed.stdout)) == [f"kolla.rust.{m}" for m in MODULE_DOCS]


def test_roles_have_collection_names_specs_and_fqcn_module_calls():
    for role in ROLES:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", role), role
        specs = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())
        assert specs["argument_specs"]["main"]["short_description"], role
    short = re.compile(r"^\s*-?\s*(%s):\s*$" % "|".join(MODULE_DOCS), re.M)
    for path in [*(ROOT / "roles").rglob("*.yml"), *(ROOT / "playbooks").rglob("*.yml")]:
        assert not short.search(path.read_text()), f"{path}: call the module as kolla.rust.<name>"


def test_root_site_yml_still_runs_in_the_repository(tmp_path):
    proc = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "--syntax-check", "-i",
                           str(ROOT / "inventory" / "all-in-one"), "site.yml"], cwd=ROOT,
                          env=ansible_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
