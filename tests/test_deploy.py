"""A real all-in-one deployment of the infrastructure services.

site.yml with inventory/all-in-one deploys haproxy, mariadb, memcached and
rabbitmq from the Kolla-contract images (images/build.sh, built for the tests
by tests/env/images.d/30-kolla-images.sh) through our kolla_docker,
merge_configs and kolla_set_configs, with the deployment's default image names
and tag. The tests then check the images' contract (service users, Kolla's
healthchecks reporting healthy) and talk to the services over loopback: SQL
through haproxy's VIP, memcached stats, an authenticated AMQP handshake,
haproxy's stats page. They run in file order and share one deployment; the
last ones stop and destroy it.
"""
import json
import os
import socket
import struct
import subprocess
import urllib.request

import pytest

from conftest import ROOT, VENV, ansible_env, docker, docker_inspect
from deployment import Deployment, health, started_at, wait_for
from kolla_images import ref

from deployment import API, VIP

# kolla_toolbox and cron (the common role), then the infrastructure services.
CONTAINERS = ["kolla_toolbox", "cron", "haproxy", "mariadb", "memcached", "rabbitmq"]
# Kolla gives kolla_toolbox and cron no healthcheck.
HEALTHCHECKED = ["haproxy", "mariadb", "memcached", "rabbitmq"]
VOLUMES = ["mariadb", "rabbitmq", "kolla_logs", "haproxy_socket"]
# container -> the image directory it runs (images/<name>)
IMAGE_OF = {"kolla_toolbox": "kolla-toolbox", "cron": "cron", "haproxy": "haproxy", "mariadb": "mariadb-server", "memcached": "memcached", "rabbitmq": "rabbitmq"}
IMAGES = [ref(IMAGE_OF[c]) for c in CONTAINERS]
# container -> (server process, the Kolla user it runs as)
# (haproxy's master stays root, as Kolla's does; its workers run as haproxy.)
SERVERS = {"kolla_toolbox": ("kolla_toolbox", {"ansible"}), "cron": ("cron", {"root"}),
           "mariadb": ("mariadbd", {"mysql"}), "memcached": ("memcached", {"memcached"}),
           "rabbitmq": ("beam.smp", {"rabbitmq"}), "haproxy": ("haproxy", {"root", "haproxy"})}


def sql(d, query, host=VIP):
    """Runs a query over TCP to host:3306 with the mariadb client inside the image."""
    proc = docker("exec", "-e", f"MYSQL_PWD={d.secrets['database_password']}", "mariadb",
                  "mariadb", "--protocol=tcp", "-h", host, "-P", "3306", "-uroot", "-N", "-B", "-e", query,
                  check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def haproxy_stats(d):
    """haproxy's stats as {(proxy, server): row dict}, over HTTP with basic auth on the VIP."""
    mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    url = f"http://{VIP}:1984/;csv"
    mgr.add_password(None, url, "openstack", d.secrets["haproxy_password"])
    opener = urllib.request.build_opener(urllib.request.HTTPBasicAuthHandler(mgr))
    text = opener.open(url, timeout=5).read().decode()
    lines = text.splitlines()
    header = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(header, line.split(","))) for line in lines[1:] if line]
    return {(r["pxname"], r["svname"]): r for r in rows}


def memcached_command(cmd):
    with socket.create_connection((API, 11211), timeout=5) as s:
        s.sendall(cmd.encode() + b"\r\n")
        data = b""
        while not data.endswith((b"END\r\n", b"STORED\r\n", b"ERROR\r\n")):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.decode()


