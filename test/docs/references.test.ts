/**
 * Every document the code, the tests and the README point to is in the repository: each
 * `docs/<name>.md` named exists, each section named after it (`docs/glia.md, "Webhooks"`) is a
 * heading there, each relative Markdown link resolves, and nothing points outside the repository.
 */
import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {dirname, join, relative} from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = new Set(['node_modules', 'dist', 'test-results', '.git', 'public']);

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(ts|js|mjs|md|json|html|css)$/.test(name) && name !== 'package-lock.json')
      out.push(path);
  }
  return out;
}

const files = ['src', 'test', 'bench', 'bin', 'demo', 'docs']
  .flatMap((dir) => walk(join(root, dir)))
  .concat(
    ['README.md', 'package.json', 'eslint.config.js', 'vite.config.ts'].map((f) => join(root, f))
  );
const text = new Map(files.map((file) => [relative(root, file), readFileSync(file, 'utf8')]));

/** The headings of a Markdown file, without the leading #s and backticks. */
function headings(file: string): Set<string> {
  const source = readFileSync(join(root, file), 'utf8');
  return new Set(
    [...source.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => m[1]!.replace(/`/g, '').trim())
  );
}

describe('references to documents', () => {
  it('name only documents that exist, and sections that are headings in them', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const [file, source] of text) {
      if (file === 'test/docs/references.test.ts') continue;
      for (const m of source.matchAll(
        /docs\/([\w-]+\.md)(?:'s)?((?:,\s*(?:and\s+)?"[^"\n]+")*)/g
      )) {
        const doc = `docs/${m[1]}`;
        checked++;
        if (!existsSync(join(root, doc))) {
          problems.push(`${file}: ${doc} does not exist`);
          continue;
        }
        const known = headings(doc);
        for (const section of (m[2] ?? '').matchAll(/"([^"]+)"/g)) {
          if (!known.has(section[1]!))
            problems.push(`${file}: ${doc} has no section "${section[1]}"`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 40, `found only ${checked} references: is the pattern still right?`);
  });

  it('resolve as relative Markdown links in the README and docs/', () => {
    const problems: string[] = [];
    for (const [file, source] of text) {
      if (!file.endsWith('.md')) continue;
      for (const m of source.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = join(root, dirname(file), target.split('#')[0]!);
        if (!existsSync(path)) problems.push(`${file}: ${target}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('never point outside the repository', () => {
    const outside = /\.\.\/shared|shared\/docs|\b(design|glia-api|field-notes|code-style)\.md\b/;
    const found = [...text]
      .filter(([file]) => file !== 'test/docs/references.test.ts')
      .filter(([, source]) => outside.test(source))
      .map(([file]) => file);
    assert.deepEqual(found, []);
  });
});
