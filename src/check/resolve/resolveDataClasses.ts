import { fieldOf } from '../../ast/nodes.js';
import type { IrDetector } from '../../ir/types.js';
import { checkPortableRegex } from '../../regex/index.js';
import { hintFor } from '../hintFor.js';
import { BUILTIN_DETECTORS } from '../builtinDetectors.js';
import type { CheckContext } from '../CheckContext.js';
import { own } from '../records.js';
import { loc, oneOf, title, uniqueNames } from './commonFields.js';
import { termsOf } from './contractTerms.js';
import type { SemanticModel } from './SemanticModel.js';

/** `data_class` blocks: sensitivity, default handling, detectors (each pattern in the portable subset), residency. */
export function resolveDataClasses(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.DataClass.values()) {
    const sensitivity = fieldOf(decl, 'Sensitivity');
    const dflt = fieldOf(decl, 'Default');
    const detectors: IrDetector[] = [];
    for (const d of fieldOf(decl, 'Detect')?.detectors ?? []) {
      if (d.pattern) {
        const problem = checkPortableRegex(d.pattern.value);
        if (problem) {
          const code = problem.kind === 'backtracking' ? 'GOV2016' : 'GOV2015';
          ctx.report(code, `pattern \`${d.name.text}\`: ${problem.message}`, d.pattern.span, {
            label: `at character ${problem.at + 1} of the pattern`,
            help: problem.help,
            notes: ['patterns must mean the same in JavaScript, Python and RE2 (Rego); see docs/language.md#patterns'],
          });
          continue;
        }
        detectors.push({ name: d.name.text, regex: d.pattern.value, builtin: false });
      } else {
        const regex = own(BUILTIN_DETECTORS, d.name.text);
        if (regex === undefined) {
          ctx.report('GOV2001', `unknown detector \`${d.name.text}\``, d.name.span, {
            label: 'not a built-in detector',
            ...hintFor(
              d.name,
              Object.keys(BUILTIN_DETECTORS),
              `built-in detectors: ${Object.keys(BUILTIN_DETECTORS).map((n) => `\`${n}\``).join(', ')}; or write \`pattern ${d.name.text} "REGEX"\``,
            ),
          });
          continue;
        }
        detectors.push({ name: d.name.text, regex, builtin: true });
      }
    }
    model.dataClasses.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        sensitivity: (sensitivity && oneOf(ctx, sensitivity.value, ['low', 'medium', 'high', 'critical'] as const, 'sensitivity')) ?? 'high',
        default: (dflt && oneOf(ctx, dflt.value, ['allow', 'redact', 'deny'] as const, 'default handling')) ?? 'deny',
        detectors,
        residency: uniqueNames(fieldOf(decl, 'Residency')?.values ?? []),
        requires: termsOf(ctx, fieldOf(decl, 'Requires')?.values ?? []),
        source: loc(decl.name.span),
      },
    });
  }
}
