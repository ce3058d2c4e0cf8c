#!/bin/bash
# Alternate before/after whole-KG validation at 1M (same data), twice each.
D=${1:?usage: bench/validate_before_after.sh DATA_ROOT BEFORE_CHECKOUT AFTER_CHECKOUT}
BEFORE=${2:?}
AFTER=${3:?}
for round in 1 2; do
  for code in before after; do
    if [ $code = before ]; then dir=$BEFORE; else dir=$AFTER; fi
    start=$(date +%s.%N)
    (cd $dir && /usr/bin/time -f "%M KB" python -m kg --data-dir $D validate > /tmp/val-$code-$round.out 2> /tmp/val-$code-$round.err)
    end=$(date +%s.%N)
    echo "$code round $round: $(echo "$end - $start" | bc) s, $(tail -1 /tmp/val-$code-$round.err), $(grep -c '' /tmp/val-$code-$round.out) lines"
  done
done
