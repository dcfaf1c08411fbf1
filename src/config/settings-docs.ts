import { envSchema, SETTING_GROUPS, type SettingDoc, settingDocs } from './env-schema';

/**
 * docs/configuration.md and .env.example, rendered from the schema's own documentation. Written by
 * `npm run docs:config`; test/config-docs.test.ts fails when the committed files differ.
 */

export type Setting = SettingDoc & { name: string };

/** Every variable in declaration order, with its documentation; throws for one declared without. */
export function settings(): Setting[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const doc = settingDocs.get(schema);
    if (!doc) throw new Error(`${name} has no documentation in src/config/env-schema.ts`);
    return { name, ...doc };
  });
}

function byGroup(all: Setting[]): Array<[title: string, settings: Setting[]]> {
  return Object.entries(SETTING_GROUPS)
    .map(([group, title]): [string, Setting[]] => [title, all.filter((s) => s.group === group)])
    .filter(([, members]) => members.length > 0);
}

function defaultCell(setting: Setting): string {
  if (setting.required) return 'required';
  if (setting.default !== undefined) return `\`${setting.default}\``;
  return setting.unset ?? 'unset';
}

/** A Markdown table with padded columns, so the file reads well as plain text too. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const GENERATED =
  'Generated from src/config/env-schema.ts by `npm run docs:config`; edit the schema, not this file.';

export function renderConfigurationMd(): string {
  const sections = byGroup(settings()).map(([title, members]) =>
    [
      `## ${title}`,
      '',
      table(
        ['Variable', 'Default', 'Meaning'],
        members.map((s) => [`\`${s.name}\``, defaultCell(s), s.description]),
      ),
    ].join('\n'),
  );
  return [
    '# Configuration',
    '',
    `<!-- ${GENERATED} -->`,
    '',
    'The service reads its settings once, at start-up, from the environment and from a `.env` file in the',
    'working directory. A blank value (`NAME=`) counts as unset, so the default applies. A missing or bad',
    'value stops the service with one message that names every bad variable. `.env.example` lists every',
    'variable with its default; copy it to `.env` and fill in the three required ones.',
    '',
    ...sections.flatMap((section) => [section, '']),
  ].join('\n');
}

/** Words wrapped into `# ` comment lines of at most `width` characters. */
function comment(text: string, width = 110): string[] {
  const lines: string[] = [];
  let current = '#';
  for (const word of text.split(/\s+/)) {
    if (current.length + 1 + word.length > width && current !== '#') {
      lines.push(current);
      current = '#';
    }
    current += ` ${word}`;
  }
  lines.push(current);
  return lines;
}

export function renderEnvExample(): string {
  const out = [
    ...comment(`Copy to .env and fill in; only the three marked required must be set. ${GENERATED}`),
    ...comment('Every variable is described in docs/configuration.md.'),
  ];
  for (const [title, members] of byGroup(settings())) {
    out.push('', `# --- ${title} ---`);
    for (const s of members) {
      const plain = s.description.replaceAll('`', '');
      const suffix = s.required
        ? 'Required.'
        : s.default !== undefined
          ? `Default ${s.default}.`
          : s.unset !== 'unset'
            ? `Unset: ${s.unset}.`
            : '';
      out.push(...comment(`${plain} ${suffix}`.trim()), `${s.name}=${s.default ?? ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}
