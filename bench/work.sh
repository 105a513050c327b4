# The work directory of a bench script (published hosts, logs, samples); sourced by the bench scripts. Call
# `finish_work $status` from the script's EXIT trap: it removes the directory after a run that succeeded and keeps it,
# saying where, after one that failed.
work="$(mktemp -d)"
chmod 755 "$work"
finish_work() { if (( $1 == 0 )); then rm -rf "$work"; else echo "kept $work: the failed run's files" >&2; fi; }
