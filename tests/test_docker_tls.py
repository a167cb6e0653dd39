"""kolla_docker and kolla_container_facts talking TLS to a daemon of their own:
a second dockerd, sharing nothing with the main one (own data root, exec root,
pid file, unix socket, no bridge, no iptables), listening on loopback with
--tlsverify and certificates made here by openssl."""
import json
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import REF_15, run_binary

OPENSSL = shutil.which("openssl")
DOCKERD = shutil.which("dockerd")


def openssl(*args, cwd):
    proc = subprocess.run([OPENSSL, *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"openssl {args[0]}: {proc.stderr}"


def make_ca(d, name):
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}-key.pem", cwd=d)
    openssl("req", "-x509", "-new", "-key", f"{name}-key.pem", "-sha256", "-days", "2",
            "-subj", f"/CN=kdt {name}", "-out", f"{name}.pem", cwd=d)


def make_cert(d, ca, name, ext):
    (d / f"{name}.ext").write_text(ext)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", f"{name}-key.pem", cwd=d)
    openssl("req", "-new", "-key", f"{name}-key.pem", "-subj", f"/CN=kdt {name}",
            "-out", f"{name}.csr", cwd=d)
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}-key.pem",
            "-CAcreateserial", "-days", "2", "-sha256", "-extfile", f"{name}.ext",
            "-out", f"{name}.pem", cwd=d)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tls_daemon(tmp_path_factory):
    """A TLS-only dockerd on 127.0.0.1:<free port>; stopped (by its pid) at the end."""
    assert OPENSSL and DOCKERD, "openssl and dockerd are installed by tests/env/up.sh"
    d = tmp_path_factory.mktemp("tls")
    certs = d / "certs"
    certs.mkdir()
    make_ca(certs, "ca")
    make_ca(certs, "other-ca")
    make_cert(certs, "ca", "server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    make_cert(certs, "ca", "client", "extendedKeyUsage=clientAuth\n")
    port = free_port()
    # Short paths: unix socket paths are limited to 108 bytes.
    root = d / "dockerd"
    for sub in ("data", "exec"):
        (root / sub).mkdir(parents=True)
    sock = root / "docker.sock"
    log = open(d / "dockerd.log", "w")
    proc = subprocess.Popen(
        [DOCKERD, "--tlsverify", f"--tlscacert={certs / 'ca.pem'}",
         f"--tlscert={certs / 'server.pem'}", f"--tlskey={certs / 'server-key.pem'}",
         "-H", f"tcp://127.0.0.1:{port}", "-H", f"unix://{sock}",
         f"--data-root={root / 'data'}", f"--exec-root={root / 'exec'}",
         f"--pidfile={root / 'dockerd.pid'}", "--bridge=none", "--iptables=false",
         "--ip-masq=false", "--storage-driver=vfs"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    local = ["docker", "-H", f"unix://{sock}"]
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            if subprocess.run([*local, "version"], capture_output=True).returncode == 0:
                break
            time.sleep(0.3)
        if proc.poll() is not None or subprocess.run([*local, "version"], capture_output=True).returncode:
            pytest.fail("second dockerd did not start:\n" + (d / "dockerd.log").read_text()[-3000:])
        yield {"host": f"tcp://127.0.0.1:{port}", "certs": certs, "local": local}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def tls_args(daemon, **override):
    c = daemon["certs"]
    args = {"docker_host": daemon["host"], "tls_verify": True, "tls_cacert": str(c / "ca.pem"),
            "tls_cert": str(c / "client.pem"), "tls_key": str(c / "client-key.pem"),
            "client_timeout": 10}
    args.update(override)
    return {k: v for k, v in args.items() if v is not None}


def volumes(daemon):
    out = subprocess.run([*daemon["local"], "volume", "ls", "-q"], capture_output=True, text=True)
    return set(out.stdout.split())


def test_create_volume_over_tls(tls_daemon, tmp_path):
    name = f"kdt_tls_{os.urandom(3).hex()}"
    args = {"action": "create_volume", "name": name, **tls_args(tls_daemon)}
    first = run_binary("kolla_docker", args, tmp_path).result
    assert first.get("failed") is not True and first["changed"] is True, first
    assert name in volumes(tls_daemon)
    main = subprocess.run(["docker", "volume", "inspect", name], capture_output=True)
    assert main.returncode != 0, "the volume went to the main daemon"
    assert run_binary("kolla_docker", args, tmp_path).result["changed"] is False
    gone = run_binary("kolla_docker", {**args, "action": "remove_volume"}, tmp_path).result
    assert gone["changed"] is True and name not in volumes(tls_daemon)


def test_get_container_state_over_tls(tls_daemon, tmp_path):
    out = run_binary("kolla_docker", {"action": "get_container_state", "name": "kdt_tls_absent",
                                      **tls_args(tls_daemon)}, tmp_path).result
    # The daemon answered: the container is missing there (it is not a TLS error).
    assert out["failed"] is True and "No such container: kdt_tls_absent" in out["msg"], out


def test_container_facts_over_tls(tls_daemon, tmp_path):
    out = run_binary("kolla_container_facts", {"container_engine": "docker", **tls_args(tls_daemon)},
                     tmp_path).result
    assert out.get("failed") is not True and out["_containers"] == [], out


def test_tls_through_ansible_playbook(tls_daemon, playbook):
    name = f"kdt_tls_{os.urandom(3).hex()}"
    args = {"action": "create_volume", "name": name, **tls_args(tls_daemon)}
    text = json.dumps([{"hosts": "localhost", "gather_facts": False,
                        "tasks": [{"name": "volume", "kolla_docker": args}]}])
    r = playbook(text)
    assert r.rc == 0 and r.result("volume")["changed"] is True, r.stdout
    assert name in volumes(tls_daemon)


def test_wrong_ca_fails_clearly(tls_daemon, tmp_path):
    c = tls_daemon["certs"]
    out = run_binary("kolla_docker", {"action": "get_container_state", "name": "kdt_x",
                                      **tls_args(tls_daemon, tls_cacert=str(c / "other-ca.pem"))},
                     tmp_path).result
    assert out["failed"] is True
    assert "certificate" in out["msg"].lower() or "tls" in out["msg"].lower(), out["msg"]
    assert "No such container" not in out["msg"]


@pytest.mark.parametrize("which", ["tls_cert", "tls_key", "tls_cacert"])
def test_missing_cert_file_fails_clearly(which, tls_daemon, tmp_path):
    missing = str(tmp_path / f"no-{which}.pem")
    out = run_binary("kolla_docker", {"action": "get_container_state", "name": "kdt_x",
                                      **tls_args(tls_daemon, **{which: missing})}, tmp_path).result
    assert out["failed"] is True and missing in out["msg"], out["msg"]


def test_server_rejects_missing_client_certificate(tls_daemon, tmp_path):
    out = run_binary("kolla_docker", {"action": "get_container_state", "name": "kdt_x",
                                      **tls_args(tls_daemon, tls_cert=None, tls_key=None)},
                     tmp_path).result
    assert out["failed"] is True and "No such container" not in out["msg"], out["msg"]


def test_plain_http_to_tls_daemon_fails_clearly(tls_daemon, tmp_path):
    out = run_binary("kolla_docker", {"action": "get_container_state", "name": "kdt_x",
                                      **tls_args(tls_daemon, tls_verify=False, tls_cacert=None,
                                                 tls_cert=None, tls_key=None)}, tmp_path).result
    assert out["failed"] is True and "tls" in out["msg"].lower(), out["msg"]


def test_reference_ignores_tls_settings(tls_daemon, playbook):
    """docs/reference-behaviour.md, tls: the reference's TLS is "not fully implemented" (generate_tls is
    never called and it has no docker_host): given the TLS options it quietly talks to
    the local socket. Ours reaches the TLS daemon (tests above)."""
    name = f"kdt_tls_ref_{os.urandom(3).hex()}"
    args = {"action": "create_volume", "name": name, **tls_args(tls_daemon)}
    del args["docker_host"]
    text = json.dumps([{"hosts": "localhost", "gather_facts": False,
                        "tasks": [{"name": "volume", "kolla_docker": args}]}])
    try:
        r = playbook(text, library=REF_15 / "library", module_utils=REF_15 / "module_utils")
        assert r.rc == 0 and r.result("volume")["changed"] is True, r.stdout
        main = subprocess.run(["docker", "volume", "inspect", name], capture_output=True)
        assert main.returncode == 0, "the reference used the main daemon"
        assert name not in volumes(tls_daemon)
    finally:
        subprocess.run(["docker", "volume", "rm", "-f", name], capture_output=True)
