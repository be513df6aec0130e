/**
 * For the model-family e2e tests: the app served on a model folder, one hover, and the IoU of the
 * painted mask with the library's best candidate for the same point on the same model.
 */
import type { Browser, Page } from 'playwright-core';
import { SamPredictor } from '../../src/predictor.js';
import { instrumentDraws, iou, launchChromium, layerMask, resampleMask, startServer, waitReady, type RunningServer } from './harness.js';

export interface ModelApp { server: RunningServer; browser: Browser; page: Page; close: () => Promise<void> }

export async function startModelApp(folder: string): Promise<ModelApp> {
  const server = await startServer(['--model', folder]);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await instrumentDraws(page);
  return { server, browser, page, close: async () => { await browser.close(); await server.stop(); } };
}

/** Open `image` in the app (`query` on the page URL), hover at image point `at`, and compare the live layer with the library. */
export async function hoverVsLibrary(app: ModelApp, folder: string, image: string, size: [number, number], at: [number, number], query = ''): Promise<{ iou: number; predictor: SamPredictor; box: { x: number; y: number; width: number; height: number } }> {
  const { page, server } = app;
  const [W, H] = size;
  const [x, y] = at;
  await page.goto(`${server.url}${query}`);
  await page.locator('input[type=file]').first().setInputFiles(image);
  await waitReady(page);
  const box = (await page.locator('#layer-live').boundingBox())!;
  const since = await page.evaluate(() => performance.now());
  await page.mouse.move(box.x + (x / W) * box.width, box.y + (y / H) * box.height);
  await page.waitForFunction((t) => (window as unknown as { __draws: Record<string, number> }).__draws['layer-live'] > t, since, { timeout: 60000, polling: 50 });
  await page.waitForTimeout(500);
  const live = await layerMask(page, 'layer-live');
  const predictor = await SamPredictor.create(folder);
  await predictor.setImage(image);
  const r = await predictor.predict({ pointCoords: [[x, y]], pointLabels: [1] });
  const best = r.masks[[...r.scores].indexOf(Math.max(...r.scores))];
  return { iou: iou(live.data, resampleMask(best.data, W, H, live.width, live.height)), predictor, box };
}
