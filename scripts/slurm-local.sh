#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, without systemd: to try `ddcnn train --executor slurm` on a
# workstation, and for the tests in test/runs/slurm-*.test.ts, which run against it.
#
#   scripts/slurm-local.sh install   apt-get the daemons and clients (Debian: slurmctld slurmd slurm-client munge)
#   scripts/slurm-local.sh start     write the configuration, start munged, slurmctld and slurmd, wait for the node
#   scripts/slurm-local.sh stop      stop the three daemons by the pids this script recorded
#   scripts/slurm-local.sh env       print the line that points Slurm's commands at this cluster
#
# Everything lives in $DDCNN_SLURM_DIR (default /var/tmp/ddcnn-slurm): slurm.conf, gres.conf, the daemons' state,
# logs and pid files. Nothing is written to /etc/slurm, so a machine's own Slurm configuration is left alone; the
# commands find this cluster through SLURM_CONF (`eval "$(scripts/slurm-local.sh env)"`).
#
# The node has two fake GPUs (character devices /dev/fakegpu0 and /dev/fakegpu1, made with mknod), so that jobs
# asking for --gres=gpu:1 are scheduled one per device and get CUDA_VISIBLE_DEVICES 0 and 1. It runs slurmd in a
# mount namespace of its own in which $DDCNN_SLURM_DIR/node-private is an empty tmpfs: a folder below it exists on
# this host but not "on the node", which is how the tests show a run folder that is not on a shared filesystem.
set -euo pipefail

DIR="${DDCNN_SLURM_DIR:-/var/tmp/ddcnn-slurm}"
CONF="$DIR/slurm.conf"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null; then
    return 0
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # Without --no-install-recommends slurm pulls in some 40 more packages (mail, X libraries) no test needs.
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_config() {
  local host cpus mem
  # Slurm names the node after the short host name; the controller is reached on 127.0.0.1 whatever the name
  # resolves to (a container's host name may resolve to nothing, or to an address slurmd does not listen on).
  host="$(hostname -s)"
  cpus="$(nproc)"
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/node-private"
  cat >"$CONF" <<EOF
# Written by scripts/slurm-local.sh: a one-node cluster for trying and testing the Slurm executor.
ClusterName=ddcnn-local
SlurmctldHost=${host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# A requeued or resubmitted job otherwise waits for the 120 s default credential lifetime.
AuthInfo=cred_expire=10
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups in a container: track job processes through /proc, bind no tasks, gather no accounting.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
# Cores and memory are consumable, so jobs share the node; without a default memory per CPU every job
# takes the whole node's memory and they run one at a time.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
GresTypes=gpu
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem} Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
  # A gres Count= without File= drains the node; two character devices stand for two GPUs.
  for i in 0 1; do [ -e "/dev/fakegpu$i" ] || $SUDO mknod "/dev/fakegpu$i" c 1 3; done
  echo "Name=gpu File=/dev/fakegpu[0-1]" >"$DIR/gres.conf"
}

start() {
  install
  write_config
  export SLURM_CONF="$CONF"
  # munged must run as its own user, with its socket in /run/munge.
  if ! pid_alive /run/munge/munged.pid; then
    $SUDO mkdir -p /run/munge /var/log/munge /var/lib/munge
    $SUDO chown munge:munge /run/munge /var/log/munge /var/lib/munge /etc/munge
    [ -s /etc/munge/munge.key ] || $SUDO runuser -u munge -- mungekey --create
    $SUDO runuser -u munge -- munged
    # Recorded only when started here, so that `stop` leaves a munged this script did not start alone.
    cp /run/munge/munged.pid "$DIR/munged.pid"
  fi
  pid_alive "$DIR/slurmctld.pid" || $SUDO slurmctld -f "$CONF"
  if ! pid_alive "$DIR/slurmd.pid"; then
    # slurmd (and so every job) in its own mount namespace, where node-private is an empty tmpfs.
    $SUDO unshare --mount --propagation private sh -c "mount -t tmpfs ddcnn-node-private '$DIR/node-private' && exec slurmd -f '$CONF' -N '$(hostname -s)'"
  fi
  # The node is idle a second or two after slurmd registers.
  for _ in $(seq 1 60); do
    if sinfo -h -N -o '%T' 2>/dev/null | grep -qx idle; then
      echo "slurm: one node ($(hostname -s), $(nproc) CPUs, 2 fake GPUs) idle; SLURM_CONF=$CONF" >&2
      return 0
    fi
    sleep 0.5
  done
  echo "slurm: the node did not become idle within 30 s; see $DIR/log/" >&2
  sinfo -N -l >&2 || true
  return 1
}

stop() {
  local name
  for name in slurmd slurmctld munged; do
    if pid_alive "$DIR/$name.pid"; then
      kill "$(cat "$DIR/$name.pid")"
      for _ in $(seq 1 50); do pid_alive "$DIR/$name.pid" || break; sleep 0.1; done
    fi
    rm -f "$DIR/$name.pid"
  done
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
