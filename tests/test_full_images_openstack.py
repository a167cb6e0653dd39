"""The OpenStack images of images/ (openstack-base, keystone, keystone-ssh,
keystone-fernet) keep Kolla's contract, checked with real containers in the
test engine. They are heavy (Debian's OpenStack packages), so only the full
tier (`make test-full`) runs this file, and it builds them itself: keystone
bootstraps its database in a mariadb-server container, keystone-fernet's
kolla-ansible commands make the fernet keys, uWSGI serves the API on 5000 and
kolla-toolbox's python-openstackclient gets a token from it."""
import json
import subprocess
import uuid

import pytest

from conftest import docker
from kolla_images import Database, config_dir, kolla_run, module_fixtures, ref, sh, wait_for

PREFIX = "kimg2-"
OPENSTACK = ["openstack-base", "keystone", "keystone-ssh", "keystone-fernet"]
DB_ROOT_PASSWORD = "kimg2-root-pw"
KEYSTONE_DB_PASSWORD = "kimg2-keystone-db"
ADMIN_PASSWORD = "kimg2-admin-pw"


# Builds the OpenStack images (mariadb-server and kolla-toolbox come from up.sh's step).
scratch, network = module_fixtures(PREFIX, *OPENSTACK, "mariadb-server", "kolla-toolbox")


@pytest.fixture(scope="module")
def database(tmp_path_factory, scratch, network):
    """A bootstrapped mariadb-server reachable as kimg2-db, with keystone's database and user."""
    db = Database(scratch, tmp_path_factory.mktemp("mariadb"), network, "kimg2-db", DB_ROOT_PASSWORD)
    db.create("keystone", "keystone", KEYSTONE_DB_PASSWORD)
    return db


# --- keystone ----------------------------------------------------------------------------

KEYSTONE_CONF = f"""[DEFAULT]
log_file = /var/log/kolla/keystone/keystone.log

[database]
connection = mysql+pymysql://keystone:{KEYSTONE_DB_PASSWORD}@kimg2-db/keystone

[token]
provider = fernet

[fernet_tokens]
key_repository = /etc/keystone/fernet-keys
max_active_keys = 3
"""
# kolla-ansible's service-uwsgi-config ini, for keystone without TLS or federation.
UWSGI_INI = """[uwsgi]
add-header = Connection: close
buffer-size = 65535
die-on-term = true
enable-threads = true
exit-on-reload = false
hook-master-start = unix_signal:15 gracefully_kill_them_all
http = 0.0.0.0:5000
http-auto-chunked = true
http-chunked-input = true
http-raw-body = true
lazy-apps = true
logto2 = /var/log/kolla/keystone/keystone-uwsgi.log
master = true
module = keystone.wsgi.api:application
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
processes = 2
socket-timeout = 30
thunder-lock = true
uid = keystone
worker-reload-mercy = 60
"""
# kolla-ansible's keystone-startup.sh: the keys first, then uWSGI.
STARTUP = """#!/bin/bash
set -o errexit
for i in $(seq 1 60); do [ -f /etc/keystone/fernet-keys/0 ] && break; sleep 1; done
[ -f /etc/keystone/fernet-keys/0 ] || { echo "no fernet keys" >&2; exit 1; }
exec uwsgi /etc/keystone/keystone-api-uwsgi.ini
"""
KEYSTONE_CONFIG = {
    "command": "/usr/bin/keystone-startup.sh",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/keystone-startup.sh", "dest": "/usr/bin/keystone-startup.sh",
         "owner": "root", "perm": "0755"},
        {"source": "/var/lib/kolla/config_files/keystone.conf", "dest": "/etc/keystone/keystone.conf",
         "owner": "keystone", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/keystone-uwsgi.ini", "dest": "/etc/keystone/keystone-api-uwsgi.ini",
         "owner": "keystone", "perm": "0600"},
    ],
    "permissions": [{"path": "/var/log/kolla/keystone", "owner": "keystone:kolla"},
                    {"path": "/etc/keystone/fernet-keys", "owner": "keystone:keystone", "perm": "0770"}],
}
# kolla-ansible's keystone-fernet.json, reduced to what a single node needs.
FERNET_CONFIG = {
    "command": "cron -f",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/keystone.conf", "dest": "/etc/keystone/keystone.conf",
         "owner": "keystone", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/crontab", "dest": "/var/spool/cron/crontabs/root",
         "owner": "root", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/fernet-node-sync.sh", "dest": "/usr/bin/fernet-node-sync.sh",
         "owner": "root", "perm": "0755"},
    ],
    "permissions": [{"path": "/etc/keystone/fernet-keys", "owner": "keystone:keystone", "perm": "0770"}],
}
NODE_SYNC = """#!/bin/bash
# --check: the healthcheck's half that needs no peers.
if [ "$1" == "--check" ]; then
    [ -f /etc/keystone/fernet-keys/0 ] && [ "$(stat -c %U:%G /etc/keystone/fernet-keys/0)" == keystone:keystone ]
fi
"""


