# Licensed under the Apache License, Version 2.0.
"""Run our binary modules so that each binary crosses the wire once per host and version.

Ansible copies a module into the task's remote tmp on every task. For a Python
module that is tens of KiB; ours are static binaries of 1.3-3.9 MiB, so over SSH
the copy dominates a task. Here the binary is kept on the target under its
content hash, ``<cache dir>/<sha256>/<module name>``, and the task's
``AnsiballZ_<module name>`` becomes a symlink to it.

Everything else is ansible-core's own ``_execute_module``: the arguments file
(``_update_module_args``: check mode, diff, no_log, verbosity, tmpdir, ...), the
environment, the command line, ``_fixup_perms2``, ``_parse_returned_data`` and
the internal-key clean-up. Only the one ``_transfer_file`` call that would send
the binary is replaced, by hooking that method and ``_configure_module`` (which
tells us which local file is the binary) for the duration of one call. Re-doing
``_execute_module`` by hand would have to track every ansible-core release.

The normal path (a copy per task) is taken, with no failure, when:

- the task is async (async_wrapper would be handed a symlink it does not expect);
- become switches to an unprivileged user other than the connection user: the
  cache belongs to the connection user (0700) and granting another user access
  to it would need ``_fixup_perms2``'s ACL/chown steps on a shared directory;
- the shell is not POSIX, the cache dir cannot be created or written (e.g. a
  read-only home), or installing into it fails for any reason;
- ``kolla_rust_module_cache_dir`` is set to an empty string (opt-out per host).

With ``connection: local`` the controller's file already is the target's file:
the symlink points straight at it and nothing is copied or cached (unless that
file belongs to another user or lacks u+rwx: ansible-core chmods what it runs).

Integrity: a cached file is only ever created by a rename of a fully written
temporary file whose SHA-256 was checked on the target (when ``sha256sum``
exists; the transfer itself is MAC-protected by SSH), so a partial transfer never
gets the final name. Before each run, one ``test``/``wc -c`` compares the size
with the controller's: that catches a file truncated after the fact (e.g. a
power loss before the data reached the disk) at no measurable cost, and such a
file is replaced, never executed. Hashing the file on every run would cost
about as much target CPU as the copy it saves, so it is not done: a same-size
change to a file in a 0700 directory of the connection user is not guarded against.

Clean the cache with ``ansible all -m raw -a 'rm -rf ~/.ansible/kolla_rust/modules'``
(or the configured ``kolla_rust_module_cache_dir``); a missing cache is
simply filled again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shlex

from ansible.errors import AnsibleError
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

display = Display()

#: Where the cache lives on the target unless the host sets kolla_rust_module_cache_dir.
DEFAULT_CACHE_DIR = "~/.ansible/kolla_rust/modules"
#: The host variable that moves the cache (an empty string turns it off).
CACHE_DIR_VAR = "kolla_rust_module_cache_dir"

# `~` or `~user`, then `/` or the end: the only part of the path left unquoted for the shell.
_HOME_PREFIX = re.compile(r"~[A-Za-z0-9._-]*(/|$)")
_HIT = "kbc-hit"
_MISS = "kbc-miss"
_INSTALLED = "kbc-installed"


def sha256_of(path: str) -> str:
    """The hex SHA-256 of a controller file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shell_path(path: str) -> str:
    """`path` quoted for sh, keeping a leading ~ or ~user unquoted so the target's shell expands it."""
    if not _HOME_PREFIX.match(path):
        return shlex.quote(path)
    head, sep, rest = path.partition("/")
    return head + sep + (shlex.quote(rest) if rest else "")


class _Cache:
    """The target side of the cache for one binary, driven over the action's connection."""

    def __init__(self, action, cache_dir: str, local_path: str):
        self.action = action
        self.cache_dir = cache_dir
        self.local_path = local_path
        self.name = os.path.basename(local_path)
        self.size = os.path.getsize(local_path)
        self.sha = sha256_of(local_path)

    def _sh(self, script: str) -> tuple[int, list[str]]:
        # As the connection user (sudoable=False): the cache is theirs whatever the task becomes.
        res = self.action._low_level_execute_command(script, sudoable=False)
        return res.get("rc", 1), res.get("stdout", "").splitlines()

    def link(self, remote_path: str) -> bool:
        """Makes remote_path a symlink to the cached binary, sending it first when missing.
        False when the cache cannot be used on this target (the caller copies as usual)."""
        d = f"{shell_path(self.cache_dir)}/{self.sha}"
        f = f"{d}/{self.name}"
        link = shlex.quote(remote_path)
        # One round trip on a hit. The absolute directory comes back on a miss,
        # because put_file does not expand ~.
        rc, out = self._sh(
            f"f={f}; "
            f"if [ -f \"$f\" ] && [ -x \"$f\" ] && [ \"$(wc -c < \"$f\")\" -eq {self.size} ]; then "
            f"ln -s \"$f\" {link} && echo {_HIT}; "
            f"else umask 077 && mkdir -p {d} && cd {d} && [ -w . ] && echo {_MISS} \"$(pwd -P)\"; fi")
        if rc == 0 and _HIT in out:
            display.vvv(f"kolla.rust binary cache: {self.name} {self.sha[:12]} is cached")
            return True
        miss = [line for line in out if line.startswith(_MISS + " /")]
        if rc != 0 or not miss:
            display.vvv(f"kolla.rust binary cache: cannot use {self.cache_dir} (rc {rc}); copying {self.name}")
            return False
        return self._install(miss[-1][len(_MISS) + 1:], remote_path)

    def _install(self, abs_dir: str, remote_path: str) -> bool:
        # A private temp name per writer: concurrent forks to one host each
        # write their own file, and whichever rename lands last wins a file
        # identical to the other's.
        tmp = f"{abs_dir}/.{self.name}.{secrets.token_hex(8)}"
        final = f"{abs_dir}/{self.name}"
        display.vvv(f"kolla.rust binary cache: sending {self.name} {self.sha[:12]} to {abs_dir}")
        try:
            self.action._connection.put_file(self.local_path, tmp)
        except AnsibleError as e:
            display.vvv(f"kolla.rust binary cache: transfer failed ({e}); copying {self.name}")
            self._sh(f"rm -f {shlex.quote(tmp)}")
            return False
        t, fq, lq = shlex.quote(tmp), shlex.quote(final), shlex.quote(remote_path)
        rc, out = self._sh(
            f"t={t}; ok=; "
            f"if command -v sha256sum >/dev/null 2>&1; then "
            f"[ \"$(sha256sum < \"$t\" | cut -d' ' -f1)\" = {self.sha} ] && ok=1; "
            f"else [ \"$(wc -c < \"$t\")\" -eq {self.size} ] && ok=1; fi; "
            f"if [ -n \"$ok\" ] && chmod 0700 \"$t\" && mv -f \"$t\" {fq} && ln -s {fq} {lq}; "
            f"then echo {_INSTALLED}; else rm -f \"$t\"; exit 1; fi")
        if rc == 0 and _INSTALLED in out:
            return True
        display.vvv(f"kolla.rust binary cache: {self.name} did not verify on the target (rc {rc}); copying it")
        return False


