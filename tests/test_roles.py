"""Configuration generation of every role: `kolla_action=config` with all
services enabled renders each container's files, merged with the operator's
overrides (global, per-service, per-host) through merge_configs, and starts
nothing."""
import configparser
import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, VENV, ansible_env, docker

VIP = "127.0.0.10"
API = "127.0.0.1"

# container directory -> the INI files it must get
INI_FILES = {
    "keystone": ["keystone.conf"],
    "glance-api": ["glance-api.conf"],
    "placement-api": ["placement.conf"],
    "nova-api": ["nova.conf"], "nova-metadata": ["nova.conf"], "nova-scheduler": ["nova.conf"], "nova-conductor": ["nova.conf"],
    "nova-novncproxy": ["nova.conf"], "nova-compute": ["nova.conf"],
    "neutron-server": ["neutron.conf", "ml2_conf.ini"],
    "neutron-openvswitch-agent": ["neutron.conf", "openvswitch_agent.ini"],
    "neutron-l3-agent": ["neutron.conf", "l3_agent.ini"],
    "neutron-dhcp-agent": ["neutron.conf", "dhcp_agent.ini"],
    "neutron-metadata-agent": ["neutron.conf", "metadata_agent.ini"],
    "heat-api": ["heat.conf"], "heat-api-cfn": ["heat.conf"], "heat-engine": ["heat.conf"],
    "cinder-api": ["cinder.conf"], "cinder-scheduler": ["cinder.conf"], "cinder-volume": ["cinder.conf"],
}
OTHER_DIRS = ["haproxy", "keepalived", "mariadb", "memcached", "rabbitmq", "horizon", "nova-libvirt",
              "openvswitch-db-server", "openvswitch-vswitchd", "kolla-toolbox", "cron"]
# The APIs served by uWSGI: container directory -> (its ini, the port it listens on, its WSGI module, user)
UWSGI = {
    "keystone": ("keystone-uwsgi.ini", 5000, "keystone.wsgi.api:application", "keystone"),
    "glance-api": ("glance-api-uwsgi.ini", 9292, "glance.wsgi.api:application", "glance"),
    "placement-api": ("placement-api-uwsgi.ini", 8780, "placement.wsgi.api:application", "placement"),
    "nova-api": ("nova-api-uwsgi.ini", 8774, "nova.wsgi.osapi_compute:application", "nova"),
    "nova-metadata": ("nova-metadata-uwsgi.ini", 8775, "nova.wsgi.metadata:application", "nova"),
    "neutron-server": ("neutron-server-uwsgi.ini", 9696, "neutron.wsgi.api:application", "neutron"),
    "heat-api": ("heat-api-uwsgi.ini", 8004, "heat.wsgi.api:application", "heat"),
    "heat-api-cfn": ("heat-api-cfn-uwsgi.ini", 8000, "heat.wsgi.cfn:application", "heat"),
    "cinder-api": ("cinder-api-uwsgi.ini", 8776, "cinder.wsgi.api:application", "cinder"),
}
# (container, file, database, user, password key)
DATABASES = [
    ("keystone", "keystone.conf", "database", "keystone", "keystone", "keystone_database_password"),
    ("glance-api", "glance-api.conf", "database", "glance", "glance", "glance_database_password"),
    ("placement-api", "placement.conf", "placement_database", "placement", "placement", "placement_database_password"),
    # The API's [database] is cell0, as in Kolla; the cell's conductor has the cell's.
    ("nova-api", "nova.conf", "database", "nova_cell0", "nova", "nova_database_password"),
    ("nova-api", "nova.conf", "api_database", "nova_api", "nova_api", "nova_api_database_password"),
    ("nova-conductor", "nova.conf", "database", "nova", "nova", "nova_database_password"),
    ("neutron-server", "neutron.conf", "database", "neutron", "neutron", "neutron_database_password"),
    ("heat-engine", "heat.conf", "database", "heat", "heat", "heat_database_password"),
    ("cinder-volume", "cinder.conf", "database", "cinder", "cinder", "cinder_database_password"),
]
AUTHTOKEN = [  # container, file, keystone user, password key
    ("glance-api", "glance-api.conf", "glance", "glance_keystone_password"),
    ("placement-api", "placement.conf", "placement", "placement_keystone_password"),
    ("nova-api", "nova.conf", "nova", "nova_keystone_password"),
    ("neutron-server", "neutron.conf", "neutron", "neutron_keystone_password"),
    ("heat-api", "heat.conf", "heat", "heat_keystone_password"),
    ("cinder-api", "cinder.conf", "cinder", "cinder_keystone_password"),
]


def ini(path):
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text())
    return parser


