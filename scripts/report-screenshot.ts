// Opens a run report (ddcnn report) in the Chromium the browser tests use and saves its first page (the
// viewport, 1100x1400) as a PNG. Usage: npx tsx scripts/report-screenshot.ts <report.html> <out.png>
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumPath } from '../src-main/runs/report-pdf';

async function main(): Promise<void> {
  const [report, out] = process.argv.slice(2);
  if (!report || !out) throw new Error('usage: report-screenshot.ts <report.html> <out.png>');
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--headless', '--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    await page.goto(`file://${path.resolve(report)}`);
    await page.screenshot({ path: out });
  } finally {
    await browser.close();
  }
}

void main();
