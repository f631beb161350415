// Workflow code runs in Temporal's deterministic sandbox and is replayed from history, so it
// must not reach the file system, the network, the database or the web layer. Type-only
// imports are erased at compile time, which is why activity signatures may still be imported.
import { builtinModules } from 'node:module';

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));

/**
 * ESLint flat-config block that limits what files under `workflows/` may import.
 * @type {import('eslint').Linter.Config}
 */
export const workflowImportRules = {
  files: ['workflows/**/*.ts', 'workflows/**/*.tsx'],
  ignores: ['workflows/**/*.test.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        paths: nodeBuiltins.map((name) => ({
          name,
          message: 'Workflow code must be deterministic: do Node I/O in an activity.',
        })),
        patterns: [
          {
            group: ['node:*'],
            message: 'Workflow code must be deterministic: do Node I/O in an activity.',
          },
          {
            group: [
              '@mikro-orm/*',
              'pg',
              'pg-*',
              'better-sqlite3',
              'resend',
              '@slack/*',
              'hono',
              'hono/*',
              'pino',
            ],
            message:
              'Workflow code must not use the database, notifiers or the web layer; call an activity.',
          },
          {
            group: ['**/web', '**/web/**', '**/db', '**/db/**', '**/runtime/**', '**/cli/**'],
            message: 'Workflow code must not import the web, database, runtime or CLI layers.',
          },
          {
            group: ['**/activities', '**/activities/**'],
            allowTypeImports: true,
            message:
              'Import activity signatures with `import type` and call them through proxyActivities.',
          },
        ],
      },
    ],
  },
};
