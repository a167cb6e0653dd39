#!/usr/bin/env bash
# The images in Kolla's image contract that the tests use (images/build.sh):
# openstack.kolla/{base,kolla-toolbox,mariadb-server,memcached,rabbitmq,haproxy,
# keepalived,cron}, in the engine
# `docker` talks to (the test engine when up.sh runs this; up.sh exports the
# apt relay's proxy). Only what tests use is built here, to keep a fresh
# machine's `make test` short; a cached image (its recipe label current) costs
# a hash of its inputs and one `docker image inspect`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
bash "$ROOT/images/build.sh" kolla-toolbox mariadb-server memcached rabbitmq haproxy keepalived cron >/dev/null
