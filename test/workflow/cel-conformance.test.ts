import { getConformanceSuite } from '@bufbuild/cel-spec/testdata/tests.js';
import { Environment } from '@marcbachmann/cel-js';
import { describe, expect, it } from 'vitest';

/**
 * The CEL library assertions run on, checked against CEL's own conformance suite (cel-spec, as
 * @bufbuild/cel-spec ships it) for the parts of the language an assertion over step attributes
 * uses. A library upgrade that breaks any of them fails here, before it reaches a workflow file.
 */
const SECTIONS = [
  'basic',
  'comparisons',
  'logic',
  'macros',
  'string',
  'lists',
  'integer_math',
  'fp_math',
  'timestamps',
];

interface Value {
  kind: { case: string | undefined; value?: unknown };
}

/** An expected cel.expr.Value as the library returns it; undefined for kinds not compared here. */
function expected(value: Value): { ok: true; value: unknown } | { ok: false } {
  const { case: kind, value: v } = value.kind;
  switch (kind) {
    case 'int64Value':
      return { ok: true, value: BigInt(v as bigint) };
    case 'doubleValue':
    case 'stringValue':
    case 'boolValue':
      return { ok: true, value: v };
    case 'nullValue':
      return { ok: true, value: null };
    case 'listValue': {
      const items = ((v as { values: Value[] }).values ?? []).map(expected);
      if (items.some((i) => !i.ok)) return { ok: false };
      return { ok: true, value: items.map((i) => (i as { value: unknown }).value) };
    }
    default:
      return { ok: false };
  }
}

interface Test {
  name: string;
  original: {
    expr: string;
    disableMacros: boolean;
    checkOnly: boolean;
    container: string;
    typeEnv: unknown[];
    bindings: Record<string, unknown>;
    resultMatcher: { case: string | undefined; value?: unknown };
  };
}
interface Suite {
  name: string;
  suites?: Suite[];
  tests?: Test[];
}

// As compileAssertions configures it, less the `steps` variable the suite does not use.
const env = new Environment({ homogeneousAggregateLiterals: false });
const evaluate = (expr: string) => env.evaluate(expr);

/** Protobuf messages, bytes and unsigned integers: nothing JSON attributes can hold. */
const OUTSIDE = /google\.protobuf|\b[A-Z][A-Za-z]*\{|\bb'|\bb"|\d+u\b|\buint\(|\bbytes\(|TestAllTypes/;

const tests = (suite: Suite): Test[] => [...(suite.tests ?? []), ...(suite.suites ?? []).flatMap(tests)];

const root = getConformanceSuite() as unknown as Suite;

describe('CEL conformance of the assertion language', () => {
  for (const name of SECTIONS) {
    it(`passes the ${name} conformance tests it is given (values and errors)`, () => {
      const section = root.suites?.find((s) => s.name === name);
      expect(section, `section ${name}`).toBeDefined();
      let run = 0;
      const failures: string[] = [];
      for (const t of tests(section as Suite)) {
        const o = t.original;
        // Variables, protobuf messages and other containers are not what assertions use.
        if (o.checkOnly || o.disableMacros || o.container !== '' || o.typeEnv.length > 0) continue;
        if (Object.keys(o.bindings).length > 0 || OUTSIDE.test(o.expr)) continue;
        if (o.resultMatcher.case === 'value') {
          const want = expected(o.resultMatcher.value as Value);
          if (!want.ok) continue;
          run++;
          try {
            const got = evaluate(o.expr);
            if (!Object.is(got, want.value) && JSON.stringify(got, big) !== JSON.stringify(want.value, big))
              failures.push(t.name);
          } catch {
            failures.push(t.name);
          }
        } else if (o.resultMatcher.case === 'evalError') {
          run++;
          try {
            evaluate(o.expr);
            failures.push(t.name);
          } catch {
            // An error, as the suite expects.
          }
        }
      }
      expect(run).toBeGreaterThan(10);
      // Exactly the known deviations: a library upgrade that fixes one or breaks another shows here.
      expect({ section: name, failures }).toEqual({ section: name, failures: KNOWN[name] ?? [] });
    });
  }
});

const big = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);
/**
 * Where the library departs from the suite today, each read and judged for assertions over JSON
 * attributes (docs/assertions.md says what to write instead):
 * - it refuses at once what CEL defers to evaluation: unknown names, mixed-type ternaries and
 *   logical operands, mixed-type literal lists; all are caught at load by the type check anyway;
 * - `1.0 == 1` between literals of two numeric types is an error rather than true (attribute values
 *   compare with either, as the engine tests show), as is a leading-dot `.99`;
 * - 64-bit integer and timestamp edge cases at the ends of their ranges are not errors, and
 *   timestamps take IANA zone names but not `+11:00` offsets; `string()`/`int()` of a timestamp
 *   is missing. None concern times between 2000 and now, which is what events carry.
 */
const KNOWN: Record<string, string[]> = {
  basic: ['unbound_is_runtime_error', 'unbound_is_runtime_error'],
  comparisons: [
    'not_eq_list_length',
    'eq_mixed_types',
    'eq_list_elem_mixed_types',
    'not_lt_dyn_int_big_lossy_double',
    'not_gt_double',
    'not_gt_dyn_big_double_int',
    'lte_dyn_big_double_int',
    'gte_dyn_int_big_lossy_double',
  ],
  logic: [
    'mixed_type',
    'short_circuit_type_left',
    'short_circuit_type_right',
    'short_circuit_type_left',
    'short_circuit_type_right',
  ],
  macros: ['list_empty', 'map_one'],
  integer_math: ['int64_min_negate', 'int64_min_negate_div'],
  timestamps: [
    'toInt_timestamp',
    'toString_timestamp',
    'toString_timestamp_nanos',
    'toString_duration',
    'getDayOfMonth_numerical_pos',
    'getDayOfMonth_numerical_neg',
    'getFullYear',
    'getHours',
    'getSeconds',
    'add_time_to_duration',
    'add_time_to_duration_nanos_positive',
    'add_duration_under',
    'add_duration_over',
    'add_duration_nanos_over',
    'add_duration_nanos_under',
    'sub_time_duration_over',
    'sub_time_duration_under',
    'from_string_under',
    'from_string_over',
    'add_under',
    'add_over',
    'sub_under',
    'sub_over',
  ],
};
