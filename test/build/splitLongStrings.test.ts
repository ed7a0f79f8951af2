import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { productRoot } from '../../engine/node/resources.js';

// build/ holds plain JavaScript tools, run from the source tree (they are not compiled into dist/).
const tool = pathToFileURL(join(productRoot(), 'build', 'split-long-strings.mjs')).href;
const { splitLongStrings: split } = (await import(tool)) as {
  splitLongStrings: (text: string, options?: { svelte?: boolean }) => string;
};

const words = (count: number): string => Array.from({ length: count }, (_, index) => `w${index}`).join(' ');
/** What a one-line JavaScript expression evaluates to, with `value` in scope. */
const evaluate = (expression: string, value = 7): unknown => new Function('value', `return (${expression});`)(value);

describe('build/split-long-strings.mjs', () => {
  it('splits the longest string near its middle into two joined by +, the same string', () => {
    const line = `  fail('${words(40)}', 'short');`;
    const result = split(line);
    const [first, second] = result.split(`' + '`);
    assert.ok(first !== undefined && second !== undefined, result);
    assert.ok(Math.abs(first.length - second.length) < 20, result);
    assert.deepEqual(
      evaluate(
        result
          .trim()
          .replace(/^fail\(/, '[')
          .replace(/\);$/, ']'),
      ),
      [words(40), 'short'],
    );
  });

  it('never cuts inside a template hole, and keeps tagged templates, member access and keys whole', () => {
    const hole = "\${value === 7 ? 'seven and more words here' : 'other'}";
    const template = `  const message = \`${words(20)} ${hole} ${words(20)}\`;`;
    const result = split(template);
    assert.notEqual(result, template);
    const expression = (line: string) => line.replace(/^\s*const message = /, '').replace(/;$/, '');
    assert.equal(evaluate(expression(result)), evaluate(expression(template)));
    for (const untouched of [
      `  const html = svg\`${words(40)}\`;`,
      `  const size = '${words(40)}'.length;`,
      `  const table = { '${words(40)}': 1 };`,
    ]) {
      assert.equal(split(untouched), untouched);
    }
  });

  it('turns a long regular expression argument into new RegExp of String.raw parts with the same source', () => {
    const pattern = String.raw`/^vgg19: ${words(20)} \(a group\) [0-9a-f]{64} ${words(10)}$/`;
    const line = `      ${pattern}i,`;
    const result = split(line);
    assert.match(result, /^ {6}new RegExp\(\n {8}String\.raw`/);
    const built = evaluate(result.trim().replace(/,$/, '')) as RegExp;
    const original = evaluate(line.trim().replace(/,$/, '')) as RegExp;
    assert.equal(built.source, original.source);
    assert.equal(built.flags, 'i');
  });

  it('splits a regular expression ending a statement whole, and never a quote inside a pattern', () => {
    const pattern = String.raw`/^pastiche: ${words(20)} \(weaker\)\. .*'pastiche models install vgg19' ${words(5)}$/`;
    const result = split(`  ${pattern};`);
    assert.match(result, /^ {2}new RegExp\(\n/);
    assert.match(result, /\);$/);
    const built = evaluate(result.trim().replace(/;$/, '')) as RegExp;
    assert.equal(built.source, (evaluate(pattern) as RegExp).source);
    const inCall = `  assert.match(output, ${pattern});`;
    assert.equal(split(inCall), inCall);
  });

  it("touches only a Svelte component's script, never its markup", () => {
    const long = `'${words(40)}'`;
    const component = `<script>\n  const a = ${long};\n</script>\n<p title=${long}>x</p>\n`;
    const result = split(component, { svelte: true });
    assert.match(result, /' \+ '/);
    assert.ok(result.endsWith(`<p title=${long}>x</p>\n`));
  });
});
