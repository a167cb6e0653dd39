# Sourced by kolla_start in every neutron image (as neutron, the images' user):
# the log directory, which a fresh kolla_logs volume may lack, then the
# image's own part, kolla_neutron_extend_start, when it has one
# (neutron-server: the database phases).
NEUTRON_LOG_DIR=/var/log/kolla/neutron
[[ -d "$NEUTRON_LOG_DIR" ]] || mkdir -p "$NEUTRON_LOG_DIR"
if [[ "$(id -u)" == 0 ]]; then
    chown neutron:kolla "$NEUTRON_LOG_DIR"
fi
if [[ -O "$NEUTRON_LOG_DIR" || "$(id -u)" == 0 ]] && [[ "$(stat -c %a "$NEUTRON_LOG_DIR")" != 755 ]]; then
    chmod 0755 "$NEUTRON_LOG_DIR"
fi

if [[ -f /usr/local/bin/kolla_neutron_extend_start ]]; then
    # shellcheck source=/dev/null
    . /usr/local/bin/kolla_neutron_extend_start
fi