class Config:
    def __init__(self, base: Path):
        self.base = base
        self.etc = base / "etc-kolla"
        self.custom = base / "config"
        self.custom.mkdir()
        self.globals = base / "globals.yml"
        self.globals.write_text("\n".join([
            "network_interface: lo",
            f"kolla_internal_vip_address: {VIP}",
            f"node_config_directory: {self.etc}",
            f"node_custom_config: {self.custom}",
            "enable_cinder: true",
            # The agents' configuration too (their images are not built here, so the default is none).
            "neutron_plugin_agent: openvswitch",
            "nova_compute_virt_driver: libvirt",
            "enable_cinder_backend_lvm: true",
        ]) + "\n")
        self.passwords = base / "passwords.yml"
        subprocess.run([str(ROOT / "bin" / "kolla-genpwd"), "-p", str(self.passwords)], check=True,
                       capture_output=True)
        self.secrets = {}
        for line in self.passwords.read_text().splitlines()[1:]:
            k, _, v = line.partition(": ")
            self.secrets[k] = v

    def run(self, *extra):
        tmp = self.base / f"run-{os.urandom(3).hex()}"
        tmp.mkdir()
        cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
               str(ROOT / "site.yml"), "-e", f"@{self.globals}", "-e", f"@{self.passwords}",
               "-e", "kolla_action=config", *extra]
        proc = subprocess.run(cmd, env=ansible_env(tmp), cwd=ROOT, capture_output=True, text=True, timeout=900)
        recap = {}
        for line in proc.stdout.splitlines():
            if line.startswith("localhost") and " : ok=" in line:
                recap = {k: int(v) for k, v in (p.split("=") for p in line.partition(" : ")[2].split())}
        return proc.returncode, proc.stdout + proc.stderr, recap


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    c = Config(tmp_path_factory.mktemp("genconfig"))
    # Overrides at every level, written before the first run.
    (c.custom / "global.conf").write_text("[DEFAULT]\ndebug = True\nglobal_marker = g\n")
    (c.custom / "nova").mkdir()
    (c.custom / "nova.conf").write_text("[DEFAULT]\nproject_marker = all-nova\n")
    (c.custom / "nova" / "nova-api.conf").write_text("[DEFAULT]\nproject_marker = only-api\n")
    (c.custom / "nova" / "localhost").mkdir()
    (c.custom / "nova" / "localhost" / "nova.conf").write_text("[DEFAULT]\ndebug = False\n[cache]\nexpiration_time = 42\n")
    (c.custom / "neutron").mkdir()
    (c.custom / "neutron" / "ml2_conf.ini").write_text("[ml2_type_vxlan]\nvni_ranges = 5:50\n")
    (c.custom / "horizon").mkdir()
    (c.custom / "horizon" / "local_settings").write_text("# operator's own\nTIME_ZONE = '{{ 'Europe/Paris' }}'\n")
    containers_before = set(docker("ps", "-a", "--format", "{{.Names}}").stdout.split())
    rc, out, recap = c.run()
    c.first = (rc, out, recap)
    c.containers_before = containers_before
    return c


def test_config_run_succeeds_and_starts_nothing(generated):
    rc, out, recap = generated.first
    assert rc == 0, out[-6000:]
    assert recap["failed"] == 0 and recap["changed"] > 0
    after = set(docker("ps", "-a", "--format", "{{.Names}}").stdout.split())
    ours = {d.replace("-", "_") for d in list(INI_FILES) + OTHER_DIRS} | {f"bootstrap_{p}" for p in
                                                                           ["mariadb", "keystone", "nova"]}
    assert not (after - generated.containers_before) & ours


def test_every_container_gets_its_files(generated):
    for container, files in INI_FILES.items():
        d = generated.etc / container
        for f in files + ["config.json"]:
            assert (d / f).is_file(), f"{container}/{f}"
    for container in OTHER_DIRS:
        assert (generated.etc / container / "config.json").is_file(), container


def test_config_json_lists_files_that_exist(generated):
    for d in sorted(generated.etc.iterdir()):
        if not (d / "config.json").exists():
            continue
        cfg = json.loads((d / "config.json").read_text())
        assert cfg["command"], d.name
        for entry in cfg.get("config_files", []):
            assert entry["source"].startswith("/var/lib/kolla/config_files/"), entry
            name = entry["source"].rsplit("/", 1)[1] or entry["source"].rstrip("/").rsplit("/", 1)[1]
            assert (d / name).exists() or entry.get("optional"), f"{d.name}: {entry}"


