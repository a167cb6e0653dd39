"""Helpers the image tests share: the names images/VERSION gives, a config_files
directory, `docker run` the way kolla-ansible starts a container, commands in
a running container, and the infrastructure an OpenStack image needs to prove
itself (a bootstrapped mariadb-server with a service database, a rabbitmq).
Every name a caller makes carries the caller's prefix, so leftovers are found."""
import json
import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, docker

IMAGES = ROOT / "images"
VERSION = dict(line.split("=", 1) for line in (IMAGES / "VERSION").read_text().splitlines()
               if line and not line.startswith("#"))


def ref(name):
    """The reference images/build.sh gives the image of directory `name`."""
    return f"{VERSION['namespace']}/{name}:{VERSION['tag']}"


def build(*names, timeout=3600):
    """Runs images/build.sh for names in the engine the tests talk to; fails the test with its output."""
    started = time.monotonic()
    proc = subprocess.run(["bash", str(IMAGES / "build.sh"), *names], capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"images/build.sh {' '.join(names)} failed:\n{proc.stderr[-4000:]}")
    print(f"images/build.sh {' '.join(names)}: {time.monotonic() - started:.0f} s")
    return proc


def config_dir(parent: Path, name, files):
    """A config_files directory parent/name holding files ({relative path: text}), readable by every user."""
    cfg = parent / name
    cfg.mkdir(mode=0o755)
    for rel, text in files.items():
        path = cfg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path in [cfg, *cfg.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return cfg


def sh(container, script, user=None, check=False, timeout=120):
    """bash -c script in a running container (as user when given)."""
    args = ["exec"] + (["--user", user] if user else []) + [container, "bash", "-c", script]
    return docker(*args, check=check, timeout=timeout)


def wait_for(container, script, tries=120):
    """Runs script in container every half second until it succeeds; its last result."""
    return sh(container, f"for i in $(seq 1 {tries}); do {script} && exit 0; sleep 0.5; done; {script}",
              timeout=max(120, tries))


def kolla_run(*args, **kwargs):
    """docker run with the environment kolla-ansible gives every container (KOLLA_CONFIG_STRATEGY)."""
    return docker("run", "-e", "KOLLA_CONFIG_STRATEGY=COPY_ALWAYS", *args, **kwargs)


def remove_prefixed(prefix):
    """Removes every container whose name starts with prefix."""
    leftovers = docker("ps", "-aq", "--filter", f"name=^{prefix}").stdout.split()
    if leftovers:
        docker("rm", "-f", *leftovers, check=False)


class Scratch:
    """Networks and volumes a test module makes, all removed (with the containers using them) by close()."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.networks = []
        self.volumes = []

    def name(self, role):
        return f"{self.prefix}{role}-{uuid.uuid4().hex[:6]}"

    def network(self):
        name = self.name("net")
        docker("network", "create", name)
        self.networks.append(name)
        return name

    def volume(self, role):
        name = self.name(role)
        docker("volume", "create", name)
        self.volumes.append(name)
        return name

    def close(self):
        remove_prefixed(self.prefix)
        for net in self.networks:
            users = docker("ps", "-aq", "--filter", f"network={net}").stdout.split()
            if users:
                docker("rm", "-f", *users, check=False)
            docker("network", "rm", net, check=False)
        for vol in self.volumes:
            docker("volume", "rm", "-f", vol, check=False)


def module_fixtures(prefix, *images):
    """The module fixtures every image test file starts from: `scratch` (images
    built first, then a Scratch whose names start with prefix, all removed at
    the end) and `network` (one network of it). Assign both at module level."""

    @pytest.fixture(scope="module")
    def scratch():
        build(*images)
        made = Scratch(prefix)
        yield made
        made.close()

    @pytest.fixture(scope="module")
    def network(scratch):
        return scratch.network()

    return scratch, network


MY_CNF = "[mysqld]\ndatadir=/var/lib/mysql\nbind-address=0.0.0.0\nport=3306\nskip-name-resolve\n"
MARIADB_CONFIG = {
    "command": "/usr/bin/mariadbd-safe",
    "config_files": [{"source": "/var/lib/kolla/config_files/my.cnf", "dest": "/etc/mysql/my.cnf",
                      "owner": "mysql", "perm": "0600"}],
    "permissions": [{"path": "/var/lib/mysql", "owner": "mysql:mysql", "recurse": True}],
}


class Database:
    """A bootstrapped mariadb-server container on a network, reachable there as `alias`."""

    def __init__(self, scratch: Scratch, tmp: Path, network, alias, root_password):
        self.alias = alias
        self.root_password = root_password
        cfg = config_dir(tmp, scratch.name("mariadb-cfg"),
                         {"config.json": json.dumps(MARIADB_CONFIG), "my.cnf": MY_CNF})
        data = scratch.volume("mariadb")
        mounts = ["-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{data}:/var/lib/mysql"]
        boot = kolla_run("--rm", "--name", scratch.name("mariadb-boot"), *mounts, "-e", "KOLLA_BOOTSTRAP=",
                         "-e", f"DB_ROOT_PASSWORD={root_password}", ref("mariadb-server"), check=False, timeout=300)
        assert boot.returncode == 0, boot.stdout[-2000:] + boot.stderr[-2000:]
        self.container = scratch.name("db")
        kolla_run("-d", "--name", self.container, "--network", network, "--network-alias", alias, *mounts,
                  ref("mariadb-server"))
        up = wait_for(self.container, f"{self.client} -e 'SELECT 1' >/dev/null 2>&1")
        assert up.returncode == 0, docker("logs", self.container).stderr[-3000:]

    @property
    def client(self):
        return f"MYSQL_PWD='{self.root_password}' mariadb -h 127.0.0.1 -uroot"

    def query(self, sql):
        """Runs sql as root; its tab-separated output without headers."""
        return sh(self.container, f'{self.client} -N -e "{sql}"', check=True).stdout.strip()

    def create(self, database, user, password):
        """What kolla-ansible's bootstrap tasks create through kolla-toolbox: a database and its user."""
        self.query(f"CREATE DATABASE IF NOT EXISTS {database}; "
                   f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY '{password}'; "
                   f"GRANT ALL PRIVILEGES ON {database}.* TO '{user}'@'%';")
        return f"mysql+pymysql://{user}:{password}@{self.alias}/{database}"

    def tables(self, database):
        """The number of tables in database (a db sync made its schema when it is not 0)."""
        return int(self.query("SELECT COUNT(*) FROM information_schema.TABLES "
                              f"WHERE TABLE_SCHEMA = '{database}'"))


def rabbitmq_files(host):
    """kolla-ansible's rabbitmq configuration files for a single node named rabbit@host."""
    return {
        "rabbitmq-env.conf": f"RABBITMQ_NODENAME=rabbit@{host}\nRABBITMQ_LOG_BASE=/var/log/kolla/rabbitmq\n"
                             "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=\"-kernel inetrc '/etc/rabbitmq/erl_inetrc'\"\n",
        # Every address: the health check connects to each listener by the node's host name.
        "rabbitmq.conf": "listeners.tcp.default = 5672\nmanagement.tcp.port = 15672\nlog.file = rabbitmq.log\n",
        "erl_inetrc": "{file, hosts, \"/etc/hosts\"}.\n{lookup, [file, native]}.\n",
        "advanced.config": "[].\n",
        "definitions.json": "{}\n",
        "enabled_plugins": "[rabbitmq_management,rabbitmq_prometheus].\n",
    }


def rabbitmq_config(files):
    """kolla-ansible's rabbitmq.json for files: every file owned by rabbitmq, 0600."""
    return {
        "command": "/usr/sbin/rabbitmq-server",
        "config_files": [{"source": f"/var/lib/kolla/config_files/{name}", "dest": f"/etc/rabbitmq/{name}",
                          "owner": "rabbitmq", "perm": "0600"} for name in files],
        "permissions": [{"path": "/var/lib/rabbitmq", "owner": "rabbitmq:rabbitmq", "recurse": True},
                        {"path": "/var/log/kolla/rabbitmq", "owner": "rabbitmq:rabbitmq", "recurse": True}],
    }


class Rabbit:
    """A rabbitmq container on a network, reachable there as `alias`, with one user for the services."""

    def __init__(self, scratch: Scratch, tmp: Path, network, alias, user, password):
        self.alias = alias
        files = rabbitmq_files(alias)
        cfg = config_dir(tmp, scratch.name("rabbitmq-cfg"), {"config.json": json.dumps(rabbitmq_config(files)),
                                                              **files})
        data = scratch.volume("rabbitmq")
        mounts = ["-v", f"{cfg}:/var/lib/kolla/config_files:ro", "-v", f"{data}:/var/lib/rabbitmq"]
        cookie = uuid.uuid4().hex
        boot = kolla_run("--rm", "--name", scratch.name("rabbitmq-boot"), *mounts, "-e", "KOLLA_BOOTSTRAP=",
                         "-e", f"RABBITMQ_CLUSTER_COOKIE={cookie}", ref("rabbitmq"), check=False, timeout=300)
        assert boot.returncode == 0, boot.stdout[-2000:] + boot.stderr[-2000:]
        self.container = scratch.name("rabbitmq")
        kolla_run("-d", "--name", self.container, "--network", network, "--network-alias", alias,
                  "--hostname", alias, *mounts, ref("rabbitmq"))
        up = wait_for(self.container, "rabbitmq-diagnostics -q check_running >/dev/null 2>&1", tries=240)
        assert up.returncode == 0, docker("logs", self.container).stdout[-3000:]
        sh(self.container, f"rabbitmqctl -q add_user '{user}' '{password}' && "
                           f"rabbitmqctl -q set_permissions '{user}' '.*' '.*' '.*'", check=True)
        self.url = f"rabbit://{user}:{password}@{alias}:5672//"
