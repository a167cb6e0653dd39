"""A loopback sshd to stand for a remote target: the one the binary-cache tests
(tests/test_binary_cache.py) and the SSH benchmarks (bench/bench.py's `ssh`,
bench/ssh_bytes.py) connect to.

It lives with the test environment (as tests/env/nodes/node.py does) because
both tests/ and bench/ use it and neither should import the other: add this
directory to sys.path and `from sshd import Sshd`.

One sshd as root on 127.0.0.1, on a free port, with host and client keys made
for it, the sftp subsystem (ansible's ssh connection prefers sftp) and
SHLVL=1 in every session, which keeps bash from sourcing root's ~/.bashrc for
each command (bash does for a top-level shell started by sshd; on these
machines that file starts pyenv, half a second per round trip).
"""
import json
import os
import shutil
import socket
import subprocess
import textwrap
import time
from pathlib import Path


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    """sshd in directory `d` (created here); `wrap` runs it under a command (e.g. unshare)."""

    def __init__(self, d: Path, wrap=()):
        d.mkdir()
        self.dir, self.port = d, free_port()
        self.client_key = d / "client"
        for key in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / key)], check=True)
        shutil.copy(d / "client.pub", d / "authorized_keys")
        os.chmod(d / "authorized_keys", 0o600)
        (d / "sshd_config").write_text(textwrap.dedent(f"""\
            Port {self.port}
            ListenAddress 127.0.0.1
            HostKey {d / 'host'}
            AuthorizedKeysFile {d / 'authorized_keys'}
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            UsePAM no
            StrictModes no
            Subsystem sftp internal-sftp
            SetEnv SHLVL=1
            PidFile {d / 'sshd.pid'}
            """))
        os.makedirs("/run/sshd", exist_ok=True)
        with open(d / "sshd.log", "wb") as log:
            self.proc = subprocess.Popen([*wrap, "/usr/sbin/sshd", "-D", "-e", "-f", str(d / "sshd_config")],
                                         stderr=log)
        # The options every client of this sshd needs (ansible_ssh_common_args takes them as they are).
        self.ssh_args = (f"-o StrictHostKeyChecking=no -o UserKnownHostsFile={d / 'known_hosts'} "
                         f"-o IdentityFile={self.client_key}")
        for _ in range(100):
            if subprocess.run(self.ssh_command("true"), capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd did not answer: {(d / 'sshd.log').read_text()}")

    def ssh_command(self, *command):
        """`ssh root@127.0.0.1 command...` to this sshd, never prompting."""
        return ["ssh", "-p", str(self.port), *self.ssh_args.split(), "-o", "BatchMode=yes", "root@127.0.0.1",
                *command]

    def inventory(self, path: Path, hosts=("target",), port=None, **hostvars):
        """An inventory of `hosts`, all this sshd (or `port`, e.g. a relay in front of it), with
        ansible_ssh_* and `hostvars` set; returns path."""
        extra = " ".join(f"{k}={json.dumps(v)}" for k, v in hostvars.items())
        path.write_text("".join(
            f"{h} ansible_host=127.0.0.1 ansible_port={port or self.port} ansible_user=root "
            f"ansible_ssh_common_args='{self.ssh_args}' {extra}\n" for h in hosts))
        return path

    def stop(self):
        """Stops this sshd (sessions already open end with it)."""
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
