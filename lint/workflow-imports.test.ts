import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { workflowImportRules } from './workflow-imports.js';

// Lints source text with exactly the rule block that eslint.config.js applies to workflows/.
const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { '@typescript-eslint': tseslint.plugin },
    },
    workflowImportRules,
  ],
});

async function problems(code: string, filePath = 'workflows/probe.ts') {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((message) => message.message);
}

describe('workflow import rule', () => {
  it('rejects node:fs in a workflow', async () => {
    expect(await problems(`import { readFileSync } from 'node:fs';\nreadFileSync('x');\n`)).toEqual(
      [expect.stringContaining('deterministic')],
    );
  });

  it('rejects bare Node built-ins', async () => {
    expect(await problems(`import path from 'path';\npath.join('a');\n`)).toHaveLength(1);
  });

  it('rejects the ORM and the web layer', async () => {
    expect(
      await problems(`import { MikroORM } from '@mikro-orm/postgresql';\nvoid MikroORM;\n`),
    ).toHaveLength(1);
    expect(
      await problems(`import { createApp } from '../web/app.js';\nvoid createApp;\n`),
    ).toHaveLength(1);
  });

  it('allows type-only activity imports', async () => {
    expect(
      await problems(
        `import type { Activities } from '../activities/index.js';\nexport type A = Activities;\n`,
      ),
    ).toEqual([]);
    expect(
      await problems(
        `import { createActivities } from '../activities/index.js';\nvoid createActivities;\n`,
      ),
    ).toHaveLength(1);
  });

  it('leaves files outside workflows alone', async () => {
    expect(
      await problems(
        `import { readFileSync } from 'node:fs';\nreadFileSync('x');\n`,
        'activities/probe.ts',
      ),
    ).toEqual([]);
  });

  it('is part of the project config', async () => {
    const project = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
    const config = await project.calculateConfigForFile('workflows/index.ts');
    expect(config?.rules?.['@typescript-eslint/no-restricted-imports']?.[0]).toBe(2);
  });
});
