"""kolla_toolbox against a real toolbox container, with real mariadb and
rabbitmq containers beside it on a network of this file's own (ktb-net; no
loopback port is bound), and the same tasks through kolla-ansible 22.2.0's
Python kolla_toolbox for the differential.

The module only ever talks to a container named exactly `kolla_toolbox`, so
this file creates one (labelled ktb-test=1) and refuses to touch one it did
not make. Bad-input cases of the new argument surface are here too
(test_bad_input_*), not in tests/test_bad_input.py.
"""
import json
import os
import subprocess
import time

import pytest

from conftest import REF_22, ROOT, docker, run_binary
from kolla_images import ref

NET = "ktb-net"
DB = "ktb-mariadb"
RMQ = "ktb-rabbitmq"
AWAY = "ktb-toolbox-away"
TOOLBOX = "kolla_toolbox"  # the name the module looks for; not ours to choose
LABEL = "ktb-test=1"
# Kolla-contract images (images/build.sh --engine-env kolla-toolbox) are named by images/VERSION.
IMAGES_VERSION = ROOT / "images" / "VERSION"

_TOKEN = os.urandom(5).hex()
ROOT_PW = f"ktb-root-{_TOKEN}"
USER_PW = f"ktb-user-{_TOKEN}"
WRONG_PW = f"ktb-wrong-{_TOKEN}"
URI_PW = f"ktb-uri-{_TOKEN}"
RMQ_PW = f"ktb-rmq-{_TOKEN}"
EXTRA_PW = f"ktb-extra-{_TOKEN}"
SECRETS = (ROOT_PW, USER_PW, WRONG_PW, URI_PW, RMQ_PW, EXTRA_PW)
COOKIE = f"KTBCOOKIE{_TOKEN.upper()}"
WWW_PORT = 8931


def toolbox_image():
    """The kolla-toolbox image images/build.sh makes (<namespace>/kolla-toolbox:<tag> of images/VERSION)."""
    fields = dict(line.split("=", 1) for line in IMAGES_VERSION.read_text().splitlines()
                  if "=" in line and not line.startswith("#"))
    ref = f"{fields['namespace']}/kolla-toolbox:{fields['tag']}"
    if docker("image", "inspect", ref, check=False).returncode != 0:
        pytest.skip(f"{ref} is not in the test engine: run images/build.sh --engine-env kolla-toolbox")
    return ref


def remove_ours():
    for name in (TOOLBOX, AWAY):
        label = docker("inspect", "-f", '{{index .Config.Labels "ktb-test"}}', name, check=False)
        if label.returncode == 0 and label.stdout.strip() == "1":
            docker("rm", "-f", name, check=False)
    docker("rm", "-f", DB, RMQ, check=False)
    docker("network", "rm", NET, check=False)


def wait_for(what, *cmd, tries=120):
    for _ in range(tries):
        if docker(*cmd, check=False, timeout=60).returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} did not come up: docker {' '.join(cmd)}")


def run_toolbox(image):
    """kolla_toolbox on our network, idle; with the rabbitmq user's Erlang cookie when it has one."""
    # The image's own start-up step (kolla_extend_start: the shared Ansible log that every
    # user of the toolbox appends to), then the cookie, then idle.
    setup = ("if [ -f /usr/local/bin/kolla_extend_start ]; then bash -c '. /usr/local/bin/kolla_extend_start'; fi; "
             f"if id rabbitmq >/dev/null 2>&1; then install -d -o rabbitmq /var/lib/rabbitmq; umask 077; "
             f"printf %s {COOKIE} > /var/lib/rabbitmq/.erlang.cookie; "
             f"chown rabbitmq /var/lib/rabbitmq/.erlang.cookie; fi; "
             f"trap 'exit 0' TERM; while :; do sleep 1; done")
    docker("run", "-d", "--name", TOOLBOX, "--label", LABEL, "--network", NET, "--hostname", "ktb-toolbox",
           "--network-alias", "ktb-toolbox", "--user", "root", "--entrypoint", "sh", image, "-c", setup)


