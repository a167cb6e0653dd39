# Sourced by kolla_start in keystone-fernet, as root: wait for (or pull) the
# fernet keys with kolla-ansible's fernet-node-sync.sh when config.json
# installed it, and keep the key directory keystone's.
if [[ -f /usr/bin/fernet-node-sync.sh ]]; then
    /usr/bin/fernet-node-sync.sh
fi
[[ "$(stat -c %U:%G /etc/keystone/fernet-keys)" == keystone:keystone ]] || chown keystone:keystone /etc/keystone/fernet-keys
