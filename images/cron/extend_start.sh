# Sourced by kolla_start in cron, as root. logrotate's job sits in one of
# /etc/cron.{hourly,daily,weekly,monthly}; KOLLA_LOGROTATE_SCHEDULE (one of
# those four words) moves it there. Any other value leaves it where it is.
logrotate_job=$(find /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly \
                    -maxdepth 1 -name logrotate 2>/dev/null | head -n 1)
if [[ -z "$logrotate_job" ]]; then
    echo "logrotate is not run by cron"
else
    case ${KOLLA_LOGROTATE_SCHEDULE:-} in
        hourly|daily|weekly|monthly)
            if [[ "$logrotate_job" != "/etc/cron.$KOLLA_LOGROTATE_SCHEDULE/logrotate" ]]; then
                mv "$logrotate_job" "/etc/cron.$KOLLA_LOGROTATE_SCHEDULE/logrotate"
                logrotate_job=/etc/cron.$KOLLA_LOGROTATE_SCHEDULE/logrotate
            fi ;;
    esac
    echo "logrotate runs ${logrotate_job#/etc/cron.}" | sed 's,/logrotate$,,'
fi
