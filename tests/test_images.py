"""The images of images/ keep Kolla's image contract, checked with real
containers in the test engine: the tests/env/images.d/30-kolla-images.sh step of
up.sh builds them. Each image: its name and labels come from images/VERSION;
Kolla's users and ids; the kolla group's sudo rule (and nothing more); kolla_start
installing a config.json's files and permissions, then running /run_command;
the custom CA certificates; the healthcheck scripts' verdicts both ways; and
kolla-toolbox's Ansible as kolla-ansible's kolla_toolbox tasks call it."""
import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, docker
from kolla_images import IMAGES, VERSION, config_dir, rabbitmq_config, rabbitmq_files, ref, sh, wait_for
# Kolla's ids, as images/base/users declares them: {name: id}.
USERS = {name: int(uid) for name, uid in
         (line.split() for line in (IMAGES / "base" / "users").read_text().splitlines()
          if line and not line.startswith("#"))}
PREFIX = "kimg-"


BASE = ref("base")
TOOLBOX = ref("kolla-toolbox")
MARIADB = ref("mariadb-server")
MEMCACHED = ref("memcached")
RABBITMQ = ref("rabbitmq")
HAPROXY = ref("haproxy")
KEEPALIVED = ref("keepalived")
CRON = ref("cron")
# What tests/env/images.d/30-kolla-images.sh builds for `make test`.
LIGHT = ["kolla-toolbox", "mariadb-server", "memcached", "rabbitmq", "haproxy", "keepalived", "cron"]
# The user each image runs as (root, "", where Kolla's runs as root).
IMAGE_USER = {"base": "", "kolla-toolbox": "ansible", "mariadb-server": "mysql", "memcached": "memcached",
              "rabbitmq": "rabbitmq", "haproxy": "", "keepalived": "", "cron": ""}


@pytest.fixture(scope="module", autouse=True)
def built_images():
    for image in map(ref, ["base", *LIGHT]):
        if docker("image", "inspect", image, check=False).returncode != 0:
            pytest.fail(f"{image} is missing: tests/env/up.sh builds it (tests/env/images.d/30-kolla-images.sh)")
    yield
    leftovers = docker("ps", "-aq", "--filter", f"name=^{PREFIX}").stdout.split()
    if leftovers:
        docker("rm", "-f", *leftovers)