@pytest.fixture(scope="module")
def keystone(tmp_path_factory, scratch, database, network):
    """keystone bootstrapped (db_sync), its fernet keys made in keystone-fernet, the API up as kimg2-keystone."""
    tmp = tmp_path_factory.mktemp("keystone")
    cfg = config_dir(tmp, "keystone", {
        "config.json": json.dumps(KEYSTONE_CONFIG), "keystone.conf": KEYSTONE_CONF,
        "keystone-uwsgi.ini": UWSGI_INI, "keystone-startup.sh": STARTUP})
    fernet_cfg = config_dir(tmp, "keystone-fernet", {
        "config.json": json.dumps(FERNET_CONFIG), "keystone.conf": KEYSTONE_CONF,
        "crontab": "PATH=/var/lib/kolla/venv/bin:/usr/bin:/bin\n0 0 * * * /usr/bin/fernet-rotate.sh\n",
        "fernet-node-sync.sh": NODE_SYNC})
    keys, logs = scratch.volume("fernet"), scratch.volume("logs")
    mounts = ["--network", network, "-v", f"{keys}:/etc/keystone/fernet-keys", "-v", f"{logs}:/var/log/kolla"]

    # kolla-ansible's bootstrap_service: KOLLA_BOOTSTRAP, db_sync, exit.
    boot = kolla_run("--rm", "--name", PREFIX + uuid.uuid4().hex[:8], *mounts, "-e", "KOLLA_BOOTSTRAP=",
                     "-v", f"{cfg}:/var/lib/kolla/config_files:ro", ref("keystone"), check=False, timeout=600)
    assert boot.returncode == 0, boot.stdout[-3000:] + boot.stderr[-3000:]
    assert "Running command" not in boot.stdout

    fernet = PREFIX + "fernet-" + uuid.uuid4().hex[:6]
    kolla_run("-d", "--name", fernet, *mounts, "-v", f"{fernet_cfg}:/var/lib/kolla/config_files:ro",
              ref("keystone-fernet"))
    # kolla-ansible's fernet setup task, run in the keystone_fernet container.
    setup = docker("exec", fernet, "keystone-manage", "--config-file", "/etc/keystone/keystone.conf", "fernet_setup",
                   "--keystone-user", "keystone", "--keystone-group", "keystone", check=False, timeout=300)
    assert setup.returncode == 0, setup.stdout + setup.stderr

    name = PREFIX + "keystone-" + uuid.uuid4().hex[:6]
    kolla_run("-d", "--name", name, "--network-alias", "kimg2-keystone", *mounts,
              "-v", f"{cfg}:/var/lib/kolla/config_files:ro", ref("keystone"))
    # kolla-ansible's keystone healthcheck: healthcheck_curl on the API.
    up = wait_for(name, "healthcheck_curl http://127.0.0.1:5000 >/dev/null", tries=240)
    if up.returncode != 0:
        logs_text = docker("run", "--rm", "--entrypoint", "bash", "-v", f"{logs}:/var/log/kolla", ref("keystone"),
                           "-c", "tail -n 40 /var/log/kolla/keystone/*.log", check=False).stdout
        pytest.fail(docker("logs", name).stderr[-3000:] + logs_text[-4000:])
    return {"keystone": name, "fernet": fernet, "database": database.container}