@pytest.fixture(scope="module")
def lab():
    existing = docker("inspect", "-f", '{{index .Config.Labels "ktb-test"}}', TOOLBOX, check=False)
    if existing.returncode == 0 and existing.stdout.strip() != "1":
        pytest.skip("a kolla_toolbox container this file did not create exists in the test engine")
    image = toolbox_image()
    remove_ours()
    docker("network", "create", "--label", LABEL, NET)
    # One statement per line: mariadbd's --init-file runs lines.
    init = (f"echo \"CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '{ROOT_PW}';\" > /tmp/init.sql; "
            "echo \"GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;\" >> /tmp/init.sql; ")
    docker("run", "-d", "--name", DB, "--label", LABEL, "--network", NET, "--user", "root", "--entrypoint", "sh",
           ref("mariadb-server"), "-c",
           f"install -d -o mysql -g mysql /run/mysqld; {init}"
           "mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null && "
           "exec mariadbd --user=mysql --datadir=/var/lib/mysql --bind-address=0.0.0.0 --init-file=/tmp/init.sql")
    docker("run", "-d", "--name", RMQ, "--label", LABEL, "--network", NET, "--hostname", RMQ,
           "--user", "root", "--entrypoint", "sh", ref("rabbitmq"), "-c",
           f"install -d -o rabbitmq -g rabbitmq /var/lib/rabbitmq /var/log/rabbitmq; umask 077; "
           f"printf %s {COOKIE} > /var/lib/rabbitmq/.erlang.cookie; chown rabbitmq: /var/lib/rabbitmq/.erlang.cookie; "
           "HOME=/var/lib/rabbitmq exec runuser -u rabbitmq -- rabbitmq-server")
    run_toolbox(image)
    # A local HTTP endpoint for uri, inside the toolbox itself.
    docker("exec", TOOLBOX, "sh", "-c", "mkdir -p /tmp/ktb-www && echo ktb-hello > /tmp/ktb-www/hello.txt")
    docker("exec", "-d", "-u", "root", TOOLBOX, "/opt/ansible/bin/python3", "-m", "http.server",
           "--bind", "127.0.0.1", "--directory", "/tmp/ktb-www", str(WWW_PORT))
    wait_for("mariadb", "exec", DB, "sh", "-c",
             "mariadb -N -e \"SELECT host FROM mysql.user WHERE user='root'\" | grep -qx '%'")
    try:
        yield image
    finally:
        remove_ours()


def tb(title, module_name, module_args, **extra):
    """A kolla_toolbox task that may fail without stopping the play."""
    return {"name": title, "ignore_errors": True,
            "kolla_toolbox": {"container_engine": "docker", "module_name": module_name,
                              "module_args": module_args, **extra}}


def play(*tasks):
    # JSON is YAML: no quoting surprises in secrets or templates.
    return json.dumps([{"hosts": "localhost", "gather_facts": False, "tasks": list(tasks)}])


def db_login(**args):
    return {"login_host": DB, "login_user": "root", "login_password": ROOT_PW, **args}


def sql(query):
    # As the container's root through the socket (unix_socket auth): no password on a command line.
    return docker("exec", DB, "mariadb", "-N", "-e", query).stdout


def status(run, title):
    """ok, failed, skipped... of the task (ansible-core 2.19 keeps `failed` out of callback results)."""
    return [r["status"] for r in run.records if r["task"] == title][-1]


def assert_no_secret(run, *extra):
    everything = run.stdout + run.stderr + json.dumps(run.records) + "".join(extra)
    for secret in SECRETS:
        assert secret not in everything, f"secret {secret} echoed"


