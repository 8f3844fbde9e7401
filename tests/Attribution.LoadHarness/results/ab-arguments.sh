# The A/B scripts' arguments, sourced with "$@": OUT (the first), the variants up to `--`, the
# harness arguments after it, and ROUNDS (AB_ROUNDS, default 2).
OUT="$(realpath -m "$1")"; shift
variants=()
while (($#)) && [[ "$1" != -- ]]; do variants+=("$1"); shift; done
[[ "${1:-}" == -- ]] && shift
harness_args=("$@")
ROUNDS="${AB_ROUNDS:-2}"