def test_uwsgi_configuration_of_the_apis(generated):
    for container, (name, port, module, user) in UWSGI.items():
        conf = ini(generated.etc / container / name)
        assert conf.get("uwsgi", "http") == f"{API}:{port}", container
        assert conf.get("uwsgi", "module") == module and conf.get("uwsgi", "uid") == user, container
        command = json.loads((generated.etc / container / "config.json").read_text())["command"]
        dest = {e["source"].rsplit("/", 1)[1]: e["dest"]
                for e in json.loads((generated.etc / container / "config.json").read_text())["config_files"]}[name]
        assert command == f"uwsgi {dest}", container
    assert ini(generated.etc / "glance-api" / "glance-api-uwsgi.ini").get("uwsgi", "chunked-input-limit") == "67108864"


def test_database_connections_use_the_vip_and_generated_passwords(generated):
    for container, f, section, db, user, key in DATABASES:
        conf = ini(generated.etc / container / f)
        expected = f"mysql+pymysql://{user}:{generated.secrets[key]}@{VIP}:3306/{db}"
        assert conf.get(section, "connection") == expected, f"{container}/{f}"
    # Compute nodes never get database credentials.
    assert not ini(generated.etc / "nova-compute" / "nova.conf").has_section("database")


def test_transport_url_and_memcached(generated):
    url = f"rabbit://openstack:{generated.secrets['rabbitmq_password']}@{API}:5672//"
    for container, files in INI_FILES.items():
        conf = ini(generated.etc / container / files[0])
        if files[0] in ("keystone.conf", "glance-api.conf", "nova.conf", "neutron.conf", "heat.conf", "cinder.conf"):
            assert conf.get("DEFAULT", "transport_url") == url, container
    assert ini(generated.etc / "keystone" / "keystone.conf").get("cache", "memcache_servers") == f"{API}:11211"
    settings = (generated.etc / "horizon" / "local_settings").read_text()
    assert "Europe/Paris" in settings  # the operator's file replaced ours, templated
    rabbit = (generated.etc / "rabbitmq" / "rabbitmq.conf").read_text()
    assert f"default_pass = {generated.secrets['rabbitmq_password']}" in rabbit


def test_keystone_authtoken(generated):
    for container, f, user, key in AUTHTOKEN:
        conf = ini(generated.etc / container / f)
        assert conf.get("keystone_authtoken", "auth_url") == f"http://{VIP}:5000", container
        assert conf.get("keystone_authtoken", "username") == user
        assert conf.get("keystone_authtoken", "password") == generated.secrets[key]
        assert conf.get("keystone_authtoken", "memcached_servers") == f"{API}:11211"
        assert conf.get("keystone_authtoken", "memcache_secret_key") == generated.secrets["memcache_secret_key"]


def test_overrides_global_per_service_and_per_host(generated):
    api = ini(generated.etc / "nova-api" / "nova.conf")
    sched = ini(generated.etc / "nova-scheduler" / "nova.conf")
    glance = ini(generated.etc / "glance-api" / "glance-api.conf")
    # global.conf reaches every service...
    assert glance.get("DEFAULT", "global_marker") == "g"
    assert glance.get("DEFAULT", "debug") == "True"
    assert api.get("DEFAULT", "global_marker") == "g"
    # ...nova.conf every nova container, nova/<container>.conf only that one...
    assert sched.get("DEFAULT", "project_marker") == "all-nova"
    assert api.get("DEFAULT", "project_marker") == "only-api"
    # ...and the per-host file wins over everything.
    assert api.get("DEFAULT", "debug") == "False"
    assert api.get("cache", "expiration_time") == "42"
    assert ini(generated.etc / "neutron-server" / "ml2_conf.ini").get("ml2_type_vxlan", "vni_ranges") == "5:50"


def test_haproxy_frontends_for_enabled_apis(generated):
    services = generated.etc / "haproxy" / "services.d"
    text = "".join(p.read_text() for p in services.iterdir())
    for frontend, port in [("keystone_internal", 5000), ("glance_api", 9292), ("placement_api", 8780),
                           ("nova_api", 8774), ("nova_metadata", 8775), ("neutron_server", 9696),
                           ("heat_api", 8004), ("cinder_api", 8776), ("mariadb", 3306), ("horizon", 80)]:
        assert f"listen {frontend}\n" in text
        assert f"bind {VIP}:{port}\n" in text
    assert "server " in text and f"{API}:8774 check" in text


def test_keystone_fernet_keys(generated):
    keys = generated.etc / "keystone" / "fernet-keys"
    import base64
    for name in ("0", "1"):
        raw = base64.urlsafe_b64decode((keys / name).read_text())
        assert len(raw) == 32
        assert (keys / name).stat().st_mode & 0o777 == 0o600


def test_second_config_run_changes_nothing(generated):
    rc, out, recap = generated.run()
    assert rc == 0, out[-6000:]
    assert recap["changed"] == 0, out[-6000:]


