import type { Command } from 'commander';
import { WorkflowFileError } from '../../workflow/errors.js';
import { loadWorkflowFile } from '../../workflow/load.js';
import { strictWarnings } from '../../workflow/strict.js';
import { type ExitCode, type Io, required } from '../io.js';
import { summarizeConfig } from '../summary.js';

export function registerValidate(program: Command, io: Io, done: (code: ExitCode) => void): void {
  program
    .command('validate')
    .description('check a workflow file: a summary of each workflow, or every problem with its line')
    .option('-c, --config <file>', 'the workflow file (required)')
    .option('--strict', 'also refuse what is allowed but cannot do what it says (exit 1 on warnings)')
    .option('--json', 'print { file, valid, problems, warnings, workflows } as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ overdue validate --config workflows.yml
  $ overdue validate --config workflows.yml --strict --json

Exit codes: 0 valid, 1 problems (or warnings with --strict), 2 usage error.`,
    )
    .action((options: { config?: string; strict?: boolean; json?: boolean }) => {
      const file = required(
        options.config,
        '--config FILE is required (a workflow file, e.g. workflows.yml)',
      );
      let config: ReturnType<typeof loadWorkflowFile>;
      try {
        config = loadWorkflowFile(file);
      } catch (error) {
        if (!(error instanceof WorkflowFileError) || !options.json) throw error;
        io.out.write(`${JSON.stringify({ file, valid: false, problems: error.issues }, null, 2)}\n`);
        return done(1);
      }
      const warnings = options.strict ? strictWarnings(config) : [];
      if (options.json) {
        const workflows = [...config.workflows.values()].map((m) => ({
          name: m.name,
          start: m.steps[0]?.name,
          deadlineMs: m.deadlineMs,
          graceMs: m.graceMs,
          steps: m.steps
            .filter((s) => s.underSteps)
            .map((s) => ({ name: s.name, required: s.required, withinMs: s.withinMs ?? null })),
        }));
        io.out.write(
          `${JSON.stringify({ file: config.file, valid: warnings.length === 0, problems: [], warnings, workflows }, null, 2)}\n`,
        );
      } else {
        io.out.write(summarizeConfig(config));
        for (const w of warnings) io.err.write(`warning: ${config.file} ${w.path}: ${w.message}\n`);
      }
      done(warnings.length > 0 ? 1 : 0);
    });
}
