"""Points the reference plugins' Docker SDK client at the test engine.

kolla-ansible 15.6.0's kolla_docker and kolla_container_facts build
`docker.APIClient(version=..., timeout=...)` without a base_url, and that
client, unlike `docker.from_env()`, ignores DOCKER_HOST: it always talks to
/var/run/docker.sock, the machine's engine. The parity tests put this
directory on PYTHONPATH for reference runs only (tests/conftest.py), so the
reference gets the test engine as an explicit base_url and is otherwise run
unchanged. kolla-ansible 22.2.0's kolla_toolbox names the machine's socket
explicitly (`unix://var/run/docker.sock` style base_urls), which is redirected
the same way.
"""
import os

_HOST = os.environ.get("KOLLA_RUST_DOCKER_HOST")

if _HOST:
    try:
        import docker.api.client as _client
    except ImportError:  # a Python without the SDK runs modules that do not need it
        _client = None
    if _client is not None:
        _init = _client.APIClient.__init__

        def _init_with_test_engine(self, base_url=None, *args, **kwargs):
            if base_url is None or "/var/run/docker.sock" in str(base_url):
                base_url = _HOST
            _init(self, base_url, *args, **kwargs)

        _client.APIClient.__init__ = _init_with_test_engine