def run(image, *cmd, user=None, check=True):
    """A one-off container of image running cmd (the image's entrypoint bypassed)."""
    args = ["run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], "--entrypoint", cmd[0]]
    if user:
        args += ["--user", user]
    return docker(*args, image, *cmd[1:], check=check)


@pytest.fixture
def started(tmp_path):
    """Starts a container the Kolla way: config.json and its sources in a
    read-only /var/lib/kolla/config_files, the image's own entrypoint and command."""
    names = []

    def start(image, config, files=(), user=None, env=None):
        src = tmp_path / f"config-{len(names)}"
        src.mkdir(mode=0o755)
        (src / "config.json").write_text(json.dumps(config))
        for name, text in files:
            path = src / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        for path in [src, *src.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        name = PREFIX + uuid.uuid4().hex[:8]
        args = ["run", "-d", "--name", name, "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                "-v", f"{src}:/var/lib/kolla/config_files:ro"]
        if user:
            args += ["--user", user]
        for key, value in (env or {}).items():
            args += ["-e", f"{key}={value}"]
        docker(*args, image)
        names.append(name)
        # kolla_start has finished once /run_command's command runs as the container's child.
        docker("exec", name, "sh", "-c",
               "for i in $(seq 1 100); do [ -e /run_command ] && pgrep -f \"$(cat /run_command)\" >/dev/null && exit 0;"
               " sleep 0.1; done; exit 1", check=False)
        return name

    yield start
    if names:
        docker("rm", "-f", *names, check=False)


def build(*names):
    return subprocess.run(["bash", str(IMAGES / "build.sh"), *names], capture_output=True, text=True, timeout=1800)


def test_build_is_cached():
    """With nothing changed, build.sh rebuilds nothing and keeps every image.
    A first run brings the images up to date with their inputs (up.sh built
    them before `make build` replaced kolla_set_configs, which may differ), so
    the tests below check what the current sources make."""
    names = LIGHT
    first = build(*names)
    assert first.returncode == 0, first.stderr
    ids = {n: docker("image", "inspect", "-f", "{{.Id}}", ref(n)).stdout for n in ["base", *names]}
    again = build(*names)
    assert again.returncode == 0, again.stderr
    assert "building" not in again.stderr
    assert again.stdout.split() == [f"{n}={ref(n)}" for n in names]
    assert {n: docker("image", "inspect", "-f", "{{.Id}}", ref(n)).stdout for n in ids} == ids


# --- names and labels --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["base", *LIGHT])
def test_labels(name):
    labels = json.loads(docker("image", "inspect", "-f", "{{json .Config.Labels}}", ref(name)).stdout)
    assert labels["kolla_version"] == VERSION["kolla_version"]
    assert labels["name"] == name
    assert len(labels["kolla-rust.recipe"]) == 16
    config = json.loads(docker("image", "inspect", "-f", "{{json .Config}}", ref(name)).stdout)
    assert config["Cmd"] == ["kolla_start"]
    assert config["Entrypoint"][0] == "dumb-init"
    assert config.get("User", "") == IMAGE_USER[name]


def test_debian_release():
    out = run(BASE, "cat", "/etc/os-release").stdout
    assert f"VERSION_CODENAME={VERSION['debian_suite']}" in out


# --- users and sudo ------------------------------------------------------------------------

def test_kolla_users_and_ids():
    script = "for u in " + " ".join(USERS) + "; do echo \"$u $(id -u $u) $(id -g $u) $(id -nG $u)\"; done"
    rows = {line.split()[0]: line.split()[1:] for line in run(BASE, "bash", "-c", script).stdout.splitlines()}
    for name, uid in USERS.items():
        user_id, group_id, *groups = rows[name]
        assert (int(user_id), int(group_id)) == (uid, uid), name
        assert "kolla" in groups, name
    assert run(BASE, "getent", "group", "kolla").stdout.split(":")[2] == "42400"
    assert USERS["mysql"] == 42434 and USERS["ansible"] == 42401 and USERS["keystone"] == 42425


def test_sudo_allows_kolla_helpers_only():
    script = ("sudo -n /usr/local/bin/kolla_copy_cacerts && echo copy-ok; "
              "sudo -n -l /usr/local/bin/kolla_set_configs >/dev/null && echo set-configs-ok; "
              "sudo -n /usr/bin/id -u; echo id-rc=$?")
    out = run(BASE, "bash", "-c", script, user="mysql")
    assert "copy-ok" in out.stdout and "set-configs-ok" in out.stdout
    assert "id-rc=1" in out.stdout and "\n0\n" not in out.stdout
    # Outside the kolla group there is no rule at all.
    assert run(BASE, "sudo", "-n", "/usr/local/bin/kolla_copy_cacerts", user="nobody", check=False).returncode != 0


def test_sudoers_is_root_only_and_valid():
    out = run(BASE, "bash", "-c", "stat -c '%U %a' /etc/sudoers && visudo -c -q && echo valid").stdout
    assert out.split() == ["root", "440", "valid"]


# --- kolla_start -----------------------------------------------------------------------------

def test_kolla_start_installs_config_and_runs_command(started):
    config = {
        "command": "sleep 600",
        "config_files": [{"source": "/var/lib/kolla/config_files/keystone.conf",
                          "dest": "/etc/keystone-kimg.conf", "owner": "keystone", "perm": "0600"}],
        "permissions": [{"path": "/var/log/kolla", "owner": "keystone:kolla", "perm": "0770"}],
    }
    name = started(BASE, config, [("keystone.conf", "[DEFAULT]\ndebug = true\n")], user="keystone")
    out = sh(name, "cat /run_command; echo; stat -c '%U %a' /etc/keystone-kimg.conf;"
                   " stat -c '%U:%G %a' /var/log/kolla; cat /etc/keystone-kimg.conf; id -un;"
                   " ps -o comm= -p 1; ps -o user=,args= --ppid 1", check=True).stdout.splitlines()
    assert out[0] == "sleep 600"
    assert out[1] == "keystone 600"
    assert out[2] == "keystone:kolla 770"
    assert out[3:5] == ["[DEFAULT]", "debug = true"]
    assert out[5] == "keystone"
    assert out[6] == "dumb-init"
    assert out[7].split() == ["keystone", "sleep", "600"]
    assert "Running command: 'sleep 600'" in docker("logs", name).stdout


def test_kolla_start_fails_without_config(tmp_path):
    name = PREFIX + uuid.uuid4().hex[:8]
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = docker("run", "--name", name, "-v", f"{empty}:/var/lib/kolla/config_files:ro", BASE, check=False)
    docker("rm", "-f", name, check=False)
    assert proc.returncode != 0
    assert "Running command" not in proc.stdout


def test_kolla_extend_start_is_sourced_unless_skipped(tmp_path):
    config = tmp_path / "cfg"
    config.mkdir(mode=0o755)
    (config / "config.json").write_text(json.dumps({"command": "true", "config_files": []}))
    os.chmod(config / "config.json", 0o644)
    extend = tmp_path / "extend"
    # A sourced script can change what is exec'd: ARGS is appended to the command.
    extend.write_text('echo "extend as $(id -un)"\nARGS="extended"\n')
    os.chmod(extend, 0o644)

    def start(*env):
        return docker("run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], "--user", "glance",
                      "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS", *env,
                      "-v", f"{config}:/var/lib/kolla/config_files:ro",
                      "-v", f"{extend}:/usr/local/bin/kolla_extend_start:ro", BASE).stdout

    out = start()
    assert "extend as glance" in out and "Running command: 'true extended'" in out
    out = start("-e", "KOLLA_SKIP_EXTEND_START=")
    assert "extend as" not in out and "Running command: 'true'" in out


def test_custom_ca_certificates_are_installed(started, tmp_path):
    key, cert = tmp_path / "ca.key", tmp_path / "ca.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=kimg-ca",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    name = started(BASE, {"command": "sleep 600", "config_files": []},
                   [("ca-certificates/root.crt", cert.read_text())], user="nova")
    out = sh(name, "ls /usr/local/share/ca-certificates; grep -c . /etc/ssl/certs/kolla-customca-root.pem", check=True)
    assert out.stdout.split() == ["kolla-customca-root.crt", str(len(cert.read_text().splitlines()))]


# --- healthchecks --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def probe():
    """A kolla-toolbox container (it has Python) with an HTTP server on 18080, a
    client connected to it and a process holding a unix socket open."""
    name = PREFIX + "probe-" + uuid.uuid4().hex[:6]
    docker("run", "-d", "--name", name, "--entrypoint", "sleep", TOOLBOX, "600")
    docker("exec", "-d", name, "python3", "-m", "http.server", "--bind", "127.0.0.1", "18080")
    docker("exec", "-d", name, "python3", "-c",
           "import socket, time\n"
           "s = socket.socket(socket.AF_UNIX); s.bind('/tmp/kimg.sock'); s.listen()\n"
           "time.sleep(600)")
    ready = ("for i in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18080/ && [ -S /tmp/kimg.sock ] && exit 0;"
             " sleep 0.1; done; exit 1")
    assert sh(name, ready).returncode == 0
    docker("exec", "-d", name, "python3", "-c",
           "import socket, time  # kimg-client\n"
           "c = socket.create_connection(('127.0.0.1', 18080)); time.sleep(600)")
    connected = ("for i in $(seq 1 100); do ss -Htn state established | grep -q ':18080 ' && exit 0;"
                 " sleep 0.1; done; exit 1")
    assert sh(name, connected).returncode == 0
    yield name
    docker("rm", "-f", name, check=False)


@pytest.mark.parametrize("command, healthy", [
    ("healthcheck_curl http://127.0.0.1:18080/", True),
    ("healthcheck_curl http://127.0.0.1:18080/no-such-page", False),
    ("healthcheck_curl http://127.0.0.1:18081/", False),
    ("healthcheck_listen http.server 18080", True),
    ("healthcheck_listen http.server 18081 18082", False),
    ("healthcheck_listen no-such-process 18080", False),
    ("healthcheck_port kimg-client 18080", True),
    ("healthcheck_port kimg-client 18081", False),
    ("healthcheck_port no-such-process 18080", False),
    ("healthcheck_socket python3 /tmp/kimg.sock", True),
    ("healthcheck_socket memcached /tmp/kimg.sock", False),
    ("healthcheck_socket python3 /tmp/no-such.sock", False),
    ("touch /tmp/kimg-beat && healthcheck_filemod /tmp/kimg-beat 60", True),
    ("touch -d '-2 hours' /tmp/kimg-old && healthcheck_filemod /tmp/kimg-old 60", False),
    ("healthcheck_filemod /tmp/no-such-file 60", False),
    ("healthcheck_filemod /tmp/kimg-beat", False),
])
def test_healthcheck_verdicts(probe, command, healthy):
    proc = sh(probe, command)
    assert proc.returncode == (0 if healthy else 1), (command, proc.stdout, proc.stderr)


# --- kolla-toolbox -------------------------------------------------------------------------

def toolbox_config():
    return {"command": "kolla_toolbox", "config_files": [],
            "permissions": [{"path": "/var/log/kolla/ansible.log", "perm": "0664", "owner": "ansible:kolla"}]}


def test_toolbox_runs_as_ansible_with_runner(started):
    name = started(TOOLBOX, toolbox_config(), env={"ANSIBLE_NOCOLOR": "1"})
    assert docker("exec", name, "/opt/ansible/bin/ansible-runner", "--version").stdout.strip()
    out = sh(name, "id -u; id -nG; echo $HOME; stat -c '%U:%G %a' /var/log/kolla/ansible.log;"
                   " ansible --version | head -1", check=True).stdout.splitlines()
    assert out[0] == str(USERS["ansible"])
    assert "kolla" in out[1].split()
    assert out[2] == "/var/lib/ansible"
    assert out[3] == "ansible:kolla 664"
    assert out[4].startswith("ansible [core 2.19.")
    ping = docker("exec", name, "ansible", "localhost", "-m", "ping", "-o").stdout
    assert "SUCCESS" in ping and '"ping": "pong"' in ping
    # Ansible's log is the one in the kolla_logs volume, shared by every kolla-group user.
    assert "localhost" in sh(name, "cat /var/log/kolla/ansible.log", check=True).stdout
    # kolla_toolbox ends on SIGTERM with status 0 rather than being killed.
    docker("stop", "-t", "30", name)
    assert docker("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "0"


def test_toolbox_has_the_collections_kolla_calls():
    modules = ["community.mysql.mysql_db", "community.rabbitmq.rabbitmq_user",
               "openstack.cloud.catalog_service", "ansible.posix.sysctl"]
    docs = json.loads(run(TOOLBOX, "ansible-doc", "-t", "module", "--json", *modules).stdout)
    assert sorted(docs) == sorted(modules)


def test_toolbox_client_libraries_and_tools():
    script = ("python3 -c 'import pymysql, openstack, requests, ansible_runner, os_client_config' && echo py-ok;"
              " command -v rabbitmqctl jq; cat /etc/ansible/hosts")
    out = run(TOOLBOX, "bash", "-c", script).stdout.splitlines()
    assert out[0] == "py-ok"
    assert out[1:3] == ["/usr/sbin/rabbitmqctl", "/usr/bin/jq"]
    assert "ansible_python_interpreter=/opt/ansible/bin/python" in out[3]


def test_build_refuses_unknown_image():
    proc = build("no-such-image")
    assert proc.returncode == 2
    assert "no image 'no-such-image'" in proc.stderr and "kolla-toolbox" in proc.stderr
    assert proc.stdout == ""


def test_shellcheck_clean():
    scripts = [IMAGES / "build.sh", IMAGES / "lib.sh", *(IMAGES / "base").glob("kolla_*"),
               *(IMAGES / "base").glob("healthcheck_*"), IMAGES / "kolla-toolbox" / "kolla_toolbox",
               IMAGES / "kolla-toolbox" / "extend_start.sh",
               *(IMAGES / "mariadb-server" / f for f in ("extend_start.sh", "security_reset", "healthcheck.sh",
                                                         "healthcheck_mariadb")),
               IMAGES / "rabbitmq" / "extend_start.sh", IMAGES / "rabbitmq" / "healthcheck_rabbitmq",
               IMAGES / "keepalived" / "extend_start.sh", IMAGES / "keepalived" / "check_alive.sh",
               IMAGES / "cron" / "extend_start.sh", IMAGES / "openstack-base" / "uwsgi",
               # Every image's kolla_extend_start, the service images' included.
               *IMAGES.glob("*/extend_start.sh"),
               ROOT / "tests" / "env" / "images.d" / "30-kolla-images.sh"]
    # tests/env/up.sh installs it; its absence is a broken environment, not a skip.
    assert Path("/usr/bin/shellcheck").exists(), "shellcheck is missing: run tests/env/up.sh"
    proc = subprocess.run(["shellcheck", "-x", "-s", "bash", *map(str, scripts)], capture_output=True, text=True,
                          cwd=ROOT)
    assert proc.returncode == 0, proc.stdout


# --- mariadb-server ----------------------------------------------------------------------

# A single Galera node on the container's loopback, as kolla-ansible's galera.cnf sets one up.
GALERA_CNF = """[mysqld]
datadir=/var/lib/mysql
bind-address=127.0.0.1
port=13306
wsrep_on=ON
wsrep_provider=/usr/lib/galera/libgalera_smm.so
wsrep_cluster_address=gcomm://
wsrep_node_address=127.0.0.1:14567
wsrep_provider_options=gmcast.listen_addr=tcp://127.0.0.1:14567;ist.recv_addr=127.0.0.1:14568
wsrep_sst_method=rsync
binlog_format=ROW
default_storage_engine=InnoDB
innodb_autoinc_lock_mode=2
innodb_buffer_pool_size=32M
"""
DB_PASSWORD = "kimg-root-'pw"
MARIADB_CONFIG = {
    "command": "/usr/bin/mariadbd-safe",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/galera.cnf", "dest": "/etc/mysql/my.cnf",
         "owner": "mysql", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/healthcheck.cnf", "dest": "/etc/mysql/healthcheck.cnf",
         "owner": "mysql", "perm": "0600"},
    ],
    "permissions": [{"path": "/var/log/kolla/mariadb", "owner": "mysql:mysql", "recurse": True},
                    {"path": "/var/lib/mysql", "owner": "mysql:mysql", "recurse": True}],
}
HEALTHCHECK = "/usr/bin/healthcheck.sh --defaults-file /etc/mysql/healthcheck.cnf --connect --galera_online"


@pytest.fixture
def mariadb_volume():
    name = PREFIX + "mariadb-" + uuid.uuid4().hex[:8]
    docker("volume", "create", name)
    yield name
    docker("volume", "rm", "-f", name, check=False)


def test_mariadb_bootstrap_then_new_cluster(tmp_path, mariadb_volume):
    cfg = tmp_path / "mariadb"
    cfg.mkdir(mode=0o755)
    files = {"config.json": json.dumps(MARIADB_CONFIG), "galera.cnf": GALERA_CNF,
             "healthcheck.cnf": f"[mariadb-client]\nuser=root\npassword={DB_PASSWORD}\nhost=127.0.0.1\nport=13306\n"}
    for name, text in files.items():
        (cfg / name).write_text(text)
        os.chmod(cfg / name, 0o644)
    mounts = ["-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS", "-v", f"{cfg}:/var/lib/kolla/config_files:ro",
              "-v", f"{mariadb_volume}:/var/lib/mysql"]

    # kolla-ansible's bootstrap container: KOLLA_BOOTSTRAP (empty), the root password.
    boot = docker("run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], *mounts, "-e", "KOLLA_BOOTSTRAP=",
                  "-e", f"DB_ROOT_PASSWORD={DB_PASSWORD}", MARIADB, check=False, timeout=300)
    assert boot.returncode == 0, boot.stdout[-2000:] + boot.stderr[-2000:]
    assert "Running command" not in boot.stdout
    assert DB_PASSWORD not in boot.stdout + boot.stderr

    name = PREFIX + uuid.uuid4().hex[:8]
    docker("run", "-d", "--name", name, *mounts, "-e", "BOOTSTRAP_ARGS=--wsrep-new-cluster", MARIADB)
    try:
        ready = sh(name, f"for i in $(seq 1 120); do {HEALTHCHECK} >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1")
        assert ready.returncode == 0, docker("logs", name).stdout[-3000:]
        assert "Running command: '/usr/bin/mariadbd-safe --wsrep-new-cluster'" in docker("logs", name).stdout
        query = ("SHOW STATUS LIKE 'wsrep_cluster_size'; SELECT COUNT(*) FROM mysql.global_priv WHERE User = '';"
                 " SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'test';"
                 " SELECT Host FROM mysql.global_priv WHERE User = 'root' ORDER BY Host")
        out = docker("exec", "-e", f"MYSQL_PWD={DB_PASSWORD}", name, "mariadb", "-h", "127.0.0.1", "-P", "13306",
                     "-uroot", "-N", "-e", query).stdout.split()
        assert out == ["wsrep_cluster_size", "1", "0", "0", "%", "localhost"]
        assert docker("exec", name, "id", "-un").stdout.strip() == "mysql"
        # The healthcheck fails both ways: a desynced node, a refused login.
        root = ["exec", "-e", f"MYSQL_PWD={DB_PASSWORD}", name, "mariadb", "-h", "127.0.0.1", "-P", "13306", "-uroot",
                "-e"]
        docker(*root, "SET GLOBAL wsrep_desync = ON")
        assert sh(name, HEALTHCHECK).returncode == 1
        docker(*root, "SET GLOBAL wsrep_desync = OFF")
        bad = sh(name, "printf '[mariadb-client]\\nuser=root\\npassword=wrong\\nhost=127.0.0.1\\nport=13306\\n'"
                       " > /tmp/bad.cnf && /usr/bin/healthcheck.sh --defaults-file=/tmp/bad.cnf --connect")
        assert bad.returncode == 1
        # docker stop reaches mariadbd past mariadbd-safe: a clean shutdown, exit 0.
        docker("stop", "-t", "60", name, timeout=120)
        assert docker("inspect", "-f", "{{.State.ExitCode}}", name).stdout.strip() == "0"
        grastate = docker("run", "--rm", "--entrypoint", "cat", "-v", f"{mariadb_volume}:/var/lib/mysql", MARIADB,
                          "/var/lib/mysql/grastate.dat").stdout
        assert "safe_to_bootstrap: 1" in grastate, grastate
    finally:
        docker("rm", "-f", name, check=False)


# --- memcached ---------------------------------------------------------------------------

def test_memcached_serves_and_is_healthy(started):
    # kolla-ansible's memcached.json: every option on the command line, no files.
    config = {"command": "/usr/bin/memcached -v -l 127.0.0.1 -p 11211 -c 64 -U 0 -m 16", "config_files": []}
    name = started(MEMCACHED, config)
    ready = sh(name, "for i in $(seq 1 100); do healthcheck_listen memcached 11211 && exit 0; sleep 0.1; done; exit 1")
    assert ready.returncode == 0, docker("logs", name).stderr
    stats = sh(name, "exec 3<>/dev/tcp/127.0.0.1/11211; printf 'set kimg 0 0 2\\r\\nok\\r\\nget kimg\\r\\nquit\\r\\n' >&3;"
                     " cat <&3; id -un", check=True).stdout
    assert stats.split() == ["STORED", "VALUE", "kimg", "0", "2", "ok", "END", "memcached"]
    assert sh(name, "healthcheck_listen memcached 11212").returncode == 1


# --- rabbitmq ----------------------------------------------------------------------------

RABBITMQ_FILES = rabbitmq_files("kimg-rabbitmq")
RABBITMQ_CONFIG = rabbitmq_config(RABBITMQ_FILES)


def test_rabbitmq_bootstrap_cookie_then_healthy(tmp_path):
    cfg = config_dir(tmp_path, "rabbitmq", {"config.json": json.dumps(RABBITMQ_CONFIG), **RABBITMQ_FILES})
    volume = PREFIX + "rabbitmq-" + uuid.uuid4().hex[:8]
    name = PREFIX + uuid.uuid4().hex[:8]
    cookie = "KIMGCOOKIE" + uuid.uuid4().hex.upper()
    mounts = ["-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS", "-v", f"{cfg}:/var/lib/kolla/config_files:ro",
              "-v", f"{volume}:/var/lib/rabbitmq"]
    docker("volume", "create", volume)
    try:
        # kolla-ansible's bootstrap container: KOLLA_BOOTSTRAP and the cluster's cookie, then it exits.
        boot = docker("run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], *mounts, "-e", "KOLLA_BOOTSTRAP=",
                      "-e", f"RABBITMQ_CLUSTER_COOKIE={cookie}", RABBITMQ, check=False, timeout=120)
        assert boot.returncode == 0, boot.stdout + boot.stderr
        assert "Running command" not in boot.stdout
        stat = docker("run", "--rm", "--entrypoint", "bash", "-v", f"{volume}:/var/lib/rabbitmq", RABBITMQ, "-c",
                      "stat -c '%U %a' /var/lib/rabbitmq/.erlang.cookie; cat /var/lib/rabbitmq/.erlang.cookie").stdout
        assert stat.split() == ["rabbitmq", "400", cookie]

        docker("run", "-d", "--name", name, "--hostname", "kimg-rabbitmq", *mounts, RABBITMQ)
        booted = wait_for(name, "rabbitmq-diagnostics -q check_running >/dev/null 2>&1", tries=60)
        assert booted.returncode == 0, docker("logs", name).stdout[-3000:]
        # kolla-ansible's rabbitmq healthcheck.
        health = sh(name, "healthcheck_rabbitmq")
        assert health.returncode == 0, health.stdout + health.stderr
        out = sh(name, "id -un; ps -o user= -C beam.smp; rabbitmq-diagnostics -q cluster_status --formatter json",
                 check=True).stdout.splitlines()
        assert out[:2] == ["rabbitmq", "rabbitmq"]
        assert json.loads(out[2])["running_nodes"] == ["rabbit@kimg-rabbitmq"]
        # The management plugin Kolla enables answers, through healthcheck_curl.
        assert sh(name, "healthcheck_curl http://127.0.0.1:15672/").returncode == 0
        # A node whose application is stopped is unhealthy.
        sh(name, "rabbitmqctl -q stop_app", check=True)
        assert sh(name, "healthcheck_rabbitmq").returncode == 1
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", volume, check=False)


def test_rabbitmq_bootstrap_needs_cookie(tmp_path):
    cfg = config_dir(tmp_path, "rabbitmq", {"config.json": json.dumps(RABBITMQ_CONFIG), **RABBITMQ_FILES})
    boot = docker("run", "--rm", "--name", PREFIX + uuid.uuid4().hex[:8], "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
                  "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-e", "KOLLA_BOOTSTRAP=", RABBITMQ, check=False)
    assert boot.returncode != 0
    assert "RABBITMQ_CLUSTER_COOKIE" in boot.stderr


# --- haproxy -------------------------------------------------------------------------------

HAPROXY_CFG = """global
    chroot /var/lib/haproxy
    user haproxy
    group haproxy
    daemon
    maxconn 100
    stats socket /var/lib/kolla/haproxy/haproxy.sock group kolla mode 660

defaults
    timeout connect 5s
    timeout client 30s
    timeout server 30s

listen stats
   bind 127.0.0.1:1984
   mode http
   stats enable
   stats uri /
   stats auth kimg:kimg-stats

frontend status
    bind 127.0.0.1:61313
    mode http
    monitor-uri /
"""
# kolla-ansible's haproxy.json and haproxy_run.sh (without TLS): root-owned files, services.d a directory.
HAPROXY_FILES = {
    "haproxy_run.sh": "#!/bin/bash\nset -o errexit\n"
                      "exec /usr/sbin/haproxy -W -db -p /run/haproxy.pid -f /etc/haproxy/haproxy.cfg"
                      " -f /etc/haproxy/services.d/\n",
    "haproxy.cfg": HAPROXY_CFG,
    "services.d/kimg.cfg": "frontend kimg_front\n    bind 127.0.0.1:18999\n    mode http\n"
                           "    http-request return status 200 content-type text/plain string kimg-service\n",
}
HAPROXY_CONFIG = {
    "command": "/etc/haproxy/haproxy_run.sh",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/haproxy_run.sh", "dest": "/etc/haproxy/haproxy_run.sh",
         "owner": "root", "perm": "0700"},
        {"source": "/var/lib/kolla/config_files/haproxy.cfg", "dest": "/etc/haproxy/haproxy.cfg",
         "owner": "root", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/services.d/", "dest": "/etc/haproxy/services.d",
         "owner": "root", "perm": "0700"},
        {"source": "/var/lib/kolla/config_files/external-frontend-map", "dest": "/etc/haproxy/external-frontend-map",
         "owner": "root", "perm": "0600", "optional": True},
    ],
}


