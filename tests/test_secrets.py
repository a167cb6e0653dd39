"""No secret in any module's output, and no secret turning a failure into a success.

For every option a module documents as no_log, the real binary gets failing
calls carrying each short or JSON-looking secret (and a long one): refused by
validation with a message that echoes a value, and failing after validation.
Each answer must be one JSON object with failed: true, the same keys a
harmless secret gives, and the secret nowhere as a value. One ansible-playbook
run checks that Ansible itself records every such task as failed."""
import pytest

from conftest import run_binary
from kolla_docker.helpers import SERVICE, run, task
from no_log_cases import (LONG_SECRET, SHORT_SECRETS, assert_hidden, documented_no_log_options, leaks,
                          no_log_options_of)

SECRET = "<the secret>"
UNREACHABLE = "unix:///nonexistent/kolla-rust-secrets.sock"

# Failing calls per module with a no_log option; SECRET stands for the secret.
FAILING = {
    "kolla_docker": {
        # Refused by validation; the message quotes the refused value.
        "choice": {"action": "start_container", "name": "kdt_secret_never", "image": SERVICE,
                   "restart_policy": SECRET},
        # Valid, then the daemon cannot be reached while logging in to pull.
        "daemon": {"action": "pull_image", "image": "127.0.0.1:1/kdt/secret:x",
                   "auth_registry": "127.0.0.1:1", "auth_username": "u", "docker_host": UNREACHABLE},
    },
    # The same library with 22.2's profile: the same secrets, the same paths to a failure.
    "kolla_container": {
        "choice": {"action": "start_container", "name": "kct_secret_never", "image": SERVICE,
                   "restart_policy": SECRET},
        "daemon": {"action": "pull_image", "image": "127.0.0.1:1/kdt/secret:x",
                   "auth_registry": "127.0.0.1:1", "auth_username": "u", "docker_host": UNREACHABLE},
    },
}

CASES = [(m, label) for m, cases in FAILING.items() for label in cases]


def args_for(module, option, label, secret):
    case = FAILING[module][label]
    return {**{k: secret if v == SECRET else v for k, v in case.items()}, option: secret}


def test_every_no_log_option_has_failing_calls():
    documented = documented_no_log_options()
    assert "auth_password" in documented.get("kolla_docker", []), documented
    assert set(documented) == set(FAILING), "add failing calls for each module with a no_log option"


@pytest.mark.parametrize("module,label", CASES)
def test_failing_call_hides_each_secret(module, label, tmp_path):
    options = no_log_options_of(module)
    assert options, f"{module} documents no no_log option"
    for option in options:
        def call(secret):
            out = run_binary(module, args_for(module, option, label, secret), tmp_path)
            assert out.rc == 0, out.stderr
            return out.result

        keys = set(call(LONG_SECRET))
        for secret in SHORT_SECRETS + [LONG_SECRET]:
            assert_hidden(call(secret), secret, keys)


def test_failures_with_secrets_fail_in_ansible(playbook):
    tasks = [task(f"secret {i}", **args_for("kolla_docker", "auth_password", "daemon", s))
             for i, s in enumerate(SHORT_SECRETS + [LONG_SECRET])]
    r = run(playbook, "ours", *tasks)
    assert r.rc == 0, r.stdout[-2000:]
    for i, secret in enumerate(SHORT_SECRETS + [LONG_SECRET]):
        res = r.result(f"secret {i}")
        assert res["failed"] is True, (secret, res)
        assert "msg" in res and not leaks(res["msg"], secret), (secret, res)


def test_secret_inside_common_options_is_hidden(tmp_path):
    """kolla-ansible's roles pass the registry password inside common_options,
    which is not itself no_log: the module's merged options are validated with
    its spec, so the password is hidden all the same."""
    def call(secret):
        common = {"auth_username": "u", "auth_password": secret, "auth_registry": "127.0.0.1:1"}
        args = {"action": "pull_image", "image": "127.0.0.1:1/kdt/secret:x",
                "common_options": common, "docker_host": UNREACHABLE}
        out = run_binary("kolla_docker", args, tmp_path)
        assert out.rc == 0, out.stderr
        return out.result

    keys = set(call(LONG_SECRET))
    for secret in SHORT_SECRETS + [LONG_SECRET]:
        assert_hidden(call(secret), secret, keys)
