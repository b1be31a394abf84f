import { fieldOf, type DeclNode } from '../../ast/nodes.js';
import type { CheckContext } from '../CheckContext.js';
import { approvalsOf, loc, title } from './commonFields.js';
import { resolveOwner } from './owners.js';
import type { SemanticModel } from './SemanticModel.js';

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * `prompt` blocks (language v2): a governed, versioned asset. The content hash is 64 lowercase hex digits and, when
 * the prompt names its `file`, the file's own hash (read inside the program root); the current version is one of
 * the approved versions (history is explicit, never implied); like a model, a prompt needs an approval.
 */
export function resolvePrompts(ctx: CheckContext, model: SemanticModel): void {
  for (const decl of ctx.decls.Prompt.values()) {
    const what = `prompt \`${decl.name.text}\``;
    const versionField = fieldOf(decl, 'Version');
    const version = versionField?.value.value ?? '';
    const shaField = fieldOf(decl, 'Sha256');
    const sha256 = shaField?.value.value ?? '';
    if (shaField && !SHA256.test(sha256)) {
      ctx.report('GOV2100', `the sha256 of ${what} is not 64 lowercase hex digits`, shaField.value.span, {
        label: `${[...sha256].length} characters`,
        help: 'write the SHA-256 of the prompt text as 64 lowercase hex digits, as `sha256sum FILE` prints it',
      });
    } else if (shaField) checkFile(ctx, decl, sha256);
    const listed = fieldOf(decl, 'ApprovedVersions');
    const approved = [...new Set(listed?.values.map((v) => v.value) ?? [])];
    if (versionField && !approved.includes(version)) {
      ctx.report('GOV2103', `version \`${version}\` of ${what} is not among its approved versions`, versionField.value.span, {
        label: 'not approved',
        help: listed
          ? `add it once approved: \`approved_versions ${[...approved, version].map((v) => JSON.stringify(v)).join(', ')}\``
          : `list the approved versions, the current one included: \`approved_versions ${JSON.stringify(version)}\``,
      });
    }
    const approvals = approvalsOf(ctx, decl);
    if (approvals.length === 0) {
      ctx.report('GOV2104', `${what} has no approval`, decl.name.span, {
        label: 'never approved',
        help: 'a prompt changes what the model does, like a model change: record the sign-off with `approved_by "..." on DATE ticket GOV-123 expires DATE`',
      });
    }
    const ownerField = fieldOf(decl, 'Owner');
    model.prompts.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        owner: ownerField ? resolveOwner(ctx, ownerField.value) ?? null : null,
        version,
        sha256,
        approved_versions: approved,
        approvals,
        source: loc(decl.name.span),
      },
    });
  }
}

/** A prompt's `file`, hashed inside the program root, must have the declared hash. */
function checkFile(ctx: CheckContext, decl: DeclNode, sha256: string): void {
  const file = fieldOf(decl, 'File');
  if (!file || ctx.assetFiles === undefined) return;
  const read = ctx.assetFiles(file.value.span.source, file.value.value);
  const shown = `\`${file.value.value}\``;
  if ('sha256' in read) {
    if (read.sha256 !== sha256) {
      ctx.report('GOV2101', `file ${shown} of prompt \`${decl.name.text}\` does not match its sha256`, file.value.span, {
        label: 'different content',
        help: 'a pinned prompt changes only with an approval: restore the approved text, or give the new text a new version, its hash and an approval',
        notes: [`the prompt declares sha256 ${sha256}`, `the file hashes to    ${read.sha256}`],
      });
    }
  } else if (read.problem === 'outside') {
    ctx.report('GOV2008', `file ${shown} of prompt \`${decl.name.text}\` is outside the program root`, file.value.span, {
      label: 'outside the program',
      help: `a program reads only files under its root: keep the prompt text beside the policy (${read.detail})`,
    });
  } else {
    ctx.report('GOV2102', `file ${shown} of prompt \`${decl.name.text}\` ${read.detail}`, file.value.span, {
      label: 'not read',
      help: 'name the prompt text relative to the `.gov` file that declares the prompt',
    });
  }
}
