// A few assertions on top of node:assert, with the values in the message.
import assert from "node:assert/strict";

export const expect = {
  match: (s, re, msg) => assert.match(String(s), re, msg),
  equal: (a, b, msg) => assert.deepEqual(a, b, msg),
  ok: (v, msg) => assert.ok(v, msg),
};
