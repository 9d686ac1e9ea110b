#!/bin/sh
# External validation on LIDC nodules (the import route, PNG stacks): train a small CNN-DNN on the training
# patients' stacks, validate it on the held-out patients' stacks (scripts/lidc-external-split.ts), write the
# run report (HTML and PDF) with a screenshot of its first page, and export the model.
#   scripts/lidc-external-validation.sh [<work-folder>] [<epochs>]
# Results go to <work-folder>/out (default /tmp/ddcnn-lidc-external); ../shared/data is only read.
set -eu
WORK=${1:-/tmp/ddcnn-lidc-external}
EPOCHS=${2:-5}
cd "$(dirname "$0")/.."
mkdir -p "$WORK/out"
npx tsx scripts/lidc-external-split.ts "$WORK/data" | tee "$WORK/out/split.txt"
npx ddcnn train --data "$WORK/data/train.csv" --shape 8x32x32 --window 0,255 --decomposition 2x2x2 --overlap 1 \
  --epochs "$EPOCHS" --batch 32 --seed 1 --workers 2 --workspace "$WORK" --json > "$WORK/out/train.json"
RUN="$WORK/runs/$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runId)' "$WORK/out/train.json")"
npx ddcnn eval "$RUN" | tee "$WORK/out/test-split.txt"
npx ddcnn predict --run "$RUN" "$WORK/data/held-out.csv" --workers 2 --out "$WORK/out/held-out-predictions.csv" | tee "$WORK/out/held-out-metrics.txt"
npx ddcnn predict --run "$RUN" "$WORK/data/held-out.csv" --workers 2 --out "$WORK/out/held-out-predictions-again.csv" --json > "$WORK/out/held-out-metrics.json"
npx ddcnn report "$RUN" --out "$WORK/out/report.html" --pdf
npx tsx scripts/report-screenshot.ts "$WORK/out/report.html" "$WORK/out/report-first-page.png"
rm -rf "$WORK/out/model"
npx ddcnn export "$RUN" --out "$WORK/out/model"
echo "run: $RUN"
echo "results: $WORK/out"
