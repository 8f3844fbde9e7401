#!/bin/sh
# Writes rabbitmq.conf from the environment as the official image does, then runs the command;
# the broker itself as the rabbitmq user, in place of this shell, so that `docker stop` (SIGTERM
# to PID 1) stops it cleanly.
set -e
{
  echo "loopback_users = none"
  echo "listeners.tcp.default = 5672"
  echo "management.tcp.port = 15672"
  if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then echo "default_user = $RABBITMQ_DEFAULT_USER"; fi
  if [ -n "${RABBITMQ_DEFAULT_PASS:-}" ]; then echo "default_pass = $RABBITMQ_DEFAULT_PASS"; fi
  if [ -n "${RABBITMQ_DEFAULT_VHOST:-}" ]; then echo "default_vhost = $RABBITMQ_DEFAULT_VHOST"; fi
} >/etc/rabbitmq/rabbitmq.conf
if [ "${1:-}" = rabbitmq-server ]; then
  shift
  cd /var/lib/rabbitmq
  export HOME=/var/lib/rabbitmq
  exec setpriv --reuid rabbitmq --regid rabbitmq --init-groups /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
fi
exec "$@"
