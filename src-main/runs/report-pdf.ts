// The run report as PDF, printed by the Chromium the project's browser tests use (Debian's /usr/bin/chromium,
// or CHROMIUM_PATH) through playwright-core, a development dependency: where either is missing, the error
// says what to install and the HTML report is still there. The page gets no network: the report needs none.
import fs from 'node:fs';

export const chromiumPath = (): string => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function printPdf(html: string, pdfFile: string): Promise<void> {
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) throw new Error(`no Chromium at ${exe} to print the PDF with: install it (apt-get install chromium) or set CHROMIUM_PATH; the HTML report is written`);
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new Error('playwright-core is not installed (npm install --include=dev) to print the PDF with; the HTML report is written');
  }
  const browser = await chromium.launch({ executablePath: exe, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const context = await browser.newContext({ offline: true });
    await context.route('**/*', (route) => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    const page = await context.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    await page.pdf({ path: pdfFile, format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
  } finally {
    await browser.close();
  }
}
