# Sourced by kolla_start in glance-api, as glance (the image's user): the log
# directory, then the database phases kolla-ansible's glance role runs in a
# one-shot container, each ending it:
#  - KOLLA_BOOTSTRAP set (even empty): glance-manage db_sync, then
#    db_load_metadefs (the metadata definitions of /etc/glance/metadefs);
#  - KOLLA_UPGRADE set: the rolling upgrade's `glance-manage db expand`,
#    `db migrate` and `db contract`, for each of GLANCE_DB_EXPAND,
#    GLANCE_DB_MIGRATE and GLANCE_DB_CONTRACT that is set.
GLANCE_LOG_DIR=/var/log/kolla/glance
mkdir -p "$GLANCE_LOG_DIR"
[[ "$(stat -c %a "$GLANCE_LOG_DIR")" == 755 ]] || chmod 0755 "$GLANCE_LOG_DIR"

# kolla-ansible's glance-api.conf retries the database forever (max_retries =
# -1): right for the API outliving a database restart, wrong for a one-shot
# container kolla-ansible waits on. oslo.config takes OS_<GROUP>__<OPTION> from
# the environment before the files, so these phases give up on a database that
# does not answer after 10 tries 3 s apart, unless the environment says otherwise.
glance_manage() {
    local status=0
    OS_DATABASE__MAX_RETRIES=${OS_DATABASE__MAX_RETRIES:-10} \
        OS_DATABASE__RETRY_INTERVAL=${OS_DATABASE__RETRY_INTERVAL:-3} \
        glance-manage "$@" || status=$?
    if (( status != 0 )); then
        echo "glance-api: 'glance-manage $*' failed (exit $status); when the database does not answer, check" \
             "[database] connection in /etc/glance/glance-api.conf and that the database is up" >&2
    fi
    return "$status"
}

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    glance_manage db_sync && glance_manage db_load_metadefs
    exit $?
fi
if [[ -n "${KOLLA_UPGRADE+set}" ]]; then
    if [[ -n "${GLANCE_DB_EXPAND+set}" ]]; then
        glance_manage db expand || exit $?
    fi
    if [[ -n "${GLANCE_DB_MIGRATE+set}" ]]; then
        glance_manage db migrate || exit $?
    fi
    if [[ -n "${GLANCE_DB_CONTRACT+set}" ]]; then
        glance_manage db contract || exit $?
    fi
    exit 0
fi