def test_mysql_db_and_user_created_then_unchanged(lab, playbook):
    user = db_login(name="ktb_user", password=USER_PW, host="%", priv="ktbdb.*:ALL")
    run = playbook(play(
        tb("db", "mysql_db", db_login(name="ktbdb")),
        tb("db again", "mysql_db", db_login(name="ktbdb")),
        tb("db as k=v text", "mysql_db",
           f"login_host={DB} login_user=root login_password='{ROOT_PW}' name=ktbdb"),
        tb("user", "mysql_user", user),
        tb("user again", "mysql_user", user),
    ))
    assert run.rc == 0, run.stdout
    results = {t: run.result(t) for t in ("db", "db again", "db as k=v text", "user", "user again")}
    assert [results[t]["changed"] for t in results] == [True, False, False, True, False], results
    assert {status(run, t) for t in results} == {"ok"}, results
    assert results["db"]["executed_commands"] == ["CREATE DATABASE `ktbdb`"]
    assert results["db again"]["executed_commands"] == [] and results["db again"]["db"] == "ktbdb"
    assert results["db"]["invocation"]["module_args"]["login_password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert "ktbdb" in sql("SHOW DATABASES").split()
    assert sql("SELECT CONCAT(user, '@', host) FROM mysql.user WHERE user='ktb_user'").split() == ["ktb_user@%"]
    assert_no_secret(run)


def test_wrong_password_fails_with_the_inner_message_and_no_secret(lab, playbook):
    run = playbook(play(
        tb("wrong password", "mysql_db", db_login(name="ktbdb", login_password=WRONG_PW)),
        # The password reaches the inner task only as a play variable of the toolbox.
        tb("wrong password via extra vars", "mysql_db",
           db_login(name="ktbdb", login_password="{{ '{{ ktb_creds.password }}' }}"),
           module_extra_vars={"ktb_creds": {"password": EXTRA_PW}}),
        tb("unknown module", "ktb_no_such_module", {"login_password": WRONG_PW, "auth": {"password": EXTRA_PW}}),
    ), "-vvv")
    assert run.rc == 0, run.stdout
    for title in ("wrong password", "wrong password via extra vars"):
        res = run.result(title)
        assert status(run, title) == "failed" and res["changed"] is False, res
        assert "Access denied for user 'root'" in res["msg"], res
    res = run.result("unknown module")
    assert status(run, "unknown module") == "failed"
    assert res["msg"].startswith("ansible-runner exited with code 4:"), res
    assert "couldn't resolve module/action 'ktb_no_such_module'" in res["msg"], res
    assert_no_secret(run)


def test_check_mode_changes_nothing(lab, playbook):
    run = playbook(play(tb("db", "mysql_db", db_login(name="ktb_check"))), "--check")
    res = run.result("db")
    assert res["changed"] is True and status(run, "db") == "ok", res
    assert "ktb_check" not in sql("SHOW DATABASES").split()
    assert_no_secret(run)


def test_uri_against_a_local_endpoint(lab, playbook):
    args = {"url": f"http://127.0.0.1:{WWW_PORT}/hello.txt", "return_content": True,
            "url_username": "ktb", "url_password": URI_PW, "force_basic_auth": True}
    run = playbook(play(tb("get", "uri", args),
                        tb("missing", "uri", {**args, "url": f"http://127.0.0.1:{WWW_PORT}/absent"})))
    res = run.result("get")
    assert res["changed"] is False and res["status"] == 200 and res["content"] == "ktb-hello\n", res
    res = run.result("missing")
    assert status(run, "missing") == "failed" and res["status"] == 404, res
    assert "HTTP Error 404" in res["msg"], res
    assert_no_secret(run)


def test_openstack_cloud_modules_reach_the_sdk(lab, playbook):
    """openstack.cloud (every Keystone registration) gets past its openstacksdk check in the image
    and fails only on the Keystone that is not there (images/kolla-toolbox/Dockerfile says why it
    would not)."""
    auth = {"auth_url": "http://127.0.0.1:9/v3", "username": "admin", "password": URI_PW,
            "project_name": "admin", "user_domain_name": "Default", "project_domain_name": "Default"}
    run = playbook(play(tb("catalog", "openstack.cloud.catalog_service",
                           {"name": "ktb", "service_type": "ktb", "auth": auth})))
    res = run.result("catalog")
    assert status(run, "catalog") == "failed", res
    assert "has no attribute" not in res["msg"] and "openstacksdk" not in res["msg"], res
    assert "127.0.0.1:9" in res["msg"], res
    assert_no_secret(run)


def test_rabbitmq_user(lab, playbook):
    if docker("exec", TOOLBOX, "sh", "-c", "command -v rabbitmqctl", check=False).returncode != 0:
        pytest.skip(f"the toolbox image {lab} has no rabbitmqctl (community.rabbitmq's rabbitmq_user needs it)")
    wait_for("rabbitmq", "exec", RMQ, "rabbitmqctl", "-q", "await_startup", tries=4)
    run = playbook(play(tb("user", "rabbitmq_user",
                           {"user": "ktb_rmq", "password": RMQ_PW, "node": f"rabbit@{RMQ}",
                            "update_password": "always", "vhost": "/", "configure_priv": ".*",
                            "read_priv": ".*", "write_priv": ".*", "tags": ""},
                           user="rabbitmq")))
    res = run.result("user")
    assert res["changed"] is True and status(run, "user") == "ok" and res["user"] == "ktb_rmq", res
    assert "ktb_rmq" in docker("exec", RMQ, "rabbitmqctl", "-q", "list_users").stdout
    assert_no_secret(run)


TIMER = '''
import json, os, time
from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: ktb_timer
type: aggregate
short_description: per-task wall time for test_kolla_toolbox
description: Appends one JSON line per task result to $KTB_TIMES.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "ktb_timer"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task = (task.get_name(), time.monotonic())

    def _end(self, result, *args, **kwargs):
        name, start = self._task
        with open(os.environ["KTB_TIMES"], "a") as f:
            f.write(json.dumps({"task": name, "secs": time.monotonic() - start}) + "\\n")

    v2_runner_on_ok = v2_runner_on_failed = _end
'''

def comparable(run, title):
    res = run.result(title)
    return {"changed": res.get("changed"), "status": status(run, title), "keys": sorted(res)}


def test_differential_with_22_2(lab, playbook, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "ktb_timer.py").write_text(TIMER)
    runs, times = {}, {}
    for impl in ("ref", "ours"):
        db = f"ktb_diff_{impl}"
        timefile = tmp_path / f"times-{impl}.jsonl"
        env = {"ANSIBLE_CALLBACK_PLUGINS": f"{ROOT / 'tests' / 'callback_plugins'}:{plugins}",
               "ANSIBLE_CALLBACKS_ENABLED": "record,ktb_timer", "KTB_TIMES": str(timefile)}
        runs[impl] = playbook(play(
            tb("create db", "mysql_db", db_login(name=db)),
            tb("unchanged db", "mysql_db", db_login(name=db)),
            tb("wrong password", "mysql_db", db_login(name=db, login_password=WRONG_PW)),
            tb("uri", "uri", {"url": f"http://127.0.0.1:{WWW_PORT}/hello.txt", "return_content": True}),
        ), library=REF_22 / "library" if impl == "ref" else None, env=env)
        times[impl] = {t["task"]: t["secs"] for t in map(json.loads, timefile.read_text().splitlines())}
        assert_no_secret(runs[impl])
    for title in ("create db", "unchanged db", "wrong password", "uri"):
        assert comparable(runs["ours"], title) == comparable(runs["ref"], title), \
            (title, runs["ref"].result(title), runs["ours"].result(title))
    # The same result, bar each run's own database name.
    ref, ours = (json.dumps({k: v for k, v in runs[impl].result("unchanged db").items() if k != "invocation"})
                 .replace(f"ktb_diff_{impl}", "DB") for impl in ("ref", "ours"))
    assert ours == ref
    assert runs["ours"].result("wrong password")["msg"] == runs["ref"].result("wrong password")["msg"]
    runner = time_runner_alone(db_login(name="ktb_diff_ours"))
    print(f"\nkolla_toolbox unchanged mysql_db per task: ours {times['ours']['unchanged db']:.2f} s, "
          f"22.2 {times['ref']['unchanged db']:.2f} s; ansible-runner alone in the toolbox "
          f"(docker exec) {runner:.2f} s")


def time_runner_alone(module_args):
    """Seconds of `ansible-runner run` alone on the same one-task playbook, for BENCHMARKS.md."""
    pdd = f"/var/lib/ansible/ktb_bench.{os.urandom(4).hex()}"
    book = json.dumps([{"name": "kolla_toolbox", "hosts": "localhost", "gather_facts": False,
                        "tasks": [{"name": "kolla_toolbox task", "mysql_db": module_args}]}])
    hosts = (f"localhost ansible_connection=local ansible_remote_tmp={pdd}/tmp ansible_local_tmp={pdd}/tmp "
             f"ansible_python_interpreter=/opt/ansible/bin/python3\n")
    docker("exec", "-u", "root", TOOLBOX, "sh", "-c",
           f"mkdir -p -m 0700 {pdd}/tmp {pdd}/inventory {pdd}/project && chown -R ansible: {pdd}")
    for rel, text in (("inventory/hosts", hosts), ("project/main.json", book)):
        subprocess.run(["docker", "exec", "-i", "-u", "ansible", TOOLBOX, "sh", "-c", f"cat > {pdd}/{rel}"],
                       input=text, text=True, check=True, timeout=60)
    start = time.monotonic()
    proc = docker("exec", "-u", "ansible", "-e", "HOME=/var/lib/ansible", TOOLBOX,
                  "/opt/ansible/bin/ansible-runner", "run", pdd, "--playbook", "main.json", "--json")
    secs = time.monotonic() - start
    docker("exec", "-u", "root", TOOLBOX, "rm", "-rf", pdd)
    assert '"event": "runner_on_ok"' in proc.stdout
    return secs


def direct(tmp_path, **args):
    run = run_binary("kolla_toolbox", {"container_engine": "docker", "module_name": "ping", **args}, tmp_path)
    assert run.rc == 0, run.stderr
    return run.result


def test_bad_input_fails_with_one_clear_json(tmp_path):
    cases = [
        ({"container_engine": None}, "missing required arguments: container_engine"),
        ({"container_engine": "lxd"}, "value of container_engine must be one of: podman, docker, got: lxd"),
        ({"module_name": ""}, "module_name must name a module"),
        ({"module_args": "plain words"}, "module_args"),
        ({"module_args": ["x"]}, "module_args"),
        ({"module_extra_vars": "{broken"}, "module_extra_vars"),
        ({"timeout": 0}, "timeout must be a positive number of seconds, got 0"),
        ({"timeout": "soon"}, "argument 'timeout' is of type str and we were unable to convert to int"),
        ({"user": "ansible; rm -rf /"}, "user must be a user name of the kolla_toolbox container"),
        ({"api_version": "one"}, 'invalid api_version "one"'),
        ({"bogus": 1, "module_args": {"login_password": ROOT_PW}}, "Unsupported parameters for (kolla_toolbox) module: bogus"),
    ]
    for args, want in cases:
        args = {k: v for k, v in {"container_engine": "docker", "module_name": "ping", **args}.items() if v is not None}
        run = run_binary("kolla_toolbox", args, tmp_path)
        assert run.rc == 0 and run.result["failed"] is True, (args, run.result)
        assert want in run.result["msg"], (args, run.result)
        assert ROOT_PW not in json.dumps(run.result) + run.stderr
    raw = run_binary("kolla_toolbox", None, tmp_path, raw=b"{not json")
    assert raw.result["failed"] is True and "not valid JSON" in raw.result["msg"]


def test_bad_input_podman_without_its_service(tmp_path):
    env_host = os.environ.pop("CONTAINER_HOST", None)
    try:
        res = direct(tmp_path, container_engine="podman")
    finally:
        if env_host is not None:
            os.environ["CONTAINER_HOST"] = env_host
    assert res["failed"] is True and "/run/podman/podman.sock" in res["msg"], res


def test_missing_stopped_and_runnerless_toolbox(lab, tmp_path):
    res = direct(tmp_path)
    assert res == {"changed": False, "ping": "pong", "invocation": {"module_args": {"data": "pong"}}}, res
    docker("stop", "-t", "5", TOOLBOX)
    try:
        res = direct(tmp_path)
        assert res["failed"] is True and res["changed"] is False, res
        assert res["msg"] == "kolla_toolbox container is missing or not running! (its state is exited)", res
    finally:
        docker("start", TOOLBOX)
    docker("rename", TOOLBOX, AWAY)
    try:
        res = direct(tmp_path)
        assert res["failed"] is True
        assert res["msg"].startswith("kolla_toolbox container is missing or not running! (no container named kolla_toolbox"), res
        docker("run", "-d", "--name", TOOLBOX, "--label", LABEL, "--network", "none",
               "local/debian:bookworm", "sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done")
        res = direct(tmp_path)
        assert res["failed"] is True
        assert res["msg"].startswith("The 'ansible-runner' binary was not found in the kolla_toolbox container."), res
    finally:
        docker("rm", "-f", TOOLBOX, check=False)
        docker("rename", AWAY, TOOLBOX)
