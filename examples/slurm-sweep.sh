#!/bin/bash
# Runs a ttfsim sweep as a Slurm job array: task i of N runs shard i/N into OUT/shard-i.
#
#   sbatch --array=0-7 examples/slurm-sweep.sh SPEC.json OUT_DIR
#   # when every task is done (or as a dependent job: sbatch --dependency=afterok:<jobid> ...):
#   ttfsim sweep merge OUT_DIR/shard-* --out OUT_DIR/merged
#
# A task that is killed or times out can simply be resubmitted (sbatch --array=<i> ...): finished
# points are skipped. Shards need no shared file system while they run; merge needs all the
# shard folders in one place. test/sweep/cluster.test.ts runs this script's body.
#SBATCH --job-name=ttfsim-sweep
#SBATCH --array=0-7
#SBATCH --cpus-per-task=16
#SBATCH --mem=32G
#SBATCH --time=04:00:00
#SBATCH --output=ttfsim-sweep-%A_%a.log
set -euo pipefail

SPEC=${1:?usage: sbatch --array=0-N examples/slurm-sweep.sh SPEC.json OUT_DIR}
OUT=${2:?usage: sbatch --array=0-N examples/slurm-sweep.sh SPEC.json OUT_DIR}
: "${SLURM_ARRAY_TASK_ID:?run this script as a Slurm job array (sbatch --array=0-N)}"
: "${SLURM_ARRAY_TASK_COUNT:?run this script as a Slurm job array (sbatch --array=0-N)}"

ttfsim sweep "$SPEC" \
  --out "$OUT/shard-$SLURM_ARRAY_TASK_ID" \
  --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
  --workers "${SLURM_CPUS_PER_TASK:-1}"
