"""Systemd test nodes: containers of kolla-test/systemd-node with systemd as PID 1,
their own dockerd and podman, started on the test engine (DOCKER_HOST from env.sh
when set) and removed afterwards.

    with Node.start() as node:
        node.load_image("kolla-test/busybox:labeled")
        node.exec("docker", "run", "--rm", "kolla-test/busybox:labeled", "true")

`--privileged` cannot start on these machines, so a node gets an explicit
capability list instead (docs/reference-behaviour.md, systemd-node).
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

IMAGE = "kolla-test/systemd-node:bookworm"

# Everything systemd, dockerd and podman need inside, short of CAP_SYS_RESOURCE,
# which this machine's bounding set lacks.
CAPABILITIES = (
    "SYS_ADMIN", "NET_ADMIN", "NET_RAW", "SYS_PTRACE", "MKNOD", "SYS_CHROOT",
    "SETFCAP", "AUDIT_WRITE", "AUDIT_CONTROL", "SYS_MODULE", "SYS_NICE",
    "IPC_LOCK", "IPC_OWNER", "SYS_BOOT", "SYS_TIME", "LINUX_IMMUTABLE",
    "DAC_READ_SEARCH", "SYSLOG",
)

BOOT_TIMEOUT = 120
ENGINE_TIMEOUT = 60
POLL = 0.5


class NodeError(RuntimeError):
    """A node did not start, boot or answer as expected."""


def docker(*args: str, input: bytes | None = None, timeout: float = 120,
           check: bool = True) -> subprocess.CompletedProcess:
    """Runs the docker CLI against the test engine and returns its output as text."""
    proc = subprocess.run(["docker", *args], input=input, capture_output=True,
                          timeout=timeout, check=False)
    result = subprocess.CompletedProcess(
        proc.args, proc.returncode,
        proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))
    if check and result.returncode != 0:
        raise NodeError(f"docker {' '.join(args)} exited {result.returncode}: "
                        f"{result.stderr.strip() or result.stdout.strip()}")
    return result


def run_args(name: str, hostname: str, network: str, ip: str | None,
             image: str, extra: tuple[str, ...]) -> list[str]:
    """The `docker run` arguments that make a bootable node (see docs/reference-behaviour.md, systemd-node)."""
    args = ["run", "-d", "--name", name, "--hostname", hostname,
            "--network", network,
            "--security-opt", "seccomp=unconfined",
            "--security-opt", "apparmor=unconfined",
            # systemd and the inner engines manage cgroups below the node's own
            # cgroup, which they find through the host's tree.
            "--cgroupns=host", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "--tmpfs", "/run", "--tmpfs", "/run/lock",
            # exec: Ansible runs binary modules from its remote temp under /tmp, as
            # on a real host (docker mounts a --tmpfs noexec unless told).
            "--tmpfs", "/tmp:exec",
            # Image stores on anonymous volumes: overlayfs cannot stack on the
            # node's own overlay root. `docker rm -v` deletes them with the node.
            "-v", "/var/lib/docker", "-v", "/var/lib/containers",
            "--label", "kolla-test.node=1"]
    for cap in CAPABILITIES:
        args += ["--cap-add", cap]
    if ip:
        args += ["--ip", ip]
    args += [*extra, image]
    return args


class Node:
    """One running systemd node, addressed by its container name."""

    def __init__(self, name: str):
        self.name = name

    @classmethod
    def start(cls, name: str | None = None, *, network: str = "none",
              ip: str | None = None, hostname: str | None = None,
              image: str = IMAGE, extra_args: tuple[str, ...] = (),
              boot_timeout: float = BOOT_TIMEOUT,
              engine_timeout: float = ENGINE_TIMEOUT) -> "Node":
        """Starts a node, waits until systemd has booted and the inner dockerd
        answers, and returns it; a node that does not get there is removed."""
        name = name or f"kolla-test-node-{uuid.uuid4().hex[:8]}"
        if docker("image", "inspect", image, check=False).returncode != 0:
            raise NodeError(f"{image} is not in the engine: run tests/env/nodes/build.sh")
        docker(*run_args(name, hostname or name, network, ip, image, extra_args))
        node = cls(name)
        try:
            node.wait_booted(boot_timeout)
            node.wait_engine("docker", engine_timeout)
        except BaseException:
            node.remove()
            raise
        return node

    def __enter__(self) -> "Node":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def exec(self, *argv: str, input: bytes | None = None, timeout: float = 120,
             check: bool = True) -> subprocess.CompletedProcess:
        """Runs a command inside the node (as root) and returns its output as text."""
        args = ["exec"] + (["-i"] if input is not None else []) + [self.name, *argv]
        return docker(*args, input=input, timeout=timeout, check=check)

    def system_state(self) -> str:
        """`systemctl is-system-running`, or "" while systemd cannot be asked yet."""
        proc = self.exec("systemctl", "is-system-running", check=False, timeout=30)
        return proc.stdout.strip()

    def failed_units(self) -> str:
        """The units systemd lists as failed, one a line."""
        return self.exec("systemctl", "--failed", "--no-legend", "--plain",
                         check=False, timeout=30).stdout.strip()

    def wait_booted(self, timeout: float = BOOT_TIMEOUT) -> str:
        """Waits until systemd reports running or degraded and returns which;
        a degraded boot prints its failed units on stderr."""
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            if not self.running():
                raise NodeError(f"node {self.name} exited while booting:\n{self.logs()}")
            state = self.system_state()
            if state in ("running", "degraded"):
                break
            time.sleep(POLL)
        else:
            jobs = self.exec("systemctl", "list-jobs", "--no-legend", check=False).stdout
            raise NodeError(f"node {self.name} still {state or 'unreachable'} after "
                            f"{timeout:.0f} s; pending jobs:\n{jobs}\n{self.logs()}")
        if state == "degraded":
            print(f"node {self.name} booted degraded; failed units:\n{self.failed_units()}",
                  file=sys.stderr)
        return state

    def wait_engine(self, engine: str = "docker", timeout: float = ENGINE_TIMEOUT) -> None:
        """Waits until the inner engine ("docker" or "podman") answers `info`."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            proc = self.exec(engine, "info", "--format", "{{json .}}", check=False, timeout=30)
            if proc.returncode == 0:
                return
            last = proc.stderr.strip()
            time.sleep(POLL)
        raise NodeError(f"{engine} in node {self.name} not answering after {timeout:.0f} s: {last}")

    def load_image(self, image: str, engine: str = "docker", timeout: float = 300) -> None:
        """Copies an image from the outer engine into the node's engine
        (`docker save | docker exec -i NODE ENGINE load`)."""
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            load = subprocess.run(["docker", "exec", "-i", self.name, engine, "load"],
                                  stdin=save.stdout, capture_output=True, timeout=timeout,
                                  check=False)
        finally:
            save.stdout.close()
            try:
                save_rc = save.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                save.kill()
                save_rc = save.wait()
        if save_rc != 0:
            raise NodeError(f"docker save {image} exited {save_rc}: "
                            f"{save.stderr.read().decode(errors='replace').strip()}")
        if load.returncode != 0:
            raise NodeError(f"{engine} load of {image} in node {self.name} exited "
                            f"{load.returncode}: {load.stderr.decode(errors='replace').strip()}")

    def load_archive(self, path: str, engine: str = "docker", timeout: float = 1800) -> None:
        """Loads a `docker save` archive (one or several images, their shared layers
        once) into the node's engine."""
        with open(path, "rb") as archive:
            load = subprocess.run(["docker", "exec", "-i", self.name, engine, "load"],
                                  stdin=archive, capture_output=True, timeout=timeout, check=False)
        if load.returncode != 0:
            raise NodeError(f"{engine} load of {path} in node {self.name} exited "
                            f"{load.returncode}: {load.stderr.decode(errors='replace').strip()}")

    def authorize_key(self, public_key: str) -> None:
        """Lets the holder of a key log in as root over SSH."""
        self.exec("sh", "-c", "cat >> /root/.ssh/authorized_keys && "
                  "chmod 0600 /root/.ssh/authorized_keys",
                  input=public_key.strip().encode() + b"\n")

    def running(self) -> bool:
        """Whether the node's container is still running."""
        proc = docker("inspect", "-f", "{{.State.Running}}", self.name, check=False, timeout=30)
        return proc.stdout.strip() == "true"

    def logs(self, lines: int = 30) -> str:
        """The last lines of the node's console (systemd's boot messages)."""
        proc = docker("logs", "--tail", str(lines), self.name, check=False, timeout=30)
        return (proc.stdout + proc.stderr).strip()

    def remove(self, timeout: int = 30) -> None:
        """Shuts systemd down (so the inner engines remove their containers'
        cgroups) and deletes the node with its volumes; never raises."""
        try:
            docker("stop", "-t", str(timeout), self.name, check=False, timeout=timeout + 30)
        except subprocess.TimeoutExpired:
            pass
        try:
            docker("rm", "-f", "-v", self.name, check=False, timeout=60)
        except subprocess.TimeoutExpired:
            print(f"node {self.name} could not be removed within 60 s", file=sys.stderr)
