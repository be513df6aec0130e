/**
 * Review's "Folder…" import end to end: a YOLO dataset folder (labels/, data.yaml, and the photos in
 * images/, which are not uploaded) picked in the page becomes proposals of the project image, with
 * the class names of data.yaml, listed for review. Runs on the repo's sample image.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import type { Proposal } from '../../src/project/import/proposal.js';
import { ARTIFACTS, browserUnavailable, launchChromium, SAMPLE_IMAGE, startServer, waitReady, type RunningServer } from './harness.js';

const skip = browserUnavailable();
let server: RunningServer;
let browser: Browser;
let page: Page;
let yolo: string;

before(async () => {
  if (skip) return;
  const root = await mkdtemp(path.join(os.tmpdir(), 'samkit-e2e-folder-'));
  const project = path.join(root, 'photos');
  await mkdir(project, { recursive: true });
  await copyFile(SAMPLE_IMAGE, path.join(project, 'cat.png'));
  // Two polygons in YOLO's normalised coordinates: a square (class 1) and a triangle (class 0).
  yolo = path.join(root, 'pre-annotated');
  await mkdir(path.join(yolo, 'labels'), { recursive: true });
  await mkdir(path.join(yolo, 'images'), { recursive: true });
  await writeFile(path.join(yolo, 'labels', 'cat.txt'), '1 0.1 0.1 0.4 0.1 0.4 0.5 0.1 0.5\n0 0.6 0.2 0.9 0.8 0.5 0.8\n');
  await writeFile(path.join(yolo, 'data.yaml'), 'names:\n  0: dog\n  1: cat\n');
  await copyFile(SAMPLE_IMAGE, path.join(yolo, 'images', 'cat.png'));
  server = await startServer([project]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('review: a YOLO folder picked in the page becomes the image\'s proposals, labelled from data.yaml', { skip: skip ?? false, timeout: 240000 }, async () => {
  await page.goto(server.url);
  await waitReady(page);
  await page.setInputFiles('#review-import-folder', yolo);
  await page.waitForFunction(() => document.querySelectorAll('#review-list li').length === 2, undefined, { timeout: 30000 });
  await page.waitForFunction(() => /^Imported 2 proposals for 1 image from pre-annotated \(yolo\)/.test(document.getElementById('status-text')?.textContent ?? ''), undefined, { timeout: 10000 });
  const list = await (await fetch(new URL('/api/project', server.url))).json() as { project: { images: Array<{ id: string; rel: string }> } };
  const cat = list.project.images.find((im) => im.rel === 'cat.png')!;
  const doc = await (await fetch(new URL(`/api/images/${cat.id}/proposals`, server.url))).json() as { proposals: Proposal[] };
  assert.deepEqual(doc.proposals.map((p) => p.label), ['cat', 'dog']);
  assert.ok(doc.proposals.every((p) => p.source === 'yolo:pre-annotated' && p.status === 'pending'), JSON.stringify(doc.proposals.map((p) => [p.source, p.status])));
  // The square covers 30% x 40% of the image (Ultralytics' rasterisation of pixel centres: within a pixel per edge).
  const { width, height } = await sharp(SAMPLE_IMAGE).metadata();
  const square = doc.proposals[0];
  assert.ok(Math.abs(square.area - 0.3 * width! * 0.4 * height!) <= 2 * (0.3 * width! + 0.4 * height!), `square area ${square.area}`);
  await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-import-folder.png') });
});
