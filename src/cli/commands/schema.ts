import type { Command } from 'commander';
import { workflowFileJsonSchema } from '../../workflow/schema.js';
import type { ExitCode, Io } from '../io.js';

export function registerSchema(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('schema')
    .description("print the workflow file's JSON Schema (for editors: yaml-language-server)")
    .addHelpText('after', '\nExample:\n  $ overdue schema > schema/workflows.schema.json')
    .action(() => {
      io.out.write(`${JSON.stringify(workflowFileJsonSchema(), null, 2)}\n`);
      done(0);
    });
}
