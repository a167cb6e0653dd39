# Sourced by kolla_start in every cinder image, as root in cinder-api and as
# cinder in cinder-scheduler: the log directory, which a fresh kolla_logs
# volume lacks, then the image's own part, kolla_cinder_extend_start, when it
# has one (cinder-api: the database phases).
CINDER_LOG_DIR=/var/log/kolla/cinder
[[ -d "$CINDER_LOG_DIR" ]] || mkdir -p "$CINDER_LOG_DIR"
if [[ "$(stat -c %U:%G "$CINDER_LOG_DIR")" != cinder:kolla ]]; then
    # As cinder (a member of kolla) this works on a directory cinder owns.
    chown -R cinder:kolla "$CINDER_LOG_DIR"
fi
if [[ "$(stat -c %a "$CINDER_LOG_DIR")" != 755 ]]; then
    chmod 0755 "$CINDER_LOG_DIR"
fi

# cinder-manage as cinder, whoever runs this, so what it writes is cinder's.
cinder_manage() {
    if [[ "$(id -u)" == 0 ]]; then
        sudo -H -u cinder cinder-manage "$@"
    else
        cinder-manage "$@"
    fi
}

if [[ -f /usr/local/bin/kolla_cinder_extend_start ]]; then
    # shellcheck source=/dev/null
    . /usr/local/bin/kolla_cinder_extend_start
fi
