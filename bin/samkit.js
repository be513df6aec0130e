#!/usr/bin/env node
// Imported dynamically so that a load failure (onnxruntime-node's native runtime missing) is one line.
let main;
try {
  ({ main } = await import('../dist/src/cli/main.js'));
} catch (err) {
  if (err?.code !== 'DEPENDENCY') throw err;
  console.error(`samkit: ${err.message}`);
  process.exit(1);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { console.error(`samkit: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
