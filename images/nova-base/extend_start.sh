# Sourced by kolla_start in every nova image: the log directory every service
# writes (kolla-ansible's config.json hands it to nova), the helpers the
# service layers use, then that layer's own steps (kolla_nova_extend_start,
# which may run a database phase and exit).
NOVA_LOG_DIR=/var/log/kolla/nova
mkdir -p "$NOVA_LOG_DIR"
if [[ "$(id -u)" == 0 ]]; then
    chown nova:kolla "$NOVA_LOG_DIR"
fi
[[ "$(stat -c %a "$NOVA_LOG_DIR")" == 755 ]] || chmod 0755 "$NOVA_LOG_DIR"

# Runs a command as nova: nova-api's container is root (uWSGI drops to nova
# itself), the other images already run as nova.
as_nova() {
    if [[ "$(id -u)" == 0 ]]; then
        sudo -H -E -u nova "$@"
    else
        "$@"
    fi
}

# shellcheck source=/dev/null
. /usr/local/bin/kolla_nova_extend_start