def test_haproxy_serves_and_is_healthy(tmp_path):
    cfg = config_dir(tmp_path, "haproxy", {"config.json": json.dumps(HAPROXY_CONFIG), **HAPROXY_FILES})
    name = PREFIX + uuid.uuid4().hex[:8]
    socket_volume = PREFIX + "haproxy-socket-" + uuid.uuid4().hex[:8]
    try:
        docker("run", "-d", "--name", name, "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
               "-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{socket_volume}:/var/lib/kolla/haproxy", HAPROXY)
        # kolla-ansible's haproxy healthcheck: healthcheck_curl on the monitor port.
        ready = wait_for(name, "healthcheck_curl http://127.0.0.1:61313 >/dev/null")
        assert ready.returncode == 0, ready.stdout + docker("logs", name).stderr[-3000:]
        out = sh(name, "ps -o user=,args= -C haproxy | sort -u; curl -s http://127.0.0.1:18999/;"
                       " curl -s -o /dev/null -w '%{http_code} ' http://127.0.0.1:1984/;"
                       " curl -s -o /dev/null -w '%{http_code}' -u kimg:kimg-stats http://127.0.0.1:1984/",
                 check=True).stdout.splitlines()
        users = {line.split()[0] for line in out[:-1]}
        # The master stays root (it reloads and rebinds); the worker drops to haproxy.
        assert users == {"root", "haproxy"}, out
        assert out[-1] == "kimg-service401 200"
        # The stats socket keepalived's check_alive_haproxy.sh uses, open to the kolla group.
        info = sh(name, "echo 'show info' | socat unix-connect:/var/lib/kolla/haproxy/haproxy.sock stdio", user="haproxy")
        assert info.returncode == 0 and "Name: HAProxy" in info.stdout, info.stderr
        assert sh(name, "healthcheck_curl http://127.0.0.1:61314").returncode == 1
    finally:
        docker("rm", "-f", name, check=False)
        docker("volume", "rm", "-f", socket_volume, check=False)


