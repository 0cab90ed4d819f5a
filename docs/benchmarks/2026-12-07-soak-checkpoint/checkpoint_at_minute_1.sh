#!/bin/bash
log=/tmp/soak-ckpt.log
port=""
done1=""; done9=""
while sleep 1; do
  [ -z "$port" ] && port=$(grep -o '"postgresql": {"version": "[0-9.]*", "port": [0-9]*' $log 2>/dev/null | tail -1 | grep -o '[0-9]*$')
  if [ -z "$done1" ] && grep -q "soak minute 1/10" $log; then
    date +%T >> /tmp/ckpt.out
    psql -h 127.0.0.1 -p $port -U postgres -Atc "select now(), checkpoints_timed, checkpoints_req, buffers_checkpoint from pg_stat_bgwriter" >> /tmp/ckpt.out 2>&1
    psql -h 127.0.0.1 -p $port -U postgres -c "CHECKPOINT" >> /tmp/ckpt.out 2>&1
    psql -h 127.0.0.1 -p $port -U postgres -Atc "select now(), checkpoints_timed, checkpoints_req, buffers_checkpoint from pg_stat_bgwriter" >> /tmp/ckpt.out 2>&1
    done1=1
  fi
  if [ -z "$done9" ] && grep -q "soak minute 9/10" $log; then
    psql -h 127.0.0.1 -p $port -U postgres -Atc "select now(), checkpoints_timed, checkpoints_req, buffers_checkpoint from pg_stat_bgwriter" >> /tmp/ckpt.out 2>&1
    done9=1; exit 0
  fi
done
