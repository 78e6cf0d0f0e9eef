#!/usr/bin/env bash
# A throwaway single-node SLURM cluster for the test suite (Debian 12, run as root).
#
#   tests/workflow/slurm/cluster.sh up     install (if needed) and start munged, slurmctld, slurmd;
#                                 returns once the node accepts jobs. Safe to repeat.
#   tests/workflow/slurm/cluster.sh down   stop the daemons started by `up`. Never fails.
#
# Environment:
#   SHAPESTUDY_SLURM_DIR   state/spool/log/pid directory (default /tmp/shapestudy-slurm)
#   SHAPESTUDY_SLURM_WAIT  seconds `up` waits for the node to become usable (default 60)
#
# Why it looks like this:
# - There is no systemd here, so the Debian package scripts cannot start the services;
#   we start the daemons by hand and remember them through pid files.
# - slurm.conf must live at /etc/slurm/slurm.conf: the Snakemake jobstep plugin drops
#   SLURM_CONF from the job environment, and `srun` inside each job then finds no config.
# - There is no accounting database, so Snakemake must poll with squeue (see
#   profiles/slurm/config.yaml); that needs MinJobAge well above the poll delay.
set -euo pipefail

BASE="${SHAPESTUDY_SLURM_DIR:-/tmp/shapestudy-slurm}"
WAIT_S="${SHAPESTUDY_SLURM_WAIT:-60}"
CONF=/etc/slurm/slurm.conf
# First line of the slurm.conf we write: we only ever overwrite a file that carries it,
# so a real site configuration is never clobbered.
MARKER="# Written by shapestudy tests/workflow/slurm/cluster.sh"
MUNGE_KEY=/etc/munge/munge.key
MUNGE_RUN=/run/munge
MUNGE_PID="$MUNGE_RUN/munged.pid"   # munged's built-in default pid file on Debian
MUNGE_LOG=/var/log/munge/munged.log
CTLD_PID="$BASE/run/slurmctld.pid"
SLURMD_PID="$BASE/run/slurmd.pid"
CTLD_LOG="$BASE/log/slurmctld.log"
SLURMD_LOG="$BASE/log/slurmd.log"

