/**
 * `samkit ground --speech` and `--inpaint remove` end to end: espeak-ng says one phrase, pocketsphinx
 * (vocabulary = --text) hears it, the tiny colour detector finds only that object, and the found object
 * is inpainted away in --out-image while pixels away from it stay as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../../src/image/encode-png.js';
import { loadImage } from '../../src/image/load-image.js';
import { PocketsphinxTranscriber } from '../../src/speech/pocketsphinx.js';
import { buildTinyOwlVit, COLOURS, sceneRgb } from '../helpers/tiny-detector.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'samkit.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'samkit-ground-speech-'));
const W = 256, H = 192;
const RED = [32, 24, 96, 96] as const;
const BLUE = [128, 96, 224, 168] as const;

const has = (cmd: string, arg: string): boolean => spawnSync(cmd, [arg], { stdio: 'ignore' }).error === undefined;
const noSpeechTools = !(has('espeak-ng', '--version') && has('pocketsphinx_continuous', '-h') && PocketsphinxTranscriber.available())
  && 'espeak-ng or pocketsphinx (+ pocketsphinx-en-us) not installed (.ci/run installs them)';

function samkit(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function scene(): Promise<{ file: string; rgb: Uint8Array; detector: string }> {
  const rgb = sceneRgb(W, H, [{ box: RED, rgb: COLOURS.red }, { box: BLUE, rgb: COLOURS.blue }]);
  const file = path.join(tmp, 'scene.png');
  writeFileSync(file, await encodePng(rgb, W, H, 3));
  return { file, rgb, detector: buildTinyOwlVit(path.join(tmp, 'tiny-owlvit')) };
}

test('ground --speech: the spoken phrase of --text is the prompt; the JSON has the transcript; --inpaint removes it', { skip: noSpeechTools }, async () => {
  const { file, rgb, detector } = await scene();
  const said = path.join(tmp, 'said.wav');
  execFileSync('espeak-ng', ['-v', 'en', '-w', said, 'blue box'], { stdio: 'ignore' });
  const out = path.join(tmp, 'voice.json'), edited = path.join(tmp, 'removed.png');
  const r = samkit(['ground', file, '--speech', said, '--text', 'red thing. blue box. yellow thing', '--detector', detector,
    '--out', out, '--inpaint', 'remove', '--out-image', edited]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(out, 'utf8')) as { transcript: string; objects: Array<{ label: string }> };
  assert.equal(json.transcript, 'blue box');
  assert.deepEqual(json.objects.map((o) => o.label), ['blue box']);
  const img = await loadImage(edited);
  assert.equal(img.width, W);
  let changedAway = 0, blueLeft = 0, inside = 0;
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = 3 * (y * W + x);
    const near = x >= BLUE[0] - 8 && x < BLUE[2] + 8 && y >= BLUE[1] - 8 && y < BLUE[3] + 8;
    const same = img.data[i] === rgb[i] && img.data[i + 1] === rgb[i + 1] && img.data[i + 2] === rgb[i + 2];
    if (!near && !same) changedAway++;
    if (x >= BLUE[0] + 2 && x < BLUE[2] - 2 && y >= BLUE[1] + 2 && y < BLUE[3] - 2) {
      inside++;
      const d = Math.abs(img.data[i] - COLOURS.blue[0]) + Math.abs(img.data[i + 1] - COLOURS.blue[1]) + Math.abs(img.data[i + 2] - COLOURS.blue[2]);
      if (d < 120) blueLeft++;
    }
  }
  assert.equal(changedAway, 0, 'pixels away from the removed object changed');
  assert.ok(blueLeft / inside < 0.01, `${blueLeft} of ${inside} pixels still blue`);
});

test('ground --speech / --inpaint usage errors: one line, exit 2, nothing written', async () => {
  const { file, detector } = await scene();
  const out = path.join(tmp, 'never.json');
  for (const args of [
    ['--speech', path.join(tmp, 'x.wav'), '--detector', detector],          // pocketsphinx needs phrases
    ['--text', 'red thing', '--detector', detector, '--inpaint', 'remove'], // no --out-image
    ['--text', 'red thing', '--detector', detector, '--inpaint', 'blur', '--out-image', path.join(tmp, 'n.png')],
  ]) {
    const r = samkit(['ground', file, ...args, '--out', out]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(existsSync(out), false);
  }
});
