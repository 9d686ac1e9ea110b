// A small LIDC external-validation set-up for tests (the import route, PNG stacks): the nodule stacks of some
// patients (groups) to train on, and those of other patients as a cohort no model trains on.
import fs from 'node:fs';
import path from 'node:path';
import { extractLidc, lidcIndex, type LidcStack } from './import-fixtures';

export const lidcCsv = (stacks: LidcStack[]) => ['path,label,group', ...stacks.map((s) => `"${s.dir}",${s.className},${s.group}`)].join('\n') + '\n';

/**
 * Extracts the stacks into `dest` and writes dest/train.csv (`trainPerClass` stacks of each class) and
 * dest/cohort.csv (`cohortPerClass` of each class); every fifth patient goes to the cohort side only.
 */
export function lidcTrainAndCohort(dest: string, trainPerClass: number, cohortPerClass: number): { trainCsv: string; cohortCsv: string; train: LidcStack[]; cohort: LidcStack[] } {
  extractLidc(dest);
  const all = lidcIndex();
  const groups = [...new Set(all.map((s) => s.group))];
  const heldOut = new Set(groups.filter((_, i) => i % 5 === 0));
  const pick = (stacks: LidcStack[], n: number) => ['benigno', 'maligno'].flatMap((c) => stacks.filter((s) => s.className === c).slice(0, n));
  const train = pick(all.filter((s) => !heldOut.has(s.group)), trainPerClass);
  const cohort = pick(all.filter((s) => heldOut.has(s.group)), cohortPerClass);
  const trainCsv = path.join(dest, 'train.csv');
  const cohortCsv = path.join(dest, 'cohort.csv');
  fs.writeFileSync(trainCsv, lidcCsv(train));
  fs.writeFileSync(cohortCsv, lidcCsv(cohort));
  return { trainCsv, cohortCsv, train, cohort };
}