def test_disabled_service_gets_no_configuration(tmp_path_factory):
    c = Config(tmp_path_factory.mktemp("genconfig-disabled"))
    rc, out, _ = c.run("-e", "enable_heat=false", "--tags", "heat,nova")
    assert rc == 0, out[-6000:]
    assert not (c.etc / "heat-api").exists()
    assert (c.etc / "nova-api" / "nova.conf").exists()
    # --tags limited the run to the named roles.
    assert not (c.etc / "keystone").exists()


def test_kolla_ansible_wrapper_genconfig(tmp_path):
    configdir = tmp_path / "etc"
    configdir.mkdir()
    etc = tmp_path / "out"
    (configdir / "globals.yml").write_text(
        f"network_interface: lo\nkolla_internal_vip_address: {VIP}\nnode_config_directory: {etc}\n"
        f"node_custom_config: {tmp_path / 'custom'}\n")
    subprocess.run([str(ROOT / "bin" / "kolla-genpwd"), "-p", str(configdir / "passwords.yml")], check=True,
                   capture_output=True)
    env = ansible_env(tmp_path)
    env["ANSIBLE_PLAYBOOK"] = str(VENV / "bin" / "ansible-playbook")
    wrapper = str(ROOT / "bin" / "kolla-ansible")
    proc = subprocess.run([wrapper, "-i", str(ROOT / "inventory" / "all-in-one"), "--configdir", str(configdir),
                           "--tags", "memcached", "genconfig"], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "-e kolla_action=config" in proc.stderr  # the command it ran
    cfg = json.loads((etc / "memcached" / "config.json").read_text())
    assert cfg["command"].startswith("/usr/bin/memcached ") and f"-l {API}" in cfg["command"]
    assert not (etc / "mariadb").exists()

    refused = subprocess.run([wrapper, "--configdir", str(configdir), "destroy"], env=env,
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "--yes-i-really-really-mean-it" in refused.stderr

    missing = subprocess.run([wrapper, "--configdir", str(tmp_path), "deploy"], env=env,
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "kolla-genpwd" in missing.stderr


def test_genpwd_keeps_existing_secrets(tmp_path):
    path = tmp_path / "passwords.yml"
    path.write_text("---\ndatabase_password: keep-me\ncustom_secret: mine\n")
    subprocess.run([str(ROOT / "bin" / "kolla-genpwd"), "-p", str(path)], check=True, capture_output=True)
    values = dict(line.split(": ", 1) for line in path.read_text().splitlines()[1:])
    assert values["database_password"] == "keep-me"
    assert values["custom_secret"] == "mine"
    assert len(values["rabbitmq_password"]) == 40 and values["rabbitmq_password"].isalnum()
    assert path.stat().st_mode & 0o777 == 0o600


def test_default_images_are_the_ones_images_build_sh_makes(tmp_path):
    """openstack_tag composed as kolla-ansible 2026.1 composes it (release, base distro, its version)
    equals images/VERSION's tag, and every infrastructure role names a directory of images/."""
    version = dict(line.split("=", 1) for line in (ROOT / "images" / "VERSION").read_text().splitlines()
                   if line and not line.startswith("#"))
    roles = ["mariadb", "memcached", "rabbitmq"]
    play = tmp_path / "images.yml"
    play.write_text(
        "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
        + "".join(f"    - ansible.builtin.include_vars: {{file: {ROOT / 'roles' / r / 'defaults' / 'main.yml'}}}\n"
                  for r in roles)
        + "    - ansible.builtin.copy:\n"
          f"        dest: {tmp_path / 'out.json'}\n"
          "        mode: '0600'\n"
          "        content: \"{{ {'tag': openstack_tag, 'images': [mariadb_image_full, memcached_image_full,"
          " rabbitmq_image_full, haproxy_image_full, keepalived_image_full]} | to_json }}\"\n")
    env = ansible_env(tmp_path)
    proc = subprocess.run([str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
                           str(play), "-e", f"@{ROOT / 'playbooks' / 'group_vars' / 'all.yml'}"],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    msg = json.loads((tmp_path / "out.json").read_text())
    assert msg["tag"] == version["tag"] == "2026.1-debian-trixie"
    names = ["mariadb-server", "memcached", "rabbitmq", "haproxy", "keepalived"]
    assert msg["images"] == [f"{version['namespace']}/{n}:{version['tag']}" for n in names]
    assert all((ROOT / "images" / n / "Dockerfile").is_file() for n in names)
    # The embedded default sets no image name or tag of its own: the defaults above are what it deploys.
    embedded = (ROOT / "etc" / "kolla" / "globals.yml").read_text()
    assert not [line for line in embedded.splitlines()
                if line.split(":")[0] in ("docker_namespace", "openstack_tag", "openstack_release", "mariadb_image")]
