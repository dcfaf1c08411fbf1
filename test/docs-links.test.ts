import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** The Markdown a reader of a clone follows: the README, docs/, bench/ and the emulator's README. */
const DOCUMENTS = [
  'README.md',
  'CHANGELOG.md',
  'src/emulator/README.md',
  ...mdFilesIn('docs'),
  ...mdFilesIn('bench'),
].filter((file) => existsSync(join(root, file)));

function mdFilesIn(dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  return readdirSync(full)
    .filter((name) => name.endsWith('.md'))
    .map((name) => `${dir}/${name}`);
}

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = (heading as string)
      .toLowerCase()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

type Link = { from: string; target: string };

function relativeLinks(file: string): Link[] {
  const text = prose(readFileSync(join(root, file), 'utf8'));
  const targets = [...text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] as string);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t)).map((target) => ({ from: file, target }));
}

/** What is wrong with a link, or undefined when its file (and heading) exist. */
function problem({ from, target }: Link): string | undefined {
  const [path = '', anchor] = target.split('#');
  const file = path === '' ? join(root, from) : resolve(dirname(join(root, from)), decodeURI(path));
  if (!existsSync(file)) return `${from}: ${target} (no such file)`;
  if (anchor === undefined || statSync(file).isDirectory()) return undefined;
  if (!anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))) {
    return `${from}: ${target} (no heading #${anchor} in ${relative(root, file)})`;
  }
  return undefined;
}

/** Files of src/ and test/ that may cite the Sinch reference. */
function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .map((name) => `${dir}/${name}`)
    .filter((file) => /\.(ts|md)$/.test(file));
}

describe('Documentation links', () => {
  it('When a document links to a file or a heading of the repository, then that file and heading exist', () => {
    const links = DOCUMENTS.flatMap(relativeLinks);

    expect(DOCUMENTS).toContain('docs/sinch-sms-api.md');
    expect(links.length).toBeGreaterThan(20);
    expect(links.map(problem).filter(Boolean)).toEqual([]);
  });

  it('When a document names a path of the repository in code quotes, then that path exists', () => {
    // The changelog names paths as they were or will be; every other document names them as they are.
    const named = DOCUMENTS.filter((file) => file !== 'CHANGELOG.md').flatMap((file) => {
      const text = readFileSync(join(root, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      return [...text.matchAll(/`((?:src|test|ops|bench|docs|scripts|\.ci)\/[\w./-]*)`/g)].map((m) => ({
        file,
        path: m[1] as string,
      }));
    });

    expect(named.length).toBeGreaterThan(5);
    expect(named.filter(({ path }) => !existsSync(join(root, path)))).toEqual([]);
  });

  it('When code cites docs/sinch-sms-api.md §N, then the reference has a section N', () => {
    const reference = readFileSync(join(root, 'docs/sinch-sms-api.md'), 'utf8');
    const sections = new Set([...reference.matchAll(/^#{2,3} (\d+[a-z]?)\. /gm)].map((m) => m[1]));
    const cited = sourceFiles('src')
      .concat(sourceFiles('test'))
      .flatMap((file) => {
        const text = readFileSync(join(root, file), 'utf8');
        return [...text.matchAll(/sinch-sms-api\.md §(\d+[a-z]?)(?: and §(\d+[a-z]?))?/g)].flatMap((m) =>
          [m[1], m[2]].filter((s): s is string => s !== undefined).map((section) => ({ file, section })),
        );
      });

    expect(cited.length).toBeGreaterThan(10);
    expect(cited.filter(({ section }) => !sections.has(section))).toEqual([]);
  });

  it('When code or docs point at the Sinch reference, then they point inside the repository', () => {
    const files = [...DOCUMENTS, ...sourceFiles('src'), ...sourceFiles('test')];
    const outside = files.filter((file) => /shared\/docs\//.test(readFileSync(join(root, file), 'utf8')));

    expect(outside).toEqual([]);
  });
});