log() { echo "cluster.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# True if process $1 is alive (not a zombie) and its command name is $2: guards
# against a stale pid file whose number was reused by another process.
proc_alive() {
    local pid=$1 name=$2 stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$name" ]] || return 1
    stat=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
    [[ $stat != Z ]]
}

# The pid recorded in pid file $1, or nothing.
read_pid() { [[ -r $1 ]] && cat "$1" 2>/dev/null || true; }

# True if the pid file $1 names a live process called $2.
pid_alive() { proc_alive "$(read_pid "$1")" "$2"; }

# Stop the process named in a pid file: TERM, wait up to 15 s, then KILL. Never fails.
# Waits on the process itself, not on the pid file: slurmctld removes its pid file
# before it has finished shutting down.
stop_pidfile() {
    local pidfile=$1 name=$2 pid i
    pid=$(read_pid "$pidfile")
    if ! proc_alive "$pid" "$name"; then
        rm -f "$pidfile"
        return 0
    fi
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        proc_alive "$pid" "$name" || break
        sleep 0.1
    done
    if proc_alive "$pid" "$name"; then
        log "$name did not stop after 15 s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
}

# Print what is most likely to explain a failed start.
show_diagnostics() {
    local f
    {
        echo "----- sinfo -----"
        timeout 5 sinfo -N -l 2>&1 || true
        timeout 5 sinfo -R 2>&1 || true
        for f in "$BASE/log/slurmctld.stderr" "$CTLD_LOG" "$BASE/log/slurmd.stderr" \
                 "$SLURMD_LOG" "$BASE/log/munged.stderr" "$MUNGE_LOG"; do
            [[ -s $f ]] || continue
            echo "----- tail -n 25 $f -----"
            tail -n 25 "$f"
        done
    } >&2
}

install_packages() {
    # Only install when something is missing, so a repeated `up` stays fast and offline.
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
       command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return 0
    fi
    [[ $(id -u) -eq 0 ]] || die "SLURM is not installed and installing it needs root"
    log "installing slurm-wlm and munge with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >"$BASE/log/apt.log" 2>&1 ||
        { tail -n 30 "$BASE/log/apt.log" >&2; die "apt-get install failed"; }
}

start_munge() {
    # munged refuses to run unless its directories belong to the munge user.
    install -d -o munge -g munge -m 0755 "$MUNGE_RUN"
    install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
    if [[ ! -s $MUNGE_KEY ]]; then
        log "creating munge key $MUNGE_KEY"
        dd if=/dev/urandom of="$MUNGE_KEY" bs=1024 count=1 status=none
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"

    # A working round trip means some munged already serves this socket; keep it.
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
        return 0
    fi
    log "starting munged"
    # --force: start even if a previous, killed munged left its socket behind.
    runuser -u munge -- munged --force >"$BASE/log/munged.stderr" 2>&1 ||
        { show_diagnostics; die "munged did not start"; }
    munge -n | unmunge >/dev/null 2>&1 || { show_diagnostics; die "munge round trip failed"; }
}

write_config() {
    local cpus mem_total_mb headroom_mb real_mb new
    cpus=$(nproc)
    # RealMemory must not exceed what slurmd detects, or the node is drained as invalid;
    # use MemTotal (stable between calls, unlike MemAvailable) minus 10% (at least 512 MB).
    mem_total_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
    headroom_mb=$((mem_total_mb / 10 > 512 ? mem_total_mb / 10 : 512))
    real_mb=$((mem_total_mb - headroom_mb))

    new=$(cat <<EOF
$MARKER; it is regenerated by \`up\`.
ClusterName=shapestudy
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# No cgroups in this container: track processes by parent pid, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# No accounting database: Snakemake polls with squeue, which only sees a job for
# MinJobAge seconds after it ends (the plugin wants >= 3x its first poll delay).
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Quiet two harmless startup errors: no mail program, no PMIx library installed.
MailProg=/bin/true
MpiDefault=none
MinJobAge=300
# A node that was marked down (e.g. slurmd stopped before slurmctld) comes back by itself.
ReturnToService=2
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
)
    if [[ -e $CONF ]] && ! head -n 1 "$CONF" | grep -qF "$MARKER"; then
        die "$CONF exists and was not written by this script; refusing to overwrite it"
    fi
    if [[ -e $CONF ]] && [[ $(<"$CONF") == "$new" ]]; then
        CONFIG_CHANGED=0
        return 0
    fi
    mkdir -p "$(dirname "$CONF")"
    printf '%s\n' "$new" >"$CONF"
    CONFIG_CHANGED=1
}

start_slurm() {
    # Running daemons read slurm.conf only at start: restart them if it changed.
    if [[ $CONFIG_CHANGED == 1 ]]; then
        stop_pidfile "$SLURMD_PID" slurmd
        stop_pidfile "$CTLD_PID" slurmctld
    fi
    if ! pid_alive "$CTLD_PID" slurmctld; then
        log "starting slurmctld"
        # -c: start from a clean state; jobs of an earlier session are of no interest.
        slurmctld -c >"$BASE/log/slurmctld.stderr" 2>&1 ||
            { show_diagnostics; die "slurmctld did not start"; }
    fi
    if ! pid_alive "$SLURMD_PID" slurmd; then
        log "starting slurmd"
        # -N: this node's name in slurm.conf (the container's hostname is arbitrary).
        slurmd -N localhost >"$BASE/log/slurmd.stderr" 2>&1 ||
            { show_diagnostics; die "slurmd did not start"; }
    fi
}

wait_until_usable() {
    local deadline state
    deadline=$((SECONDS + WAIT_S))
    while ((SECONDS < deadline)); do
        state=$(timeout 5 sinfo -h -o %t 2>/dev/null || true)
        # idle = ready. mix/alloc = ready and already running jobs (a repeated `up`
        # during a test run must not fail just because the node is busy).
        case $state in
            idle | mix | alloc)
                log "SLURM is up (node state: $state)"
                return 0 ;;
        esac
        sleep 0.5
    done
    log "node did not become usable within ${WAIT_S} s (last sinfo state: '${state:-none}')"
    show_diagnostics
    return 1
}

cmd_up() {
    mkdir -p "$BASE"/{log,run,spool,state}
    install_packages
    start_munge
    write_config
    start_slurm
    wait_until_usable || exit 1
}

cmd_down() {
    # Cancel what is left of a test run, so no job step outlives its slurmd. Only when
    # the configuration is ours: never touch a real cluster's jobs.
    if pid_alive "$CTLD_PID" slurmctld && [[ -e $CONF ]] &&
       head -n 1 "$CONF" | grep -qF "$MARKER"; then
        timeout 10 scancel --quiet --user "$(id -un)" 2>/dev/null || true
    fi
    # slurmd before slurmctld, munged last: each needs the next one while shutting down.
    stop_pidfile "$SLURMD_PID" slurmd
    stop_pidfile "$CTLD_PID" slurmctld
    stop_pidfile "$MUNGE_PID" munged
    # Snakemake's SLURM plugin runs `scontrol show config` at every start, even a local run's;
    # with our slurm.conf and no controller it waits 9 s, without a slurm.conf it fails at once.
    # `up` writes it again.
    if [[ -e $CONF ]] && head -n 1 "$CONF" | grep -qF "$MARKER"; then
        rm -f "$CONF"
    fi
    log "SLURM is down"
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
esac
