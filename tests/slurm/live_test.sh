#!/usr/bin/env bash
# A real one-node Slurm cluster on localhost (Debian 12's slurm-wlm and munge): munged with a
# generated key, slurmctld and slurmd (proctrack/linuxproc, task/none), all under a temporary
# folder, on free ports. On it, `infofrag slurm --submit` trains a tiny sweep as a 4-task job
# array; one task gets the preemption signal mid-run (scancel --signal=USR1 --batch, as
# Slurm's --signal does before the time limit), checkpoints, exits 75 and is requeued; the
# requeued task resumes; the dependent analysis job (afterok) writes analysis.h5 with
# /hotspots. The ensemble must equal a one-process run bit for bit.
# Exit 0: passed; 1: failed; 77: Slurm cannot start here (not root, packages missing, a
# daemon that does not come up) -- CTest reports that as skipped, never as passed.
# Usage: live_test.sh INFOFRAG SOURCE_DIR PYTHON
set -uo pipefail
cli=$1
source_dir=$2
python=${3:-/usr/bin/python3}

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root to run munged, slurmctld and slurmd"
for tool in munged slurmctld slurmd sbatch scontrol scancel sinfo; do
  command -v "$tool" >/dev/null || skip "$tool not installed (apt-get install slurm-wlm munge)"
done

work=$(mktemp -d /tmp/infofrag_slurm.XXXXXX)
chmod 700 "$work"
started=()
cleanup() {
  local pidfile pid
  for pidfile in "${started[@]}"; do
    pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && kill "$pid" 2>/dev/null
  done
  sleep 1
  for pidfile in "${started[@]}"; do
    pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  done
  if [ "${keep:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
logs() {
  for f in "$work"/munged.log "$work"/slurmctld.log "$work"/slurmd.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 25 "$f"; }
  done
}

# munge: a fresh key, its own socket.
dd if=/dev/urandom of="$work/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$work/munge.key"
munged --force --key-file="$work/munge.key" --socket="$work/munge.sock" \
  --pid-file="$work/munged.pid" --log-file="$work/munged.log" --seed-file="$work/munge.seed" ||
  { logs; skip "munged does not start"; }
started+=("$work/munged.pid")

# Two free TCP ports.
read -r ctld_port slurmd_port < <("$python" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
host=$(hostname -s)
mkdir -p "$work/state" "$work/spool"
cat >"$work/slurm.conf" <<EOF
ClusterName=infofragtest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge.sock
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
SchedulerParameters=defer_batch=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=4 RealMemory=2000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF=$work/slurm.conf
slurmctld -c || { logs; skip "slurmctld does not start"; }
started+=("$work/slurmctld.pid")
slurmd || { logs; skip "slurmd does not start"; }
started+=("$work/slurmd.pid")
up=0
for _ in $(seq 60); do
  state=$(sinfo -h -o %T 2>/dev/null | head -n 1)
  case "$state" in idle*|mixed*|allocated*) up=1; break ;; esac
  sleep 0.5
done
[ "$up" = 1 ] || { sinfo 2>&1; logs; skip "the node did not come up (state '$state')"; }
echo "slurm up: node $host $(sinfo -h -o '%T %c CPUs')"

fail() { echo "FAIL: $*"; logs; keep=0; exit 1; }
job_field() {  # job_field JOB FIELD
  scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1
}

# The sweep: tiny_run.ini's 4 circle members, in packs of 1 (4 tasks), long enough to
# signal one mid-run.
run=$work/run
sweep=(--config "$source_dir/configs/tests/tiny_run.ini" --train.pack-size 1
       --train.steps 2000 --train.checkpoint-every 100)
"$cli" slurm "${sweep[@]}" --out "$run" --gpus-per-task 0 --cpus-per-task 1 --time 10:00 \
  --analysis-time 10:00 --submit >"$work/submit.out" 2>&1 ||
  { cat "$work/submit.out"; fail "infofrag slurm --submit"; }
submitted=$(grep '^submitted: ' "$work/submit.out")
array=$(sed -n 's/.*training array \([0-9]*\).*/\1/p' <<<"$submitted")
analysis=$(sed -n 's/.*analysis job \([0-9]*\).*/\1/p' <<<"$submitted")
[ -n "$array" ] && [ -n "$analysis" ] || { cat "$work/submit.out"; fail "no job ids printed"; }
echo "array $array, analysis $analysis"

# Preempt task 1 mid-run: after its first checkpoint, before its pack ends.
checkpoint=$run/ensemble/checkpoints/pack_1.h5
for _ in $(seq 600); do [ -f "$checkpoint" ] && break; sleep 0.1; done
[ -f "$checkpoint" ] || fail "task 1 wrote no checkpoint in 60 s"
scancel --signal=USR1 --batch "${array}_1" || fail "scancel --signal=USR1"
echo "sent SIGUSR1 to task ${array}_1"

# Slurm holds a requeued job back for a while (Reason=BeginTime); make it eligible at once,
# as waiting would only make the test slower.
state=""
for _ in $(seq 300); do
  if [ "$(job_field "${array}_1" Reason)" = BeginTime ]; then
    scontrol update JobId="${array}_1" StartTime=now >/dev/null 2>&1
  fi
  state=$(job_field "$analysis" JobState)
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 0.5
done
squeue 2>&1 | head -n 10
[ "$state" = COMPLETED ] || { cat "$run"/slurm/logs/*; fail "analysis job ended '$state'"; }

# Task 1 was stopped by the signal, requeued, and resumed.
log1=$(ls "$run"/slurm/logs/train_"${array}"_1.out)
grep -q "stopped by signal 10" "$log1" || { cat "$log1"; fail "task 1 was not stopped by SIGUSR1"; }
restarts=$(job_field "${array}_1" Restarts)
[ "${restarts:-0}" -ge 1 ] || fail "task 1 was not requeued (Restarts=$restarts)"
grep -q "1 members finished" "$log1" || { cat "$log1"; fail "the requeued task 1 did not finish"; }
echo "task 1: stopped by SIGUSR1, requeued (Restarts=$restarts), resumed and finished"

# The same sweep in one process, and the comparison.
"$cli" train --config "$run/slurm/sweep.ini" --out "$work/reference" --train.device cpu \
  --train.progress false 2>"$work/reference.err" || { cat "$work/reference.err"; fail "reference"; }
"$python" - "$run" "$work/reference" <<'EOF' || fail "results"
import os, sys
import h5py
run, reference = sys.argv[1], sys.argv[2]
names = sorted(os.listdir(os.path.join(reference, "members")))
got = sorted(os.listdir(os.path.join(run, "ensemble", "members")))
assert got == names, f"members {got}, expected {names}"
for name in names:
    with h5py.File(os.path.join(run, "ensemble", "members", name)) as a, \
         h5py.File(os.path.join(reference, "members", name)) as b:
        for w in b["weights"]:
            assert a["weights"][w][()].tobytes() == b["weights"][w][()].tobytes(), (name, w)
        assert a["curves/loss"][()].tobytes() == b["curves/loss"][()].tobytes(), name
with h5py.File(os.path.join(run, "analysis.h5")) as f:
    sizes = f["hotspots/table/size"][()]
    assert len(sizes) > 0, "no hotspots"
print(f"{len(names)} members bit-identical to one process; {len(sizes)} hotspots, sizes {list(sizes)}")
EOF
left=$(ls -A "$run/ensemble/checkpoints")
[ -z "$left" ] || fail "checkpoints/ not empty: $left"
echo "PASS in $SECONDS s"
