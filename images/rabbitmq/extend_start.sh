# Sourced by kolla_start in rabbitmq, as user rabbitmq.
#  - KOLLA_BOOTSTRAP set (even empty): the cluster's Erlang cookie,
#    RABBITMQ_CLUSTER_COOKIE, becomes the node's (owner-read-only, as Erlang
#    demands), then exit. A stale cookie is removed first rather than
#    overwritten: it is read-only to its owner.
#  - otherwise the log directory is made world-readable for the log shippers.
: "${RABBITMQ_LOG_DIR:=/var/log/kolla/rabbitmq}"

if [[ -n "${KOLLA_BOOTSTRAP+set}" ]]; then
    : "${RABBITMQ_CLUSTER_COOKIE:?the bootstrap needs RABBITMQ_CLUSTER_COOKIE}"
    rm -f /var/lib/rabbitmq/.erlang.cookie
    (umask 0377 && printf '%s\n' "$RABBITMQ_CLUSTER_COOKIE" > /var/lib/rabbitmq/.erlang.cookie)
    exit 0
fi

mkdir -p "$RABBITMQ_LOG_DIR"
[[ "$(stat -c %a "$RABBITMQ_LOG_DIR")" == 755 ]] || chmod 0755 "$RABBITMQ_LOG_DIR"
