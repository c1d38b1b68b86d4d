/** One problem in a workflow file, located so that an editor can jump to it. */
export interface ConfigIssue {
  file: string;
  /** Dotted path inside the file, e.g. `workflows.order.steps.inventory.reserved.after`. */
  path: string;
  line: number;
  column: number;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.path === '' ? '' : ` ${issue.path}:`;
  return `${issue.file}:${issue.line}:${issue.column}${where} ${issue.message}`;
}

/** Problems printed in an error message; a file with hundreds has a bigger problem than any of them. */
const SHOWN = 20;

/** A workflow file that cannot be used; carries every problem found, not just the first. */
export class WorkflowFileError extends Error {
  override readonly name = 'WorkflowFileError';
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    // The first ones are enough to act on; all of them stay on `issues` (validate --json lists them).
    const shown = issues.slice(0, SHOWN).map((i) => `  ${formatIssue(i)}`);
    if (issues.length > SHOWN)
      shown.push(`  … and ${issues.length - SHOWN} more (validate --json lists them all)`);
    super(`${file}: ${count}\n${shown.join('\n')}`, options);
    this.issues = issues;
  }
}
