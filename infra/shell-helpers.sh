# Shared by infra/services.sh, infra/docker.sh and infra/compose-smoke.sh (sourced). The caller
# defines log and die (each with its own prefix) and TIMEOUT (seconds) before calling these.

# timed NAME COMMAND...: runs COMMAND and logs how long it took.
timed() {
  local name="$1" start ms; shift
  start="${EPOCHREALTIME/./}"
  "$@"
  ms=$(((${EPOCHREALTIME/./} - start) / 1000))
  log "$name took $((ms / 1000)).$((ms % 1000 / 100)) s"
}

# wait_until DESCRIPTION COMMAND...: retries COMMAND every half second until it succeeds or
# TIMEOUT passes.
wait_until() {
  local what="$1"; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@"; do
    ((SECONDS < deadline)) || die "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.5
  done
}