def test_db_sync_made_the_schema(keystone):
    query = "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'keystone' AND TABLE_NAME IN " \
            "('user', 'project', 'endpoint', 'migrate_version', 'alembic_version')"
    out = sh(keystone["database"], f"MYSQL_PWD={DB_ROOT_PASSWORD} mariadb -h 127.0.0.1 -uroot -N -e \"{query}\"",
             check=True).stdout.strip()
    assert int(out) >= 3
    # db_sync again is a no-op that succeeds: kolla-ansible reruns its bootstrap on upgrades.
    again = docker("exec", "--user", "keystone", keystone["keystone"], "keystone-manage", "db_sync", check=False,
                   timeout=300)
    assert again.returncode == 0, again.stderr[-2000:]


def test_keystone_runs_uwsgi_as_keystone(keystone):
    out = sh(keystone["keystone"], "ps -o user=,args= -C uwsgi-core | sort -u; stat -c '%U:%G' /etc/keystone/fernet-keys/0",
             check=True).stdout.splitlines()
    users = {line.split()[0] for line in out[:-1]}
    # The uWSGI master and its workers (Debian's uwsgi-core) have dropped to keystone (uid = keystone).
    assert users == {"keystone"}, out
    assert out[-1] == "keystone:keystone"
    version = json.loads(sh(keystone["keystone"], "curl -s http://127.0.0.1:5000/v3", check=True).stdout)
    assert version["version"]["id"].startswith("v3.")
    assert sh(keystone["keystone"], "healthcheck_curl http://127.0.0.1:5001").returncode == 1