def _cache_dir(action, task_vars) -> str | None:
    """The configured cache dir for this host (the delegated host's when delegating), or None when off."""
    task_vars = task_vars or {}
    if action._task.delegate_to:
        task_vars = (task_vars.get("ansible_delegated_vars") or {}).get(action._task.delegate_to, task_vars)
    value = action._templar.template(task_vars.get(CACHE_DIR_VAR, DEFAULT_CACHE_DIR))
    if value is None or value == "" or value is False:
        return None
    if not isinstance(value, str) or not (value.startswith("/") or _HOME_PREFIX.match(value)):
        raise AnsibleError(
            f"{CACHE_DIR_VAR} must be an absolute path or one starting with ~ (the target's home), "
            f"or empty to turn the binary cache off; got {value!r}")
    return value


def _chmod_is_a_no_op(path: str) -> bool:
    """Whether _fixup_perms2's `chmod u+rwx`, which follows the symlink, leaves the
    controller's file as it is: ours and already u+rwx (an installed collection
    owned by another user would make it fail, one with mode 0555 would be changed)."""
    st = os.stat(path)
    return st.st_uid == os.geteuid() and st.st_mode & 0o700 == 0o700


def _usable(action, wrap_async) -> bool:
    """Whether this task can run its binary from the cache (see the module doc for when not)."""
    shell = action._connection._shell
    return (not wrap_async and not action._task.async_val
            and getattr(shell, "SHELL_FAMILY", None) == "sh"
            and not getattr(shell, "_IS_WINDOWS", False)
            and not action._is_become_unprivileged())


@contextlib.contextmanager
def cached_transfer(action, task_vars, wrap_async=False):
    """While active, the binary module `action._execute_module` sends is taken from the cache."""
    cache_dir = _cache_dir(action, task_vars)
    if not cache_dir or not _usable(action, wrap_async):
        yield
        return
    binary = {}
    configure, transfer = action._configure_module, action._transfer_file

    def configure_module(module_name, module_args, task_vars):
        bits, path = configure(module_name, module_args, task_vars)
        if bits.module_style == "binary":
            binary["path"] = path
        return bits, path

    def transfer_file(local_path, remote_path):
        if binary.pop("path", None) == local_path:
            if action._connection.transport == "local":
                if _chmod_is_a_no_op(local_path):
                    os.symlink(local_path, remote_path)
                    return remote_path
                return transfer(local_path, remote_path)
            if _Cache(action, cache_dir, local_path).link(remote_path):
                return remote_path
        return transfer(local_path, remote_path)

    action._configure_module, action._transfer_file = configure_module, transfer_file
    try:
        yield
    finally:
        del action._configure_module, action._transfer_file


def execute_module(action, module_name=None, module_args=None, task_vars=None, **kwargs):
    """`action._execute_module(...)` with the binary taken from the target's cache when it can be."""
    with cached_transfer(action, task_vars, kwargs.get("wrap_async", False)):
        return action._execute_module(module_name=module_name, module_args=module_args,
                                      task_vars=task_vars, **kwargs)


class BinaryModuleAction(NormalAction):
    """The normal action (async, check mode, tmp clean-up as ansible-core has them) for
    one of our binary modules, with the binary cached on the target."""

    def _execute_module(self, module_name=None, module_args=None, tmp=None, task_vars=None,
                        persist_files=False, delete_remote_tmp=None, wrap_async=False,
                        ignore_unknown_opts: bool = False):
        with cached_transfer(self, task_vars, wrap_async):
            return super()._execute_module(
                module_name=module_name, module_args=module_args, tmp=tmp, task_vars=task_vars,
                persist_files=persist_files, delete_remote_tmp=delete_remote_tmp,
                wrap_async=wrap_async, ignore_unknown_opts=ignore_unknown_opts)
