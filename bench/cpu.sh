# CPU time of processes from /proc, in clock ticks (divide by $hz for seconds); sourced by the bench scripts.
hz=$(getconf CLK_TCK)
# CPU ticks (utime + stime) of the given processes, summed.
ticks() { for pid in "$@"; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || true; done | awk '{ s += $1 } END { print s + 0 }'; }
# PostgreSQL's CPU: every live postgres process, plus what the postmaster reaped of backends that exited meanwhile.
postgres_ticks() {
  local postmaster; postmaster=$(head -1 "${CLICKORLEANS_SERVICES_DIR:-/tmp/clickorleans-services}/pg/postmaster.pid")
  { ticks $(pgrep -u postgres -x postgres || true); awk '{ print $16 + $17 }' "/proc/$postmaster/stat"; } | awk '{ s += $1 } END { print s + 0 }'
}
