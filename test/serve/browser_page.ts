// The page `yolov3 serve` serves, opened in headless Chromium (Debian's
// chromium driven by playwright-core): what the browser tests share.
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import type { Detection } from '../../src/detect/index.js';
import { skipOrFail } from '../support/references.js';

/** Debian's chromium (YOLO_CHROMIUM to use another build). */
export const CHROMIUM = process.env.YOLO_CHROMIUM ?? '/usr/bin/chromium';

export function browserOrSkip(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  return skipOrFail(t, `${CHROMIUM} not found (apt-get install -y chromium)`);
}

/** Opens /?image=/files/NAME on the page; its detections once document.title is 'done', and its latency. */
export async function pageDetections(browser: Browser, url: string, name: string, screenshot?: string): Promise<{ detections: Detection[]; ms: number }> {
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${url}?image=/files/${name}`);
    await page.waitForFunction(() => document.title === 'done' || document.title.startsWith('error'), null, { timeout: 240_000 });
    const title = await page.title();
    assert.equal(title, 'done', `${name}: the page says ${title} ${errors.join('; ')}`);
    if (screenshot) await page.screenshot({ path: screenshot });
    const detections = JSON.parse((await page.textContent('#detections')) ?? '') as Detection[];
    const ms = Number(await page.evaluate(() => document.body.dataset.latencyMs));
    return { detections, ms };
  } finally {
    await page.close();
  }
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
}
