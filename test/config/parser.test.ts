// The configuration language (maddy-config(5)): tokens, blocks, placeholders, macros, snippets
// and imports become a plain directive tree; syntax errors name FILE:LINE. Also the value
// syntaxes (sizes, durations, booleans).

import t from 'tap';
import path from 'node:path';
import { ConfigError } from '../../src/config/errors.js';
import { readConfigTree, type ConfigNode } from '../../src/config/parser.js';
import { parseBoolean, parseDuration, parseSize } from '../../src/config/values.js';

type Shape = { name: string; args: string[]; children?: Shape[] };

/** The tree without positions, children only where present: easier to compare. */
function shape(nodes: ConfigNode[]): Shape[] {
  return nodes.map((n) =>
    n.children.length > 0 ? { name: n.name, args: n.args, children: shape(n.children) } : { name: n.name, args: n.args },
  );
}

function parse(text: string, env: NodeJS.ProcessEnv = {}): Shape[] {
  return shape(readConfigTree({ text, name: 'test.conf', env }).nodes);
}

function parseError(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    readConfigTree({ text, name: 'test.conf', env });
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

t.test('directives, arguments, comments and blocks', async (t) => {
  const text = [
    '# a comment line',
    'directive0',
    'directive1 arg0 arg1   # trailing comment',
    '',
    'block a b {',
    '    sub0 x',
    '    sub1 {',
    '        deep 1',
    '    }',
    '    empty { }',
    '}',
    'one { inner x }',
  ].join('\n');
  t.same(parse(text), [
    { name: 'directive0', args: [] },
    { name: 'directive1', args: ['arg0', 'arg1'] },
    {
      name: 'block',
      args: ['a', 'b'],
      children: [
        { name: 'sub0', args: ['x'] },
        { name: 'sub1', args: [], children: [{ name: 'deep', args: ['1'] }] },
        { name: 'empty', args: [] },
      ],
    },
    { name: 'one', args: [], children: [{ name: 'inner', args: ['x'] }] },
  ]);

  const nodes = readConfigTree({ text, name: 'test.conf', env: {} }).nodes;
  t.equal(nodes[2]?.line, 5, 'a block is at its header line');
  t.equal(nodes[2]?.children[1]?.children[0]?.line, 8);
  t.equal(nodes[2]?.file, 'test.conf');
});

t.test('quoted strings: spaces, newlines, \\" escapes, other backslashes kept', async (t) => {
  t.same(parse('d "one argument" "a \\"quoted\\" word" "C:\\dir\\x" "#not a comment"'), [
    { name: 'd', args: ['one argument', 'a "quoted" word', 'C:\\dir\\x', '#not a comment'] },
  ]);
  const nodes = readConfigTree({ text: 'd "two\nlines" x\nnext', name: 't', env: {} }).nodes;
  t.same(shape(nodes), [
    { name: 'd', args: ['two\nlines', 'x'] },
    { name: 'next', args: [] },
  ]);
  t.equal(nodes[1]?.line, 3, 'lines inside quotes are counted');
  t.same(parse('d "{" "}"'), [{ name: 'd', args: ['{', '}'] }], 'quoted braces are plain words');
  t.same(
    parse('\ufeffd x\r\ne y\r\n'),
    [
      { name: 'd', args: ['x'] },
      { name: 'e', args: ['y'] },
    ],
    'BOM and CRLF',
  );
});

t.test('a backslash at the end of a line continues the directive', async (t) => {
  t.same(parse('name arg0 arg1 \\\n    arg2 arg3\nother'), [
    { name: 'name', args: ['arg0', 'arg1', 'arg2', 'arg3'] },
    { name: 'other', args: [] },
  ]);
});

t.test('{env:NAME} placeholders', async (t) => {
  const env = { HOST: 'mx.example.org', LIST: 'a,b,c' };
  t.same(parse('hostname {env:HOST}\npath "/x/{env:HOST}/y"\nempty {env:MISSING} z\nsplit {env_split:LIST}\nbroken {env:HOST', env), [
    { name: 'hostname', args: ['mx.example.org'] },
    { name: 'path', args: ['/x/mx.example.org/y'] },
    { name: 'empty', args: ['', 'z'] },
    { name: 'split', args: ['a', 'b', 'c'] },
    { name: 'broken', args: ['{env:HOST'] },
  ]);
  t.same(
    shape(readConfigTree({ text: 'b {\n  x {env:HOST}\n}', name: 't', env: { HOST: 'h' } }).nodes),
    [{ name: 'b', args: [], children: [{ name: 'x', args: ['h'] }] }],
    'inside blocks too',
  );
});

t.test('macros: $(name) = value…', async (t) => {
  const text = [
    '$(hostname) = mx.example.org',
    '$(domains) = example.org example.com',
    '$(both) = $(hostname) extra',
    'hostname $(hostname)',
    'domains $(domains) last',
    'path "/certs/$(hostname)/cert.pem"',
    'undefined $(nope) x',
    'nested {',
    '  in $(both)',
    '}',
  ].join('\n');
  t.same(parse(text), [
    { name: 'hostname', args: ['mx.example.org'] },
    { name: 'domains', args: ['example.org', 'example.com', 'last'] },
    { name: 'path', args: ['/certs/mx.example.org/cert.pem'] },
    { name: 'undefined', args: ['x'] },
    { name: 'nested', args: [], children: [{ name: 'in', args: ['mx.example.org', 'extra'] }] },
  ]);
  t.equal(parseError('$(d) = a b\nx "at-$(d)"'), 'test.conf:2: macro $(d) has several values and cannot be used inside a string');
  t.equal(parseError('b {\n  $(m) = 1\n}'), 'test.conf:2: macro declarations are only allowed at top level');
  t.equal(parseError('$(m) 1'), 'test.conf:1: macro declaration must look like $(m) = value…');
});

t.test('snippets: (name) { … } and import name', async (t) => {
  const text = [
    'first {',
    '  import common', // used before its declaration, as maddy allows
    '}',
    '(common) {',
    '  a 1',
    '  b 2',
    '}',
    'import common',
  ].join('\n');
  t.same(parse(text), [
    {
      name: 'first',
      args: [],
      children: [
        { name: 'a', args: ['1'] },
        { name: 'b', args: ['2'] },
      ],
    },
    { name: 'a', args: ['1'] },
    { name: 'b', args: ['2'] },
  ]);
  const nodes = readConfigTree({ text, name: 'test.conf', env: {} }).nodes;
  t.equal(nodes[1]?.line, 5, 'snippet nodes keep the line of their definition');
  t.equal(parseError('(s) {\n  import s\n}\nimport s'), 'test.conf:2: import cycle: (s) -> (s)');
  t.equal(parseError('b {\n  (s) {\n  }\n}'), 'test.conf:2: snippet declarations are only allowed at top level');
});

t.test('import FILE: relative to the importing file, .conf suffix optional', async (t) => {
  const dir = t.testdir({
    'gannet.conf': 'top 1\nimport sub/tls.conf\nafter\n',
    sub: {
      'tls.conf': 'tls cert.pem key.pem\nimport more\n(snip) {\n  from_snippet\n}\n',
      'more.conf': 'more here\n',
    },
    'uses-snippet.conf': 'import sub/tls.conf\nimport snip\n',
  });
  const tree = readConfigTree({ file: 'gannet.conf', cwd: dir, env: {} });
  t.same(shape(tree.nodes), [
    { name: 'top', args: ['1'] },
    { name: 'tls', args: ['cert.pem', 'key.pem'] },
    { name: 'more', args: ['here'] },
    { name: 'after', args: [] },
  ]);
  t.equal(tree.nodes[1]?.file, path.join('sub', 'tls.conf'));
  t.equal(tree.nodes[1]?.line, 1);
  t.equal(tree.nodes[2]?.file, path.join('sub', 'more.conf'));
  t.same(tree.files, [path.join(dir, 'gannet.conf'), path.join(dir, 'sub/tls.conf'), path.join(dir, 'sub/more.conf')]);
  t.equal(tree.dir, dir);

  const viaSnippet = readConfigTree({ file: path.join(dir, 'uses-snippet.conf'), env: {} });
  t.same(shape(viaSnippet.nodes).slice(-1), [{ name: 'from_snippet', args: [] }], 'an imported file brings its snippets');
});

t.test('import errors: missing file, directory, cycle', async (t) => {
  const dir = t.testdir({
    'missing.conf': 'a\nimport nothere.conf\n',
    'dir.conf': 'a\nb\nimport sub\n',
    sub: { 'x.conf': '' },
    'a.conf': 'x\nimport b.conf\n',
    'b.conf': 'y\nz\nimport a.conf\n',
    'self.conf': 'import self.conf\n',
  });
  const err = (file: string): string => {
    try {
      readConfigTree({ file, cwd: dir, env: {} });
    } catch (e) {
      t.type(e, ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected an error');
  };
  t.equal(err('missing.conf'), 'missing.conf:2: import "nothere.conf": no such snippet or file');
  t.equal(err('dir.conf'), 'dir.conf:3: import "sub": is a directory, not a file');
  t.equal(err('a.conf'), 'b.conf:3: import cycle: a.conf -> b.conf -> a.conf');
  t.equal(err('self.conf'), 'self.conf:1: import cycle: self.conf -> self.conf');
  t.match(err('nope.conf'), /nope\.conf does not exist/);
  t.match(err('sub'), /is a directory/);
});

t.test('syntax errors carry FILE:LINE', async (t) => {
  t.equal(parseError('a\nb {\n  c\n'), 'test.conf:2: missing } for the block opened here');
  t.equal(parseError('a\n}\n'), 'test.conf:2: unexpected }');
  t.equal(parseError('a\nb "open\n\n'), 'test.conf:2: unterminated quoted string');
  t.equal(parseError('a {\n} b\n'), 'test.conf:2: a newline is required after a closing brace');
  t.equal(parseError('ok\n{\n}\n'), 'test.conf:2: unexpected {: a block needs a directive name before it');
  t.equal(parseError('ok\n9lives\n'), 'test.conf:2: invalid directive name "9lives"');
  t.equal(parseError('x\nimport\n'), 'test.conf:2: import takes exactly one argument: a snippet name or a file path');
});

t.test('parseSize: maddy data sizes', async (t) => {
  t.equal(parseSize('32M'), 32 * 1024 * 1024);
  t.equal(parseSize('64K'), 64 * 1024);
  t.equal(parseSize('1G'), 1024 ** 3);
  t.equal(parseSize('5b'), 5);
  t.equal(parseSize('5B'), 5);
  t.equal(parseSize('3M 5K'), 3 * 1024 * 1024 + 5 * 1024);
  t.equal(parseSize('0'), 0);
  t.throws(() => parseSize('32M5K'), /invalid size/);
  t.throws(() => parseSize('1024'), /needs a unit suffix/);
  t.throws(() => parseSize('32X'), /unknown size unit "X"/);
  t.throws(() => parseSize('-1M'), /invalid size/);
  t.throws(() => parseSize(''), /missing size/);
});

t.test('parseDuration: Go duration syntax, in milliseconds', async (t) => {
  t.equal(parseDuration('5s'), 5000);
  t.equal(parseDuration('30m'), 30 * 60_000);
  t.equal(parseDuration('1h'), 3_600_000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('1h5m'), 3_900_000);
  t.equal(parseDuration('1h 5m'), 3_900_000);
  t.equal(parseDuration('1.5h'), 5_400_000);
  t.equal(parseDuration('0'), 0);
  t.equal(parseDuration('1500us'), 1.5);
  t.throws(() => parseDuration('5'), /needs a unit/);
  t.throws(() => parseDuration('5d'), /unknown unit "d"/);
  t.throws(() => parseDuration('5s!'), /invalid duration/);
  t.throws(() => parseDuration('-5s'), /must not be negative/);
  t.throws(() => parseDuration(''), /missing duration/);
});

t.test('parseBoolean: maddy boolean words', async (t) => {
  for (const w of ['yes', 'YES', 'true', 'on', '1']) t.equal(parseBoolean(w), true, w);
  for (const w of ['no', 'False', 'off', '0']) t.equal(parseBoolean(w), false, w);
  t.equal(parseBoolean('maybe'), undefined);
});
