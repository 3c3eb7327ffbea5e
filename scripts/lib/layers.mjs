// layers.mjs BUILD_DIR [SRC_DIR...]: the rule that layers call downward only.
//
// Reads the object files a build left under BUILD_DIR/src (or the given
// source directories) with `nm -P`: source file A depends on B when A uses a
// symbol that B defines.  Files that depend on each other in a circle (a
// strongly connected group of more than one file) break the rule; each group
// is printed with the symbols that tie it, and the exit status is 1.  Tests,
// fuzz targets and benchmark programs are not layers and are left out.
// Object names map back to sources by automake's naming (`prog-name.o`,
// `libx_a-name.o` -> `name.c`).  scripts/dev test runs it on the plain build.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname, basename } from 'node:path';

function objectFiles(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!/^(tests?|fuzz|bench)$/.test(name)) objectFiles(path, out);
    } else if (name.endsWith('.o')) {
      out.push(path);
    }
  }
  return out;
}

function sourceOf(build, obj) {
  const rel = relative(build, obj);
  const stem = basename(rel, '.o').replace(/^[A-Za-z0-9_]+-/, '');
  return join(dirname(rel), `${stem}.c`);
}

function symbolsOf(obj) {
  const defined = new Set();
  const used = new Set();
  for (const line of execFileSync('nm', ['-P', obj], { encoding: 'utf8' }).split('\n')) {
    const [name, kind] = line.split(' ');
    if (!kind) continue;
    if (kind === 'U') used.add(name);
    else if ('TDBRCVWG'.includes(kind)) defined.add(name);
  }
  return { defined, used };
}

// Tarjan's strongly connected components, iterative so that depth is no limit.
function circles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work = [[root, [...graph.get(root)], 0]];
    index.set(root, next); low.set(root, next); next++;
    stack.push(root); onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, edges] = frame;
      if (frame[2] < edges.length) {
        const w = edges[frame[2]++];
        if (!index.has(w)) {
          index.set(w, next); low.set(w, next); next++;
          stack.push(w); onStack.add(w);
          work.push([w, [...graph.get(w)], 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v), index.get(w)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent), low.get(v)));
      }
      if (low.get(v) === index.get(v)) {
        const group = [];
        let w;
        do { w = stack.pop(); onStack.delete(w); group.push(w); } while (w !== v);
        if (group.length > 1) found.push(group.sort());
      }
    }
  }
  return found;
}

const build = process.argv[2] ?? 'build';
const dirs = process.argv.length > 3 ? process.argv.slice(3) : ['src'];
const objects = dirs.flatMap((d) => {
  try { return objectFiles(join(build, d), []); } catch { return []; }
});
if (objects.length === 0) {
  console.error(`layers: no object files under ${build}/{${dirs.join(',')}}: build first`);
  process.exit(2);
}
const defines = new Map();
const uses = new Map();
const owner = new Map();
for (const obj of objects.sort()) {
  const src = sourceOf(build, obj);
  const { defined, used } = symbolsOf(obj);
  if (!defines.has(src)) { defines.set(src, new Set()); uses.set(src, new Set()); }
  defined.forEach((s) => { defines.get(src).add(s); if (!owner.has(s)) owner.set(s, src); });
  used.forEach((s) => uses.get(src).add(s));
}
const graph = new Map();
const ties = new Map();
for (const [src, used] of uses) {
  graph.set(src, new Set());
  for (const s of used) {
    const dst = owner.get(s);
    if (!dst || dst === src) continue;
    graph.get(src).add(dst);
    const key = `${src} -> ${dst}`;
    if (!ties.has(key)) ties.set(key, []);
    ties.get(key).push(s);
  }
}
const groups = circles(graph);
groups.forEach((group, i) => {
  console.log(`circle ${i + 1}: ${group.length} files: ${group.join(', ')}`);
  for (const a of group) for (const b of group) {
    const names = ties.get(`${a} -> ${b}`);
    if (names) console.log(`  ${a} -> ${b}: ${names.sort().join(', ')}`);
  }
});
const edges = [...graph.values()].reduce((n, s) => n + s.size, 0);
console.log(`${graph.size} files, ${edges} file-to-file uses, ${groups.length} circle(s)`);
process.exit(groups.length > 0 ? 1 : 0);