def amqp_login(user, password, host=API, port=5672):
    """AMQP 0-9-1 handshake up to Connection.Tune: True when the broker accepts the credentials."""

    def frame(payload):
        return struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce"

    def read_frame(s):
        head = b""
        while len(head) < 7:
            chunk = s.recv(7 - len(head))
            if not chunk:
                return None
            head += chunk
        _, _, size = struct.unpack(">BHI", head)
        body = b""
        while len(body) < size + 1:
            chunk = s.recv(size + 1 - len(body))
            if not chunk:
                return None
            body += chunk
        return struct.unpack(">HH", body[:4])  # class id, method id

    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(b"AMQP\x00\x00\x09\x01")
        assert read_frame(s) == (10, 10), "expected Connection.Start"
        response = b"\x00" + user.encode() + b"\x00" + password.encode()
        args = (struct.pack(">I", 0) + bytes([5]) + b"PLAIN" + struct.pack(">I", len(response)) + response
                + bytes([5]) + b"en_US")
        s.sendall(frame(struct.pack(">HH", 10, 11) + args))
        try:
            return read_frame(s) == (10, 30)  # Connection.Tune
        except ConnectionResetError:
            return False  # the broker refuses bad credentials by closing the connection


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    for image in IMAGES:
        if docker("image", "inspect", image, check=False).returncode != 0:
            pytest.fail(f"{image} is missing: run tests/env/up.sh (tests/env/images.d/30-kolla-images.sh)")
    for name in CONTAINERS:
        assert docker_inspect(name) is None, f"a container named {name} already exists; remove it first"
    d = Deployment(tmp_path_factory.mktemp("aio"))
    yield d
    # Whatever happened, leave nothing behind.
    d.run("destroy")


def test_prechecks_pass_on_a_clean_host(deployment):
    rc, out, recap = deployment.run("precheck")
    assert rc == 0, out[-6000:]
    assert recap["failed"] == 0 and recap["changed"] == 0
    assert "Check that the mariadb port is free" in out


def test_prechecks_fail_without_passwords(deployment):
    tmp = deployment.base / "no-passwords"
    tmp.mkdir()
    cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
           str(ROOT / "site.yml"), "-e", f"@{deployment.globals}", "-e", "kolla_action=precheck",
           "--tags", "prechecks"]
    proc = subprocess.run(cmd, env=ansible_env(tmp), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "database_password is not set" in proc.stdout


def test_deploy(deployment):
    rc, out, recap = deployment.run("deploy")
    assert rc == 0, out[-6000:]
    assert recap["failed"] == 0 and recap["changed"] > 0
    for name in CONTAINERS:
        info = docker_inspect(name)
        assert info["State"]["Running"], name
        assert info["HostConfig"]["NetworkMode"] == "host"
        # The deployment's default names are the ones images/build.sh gives.
        assert info["Config"]["Image"] == ref(IMAGE_OF[name]), name
    # Our Rust entrypoint installed the configuration files it was given: config.json
    # as the roles render it is what kolla_set_configs accepts, or nothing would run.
    assert "kolla_set_configs: installed" in docker("logs", "mariadb").stderr
    for name in CONTAINERS:
        assert "Running command:" in docker("logs", name).stdout, name


def test_every_container_reports_healthy(deployment):
    # Kolla's checks: healthcheck.sh --connect --galera_online (as the monitor user),
    # healthcheck_listen memcached, healthcheck_rabbitmq, healthcheck_curl on haproxy's monitor port.
    for name, words in [("mariadb", "healthcheck.sh --defaults-file /etc/mysql/healthcheck.cnf --connect --galera_online"),
                        ("memcached", "healthcheck_listen memcached 11211"),
                        ("rabbitmq", "healthcheck_rabbitmq"),
                        ("haproxy", "healthcheck_curl http://127.0.0.1:61313")]:
        assert words in " ".join(docker_inspect(name)["Config"]["Healthcheck"]["Test"]), name
    # The first check runs one interval after the start.
    wait_for(lambda: all(health(n) == "healthy" for n in HEALTHCHECKED), timeout=900,
             what=lambda: "every container to report healthy: " + ", ".join(
                 f"{n}={health(n)} {(docker_inspect(n)['State'].get('Health') or {}).get('Log', [{}])[-1:]}"
                 for n in HEALTHCHECKED))
    assert all(health(n) is None for n in CONTAINERS if n not in HEALTHCHECKED)
    assert sql(deployment, "SELECT @@wsrep_on, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                           "WHERE VARIABLE_NAME = 'WSREP_CLUSTER_SIZE')") == "1\t1"


def test_services_run_as_their_kolla_users(deployment):
    for name, (process, expected) in SERVERS.items():
        ps = docker("exec", name, "ps", "-eo", "user:20,comm").stdout.splitlines()[1:]
        users = {line.split()[0] for line in ps if line.split()[1:] == [process]}
        assert users == expected, (name, ps)
    # Galera's bootstrap left the first server running as a normal member, not as a bootstrap container.
    assert "BOOTSTRAP_ARGS=--wsrep-new-cluster" not in " ".join(docker_inspect("mariadb")["Config"]["Env"])
    assert docker("ps", "-aq", "--filter", "name=^bootstrap_mariadb$").stdout.strip() == ""
    assert docker("ps", "-aq", "--filter", "name=^rabbitmq_bootstrap$").stdout.strip() == ""
    # The cluster's Erlang cookie came from the bootstrap, owner-read-only, and the server holds none in its environment.
    cookie = docker("exec", "rabbitmq", "stat", "-c", "%U %a", "/var/lib/rabbitmq/.erlang.cookie").stdout.split()
    assert cookie == ["rabbitmq", "400"]
    assert deployment.secrets["rabbitmq_cluster_cookie"] in docker(
        "exec", "rabbitmq", "cat", "/var/lib/rabbitmq/.erlang.cookie").stdout
    assert not any("COOKIE" in e for e in docker_inspect("rabbitmq")["Config"]["Env"])


def test_sql_through_the_vip(deployment):
    # Backends are named after inventory hosts.
    wait_for(lambda: haproxy_stats(deployment)[("mariadb", "localhost")]["status"] == "UP",
             what="haproxy's mariadb backend to be UP")
    before = int(haproxy_stats(deployment)[("mariadb", "FRONTEND")]["stot"])
    assert sql(deployment, "SELECT 6 * 7") == "42"
    version = sql(deployment, "SELECT VERSION()")
    assert "MariaDB" in version
    # The query went through haproxy: its mariadb frontend counted the session.
    after = int(haproxy_stats(deployment)[("mariadb", "FRONTEND")]["stot"])
    assert after > before
    # A wrong password is refused (the bootstrap really set one).
    proc = docker("exec", "-e", "MYSQL_PWD=wrong", "mariadb", "mariadb", "--protocol=tcp", "-h", VIP,
                  "-uroot", "-e", "SELECT 1", check=False)
    assert proc.returncode != 0 and "Access denied" in proc.stderr


def test_memcached_stats(deployment):
    stats = memcached_command("stats")
    assert "STAT pid" in stats and "STAT limit_maxbytes 268435456" in stats
    assert "STORED" in memcached_command("set kolla 0 60 2\r\nok")
    assert "VALUE kolla 0 2\r\nok" in memcached_command("get kolla")


def test_rabbitmq_amqp_login(deployment):
    assert amqp_login("openstack", deployment.secrets["rabbitmq_password"])
    assert not amqp_login("openstack", "not-the-password")
    status = docker("exec", "rabbitmq", "rabbitmqctl", "status").stdout
    assert "rabbit@" in status


def test_haproxy_stats(deployment):
    stats = haproxy_stats(deployment)
    assert stats[("stats", "FRONTEND")]["status"] == "OPEN"
    assert stats[("mariadb", "FRONTEND")]["status"] == "OPEN"
    # Without credentials the stats page is refused.
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"http://{VIP}:1984/;csv", timeout=5)
    assert err.value.code == 401


