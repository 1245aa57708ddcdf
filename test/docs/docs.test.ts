// The README is the front door (at most 250 lines, opening with the two set-up commands) and
// every relative link in README.md, SECURITY.md and docs/*.md reaches an existing file and,
// for `#anchor` links, a heading of that file as GitHub slugs it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PAGES = ['README.md', 'SECURITY.md', ...readdirSync(path.join(root, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];
const README_MAX_LINES = 250;

/** The lines of a Markdown page outside fenced code blocks. */
function prose(text: string): string[] {
  let fenced = false;
  return text.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's heading anchor: formatting dropped, lower case, punctuation removed, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a page offers: its headings' slugs (repeats get -1, -2… as on GitHub). */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** The relative link targets of a page (inline links and images), code spans left out. */
function relativeLinks(text: string): string[] {
  const targets: string[] = [];
  for (const line of prose(text)) {
    for (const match of line.replace(/`[^`]*`/g, '').matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(match[1])) targets.push(match[1]);
    }
  }
  return targets;
}

/** What is wrong with each relative link of `page` (a path from the repository root). */
function brokenLinks(page: string, text: string, read: (file: string) => string | null): string[] {
  const problems: string[] = [];
  for (const target of relativeLinks(text)) {
    const [file, anchor] = target.split('#') as [string, string | undefined];
    const resolved = file ? path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURI(file))) : page;
    const content = read(resolved);
    if (content === null) {
      problems.push(`${page}: ${target}: no file ${resolved}`);
      continue;
    }
    if (anchor !== undefined && resolved.endsWith('.md') && !anchors(content).has(decodeURIComponent(anchor))) {
      problems.push(`${page}: ${target}: ${resolved} has no heading #${anchor}`);
    }
  }
  return problems;
}

function readFromRepo(file: string): string | null {
  const full = path.join(root, file);
  if (!existsSync(full)) return null;
  return file.endsWith('.md') ? readFileSync(full, 'utf8') : '';
}

test('GitHub slugs: punctuation and code marks dropped, spaces kept as hyphens', () => {
  assert.is(slug('Load (`npm run test:load`)'), 'load-npm-run-testload');
  assert.is(slug('dev and prod: promoting a change'), 'dev-and-prod-promoting-a-change');
  assert.is(slug('Domain, logs and WAF'), 'domain-logs-and-waf');
  assert.is(slug('The 1 MB ladder'), 'the-1-mb-ladder');
  assert.is(slug('Cold start (fresh process to first response, ms since the process started)'), 'cold-start-fresh-process-to-first-response-ms-since-the-process-started');
  assert.equal([...anchors('# A\n## A\n```sh\n# A\n```\n## B b')], ['a', 'a-1', 'b-b']);
});

test('the link check finds a missing file, a missing heading, and passes good links', () => {
  const files: Record<string, string> = { 'docs/a.md': '# Top\n## Signed URLs\n', 'docs/b.png': '' };
  const read = (file: string) => files[file] ?? null;
  assert.equal(brokenLinks('README.md', '[ok](docs/a.md#signed-urls) [img](docs/b.png) `[code](nowhere.md)` [web](https://example.com/x)', read), []);
  assert.equal(brokenLinks('docs/c.md', '[up](../README.md) [same](#top) [x](a.md#nope)\n```\n[fenced](gone.md)\n```', (file) => file === 'docs/c.md' ? '# Top' : read(file)), [
    'docs/c.md: ../README.md: no file README.md',
    'docs/c.md: a.md#nope: docs/a.md has no heading #nope',
  ]);
});

test(`README.md is at most ${README_MAX_LINES} lines`, () => {
  const lines = readFileSync(path.join(root, 'README.md'), 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= README_MAX_LINES, `README.md has ${lines} lines`);
});

test('README.md opens with the two set-up commands: npm start and npm test', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const firstBlock = /^```sh\n([\s\S]*?)```/m.exec(readme);
  assert.ok(firstBlock, 'README.md has a sh block');
  assert.ok(readme.slice(0, firstBlock!.index).split('\n').length <= 4, 'the commands are the first thing after the title');
  assert.match(firstBlock![1], /^npm ci && npm start\b/m);
  assert.match(firstBlock![1], /^npm test\b/m);
});

test('every relative link in README.md, SECURITY.md and docs/*.md reaches a file and heading', () => {
  assert.ok(PAGES.length >= 10, `pages checked: ${PAGES.join(', ')}`);
  const problems = PAGES.flatMap((page) => brokenLinks(page, readFileSync(path.join(root, page), 'utf8'), readFromRepo));
  assert.equal(problems, []);
});

test.run();
