# One entry point for building, packaging and testing the collection.
# `make build` compiles every module crate into a static, stripped binary and
# installs it into plugins/modules/, where both the collection and the in-repo
# ansible.cfg find it beside its YAML documentation.

TARGET   := x86_64-unknown-linux-gnu
RELEASE  := target/$(TARGET)/release
CACHE    ?= /var/cache/kolla-rust
VENV     := $(CACHE)/venv
# Crates under modules/ with a main.rs are Ansible modules; tools/ are helpers shipped in images.
MODULES  := $(notdir $(patsubst %/src/main.rs,%,$(wildcard modules/*/src/main.rs)))

export RUSTFLAGS := -C target-feature=+crt-static

.PHONY: build test env unit integration lint dist clean bench deploy

build:
	cargo build --release --target $(TARGET) --workspace --bins
	@for m in $(MODULES); do install -m 0755 $(RELEASE)/$$m plugins/modules/$$m; done
	@ls -l $(addprefix plugins/modules/,$(MODULES))

env:
	bash tests/env/up.sh

unit:
	env -u RUSTFLAGS cargo test --workspace --quiet

lint:
	cargo fmt --all -- --check
	env -u RUSTFLAGS cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(VENV)/bin/ansible-lint -q

integration: build
	. $(CACHE)/env.sh && $(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/

# The README's test command: set up the environment, then every suite.
test: env unit lint integration

dist: build
	mkdir -p dist
	$(VENV)/bin/ansible-galaxy collection build --force --output-path dist .

bench: build
	bash bench/run.sh

# The all-in-one deployment on the embedded default (etc/kolla/globals.yml):
# local images, generated passwords, then `kolla-ansible deploy`.
KOLLA_CONFIG_DIR ?= /etc/kolla
deploy: env build
	mkdir -p $(KOLLA_CONFIG_DIR)
	[ -f $(KOLLA_CONFIG_DIR)/globals.yml ] || install -m 0644 etc/kolla/globals.yml $(KOLLA_CONFIG_DIR)/globals.yml
	[ -f $(KOLLA_CONFIG_DIR)/passwords.yml ] || $(VENV)/bin/python bin/kolla-genpwd -p $(KOLLA_CONFIG_DIR)/passwords.yml
	PATH=$(VENV)/bin:$$PATH bin/kolla-ansible -i inventory/all-in-one --configdir $(KOLLA_CONFIG_DIR) prechecks
	PATH=$(VENV)/bin:$$PATH bin/kolla-ansible -i inventory/all-in-one --configdir $(KOLLA_CONFIG_DIR) deploy

clean:
	cargo clean
	rm -rf dist $(addprefix plugins/modules/,$(MODULES))
