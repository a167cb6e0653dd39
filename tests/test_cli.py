"""bin/kolla-ansible speaks kolla-ansible's command line.

Two kinds of runs: with ANSIBLE_PLAYBOOK pointing at a recorder that keeps the
argument vector, each flag is shown to change what ansible-playbook receives;
then real ansible-playbook runs against localhost: configuration into temporary
directories, check mode, and containers and images with names of the test's
own on the suite's engine (conftest pins DOCKER_HOST to it)."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, VENV, ansible_env, docker

WRAPPER = str(ROOT / "bin" / "kolla-ansible")
GENPWD = str(ROOT / "bin" / "kolla-genpwd")
PLAYBOOKS = ROOT / "playbooks"
SITE = ROOT / "site.yml" if (ROOT / "site.yml").is_file() else PLAYBOOKS / "site.yml"
INVENTORY = str(ROOT / "inventory" / "all-in-one")
SERVICES = ["loadbalancer", "mariadb", "memcached", "rabbitmq", "keystone", "glance", "placement", "nova",
            "neutron", "heat", "horizon", "cinder"]
SUPPORTED = ["prechecks", "pull", "deploy", "deploy-containers", "genconfig", "reconfigure", "upgrade", "check",
             "gather-facts", "post-deploy", "stop", "destroy", "prune-images"]


def make_configdir(base: Path, enable=(), name="etc") -> Path:
    """A --configdir with globals.yml (only `enable` services on) and generated passwords."""
    configdir = base / name
    configdir.mkdir()
    # The default image names and tag (openstack.kolla/<image>:2026.1-debian-trixie), as in
    # etc/kolla/globals.yml: the images tests/env/up.sh builds on the suite's engine.
    lines = ["network_interface: lo", "kolla_internal_vip_address: 127.0.0.10",
             f"node_config_directory: {base / 'out'}", f"node_custom_config: {base / 'custom'}"]
    lines += [f"enable_{s}: {'true' if s in enable else 'false'}" for s in SERVICES]
    (configdir / "globals.yml").write_text("\n".join(lines) + "\n")
    subprocess.run([GENPWD, "-p", str(configdir / "passwords.yml")], check=True, capture_output=True)
    return configdir


def secrets(configdir: Path) -> dict:
    return dict(line.split(": ", 1) for line in (configdir / "passwords.yml").read_text().splitlines()[1:])


@pytest.fixture
def recorded(tmp_path):
    """recorded(*args) -> (returncode, stderr, argv or None): the wrapper with a recording ansible-playbook."""
    record = tmp_path / "argv.json"
    fake = tmp_path / "ansible-playbook"
    fake.write_text(f"#!{sys.executable}\nimport json, sys\n"
                    f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    fake.chmod(0o755)
    configdir = make_configdir(tmp_path)

    def run(*args, configdir_arg=True):
        if record.exists():
            record.unlink()
        env = dict(os.environ, ANSIBLE_PLAYBOOK=str(fake))
        env.pop("EXTRA_OPTS", None)
        cmd = [WRAPPER, *(["--configdir", str(configdir)] if configdir_arg else []), *args]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        argv = json.loads(record.read_text()) if record.exists() else None
        return proc.returncode, proc.stderr, argv

    run.configdir = configdir
    run.tmp = tmp_path
    return run


def contains(argv, seq):
    """seq appears in argv as consecutive items."""
    return any(argv[i:i + len(seq)] == list(seq) for i in range(len(argv) - len(seq) + 1))


def extra_vars(argv):
    return [argv[i + 1] for i, a in enumerate(argv) if a == "-e"]


# --- what ansible-playbook receives -----------------------------------------

@pytest.mark.parametrize("command,action,playbook", [
    ("prechecks", "precheck", SITE),
    ("pull", "pull", SITE),
    ("deploy", "deploy", SITE),
    ("deploy-containers", "check-containers", SITE),
    ("genconfig", "config", SITE),
    ("reconfigure", "reconfigure", SITE),
    ("upgrade", "upgrade", SITE),
    ("check", "check", PLAYBOOKS / "containers.yml"),
    ("gather-facts", "gather-facts", PLAYBOOKS / "gather_facts.yml"),
    ("post-deploy", "post-deploy", PLAYBOOKS / "post_deploy.yml"),
])
def test_command_selects_action_and_playbook(recorded, command, action, playbook):
    rc, err, argv = recorded(command)
    assert rc == 0, err
    assert argv[-1] == str(playbook) and Path(argv[-1]).is_file()
    assert f"kolla_action={action}" in extra_vars(argv)
    configdir = recorded.configdir
    assert extra_vars(argv)[:2] == [f"@{configdir}/globals.yml", f"@{configdir}/passwords.yml"]
    assert f"CONFIG_DIR={configdir}" in extra_vars(argv)
    assert contains(argv, ["--inventory", INVENTORY])


@pytest.mark.parametrize("args,expected", [
    (["-i", "/etc/hostname"], ["--inventory", "/etc/hostname"]),
    (["--inventory", "/etc/hostname", "-i", "a,b,"], ["--inventory", "/etc/hostname", "--inventory", "a,b,"]),
    (["-e", "a=1", "--extra", "b=2", "--extra-vars", "c=3"], ["-e", "a=1", "-e", "b=2", "-e", "c=3"]),
    (["-t", "memcached"], ["--tags", "memcached"]),
    (["--tags", "memcached,mariadb"], ["--tags", "memcached,mariadb"]),
    (["--skip-tags", "mariadb"], ["--skip-tags", "mariadb"]),
    (["--limit", "localhost"], ["--limit", "localhost"]),
    (["-l", "control"], ["--limit", "control"]),
    (["--forks", "3"], ["--forks", "3"]),
    (["-v"], ["-v"]),
    (["-vvv"], ["-vvv"]),
    (["--verbose", "--verbose"], ["-vv"]),
    (["-k", "/etc/hostname"], ["--vault-password-file", "/etc/hostname"]),
    (["--key", "/etc/hostname"], ["--vault-password-file", "/etc/hostname"]),
    (["--vault-password-file", "/etc/hostname"], ["--vault-password-file", "/etc/hostname"]),
    (["--vault-id", "prod@/etc/hostname"], ["--vault-id", "prod@/etc/hostname"]),
    (["--ask-vault-pass"], ["--ask-vault-password"]),
    (["-b"], ["--become"]),
    (["-C"], ["--check"]),
    (["--check", "--diff"], ["--check", "--diff"]),
    (["-D"], ["--diff"]),
    (["--list-tasks"], ["--list-tasks"]),
])
def test_flag_reaches_ansible_playbook(recorded, args, expected):
    rc, err, plain = recorded("genconfig")
    assert rc == 0, err
    rc, err, argv = recorded("genconfig", *args)
    assert rc == 0, err
    assert contains(argv, expected), argv
    assert not contains(plain, expected), "the flag's arguments were there without it"


def test_options_may_follow_the_command(recorded):
    rc, err, before = recorded("-t", "memcached", "-v", "genconfig")
    rc2, err2, after = recorded("genconfig", "-t", "memcached", "-v")
    assert rc == rc2 == 0, err + err2
    assert before == after


def test_user_extra_vars_cannot_replace_the_command(recorded):
    rc, err, argv = recorded("genconfig", "-e", "kolla_action=destroy")
    assert rc == 0, err
    ev = extra_vars(argv)
    # Ansible's last -e wins: the command's own variable comes after the user's.
    assert ev.index("kolla_action=config") > ev.index("kolla_action=destroy")


def test_passwords_flag_replaces_the_configdir_file(recorded):
    other = recorded.tmp / "vaulted-passwords.yml"
    other.write_text((recorded.configdir / "passwords.yml").read_text())
    rc, err, argv = recorded("deploy", "--passwords", str(other))
    assert rc == 0, err
    assert f"@{other}" in extra_vars(argv)
    assert f"@{recorded.configdir}/passwords.yml" not in extra_vars(argv)
    rc, err, argv = recorded("deploy", "--passwords", str(recorded.tmp / "absent.yml"))
    assert rc == 1 and argv is None and "absent.yml is missing" in err


def test_configdir_and_globals_d(recorded):
    gd = recorded.configdir / "globals.d"
    gd.mkdir()
    for name in ("20-b.yml", "10-a.yaml", "30-c.json", "notes.txt"):
        (gd / name).write_text("{}\n")
    rc, err, argv = recorded("genconfig")
    assert rc == 0, err
    ev = extra_vars(argv)
    files = [v for v in ev if v.startswith("@")]
    assert files == [f"@{recorded.configdir}/{f}" for f in
                     ("globals.yml", "passwords.yml", "globals.d/10-a.yaml", "globals.d/20-b.yml",
                      "globals.d/30-c.json")]
    # The operator's files come first, so -e and the command's variables win over them.
    rc, err, argv = recorded("genconfig", "-e", "x=1")
    ev = extra_vars(argv)
    assert ev.index("x=1") > ev.index(f"@{recorded.configdir}/globals.d/30-c.json")


def test_configdir_from_environment(recorded, tmp_path):
    other = make_configdir(tmp_path, name="from-env")
    env = dict(os.environ, ANSIBLE_PLAYBOOK="/bin/true", KOLLA_CONFIG_PATH=str(other))
    proc = subprocess.run([WRAPPER, "genconfig"], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"-e @{other}/globals.yml" in proc.stderr


def test_playbook_flag_replaces_the_command_playbook(recorded):
    own = recorded.tmp / "mine.yml"
    own.write_text("- hosts: all\n  tasks: []\n")
    rc, err, argv = recorded("destroy", "--yes-i-really-really-mean-it", "--include-images", "-p", str(own))
    assert rc == 0, err
    assert argv[-1] == str(own) and str(SITE) not in argv
    assert "destroy_include_images=yes" in extra_vars(argv)
    rc, err, argv = recorded("deploy", "-p", str(own), "--playbook", str(own))
    assert argv[-2:] == [str(own), str(own)]
    rc, err, argv = recorded("deploy", "-p", str(recorded.tmp / "absent.yml"))
    assert rc == 1 and argv is None and "does not exist" in err


def test_destroy_include_images(recorded):
    rc, err, argv = recorded("destroy", "--yes-i-really-really-mean-it")
    assert rc == 0, err
    assert argv[-1] == str(SITE) and "destroy_include_images=no" in extra_vars(argv)
    rc, err, argv = recorded("destroy", "--yes-i-really-really-mean-it", "--include-images")
    assert rc == 0, err
    # The images go after the site playbook removed the containers using them.
    assert argv[-2:] == [str(SITE), str(PLAYBOOKS / "containers.yml")]
    assert "destroy_include_images=yes" in extra_vars(argv) and "kolla_action=destroy" in extra_vars(argv)


def test_stop_ignore_missing(recorded):
    rc, err, argv = recorded("stop", "--yes-i-really-really-mean-it")
    assert rc == 0 and "kolla_action_stop_ignore_missing=no" in extra_vars(argv), err
    rc, err, argv = recorded("stop", "--yes-i-really-really-mean-it", "--ignore-missing")
    assert rc == 0 and "kolla_action_stop_ignore_missing=yes" in extra_vars(argv), err


@pytest.mark.parametrize("command", ["stop", "destroy", "prune-images"])
def test_destructive_commands_need_confirmation(recorded, command):
    rc, err, argv = recorded(command)
    assert rc == 2 and argv is None
    assert "--yes-i-really-really-mean-it" in err and "WARNING" in err
    rc, err, argv = recorded(command, "--yes-i-really-really-mean-it")
    assert rc == 0, err
    assert f"kolla_action={command}" in extra_vars(argv)
    assert argv[-1] == str(PLAYBOOKS / "prune_images.yml" if command == "prune-images" else SITE)


@pytest.mark.parametrize("args,message", [
    (["deploy", "--yes-i-really-really-mean-it"], "does not apply to deploy"),
    (["deploy", "--include-images"], "--include-images does not apply to deploy"),
    (["deploy", "--ignore-missing"], "--ignore-missing does not apply to deploy"),
    (["deploy", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    (["deploy", "genconfig"], "unrecognized arguments: genconfig"),
    ([], "no command given"),
])
def test_usage_errors(recorded, args, message):
    rc, err, argv = recorded(*args)
    assert rc == 2 and argv is None
    assert message in err


@pytest.mark.parametrize("command", [
    "bootstrap-servers", "mariadb_recovery", "mariadb-recovery", "mariadb_backup", "mariadb-backup",
    "certificates", "validate-config", "octavia-certificates", "rabbitmq-reset-state", "install-deps",
])
def test_unsupported_commands_are_refused(recorded, command):
    rc, err, argv = recorded(command)
    assert rc == 2 and argv is None
    assert f"'{command}' is not supported by kolla.rust: " in err
    assert "Supported commands: " + ", ".join(SUPPORTED) in err


def test_unknown_command(recorded):
    rc, err, argv = recorded("frobnicate")
    assert rc == 2 and argv is None
    assert "'frobnicate' is not a kolla-ansible command; supported commands: " + ", ".join(SUPPORTED) in err


def test_missing_files(recorded, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    rc, err, argv = recorded("--configdir", str(empty), "deploy", configdir_arg=False)
    assert rc == 1 and argv is None
    assert f"{empty}/globals.yml is missing" in err and f"kolla-genpwd -p {empty}/passwords.yml" in err
    rc, err, argv = recorded("--configdir", str(tmp_path / "nope"), "deploy", configdir_arg=False)
    assert rc == 1 and "is not a directory" in err
    rc, err, argv = recorded("deploy", "-i", str(tmp_path / "no-inventory"))
    assert rc == 1 and "no-inventory does not exist" in err
    # Commands that neither render configuration nor read secrets run without passwords.yml.
    (recorded.configdir / "passwords.yml").unlink()
    rc, err, argv = recorded("stop", "--yes-i-really-really-mean-it")
    assert rc == 0, err
    assert not any("passwords.yml" in v for v in extra_vars(argv))
    rc, err, argv = recorded("genconfig")
    assert rc == 1 and "kolla-genpwd" in err


def test_extra_opts_environment(recorded):
    env = dict(os.environ, ANSIBLE_PLAYBOOK="/bin/true", EXTRA_OPTS="--flush-cache -e 'x=a b'")
    proc = subprocess.run([WRAPPER, "--configdir", str(recorded.configdir), "genconfig"], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "--flush-cache -e 'x=a b'" in proc.stderr


def test_help_lists_every_command():
    for args in (["--help"], ["-h"], ["help"], ["deploy", "--help"]):
        proc = subprocess.run([WRAPPER, *args], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout
        for command in SUPPORTED:
            assert f"\n  {command} " in out, command
        for flag in ("--inventory", "--playbook", "--passwords", "--key", "--configdir", "--extra", "--tags",
                     "--skip-tags", "--limit", "--verbose", "--include-images", "--yes-i-really-really-mean-it"):
            assert flag in out, flag
        assert "not supported here" in out and "bootstrap-servers" in out


def test_version():
    proc = subprocess.run([WRAPPER, "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    version = next(line.split(":", 1)[1].strip() for line in (ROOT / "galaxy.yml").read_text().splitlines()
                   if line.startswith("version:"))
    assert proc.stdout.strip() == f"kolla.rust {version}"


# --- real runs against localhost ---------------------------------------------

def real(tmp_path, configdir, *args, timeout=900):
    """Runs the wrapper with the real ansible-playbook; returns (rc, output, records)."""
    env = ansible_env(tmp_path)
    env["ANSIBLE_PLAYBOOK"] = str(VENV / "bin" / "ansible-playbook")
    env.pop("EXTRA_OPTS", None)
    proc = subprocess.run([WRAPPER, "--configdir", str(configdir), *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=timeout)
    record = Path(env["KOLLA_RUST_RECORD"])
    records = [json.loads(line) for line in record.read_text().splitlines()] if record.exists() else []
    return proc.returncode, proc.stdout + proc.stderr, records


def recap(output):
    for line in output.splitlines():
        if line.startswith("localhost") and " : ok=" in line:
            return {k: int(v) for k, v in (p.split("=") for p in line.partition(" : ")[2].split())}
    raise AssertionError(f"no recap in {output[-3000:]}")


def test_real_genconfig_into_configdir(tmp_path):
    configdir = make_configdir(tmp_path, enable=("memcached", "mariadb"))
    out_dir = tmp_path / "out"
    rc, out, _ = real(tmp_path, configdir, "genconfig", "--check", "-t", "memcached")
    assert rc == 0, out[-4000:]
    assert not out_dir.exists(), "--check wrote files"
    assert "Using " not in out.split("PLAY [", 1)[0], "ansible-playbook was verbose without -v"
    rc, out, _ = real(tmp_path, configdir, "genconfig", "-t", "memcached", "-v")
    assert rc == 0, out[-4000:]
    assert "Using " in out and "as config file" in out  # -v reached ansible-playbook
    config = json.loads((out_dir / "memcached" / "config.json").read_text())
    assert config["command"].startswith("/usr/bin/memcached ")
    assert not (out_dir / "mariadb").exists(), "--tags memcached also ran mariadb"
    rc, out, _ = real(tmp_path, configdir, "genconfig", "--skip-tags", "memcached")
    assert rc == 0, out[-4000:]
    assert (out_dir / "mariadb" / "galera.cnf").exists()
    rc, out, _ = real(tmp_path, configdir, "genconfig", "--limit", "no-such-host")
    assert "no-such-host" in out and (rc != 0 or "No hosts matched" in out or "skipping: no hosts matched" in out)


def test_real_prechecks(tmp_path):
    configdir = make_configdir(tmp_path)
    rc, out, records = real(tmp_path, configdir, "prechecks")
    assert rc == 0, out[-4000:]
    # Task names carry their role ("prechecks : ...").
    tasks = {r["task"].rpartition(" : ")[2] for r in records if r["status"] == "ok"}
    assert "Check that the passwords are set" in tasks and "Check that the Docker engine answers" in tasks
    # The same run with a secret emptied fails on it.
    pw = configdir / "passwords.yml"
    pw.write_text(pw.read_text().replace("rabbitmq_password: ", "rabbitmq_password: ''  # ", 1))
    rc, out, _ = real(tmp_path, configdir, "prechecks")
    assert rc != 0 and "rabbitmq_password is not set" in out


def test_real_gather_facts(tmp_path):
    configdir = make_configdir(tmp_path)
    rc, out, records = real(tmp_path, configdir, "gather-facts")
    assert rc == 0, out[-4000:]
    setup = [r for r in records if r["action"] in ("ansible.builtin.setup", "setup")]
    assert len(setup) == 1 and setup[0]["host"] == "localhost"
    facts = setup[0]["result"]["ansible_facts"]
    assert facts["ansible_lo"]["ipv4"]["address"] == "127.0.0.1"
    assert "ansible_processor_vcpus" in facts and "ansible_mounts" in facts  # all subsets, not just network


def test_real_post_deploy(tmp_path):
    configdir = make_configdir(tmp_path, enable=("keystone",))
    rc, out, _ = real(tmp_path, configdir, "post-deploy")
    assert rc == 0, out[-4000:]
    password = secrets(configdir)["keystone_admin_password"]
    for name, url in (("admin-openrc.sh", "http://127.0.0.10:5000"), ("public-openrc.sh", "http://127.0.0.10:5000")):
        path = configdir / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        env = subprocess.run(["bash", "-c", f". {path} && env"], capture_output=True, text=True,
                             env={"PATH": os.environ["PATH"], "OS_CLOUD": "stale"}, check=True).stdout
        values = dict(line.split("=", 1) for line in env.splitlines() if line.startswith("OS_"))
        assert values["OS_PASSWORD"] == password and values["OS_USERNAME"] == "admin"
        assert values["OS_AUTH_URL"] == url and "OS_CLOUD" not in values
    assert "OS_INTERFACE=internal" in (configdir / "admin-openrc.sh").read_text()
    assert "OS_INTERFACE=public" in (configdir / "public-openrc.sh").read_text()
    clouds_file = configdir / "clouds.yaml"
    assert stat.S_IMODE(clouds_file.stat().st_mode) == 0o600
    clouds = yaml.safe_load(clouds_file.read_text())["clouds"]
    assert set(clouds) == {"kolla-admin", "kolla-admin-public"}
    assert clouds["kolla-admin"]["interface"] == "internal" and clouds["kolla-admin-public"]["interface"] == "public"
    for cloud in clouds.values():
        assert cloud["auth"] == {"auth_url": "http://127.0.0.10:5000", "username": "admin", "password": password,
                                 "project_name": "admin", "user_domain_name": "Default",
                                 "project_domain_name": "Default"}
        assert cloud["region_name"] == "RegionOne" and cloud["identity_api_version"] == 3
    rc, out, _ = real(tmp_path, configdir, "post-deploy")
    assert rc == 0 and recap(out)["changed"] == 0, out[-3000:]


def test_real_post_deploy_without_keystone(tmp_path):
    configdir = make_configdir(tmp_path)
    rc, out, _ = real(tmp_path, configdir, "post-deploy")
    assert rc != 0 and "enable_keystone=False" in out.replace("false", "False")
    assert not (configdir / "admin-openrc.sh").exists()


def test_real_check_reports_missing_containers(tmp_path):
    configdir = make_configdir(tmp_path, enable=("memcached",))
    # A name no deployment uses, so the answer does not depend on what runs on the engine.
    name = f"kolla-cli-check-{os.urandom(3).hex()}"
    override = json.dumps({"memcached_services": {"memcached": {
        "container_name": name, "group": "memcached", "enabled": True, "image": "kolla-test/busybox:labeled"}}})
    rc, out, _ = real(tmp_path, configdir, "check", "-e", override)
    assert rc != 0 and f"Not running on localhost: {name}" in out, out[-3000:]
    # Nothing enabled: nothing to check.
    rc, out, _ = real(tmp_path, make_configdir(tmp_path, name="none"), "check")
    assert rc == 0, out[-3000:]


def test_real_check_running_and_unhealthy(tmp_path):
    configdir = make_configdir(tmp_path, enable=("memcached",))
    name = f"kolla-cli-check-{os.urandom(3).hex()}"
    override = json.dumps({"memcached_services": {"memcached": {
        "container_name": name, "group": "memcached", "enabled": True, "image": "kolla-test/busybox:labeled"}}})
    loop = "trap 'exit 0' TERM; while :; do sleep 1; done"
    docker("run", "-d", "--network", "none", "--name", name, "--health-cmd", "false", "--health-interval", "1s",
           "--health-retries", "1", "kolla-test/busybox:labeled", "sh", "-c", loop)
    try:
        for _ in range(60):
            if "unhealthy" in docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout:
                break
            subprocess.run(["sleep", "1"])
        rc, out, _ = real(tmp_path, configdir, "check", "-e", override)
        assert rc != 0 and f"Unhealthy on localhost: {name}" in out, out[-3000:]
        docker("rm", "-f", name)
        docker("run", "-d", "--network", "none", "--name", name, "kolla-test/busybox:labeled", "sh", "-c", loop)
        rc, out, _ = real(tmp_path, configdir, "check", "-e", override)
        assert rc == 0, out[-3000:]
        docker("stop", "-t", "5", name)
        rc, out, _ = real(tmp_path, configdir, "check", "-e", override)
        assert rc != 0 and f"Not running on localhost: {name}" in out
    finally:
        docker("rm", "-f", name, check=False)


def test_real_deploy_containers_skips_configuration(tmp_path):
    """In check mode nothing is created; the run shows which role tasks deploy-containers applies."""
    configdir = make_configdir(tmp_path, enable=("memcached",))
    rc, out, records = real(tmp_path, configdir, "deploy-containers", "--check")
    assert rc == 0, out[-4000:]
    ran = {r["task"].rpartition(" : ")[2] for r in records if r["status"] not in ("skipped",)}
    assert "Compare containers of memcached" in ran
    assert not any("config" in t.lower() and "memcached" in t.lower() for t in ran), ran
    assert not (tmp_path / "out").exists()


def test_real_destroy_include_images_check_mode(tmp_path):
    configdir = make_configdir(tmp_path, enable=("memcached",))
    name = f"kolla-cli-destroy-{os.urandom(3).hex()}"
    image = f"kolla-cli-test/none-{os.urandom(3).hex()}:x"
    override = json.dumps({"memcached_services": {"memcached": {
        "container_name": name, "group": "memcached", "enabled": True, "image": image, "volumes": []}},
        "kolla_shared_volumes": []})
    rc, out, records = real(tmp_path, configdir, "destroy", "--yes-i-really-really-mean-it", "--include-images",
                            "--check", "-e", override)
    assert rc == 0, out[-4000:]
    removed = [r for r in records if r["task"] == "Remove the images of the services' containers"
               and r["status"].startswith("item")]
    assert [r["result"]["item"] for r in removed if r["host"] == "localhost"] == [image]


def test_real_prune_images(tmp_path):
    tag = os.urandom(3).hex()

    def dangling(label):
        ctx = tmp_path / f"ctx-{label}"
        ctx.mkdir()
        (ctx / "Dockerfile").write_text(f"FROM kolla-test/busybox:unlabeled\nLABEL {label}=cli-{tag}\n")
        return docker("build", "-q", str(ctx)).stdout.strip()

    kolla = dangling("kolla_version")
    ours = dangling("kolla_service")
    other = dangling("not_kolla")
    configdir = make_configdir(tmp_path)
    try:
        rc, out, _ = real(tmp_path, configdir, "prune-images", "--yes-i-really-really-mean-it", "--check")
        assert rc == 0, out[-4000:]
        assert docker("image", "inspect", kolla, check=False).returncode == 0, "--check removed an image"
        rc, out, _ = real(tmp_path, configdir, "prune-images", "--yes-i-really-really-mean-it")
        assert rc == 0 and recap(out)["changed"] == 1, out[-4000:]
        assert docker("image", "inspect", kolla, check=False).returncode != 0
        assert docker("image", "inspect", ours, check=False).returncode != 0
        assert docker("image", "inspect", other, check=False).returncode == 0
        rc, out, _ = real(tmp_path, configdir, "prune-images", "--yes-i-really-really-mean-it")
        assert rc == 0 and recap(out)["changed"] == 0, out[-4000:]
    finally:
        for image in (kolla, ours, other):
            docker("rmi", image, check=False)


def test_real_refusals_run_nothing(tmp_path):
    configdir = make_configdir(tmp_path, enable=("memcached",))
    for args in (["destroy"], ["stop"], ["mariadb_recovery"], ["bootstrap-servers"]):
        rc, out, records = real(tmp_path, configdir, *args)
        assert rc == 2 and records == [] and "PLAY" not in out, out