# --- keepalived ----------------------------------------------------------------------------

KEEPALIVED_CONF = """vrrp_script check_alive {
    script "/check_alive.sh"
    interval 2
    fall 2
    rise 10
}

vrrp_instance kolla_internal_vip_51 {
    state BACKUP
    nopreempt
    interface eth0
    virtual_router_id 51
    priority 1
    advert_int 1
    virtual_ipaddress {
        192.0.2.251 dev eth0
    }
    authentication {
        auth_type PASS
        auth_pass kimgpass
    }
    track_script {
        check_alive
    }
}
"""
KEEPALIVED_CONFIG = {
    "command": "/usr/sbin/keepalived -nld -p /run/keepalived.pid",
    "config_files": [
        {"source": "/var/lib/kolla/config_files/keepalived.conf", "dest": "/etc/keepalived/keepalived.conf",
         "owner": "root", "perm": "0600"},
        {"source": "/var/lib/kolla/config_files/checks/", "dest": "/checks", "owner": "root", "perm": "0770"},
    ],
}


def test_keepalived_takes_the_vip_and_checks(tmp_path):
    cfg = config_dir(tmp_path, "keepalived", {
        "config.json": json.dumps(KEEPALIVED_CONFIG), "keepalived.conf": KEEPALIVED_CONF,
        "checks/check_alive_kimg.sh": "#!/bin/bash\ntest ! -e /tmp/kimg-down\n"})
    os.chmod(cfg / "checks" / "check_alive_kimg.sh", 0o755)
    name = PREFIX + uuid.uuid4().hex[:8]
    try:
        # kolla-ansible runs it privileged on the host network; NET_ADMIN on a
        # container's own interface is what it needs of that.
        docker("run", "-d", "--name", name, "--cap-add", "NET_ADMIN", "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
               "-v", f"{cfg}:/var/lib/kolla/config_files:ro", KEEPALIVED)
        # A lone node becomes master once its track script has risen and its advertisements go unanswered.
        vip = wait_for(name, "ip -o addr show dev eth0 | grep -q ' 192.0.2.251/'", tries=90)
        assert vip.returncode == 0, docker("logs", name).stdout[-3000:] + docker("logs", name).stderr[-3000:]
        out = sh(name, "ps -o user= -C keepalived | sort -u; /check_alive.sh", check=True).stdout.splitlines()
        assert out == ["root", "check /checks/check_alive_kimg.sh succeeded"]
        # A failing check makes /check_alive.sh fail, and keepalived gives the address up.
        sh(name, "touch /tmp/kimg-down", check=True)
        failed = sh(name, "/check_alive.sh")
        assert failed.returncode == 1 and "check /checks/check_alive_kimg.sh failed" in failed.stdout
        gone = wait_for(name, "! ip -o addr show dev eth0 | grep -q ' 192.0.2.251/'", tries=60)
        assert gone.returncode == 0, docker("logs", name).stderr[-3000:]
    finally:
        docker("rm", "-f", name, check=False)


