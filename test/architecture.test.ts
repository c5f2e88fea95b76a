// The walls between Gannet's parts hold: no import crosses one, and the areas under src/ (and
// actors/, workers/) import each other in one direction only. Read from the source text, so a
// wall is broken by a new import line before anything runs.
//
// The walls (STYLE.md Part B §8): protocol code is pure and knows no storage, sockets, actors
// or worker tasks; storage knows no sockets, IMAP sessions or worker tasks; worker tasks start
// without the server or the actors; MIME code stands on its own (src/mime/index.ts says why).

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED = ['src', 'actors', 'workers'];

/**
 * What a folder must not import: a path prefix (relative to the repository) of each forbidden
 * target. `roots` are files of the folder that may cross by design, each with its reason.
 */
const WALLS: Record<string, { forbidden: string[]; why: string; roots?: Record<string, string> }> = {
  'src/protocol/': {
    forbidden: ['src/storage/', 'src/server/', 'actors/', 'workers/'],
    why: 'protocol code is pure: parsing and encoding, no storage, I/O, actors or worker tasks',
  },
  'src/storage/': {
    forbidden: ['src/server/', 'actors/', 'workers/'],
    why: 'storage knows nothing of sockets, IMAP sessions or worker tasks',
  },
  'workers/': {
    forbidden: ['src/server/', 'actors/'],
    why: 'worker tasks start fast and small: no server, no xstate actors',
  },
  'src/mime/': {
    forbidden: ['src/protocol/', 'src/storage/', 'src/server/', 'actors/', 'workers/'],
    why: 'MIME code is pure and below the protocol: src/protocol imports src/mime, never the reverse',
  },
  'src/': {
    forbidden: ['actors/'],
    why: 'the actors compose the plain modules of src/, not the other way round',
    roots: { 'src/main.ts': 'the composition root: it starts the actor system over storage, the pool and the listeners' },
  },
};

/**
 * Imports allowed through a wall, each with its reason, keyed `file → target`. Empty, and
 * meant to stay so: an entry here is a debt, not a design.
 */
const EXCEPTIONS: ReadonlyMap<string, string> = new Map();

interface Import {
  file: string;
  line: number;
  specifier: string;
  /** The imported file, relative to the repository; null for a package or node: builtin. */
  target: string | null;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every module a file names: `import … from`, `import '…'`, `export … from`, `import('…')` and `import('…').T` types. */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (node: ts.Node, spec: ts.Node | undefined): void => {
    if (spec === undefined || !ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    const target = specifier.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '.ts') : null;
    out.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, specifier, target });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The area of a file for the cycle check: a folder under src/ or actors/ (`src/config`), the
 * workers/ folder, or a file directly in src/ on its own (`src/pool.ts`): the composition root
 * src/main.ts imports every area, and that is no cycle of theirs.
 */
function areaOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'workers') return 'workers';
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : path;
}

/** A shortest path from `from` to `to` in `graph`, both ends included; null when there is none. */
function shortestPath(graph: Map<string, Set<string>>, from: string, to: string): string[] | null {
  const previous = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length > 0) {
    const v = queue.shift()!;
    if (v === to) {
      const path = [to];
      for (let u = to; u !== from; u = previous.get(u)!) path.unshift(previous.get(u)!);
      return path;
    }
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (previous.has(w)) continue;
      previous.set(w, v);
      queue.push(w);
    }
  }
  return null;
}

/**
 * The import rings of a directed graph: each group of areas that all reach each other (a
 * strongly connected component), with its shortest cycles, which name the imports to undo
 * first. A cycle starts at its smallest node and returns to it.
 */
function rings(graph: Map<string, Set<string>>): Array<{ areas: string[]; shortest: string[][] }> {
  const byRing = new Map<string, string[][]>();
  for (const [v, targets] of graph) {
    for (const w of targets) {
      const back = shortestPath(graph, w, v);
      if (back === null) continue;
      const ring = [v, ...back.slice(0, -1)];
      const first = ring.indexOf([...ring].sort()[0]!);
      const cycle = [...ring.slice(first), ...ring.slice(0, first)];
      // v's component: every node that v reaches and that reaches v.
      const areas = [...graph.keys(), ...[...graph.values()].flatMap((t) => [...t])]
        .filter((u, i, all) => all.indexOf(u) === i && shortestPath(graph, v, u) !== null && shortestPath(graph, u, v) !== null)
        .sort();
      const key = areas.join(' ');
      const list = byRing.get(key) ?? [];
      if (!list.some((c) => c.join(' ') === cycle.join(' '))) list.push(cycle);
      byRing.set(key, list);
    }
  }
  return [...byRing].sort().map(([key, list]) => {
    const min = Math.min(...list.map((c) => c.length));
    const shortest = list.filter((c) => c.length === min).sort((x, y) => x.join(' ').localeCompare(y.join(' ')));
    return { areas: key.split(' '), shortest: shortest.map((c) => [...c, c[0]!]) };
  });
}

const imports = SCANNED.flatMap(tsFiles).flatMap(importsOf);

t.test('the scan sees the code: files under each scanned folder, and their relative imports', async (t) => {
  for (const dir of SCANNED)
    t.ok(
      imports.some((i) => i.file.startsWith(`${dir}/`)),
      `imports read under ${dir}/`,
    );
  t.ok(
    imports.some((i) => i.file === 'src/main.ts' && i.target === 'src/pool.ts'),
    'src/main.ts imports src/pool.ts (a known import is found and resolved)',
  );
});

t.test('no import crosses a wall', async (t) => {
  const crossings: string[] = [];
  for (const imp of imports) {
    if (imp.target === null) continue;
    for (const [from, wall] of Object.entries(WALLS)) {
      if (!imp.file.startsWith(from) || wall.roots?.[imp.file] !== undefined) continue;
      const hit = wall.forbidden.find((f) => imp.target!.startsWith(f));
      if (hit === undefined || EXCEPTIONS.has(`${imp.file} → ${imp.target}`)) continue;
      crossings.push(`${imp.file}:${imp.line}: imports '${imp.specifier}' (${from} must not import ${hit}: ${wall.why})`);
    }
  }
  t.same(crossings, [], crossings.join('\n'));
});

t.test('the areas import each other in one direction only', async (t) => {
  const graph = new Map<string, Set<string>>();
  const via = new Map<string, string>();
  for (const imp of imports) {
    if (imp.target === null) continue;
    const from = areaOf(imp.file);
    const to = areaOf(imp.target);
    if (from === to) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
    if (!via.has(`${from} ${to}`)) via.set(`${from} ${to}`, `${imp.file}:${imp.line}`);
  }
  const found = rings(graph).map(({ areas, shortest }) => {
    const lines = [`${areas.join(', ')} import each other; the shortest cycles:`];
    for (const cycle of shortest) {
      lines.push(`  ${cycle.join(' → ')}`);
      for (let i = 1; i < cycle.length; i++) lines.push(`    ${cycle[i - 1]} → ${cycle[i]} (${via.get(`${cycle[i - 1]} ${cycle[i]}`)})`);
    }
    return lines.join('\n');
  });
  t.same(found, [], found.join('\n'));
});
