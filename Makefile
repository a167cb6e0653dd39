# One entry point for building, packaging and testing the collection.
# `make build` compiles every module crate into a static, stripped binary and
# installs it into plugins/modules/, where both the collection and the in-repo
# ansible.cfg find it beside its YAML documentation.

TARGET   := x86_64-unknown-linux-gnu
RELEASE  := target/$(TARGET)/release
CACHE    ?= /var/cache/kolla-rust
VENV     := $(CACHE)/venv
# Crates under modules/ with a main.rs are Ansible modules; tools/ are helpers shipped in images.
MODULES  := $(notdir $(patsubst %/src/main.rs,%,$(wildcard modules/*/src/main.rs))) $(basename $(notdir $(wildcard modules/*/src/bin/*.rs)))

export RUSTFLAGS := -C target-feature=+crt-static

# In-repo runs resolve kolla.rust.* (modules, action plugin, roles) through this
# link to the repository root: ansible.cfg's collections_path names its parent.
COLLECTION_LINK := target/collections/ansible_collections/kolla/rust
# The collection as shipped is assembled here (COLLECTION_ROOT/ansible_collections/kolla/rust),
# then built into DIST_DIR. The binaries are x86_64 Linux, so the artifact says so.
COLLECTION_ROOT ?= target/collection
STAGE    := $(COLLECTION_ROOT)/ansible_collections/kolla/rust
DIST_DIR ?= dist
VERSION  := $(shell sed -n 's/^version: *//p' galaxy.yml)
PLATFORM := linux-x86_64
ARTIFACT := $(DIST_DIR)/kolla-rust-$(VERSION)-$(PLATFORM).tar.gz

.PHONY: build test test-full env env-down unit integration lint dist clean bench deploy images collection package sanity

build:
	cargo build --release --target $(TARGET) --workspace --bins
	@for m in $(MODULES); do install -m 0755 $(RELEASE)/$$m plugins/modules/$$m; done
	@ls -l $(addprefix plugins/modules/,$(MODULES))
	@mkdir -p $(dir $(COLLECTION_LINK)) && ln -sfn ../../../.. $(COLLECTION_LINK)

# The test environment: venv, reference plugins, and the tests' own Docker
# engine, registry and images in network namespace kolla-rust-test (left
# running for the next run; `make env-down` stops them, caches stay).
env:
	bash tests/env/up.sh

env-down:
	bash tests/env/down.sh

unit:
	env -u RUSTFLAGS cargo test --workspace --quiet

lint:
	cargo fmt --all -- --check
	env -u RUSTFLAGS cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(VENV)/bin/ansible-lint -q

# The pytest groups, two at a time, against the test engine (tests/env/run.sh);
# TESTS="tests/test_a.py ..." narrows the run.
integration:
	bash tests/env/run.sh integration $(TESTS)

# The README's test command: environment, build, unit, lint, sanity, then every pytest
# group; prints each phase's time at the end.
test:
	bash tests/env/run.sh all

# Everything `make test` runs, then the heaviest tier (tests/test_full_*.py:
# OpenStack service images built and started), alone on the machine.
test-full:
	bash tests/env/run.sh full

# Only what the collection is: plugins (each action plugin once, as a file under
# plugins/action/), roles, playbooks, docs, meta, changelog, LICENSE, README; not the
# repository's bin/, inventory/, etc/, ansible.cfg or sources.
collection:
	@for m in $(MODULES); do test -x plugins/modules/$$m || { echo "plugins/modules/$$m is missing: run make build" >&2; exit 1; }; done
	rm -rf $(STAGE)
	mkdir -p $(STAGE)/plugins/modules $(STAGE)/plugins/action $(STAGE)/plugins/plugin_utils
	cp -R galaxy.yml README.md LICENSE meta roles playbooks changelogs $(wildcard docs) $(STAGE)/
	install -m 0755 $(addprefix plugins/modules/,$(MODULES)) $(STAGE)/plugins/modules/
	install -m 0644 plugins/modules/*.yml $(STAGE)/plugins/modules/
	install -m 0644 action_plugins/*.py $(STAGE)/plugins/action/
	install -m 0644 plugins/plugin_utils/*.py $(STAGE)/plugins/plugin_utils/

# ansible-galaxy names the tarball NAMESPACE-NAME-VERSION.tar.gz; the platform
# goes into the name afterwards (ansible-galaxy install reads MANIFEST.json, not the name).
package: collection
	mkdir -p $(DIST_DIR)
	$(VENV)/bin/ansible-galaxy collection build --force --output-path $(COLLECTION_ROOT) $(STAGE)
	mv $(COLLECTION_ROOT)/kolla-rust-$(VERSION).tar.gz $(ARTIFACT)
	@echo $(ARTIFACT)

dist: build
	$(MAKE) package

# ansible-test sanity on a copy of the assembled collection, with the ignore
# file of tests/sanity/. Its own venv (ansible-core and ansible-test's pinned
# sanity requirements, from PyPI) keeps the test venv's packages as they are.
# ansible-test bootstraps pip into each test's venv with a get-pip script from
# ci-files.testing.ansible.com; tests/sanity/get_pip.py does it from PyPI instead.
SANITY_VENV := $(CACHE)/sanity-venv
# Outside the repository: inside its git work tree ansible-test would list only tracked files.
SANITY_ROOT ?= $(CACHE)/sanity-tree
SANITY_STAGE := $(SANITY_ROOT)/ansible_collections/kolla/rust
sanity:
	@test -x $(SANITY_VENV)/bin/ansible-test || { \
	  $(VENV)/bin/python -m venv $(SANITY_VENV) && \
	  $(SANITY_VENV)/bin/pip install -q "$$($(VENV)/bin/python -c 'import ansible; print("ansible-core==" + ansible.__version__)')" && \
	  req=$$($(SANITY_VENV)/bin/python -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')/_data/requirements && \
	  $(SANITY_VENV)/bin/pip install -q $$(for t in ansible-doc changelog import import.plugin pep8 pylint runtime-metadata validate-modules yamllint; do echo -r $$req/sanity.$$t.txt; done); }
	@pipver=$$($(SANITY_VENV)/bin/python -c 'import ansible_test._internal.python_requirements as r, ansible_test._internal.host_configs as h; print(r.get_venv_packages(h.NativePythonConfig(version="3.11", path=""))["pip"])') && test -n "$$pipver" && \
	  mkdir -p $(HOME)/.ansible/test/cache && \
	  install -m 0644 tests/sanity/get_pip.py $(HOME)/.ansible/test/cache/get_pip_$$(echo $$pipver | tr . _).py
	$(MAKE) collection COLLECTION_ROOT=$(SANITY_ROOT)
	mkdir -p $(SANITY_STAGE)/tests/sanity
	install -m 0644 tests/sanity/ignore-*.txt $(SANITY_STAGE)/tests/sanity/
	cd $(SANITY_STAGE) && PATH=$(abspath $(SANITY_VENV))/bin:$$PATH ansible-test sanity --local --python 3.11 --color no

bench: build
	bash bench/run.sh

# The images the deployment runs (images/<name>, built by images/build.sh), in
# this machine's own engine (never the test engine, whatever DOCKER_HOST a
# sourced env.sh set; tests/env/host.sh starts a dockerd when none answers).
# KOLLA_RUST_PUSH_REGISTRY=host:port then pushes each one there (credentials:
# KOLLA_RUST_PUSH_USER, KOLLA_RUST_PUSH_PASSWORD).
DEPLOY_IMAGES ?= kolla-toolbox cron haproxy keepalived mariadb-server memcached rabbitmq keystone glance-api \
	placement-api nova-api nova-conductor nova-scheduler nova-compute nova-novncproxy neutron-server heat-api \
	heat-api-cfn heat-engine cinder-api cinder-scheduler horizon
DEPLOY_DOCKER_HOST ?= unix:///var/run/docker.sock
images:
	DEPLOY_DOCKER_HOST=$(DEPLOY_DOCKER_HOST) bash tests/env/host.sh $(DEPLOY_IMAGES)

# The all-in-one deployment on the embedded default (etc/kolla/globals.yml), on
# this machine's own engine: its images (`make images`), generated passwords,
# then `kolla-ansible prechecks`, `deploy` and `post-deploy` (admin-openrc.sh,
# clouds.yaml), and how to use them.
KOLLA_CONFIG_DIR ?= /etc/kolla
deploy: build images
	mkdir -p $(KOLLA_CONFIG_DIR)
	[ -f $(KOLLA_CONFIG_DIR)/globals.yml ] || install -m 0644 etc/kolla/globals.yml $(KOLLA_CONFIG_DIR)/globals.yml
	[ -f $(KOLLA_CONFIG_DIR)/passwords.yml ] || $(VENV)/bin/python bin/kolla-genpwd -p $(KOLLA_CONFIG_DIR)/passwords.yml
	DOCKER_HOST=$(DEPLOY_DOCKER_HOST) PATH=$(VENV)/bin:$$PATH bin/kolla-ansible -i inventory/all-in-one --configdir $(KOLLA_CONFIG_DIR) prechecks
	DOCKER_HOST=$(DEPLOY_DOCKER_HOST) PATH=$(VENV)/bin:$$PATH bin/kolla-ansible -i inventory/all-in-one --configdir $(KOLLA_CONFIG_DIR) deploy
	DOCKER_HOST=$(DEPLOY_DOCKER_HOST) PATH=$(VENV)/bin:$$PATH bin/kolla-ansible -i inventory/all-in-one --configdir $(KOLLA_CONFIG_DIR) post-deploy
	@echo
	@echo "The cloud answers on 127.0.0.10: Keystone :5000, Horizon :80 (user admin, keystone_admin_password of passwords.yml)."
	@echo "  . $(KOLLA_CONFIG_DIR)/admin-openrc.sh && openstack token issue"
	@echo "  OS_CLIENT_CONFIG_FILE=$(KOLLA_CONFIG_DIR)/clouds.yaml OS_CLOUD=kolla-admin openstack endpoint list"
	@echo "(python-openstackclient: Debian's python3-openstackclient, or the one in kolla_toolbox, given clouds.yaml once:"
	@echo "  docker exec -i kolla_toolbox sh -c 'umask 077; cat > ~/.config/openstack/clouds.yaml' < $(KOLLA_CONFIG_DIR)/clouds.yaml"
	@echo "  docker exec -e OS_CLOUD=kolla-admin kolla_toolbox openstack token issue)"

clean:
	cargo clean
	rm -rf dist $(addprefix plugins/modules/,$(MODULES))
