import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { productRoot } from '../../engine/node/resources.js';

// build/ holds plain JavaScript tools, run from the source tree (they are not compiled into dist/).
const tool = pathToFileURL(join(productRoot(), 'build', 'wrap-comments.mjs')).href;
const { wrapComments: wrap } = (await import(tool)) as { wrapComments: (text: string) => string };
const words = (count: number, from = 0): string =>
  Array.from({ length: count }, (_, index) => `word${index + from}`).join(' ');
const wordsOf = (text: string): string[] => text.match(/word\d+/g) ?? [];
const widest = (text: string): number => Math.max(...text.split('\n').map((line) => line.length));

describe('build/wrap-comments.mjs', () => {
  it('refills a long // paragraph within 120 characters, keeping its indentation, prefix and words', () => {
    const text = `function f() {\n    // ${words(30)}\n    // ${words(3, 30)}\n    //\n    // - after\n}\n`;
    const wrapped = wrap(text);
    assert.ok(widest(wrapped) <= 120, wrapped);
    assert.deepEqual(wordsOf(wrapped), wordsOf(text));
    for (const line of wrapped.split('\n').slice(1, -3)) assert.match(line, /^ {4}\/\/( word| - after|$)/);
    assert.match(wrapped, /\n {4}\/\/\n {4}\/\/ - after\n\}\n$/);
  });

  it('refills JSDoc lines and turns a long one-line JSDoc into a block', () => {
    const block = `  /**\n   * ${words(30)}\n   * @param x ${words(2, 30)}\n   */\n  f(x) {}\n`;
    const wrappedBlock = wrap(block);
    assert.ok(widest(wrappedBlock) <= 120, wrappedBlock);
    assert.deepEqual(wordsOf(wrappedBlock), wordsOf(block));
    assert.match(wrappedBlock, /\n {3}\* @param x word30 word31\n {3}\*\/\n/);
    const oneLine = `  /** ${words(30)} */\n  readonly x: number;\n`;
    const wrappedOneLine = wrap(oneLine);
    assert.ok(widest(wrappedOneLine) <= 120, wrappedOneLine);
    assert.match(wrappedOneLine, /^ {2}\/\*\*\n {3}\* word0 /);
    assert.match(wrappedOneLine, /\n {3}\*\/\n {2}readonly x: number;\n$/);
  });

  it('gives a list item a hanging indent and moves a trailing comment above its code', () => {
    const item = `// - ${words(30)}\n`;
    assert.match(wrap(item), /\n\/\/ {3}word/);
    const trailing = `  const x = 1; // ${words(25)}\n`;
    const moved = wrap(trailing);
    assert.ok(widest(moved) <= 120, moved);
    assert.match(moved, /^ {2}\/\/ word0 [^\n]*\n(?: {2}\/\/ [^\n]*\n)* {2}const x = 1;\n$/);
  });

  it('leaves strings, directives and short lines alone', () => {
    const text = [
      `const url = 'http://example.org/${'a'.repeat(120)}';`,
      `// @ts-expect-error ${words(30)}`,
      `const s = "not // a comment ${words(25)}";`,
      '// short',
    ].join('\n');
    assert.equal(wrap(text), text);
  });
});
