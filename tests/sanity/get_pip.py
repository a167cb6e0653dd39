"""Stands in for the get-pip.py that ansible-test downloads from
ci-files.testing.ansible.com to bootstrap pip into each sanity test's
virtual environment, for machines that reach PyPI but not that host.

ansible-test runs it as get-pip.py is run: with pip install options and
package pins as arguments, plus get-pip's own --no-setuptools/--no-wheel.
The pip that Python bundles (ensurepip, offline) installs the pinned pip and
packages from the package index, as get-pip's embedded pip would.
`make sanity` copies it to ~/.ansible/test/cache/get_pip_<version>.py.
"""
import subprocess
import sys

GET_PIP_OWN_FLAGS = {"--no-setuptools", "--no-wheel"}


def main():
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True,
                   stdout=subprocess.DEVNULL)
    args = [a for a in sys.argv[1:] if a not in GET_PIP_OWN_FLAGS]
    sys.exit(subprocess.run([sys.executable, "-m", "pip", "install", *args]).returncode)


if __name__ == "__main__":
    main()