# --- cron ----------------------------------------------------------------------------------

def test_cron_runs_logrotate_on_schedule(tmp_path):
    logrotate_conf = ("daily\nrotate 2\nmissingok\nnotifempty\n"
                      "/var/log/kolla/*/*.log {\n    copytruncate\n    su root kolla\n}\n")
    config = {"command": "cron -f", "config_files": [
        {"source": "/var/lib/kolla/config_files/logrotate.conf", "dest": "/etc/logrotate.conf",
         "owner": "root", "perm": "0600"}]}
    cfg = config_dir(tmp_path, "cron", {"config.json": json.dumps(config), "logrotate.conf": logrotate_conf})
    name = PREFIX + uuid.uuid4().hex[:8]
    try:
        # kolla-ansible's cron container: KOLLA_LOGROTATE_SCHEDULE from cron_logrotate_schedule.
        docker("run", "-d", "--name", name, "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS",
               "-e", "KOLLA_LOGROTATE_SCHEDULE=hourly", "-v", f"{cfg}:/var/lib/kolla/config_files:ro", CRON)
        # kolla-ansible gives cron no healthcheck; the process running is the test.
        ready = wait_for(name, "pgrep -x cron >/dev/null")
        assert ready.returncode == 0, docker("logs", name).stdout
        out = sh(name, "ps -o user=,args= -C cron; ls /etc/cron.hourly /etc/cron.daily | grep -c '^logrotate$';"
                       " test -x /etc/cron.hourly/logrotate && echo hourly;"
                       " mkdir -p /var/log/kolla/kimg && echo x > /var/log/kolla/kimg/kimg.log;"
                       " logrotate -f /etc/logrotate.conf && ls /var/log/kolla/kimg", check=True).stdout.split()
        assert out == ["root", "cron", "-f", "1", "hourly", "kimg.log", "kimg.log.1"], out
        assert "logrotate runs hourly" in docker("logs", name).stdout
    finally:
        docker("rm", "-f", name, check=False)
