import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DependencyError } from '../../src/core/errors.js';
import { checkOnnxruntimeNode } from '../../src/runtime/ort-check.js';

test('onnxruntime-node that loads passes the check', () => {
  checkOnnxruntimeNode();
  checkOnnxruntimeNode(() => ({}));
});

test('a missing native binary becomes one line naming ONNXRUNTIME_NODE_INSTALL=skip', () => {
  const missing = Object.assign(new Error("Cannot find module '../bin/napi-v6/linux/x64/onnxruntime_binding.node'\nRequire stack:\n- /x/node_modules/onnxruntime-node/dist/binding.js"), { code: 'MODULE_NOT_FOUND' });
  assert.throws(() => checkOnnxruntimeNode(() => { throw missing; }), (e: unknown) => {
    assert.ok(e instanceof DependencyError);
    assert.equal(e.code, 'DEPENDENCY');
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, /^onnxruntime-node cannot load its native runtime \(Cannot find module '\.\.\/bin\/napi-v6\/linux\/x64\/onnxruntime_binding\.node'\): reinstall with ONNXRUNTIME_NODE_INSTALL=skip npm install/);
    assert.equal(e.cause, missing);
    return true;
  });
});