def test_bootstrap_then_token_from_toolbox(keystone, network):
    args = ["admin", "", "admin", "admin", "http://kimg2-keystone:5000", "http://kimg2-keystone:5000", "RegionOne"]
    # kolla-ansible's register task: kolla_keystone_bootstrap, the password in the environment.
    first = docker("exec", "-e", f"OS_BOOTSTRAP_PASSWORD={ADMIN_PASSWORD}", keystone["keystone"],
                   "kolla_keystone_bootstrap", *args, check=False, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(first.stdout) == {"failed": False, "changed": True}
    again = docker("exec", "-e", f"OS_BOOTSTRAP_PASSWORD={ADMIN_PASSWORD}", keystone["keystone"],
                   "kolla_keystone_bootstrap", *args, check=False, timeout=300)
    if json.loads(again.stdout) != {"failed": False, "changed": False}:
        log = docker("exec", keystone["keystone"], "keystone-manage", "--log-file=", "bootstrap",
                     "--bootstrap-username", "admin", "--bootstrap-password", ADMIN_PASSWORD,
                     "--bootstrap-project-name", "admin", "--bootstrap-role-name", "admin",
                     "--bootstrap-internal-url", args[4], "--bootstrap-public-url", args[5],
                     "--bootstrap-service-name", "keystone", "--bootstrap-region-id", "RegionOne", check=False)
        pytest.fail(f"a second bootstrap reported changes: {again.stdout}; keystone-manage says: "
                    f"{log.stdout[-3000:]}{log.stderr[-3000:]}")
    # Bad input: one JSON object saying what is expected, a failing status.
    bad = docker("exec", keystone["keystone"], "kolla_keystone_bootstrap", "admin", check=False)
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["failed"] is True and "USER PASSWORD PROJECT ROLE" in json.loads(bad.stdout)["msg"]

    env = {"OS_AUTH_URL": "http://kimg2-keystone:5000/v3", "OS_USERNAME": "admin", "OS_PASSWORD": ADMIN_PASSWORD,
           "OS_PROJECT_NAME": "admin", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
           "OS_IDENTITY_API_VERSION": "3"}
    env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    token = docker("run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], "--network", network, *env_args,
                   "--entrypoint", "openstack", ref("kolla-toolbox"), "token", "issue", "-f", "json",
                   check=False, timeout=300)
    assert token.returncode == 0, token.stderr[-2000:]
    issued = json.loads(token.stdout)
    assert issued["id"] and issued["project_id"] and issued["user_id"]
    wrong = docker("run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], "--network", network,
                   *env_args, "-e", "OS_PASSWORD=wrong", "--entrypoint", "openstack", ref("kolla-toolbox"),
                   "token", "issue", check=False, timeout=300)
    assert wrong.returncode != 0 and "401" in wrong.stderr


def test_fernet_healthcheck_and_rotation(keystone):
    fernet = keystone["fernet"]
    assert sh(fernet, "ps -o user=,args= -C cron", check=True).stdout.split() == ["root", "cron", "-f"]
    # kolla-ansible's fernet-healthcheck.sh, single node: the keys present and keystone's.
    assert sh(fernet, "/usr/bin/fernet-node-sync.sh --check").returncode == 0
    rotate = docker("exec", fernet, "keystone-manage", "--config-file", "/etc/keystone/keystone.conf", "fernet_rotate",
                    "--keystone-user", "keystone", "--keystone-group", "keystone", check=False, timeout=300)
    assert rotate.returncode == 0, rotate.stderr[-2000:]
    assert sorted(sh(fernet, "ls /etc/keystone/fernet-keys", check=True).stdout.split()) == ["0", "1", "2"]
    assert sh(fernet, "command -v rsync ssh", check=True).stdout.split() == ["/usr/bin/rsync", "/usr/bin/ssh"]


def test_keystone_ssh_serves_sshd(tmp_path_factory, keystone, network):
    key = tmp_path_factory.mktemp("sshkey") / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    sshd_config = ("Port 8023\nListenAddress 0.0.0.0\nPasswordAuthentication no\nPubkeyAuthentication yes\n"
                   "UsePAM yes\nAuthorizedKeysFile .ssh/authorized_keys\n")
    config = {"command": "/usr/sbin/sshd -D", "config_files": [
        {"source": "/var/lib/kolla/config_files/sshd_config", "dest": "/etc/ssh/sshd_config",
         "owner": "root", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/id_rsa.pub", "dest": "/var/lib/keystone/.ssh/authorized_keys",
         "owner": "keystone", "perm": "0600"}]}
    cfg = config_dir(tmp_path_factory.mktemp("keystone-ssh"), "keystone-ssh", {"config.json": json.dumps(config), "sshd_config": sshd_config,
                                                         "id_rsa.pub": key.with_suffix(".pub").read_text()})
    name = PREFIX + "ssh-" + uuid.uuid4().hex[:6]
    kolla_run("-d", "--name", name, "--network", network, "-v", f"{cfg}:/var/lib/kolla/config_files:ro",
              ref("keystone-ssh"))
    # kolla-ansible's keystone-ssh healthcheck.
    up = wait_for(name, "healthcheck_listen sshd 8023 >/dev/null")
    assert up.returncode == 0, docker("logs", name).stdout[-2000:] + docker("logs", name).stderr[-2000:]
    # The push fernet-push.sh does, from keystone-fernet, as keystone with the key.
    docker("cp", str(key), f"{keystone['fernet']}:/tmp/kimg2-id")
    sh(keystone["fernet"], "chown keystone /tmp/kimg2-id && chmod 600 /tmp/kimg2-id", check=True)
    push = sh(keystone["fernet"], f"rsync -az -e 'ssh -i /tmp/kimg2-id -p 8023 -o StrictHostKeyChecking=no"
                                  f" -o UserKnownHostsFile=/dev/null' /etc/keystone/fernet-keys/"
                                  f" keystone@{name}:/tmp/kimg2-keys", user="keystone")
    assert push.returncode == 0, push.stderr
    assert sorted(sh(name, "ls /tmp/kimg2-keys", check=True).stdout.split())[:1] == ["0"]
    assert sh(name, "healthcheck_listen sshd 8024").returncode == 1