def test_second_deploy_changes_nothing(deployment):
    before = {n: started_at(n) for n in CONTAINERS}
    rc, out, recap = deployment.run("deploy")
    assert rc == 0, out[-6000:]
    assert recap["changed"] == 0, out[-6000:]
    assert {n: started_at(n) for n in CONTAINERS} == before


def test_service_database_role_creates_database_and_user(deployment):
    """The bootstrap step OpenStack roles use: database and user through the VIP, created by
    community.mysql in kolla_toolbox (the kolla_toolbox module), idempotent."""
    play = deployment.base / "service-database.yml"
    play.write_text(
        "- hosts: all\n"
        "  gather_facts: true\n"
        "  tasks:\n"
        "    - ansible.builtin.include_role:\n"
        "        name: service_database\n"
        "      vars:\n"
        "        service_database_project: kolla_test\n"
        "        service_database_databases:\n"
        "          - {name: kolla_test, user: kolla_test, password: \"{{ test_db_password }}\"}\n")
    secret = "it's a \\ secret"
    # The playbook lives outside the repository, so the defaults beside playbooks/site.yml come as extra vars.
    extra = ["-e", f"@{ROOT / 'playbooks' / 'group_vars' / 'all.yml'}", "-e", f"@{deployment.globals}", "-e", f"@{deployment.passwords}",
             "-e", json.dumps({"test_db_password": secret})]

    def run():
        tmp = deployment.base / f"db-{os.urandom(3).hex()}"
        tmp.mkdir()
        cmd = [str(VENV / "bin" / "ansible-playbook"), "-i", str(ROOT / "inventory" / "all-in-one"),
               str(play), *extra]
        proc = subprocess.run(cmd, env=ansible_env(tmp), cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-4000:]
        assert secret not in proc.stdout
        return [l for l in proc.stdout.splitlines() if l.startswith("localhost") and " : ok=" in l][0]

    assert "changed=2" in run()  # the database, then the user
    assert "changed=0" in run()
    proc = docker("exec", "-e", f"MYSQL_PWD={secret}", "mariadb", "mariadb", "--protocol=tcp", "-h", VIP,
                  "-ukolla_test", "-N", "-B", "-e", "SELECT DATABASE(); USE kolla_test; SELECT DATABASE()",
                  check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["NULL", "kolla_test"]
    sql(deployment, "DROP DATABASE kolla_test; DROP USER 'kolla_test'@'%'")


def test_config_check_inside_the_container(deployment):
    # kolla_set_configs --check is what kolla_docker asks: 0 means current.
    for name in CONTAINERS:
        assert docker("exec", "-u", "root", name, "kolla_set_configs", "--check", check=False).returncode == 0, name


def test_reconfigure_restarts_only_the_changed_service(deployment):
    assert sql(deployment, "SELECT @@max_connections") != "333"
    before = {n: started_at(n) for n in CONTAINERS}
    override = deployment.custom / "mariadb" / "galera.cnf"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text("[mysqld]\nmax_connections = 333\n")
    rc, out, recap = deployment.run("reconfigure")
    assert rc == 0, out[-6000:]
    after = {n: started_at(n) for n in CONTAINERS}
    assert after["mariadb"] != before["mariadb"]
    assert {n: after[n] for n in CONTAINERS if n != "mariadb"} == \
        {n: before[n] for n in CONTAINERS if n != "mariadb"}
    rendered = (deployment.etc / "mariadb" / "galera.cnf").read_text()
    assert "max_connections = 333" in rendered
    wait_for(lambda: sql(deployment, "SELECT @@max_connections") == "333", timeout=60,
             what="mariadb to serve with the new setting")
    # And once applied, nothing is left to change.
    rc, out, recap = deployment.run("reconfigure")
    assert rc == 0 and recap["changed"] == 0, out[-6000:]


def test_copy_once_recreates_only_the_changed_container(deployment):
    # The strategy is part of every container's environment: switching recreates them all.
    rc, out, recap = deployment.run("deploy", "-e", "config_strategy=COPY_ONCE")
    assert rc == 0, out[-6000:]
    ids = {n: docker_inspect(n)["Id"] for n in CONTAINERS}
    assert "KOLLA_CONFIG_STRATEGY=COPY_ONCE" in docker_inspect("mariadb")["Config"]["Env"]
    (deployment.custom / "mariadb" / "galera.cnf").write_text("[mysqld]\nmax_connections = 444\n")
    rc, out, recap = deployment.run("reconfigure", "-e", "config_strategy=COPY_ONCE")
    assert rc == 0, out[-6000:]
    after = {n: docker_inspect(n)["Id"] for n in CONTAINERS}
    # Files are only installed at creation, so the changed one is a new container...
    assert after["mariadb"] != ids["mariadb"]
    assert {n: after[n] for n in CONTAINERS if n != "mariadb"} == {n: ids[n] for n in CONTAINERS if n != "mariadb"}
    # ...on the same data volume.
    wait_for(lambda: sql(deployment, "SELECT @@max_connections") == "444", timeout=60,
             what="mariadb to serve with the new setting")
    assert sql(deployment, "SELECT COUNT(*) FROM mysql.user WHERE User = 'root'") == "2"


def test_stop_leaves_containers_stopped(deployment):
    rc, out, recap = deployment.run("stop")
    assert rc == 0, out[-6000:]
    for name in CONTAINERS:
        assert docker_inspect(name)["State"]["Running"] is False, name


def test_destroy_removes_containers_and_volumes(deployment):
    deployment.destroy_and_check(CONTAINERS, VOLUMES)
