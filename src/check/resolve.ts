import {
  DECL_NOUN,
  fieldOf,
  fieldsOf,
  type ApprovalNode,
  type DeclKind,
  type DeclNode,
  type FileNode,
  type LimitItemNode,
  type LogField,
  type NameNode,
} from '../ast/nodes.js';
import { formatLocation, lineColumnOf, type Span } from '../source/Source.js';
import { didYouMean } from '../util/suggest.js';
import type {
  IrApproval,
  IrBudget,
  IrDataClass,
  IrDataFlow,
  IrDetector,
  IrEvalGate,
  IrLog,
  IrModel,
  IrOnBudgetExhausted,
  IrOnRateLimited,
  IrOrg,
  IrProvider,
  IrRateLimit,
  IrRollback,
  IrTier,
  IrTool,
  IrToolGrant,
  IrUseCaseFacts,
  LogLevel,
  Period,
} from '../ir/types.js';
import { BUILTIN_DETECTORS } from './builtinDetectors.js';
import { own, recordOf } from './records.js';
import type { CheckContext } from './CheckContext.js';
import { BLOCK_FIELDS } from './fieldTable.js';
import { checkPortableRegex } from './portableRegex.js';
import { count, durationDays, durationSeconds, fraction, moneyMicros, scaled } from './units.js';

/** Resolved declarations: IR-shaped values next to the AST they came from (for spans). */
export interface Resolved<T> {
  readonly ir: T;
  readonly decl: DeclNode;
}

export interface SemanticModel {
  org: Resolved<IrOrg> | undefined;
  readonly providers: Map<string, Resolved<IrProvider>>;
  readonly models: Map<string, Resolved<IrModel>>;
  readonly dataClasses: Map<string, Resolved<IrDataClass>>;
  readonly tiers: Map<string, Resolved<IrTier>>;
  readonly tools: Map<string, Resolved<IrTool>>;
  readonly useCases: Map<string, Resolved<IrUseCaseFacts>>;
}

const LOG_LEVELS: readonly LogLevel[] = ['none', 'redacted', 'full'];
const LOG_CHANNELS = ['inputs', 'outputs', 'tool_calls'] as const;
const PERIODS: readonly Period[] = ['day', 'week', 'month', 'quarter', 'year'];
const TIER_REQUIREMENTS = ['eval', 'human_oversight', 'red_team', 'disclosure', 'rollback'] as const;
export const DEFAULT_ORG_LOG: IrLog = { inputs: 'redacted', outputs: 'redacted', tool_calls: 'full' };
export const DEFAULT_ORG_RETENTION_DAYS = 30;
export const DEFAULT_DEGRADE_CAP_PERCENT = 110;
/** 10^14 micro-units: with caps up to 1000% every sum a decision makes stays below 2^53. */
export const MAX_BUDGET_MICROS = 1e14;
export const DEFAULT_RATE_LIMITED_MESSAGE = 'This assistant is handling too many requests right now. Please try again in a minute.';

const loc = (span: Span): string => formatLocation(span);

/** Registers declarations and checks each block's fields against BLOCK_FIELDS. */
export function declare(ctx: CheckContext, files: readonly FileNode[]): void {
  // Library files first: a program's own declaration that clashes with an imported one is the duplicate.
  const ordered = [...files.filter((f) => f.source.path.startsWith('std/')), ...files.filter((f) => !f.source.path.startsWith('std/'))];
  for (const file of ordered) {
    for (const decl of file.decls) {
      const table = ctx.decls[decl.kind];
      const previous = table.get(decl.name.text);
      if (previous) {
        ctx.report('GOV2002', `${DECL_NOUN[decl.kind]} \`${decl.name.text}\` is declared twice`, decl.name.span, {
          label: 'second declaration',
          related: [{ span: previous.name.span, text: 'first declared here' }],
          help: `rename one of them or remove the duplicate; names of ${plural(DECL_NOUN[decl.kind])} must be unique across all files of the program`,
        });
      } else {
        table.set(decl.name.text, decl);
      }
      checkFields(ctx, decl);
    }
  }
  const orgs = files.flatMap((f) => f.decls.filter((d) => d.kind === 'Org'));
  if (orgs.length === 0) {
    const first = files[0];
    ctx.report('GOV2006', 'the program declares no `org`', first ? { source: first.source, start: 0, end: 0 } : undefined, {
      help: 'add one `org NAME { owners "..." }` block: it states who owns the policy and its currency and defaults',
    });
  } else if (orgs.length > 1 && ctx.decls.Org.size > 1) {
    for (const extra of orgs.slice(1)) {
      ctx.report('GOV2006', `a program has one \`org\`, found a second: \`${extra.name.text}\``, extra.name.span, {
        related: [{ span: orgs[0]!.name.span, text: 'first org' }],
        help: 'build each organisation as its own program (its own folder)',
      });
    }
  }
}

function checkFields(ctx: CheckContext, decl: DeclNode): void {
  const specs = BLOCK_FIELDS[decl.kind];
  const seen = new Map<string, Span>();
  let lastUnknownLine = -1;
  for (const field of decl.fields) {
    if (field.kind === 'Unknown') {
      // A typo's arguments parse as more unknown words on the same line; report the line once.
      const line = lineOf(field.keySpan);
      if (line === lastUnknownLine) continue;
      lastUnknownLine = line;
      const words = specs.map((s) => s.word);
      const known = specs.find((s) => s.word === field.word.text);
      if (known) {
        // A field keyword whose arguments did not parse: a syntax error in that field, not an unknown field.
        ctx.report('GOV1001', `\`${known.word}\` is not written correctly`, field.span, {
          label: 'cannot read this field',
          help: `write it as: ${quoteForm(known.form)}`,
        });
        continue;
      }
      ctx.report('GOV1007', `\`${field.word.text}\` is not a field of ${article(DECL_NOUN[decl.kind])}`, field.word.span, {
        label: 'unknown field',
        help: didYouMean(field.word.text, words) ?? `the fields of ${article(DECL_NOUN[decl.kind])} are ${words.map((w) => `\`${w}\``).join(', ')}`,
      });
      continue;
    }
    const spec = specs.find((s) => s.kind === field.kind);
    if (!spec) continue;
    if (spec.repeatable) continue;
    const before = seen.get(spec.word);
    if (before) {
      ctx.report('GOV2003', `\`${spec.word}\` is given twice in ${DECL_NOUN[decl.kind]} \`${decl.name.text}\``, field.keySpan, {
        label: 'second occurrence',
        related: [{ span: before, text: 'first given here' }],
        help: 'keep one; when a field takes several values, list them separated by commas',
      });
    } else {
      seen.set(spec.word, field.keySpan);
    }
  }
  const missing = specs.filter(
    (spec) =>
      spec.required &&
      !decl.fields.some((f) => f.kind === spec.kind || (f.kind === 'Unknown' && f.word.text === spec.word)),
  );
  if (missing.length > 0) {
    const names = missing.map((m) => `\`${m.word}\``);
    ctx.report('GOV2004', `${DECL_NOUN[decl.kind]} \`${decl.name.text}\` has no ${names.join(', ')}`, decl.name.span, {
      label: `missing ${names.join(', ')}`,
      help: `add ${missing.length === 1 ? 'it' : 'them'}: ${missing.map((m) => quoteForm(m.form)).join('; ')}`,
    });
  }
}

/** `dpa signed 2025-01-10   (or: dpa none)` -> the code in backticks, the aside after it. */
function quoteForm(form: string): string {
  const [code, aside] = form.split(/ {3}(?=\()/);
  return aside ? `\`${code}\` ${aside}` : `\`${code}\``;
}

function plural(noun: string): string {
  return noun.endsWith('s') ? noun + 'es' : noun + 's';
}

function article(noun: string): string {
  return (/^[aeiou]/.test(noun) ? 'an ' : 'a ') + noun;
}

function lineOf(span: Span): number {
  // The source's cached line index: counting newlines here made many unknown fields quadratic.
  return lineColumnOf(span.source, span.start).line;
}

/** Looks a name up in one table, reporting GOV2001 with did-you-mean when it is not there. */
export function lookup(ctx: CheckContext, kind: DeclKind, name: NameNode, where: string): DeclNode | undefined {
  const decl = ctx.decls[kind].get(name.text);
  if (decl) return decl;
  const candidates = [...ctx.decls[kind].keys()];
  ctx.report('GOV2001', `unknown ${DECL_NOUN[kind]} \`${name.text}\` ${where}`, name.span, {
    label: `not declared by any \`${kindWord(kind)}\` block`,
    help: didYouMean(name.text, candidates) ?? (candidates.length ? `declared ${DECL_NOUN[kind]}s: ${candidates.slice(0, 8).map((c) => `\`${c}\``).join(', ')}` : `declare it with \`${kindWord(kind)} ${name.text} { ... }\``),
  });
  return undefined;
}

function kindWord(kind: DeclKind): string {
  return { Org: 'org', Provider: 'provider', Model: 'model', DataClass: 'data_class', Tier: 'tier', Tool: 'tool', UseCase: 'use_case' }[kind];
}

function title(decl: DeclNode): string | null {
  return fieldOf(decl, 'Title')?.value.value ?? null;
}

function approvalsOf(decl: DeclNode): IrApproval[] {
  return fieldsOf(decl, 'ApprovalField').map(({ approval }) => approvalIr(approval));
}

export function approvalIr(a: ApprovalNode): IrApproval {
  return {
    // Email addresses are case-insensitive: `CTO@acme.example` is the same person as `cto@acme.example`.
    approver: a.approver.value.toLowerCase(),
    on: a.on?.value ?? null,
    ticket: a.ticket ? (a.ticket.kind === 'Name' ? a.ticket.text : a.ticket.value) : null,
    expires: a.expires?.value ?? null,
    source: loc(a.span),
  };
}

function logOf(ctx: CheckContext, field: LogField | undefined, base: IrLog): IrLog {
  if (!field) return base;
  const log: Record<string, LogLevel> = { ...base };
  const seen = new Set<string>();
  for (const item of field.items) {
    const channel = item.channel.text;
    if (!(LOG_CHANNELS as readonly string[]).includes(channel)) {
      ctx.report('GOV2014', `\`${channel}\` is not a log channel`, item.channel.span, {
        help: didYouMean(channel, LOG_CHANNELS) ?? 'the channels are `inputs`, `outputs` and `tool_calls`',
      });
      continue;
    }
    if (seen.has(channel)) {
      ctx.report('GOV2003', `log channel \`${channel}\` is given twice`, item.channel.span, { help: 'keep one level per channel' });
    }
    seen.add(channel);
    const level = item.level.text as LogLevel;
    if (!LOG_LEVELS.includes(level)) {
      ctx.report('GOV2014', `\`${item.level.text}\` is not a log level`, item.level.span, {
        help: didYouMean(item.level.text, LOG_LEVELS) ?? 'the levels are `none`, `redacted` and `full`',
      });
      continue;
    }
    log[channel] = level;
  }
  return log as unknown as IrLog;
}

function oneOf<T extends string>(ctx: CheckContext, name: NameNode, allowed: readonly T[], what: string): T | undefined {
  if ((allowed as readonly string[]).includes(name.text)) return name.text as T;
  ctx.report('GOV2014', `\`${name.text}\` is not a valid ${what}`, name.span, {
    help: didYouMean(name.text, allowed) ?? `use one of ${allowed.map((a) => `\`${a}\``).join(', ')}`,
  });
  return undefined;
}

interface LimitParse {
  scope: 'use_case' | 'tenant';
  period: Period | undefined;
  minuteSpan: boolean;
}

function perWords(ctx: CheckContext, item: LimitItemNode, allowMinute: boolean): LimitParse {
  let scope: 'use_case' | 'tenant' = 'use_case';
  let period: Period | undefined;
  let minuteSpan = false;
  for (const per of item.pers) {
    if (per.text === 'tenant') scope = 'tenant';
    else if ((PERIODS as readonly string[]).includes(per.text)) {
      if (allowMinute) {
        ctx.report('GOV2011', `rate limits are per minute, found \`per ${per.text}\``, per.span, {
          label: 'wrong period',
          help: 'state requests and tokens per minute with `rpm` and `tpm`; state spend per day or month with `budget`',
        });
      } else period = per.text as Period;
    } else if (per.text === 'minute' || per.text === 'hour' || per.text === 'second') {
      if (allowMinute && per.text === 'minute') minuteSpan = true;
      else
        ctx.report('GOV2011', `budgets are per day, week, month, quarter or year, not \`per ${per.text}\``, per.span, {
          label: 'wrong period',
          help: allowMinute ? 'rates are per minute: `rpm`, `tpm`' : 'for per-minute caps use `rate ... rpm` or `tpm`',
        });
    } else {
      ctx.report('GOV2011', `\`per ${per.text}\` is not a period or \`tenant\``, per.span, {
        help: didYouMean(per.text, [...PERIODS, 'tenant']) ?? 'write `per month`, `per day`, ... and `per tenant` for a per-tenant limit',
      });
    }
  }
  return { scope, period, minuteSpan };
}

function budgetsOf(ctx: CheckContext, decl: DeclNode, currency: string | undefined): IrBudget[] {
  const out: IrBudget[] = [];
  const field = fieldOf(decl, 'Budget');
  if (!field) return out;
  for (const item of field.items) {
    const money = moneyMicros(ctx, item.amount, 'a budget');
    const { scope, period } = perWords(ctx, item, false);
    if (!money) continue;
    if (period === undefined) {
      if (!item.pers.some((p) => !['tenant'].includes(p.text))) {
        ctx.report('GOV2011', 'a budget needs a period', item.span, {
          label: 'no `per <period>`',
          help: `write for example \`${item.amount.number.digits} ${money.currency} per month\``,
        });
      }
      continue;
    }
    if (currency !== undefined && money.currency !== currency) {
      ctx.report('GOV2012', `budget is in \`${money.currency}\` but the org's currency is \`${currency}\``, item.amount.span, {
        label: 'other currency',
        help: `govc does not convert currencies: state every budget and price in \`${currency}\``,
      });
      continue;
    }
    if (decl.kind === 'Org' && scope === 'tenant') {
      ctx.report('GOV2014', 'an org budget cannot be per tenant', item.span, { help: 'per-tenant budgets belong to use cases' });
      continue;
    }
    if (money.micros <= 0 || money.micros > MAX_BUDGET_MICROS) {
      ctx.report('GOV2013', 'a budget must be above 0 and at most 100,000,000', item.amount.span, { label: 'out of range' });
      continue;
    }
    if (out.some((b) => b.scope === scope && b.period === period)) {
      ctx.report('GOV2003', `a ${scope === 'tenant' ? 'per-tenant ' : ''}budget per ${period} is given twice`, item.span, {
        help: 'keep one amount per period and scope',
      });
      continue;
    }
    out.push({ scope, period, amount_micros: money.micros, hard_limit_micros: money.micros, source: loc(item.span) });
  }
  return out;
}

function ratesOf(ctx: CheckContext, decl: DeclNode): IrRateLimit[] {
  const out: IrRateLimit[] = [];
  const field = fieldOf(decl, 'Rate');
  if (!field) return out;
  for (const item of field.items) {
    const c = count(ctx, item.amount, 'a rate limit', ['rpm', 'tpm']);
    const { scope } = perWords(ctx, item, true);
    if (!c) continue;
    if (c.value <= 0 || c.value > 1e12) {
      ctx.report('GOV2013', 'a rate limit must be above 0 and at most 10^12', item.amount.span, { label: 'out of range' });
      continue;
    }
    const kind = c.unit === 'rpm' ? 'requests' : 'tokens';
    if (out.some((r) => r.scope === scope && r.kind === kind)) {
      ctx.report('GOV2003', `a ${scope === 'tenant' ? 'per-tenant ' : ''}\`${c.unit}\` limit is given twice`, item.span, {
        help: 'keep one limit per kind and scope',
      });
      continue;
    }
    out.push({ scope, kind, per_minute: c.value, source: loc(item.span) });
  }
  return out;
}

/** Interprets every declaration into IR-shaped values, reporting unit, value and name problems. */
export function resolve(ctx: CheckContext): SemanticModel {
  const model: SemanticModel = {
    org: undefined,
    providers: new Map(),
    models: new Map(),
    dataClasses: new Map(),
    tiers: new Map(),
    tools: new Map(),
    useCases: new Map(),
  };

  // ---- org ----
  const orgDecl = [...ctx.decls.Org.values()][0];
  let currency: string | undefined;
  let orgLog = DEFAULT_ORG_LOG;
  let orgRetention = DEFAULT_ORG_RETENTION_DAYS;
  if (orgDecl) {
    const budgetField = fieldOf(orgDecl, 'Budget');
    const firstMoney = budgetField?.items[0];
    if (firstMoney) {
      const unit = firstMoney.amount.unit?.text;
      if (unit && /^[A-Z]{3}$/.test(unit)) currency = unit;
    }
    const retain = fieldOf(orgDecl, 'Retain');
    if (retain) orgRetention = durationDays(ctx, retain.duration, 'retention') ?? orgRetention;
    orgLog = logOf(ctx, fieldOf(orgDecl, 'Log'), DEFAULT_ORG_LOG);
    model.org = {
      decl: orgDecl,
      ir: {
        name: orgDecl.name.text,
        title: title(orgDecl),
        owners: fieldOf(orgDecl, 'Owners')?.values.map((v) => v.value) ?? [],
        currency: currency ?? 'USD',
        budgets: budgetsOf(ctx, orgDecl, currency),
        retention_days: orgRetention,
        log: orgLog,
        source: loc(orgDecl.name.span),
      },
    };
  }
  const cur = currency;

  // ---- providers ----
  for (const decl of ctx.decls.Provider.values()) {
    const dpa = fieldOf(decl, 'Dpa');
    model.providers.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        regions: uniqueNames(fieldOf(decl, 'Regions')?.values ?? []),
        dpa_signed: dpa?.signed?.value ?? null,
        zero_retention: fieldOf(decl, 'ZeroRetention')?.value ?? false,
        // Unstated means "assume it might": the conservative reading for data protection.
        trains_on_customer_data: fieldOf(decl, 'TrainsOnCustomerData')?.value ?? true,
        source: loc(decl.name.span),
      },
    });
  }

  // ---- data classes ----
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
            help:
              didYouMean(d.name.text, Object.keys(BUILTIN_DETECTORS)) ??
              `built-in detectors: ${Object.keys(BUILTIN_DETECTORS).map((n) => `\`${n}\``).join(', ')}; or write \`pattern ${d.name.text} "REGEX"\``,
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
        source: loc(decl.name.span),
      },
    });
  }

  // ---- tiers ----
  for (const decl of ctx.decls.Tier.values()) {
    const requires: Record<string, boolean> = Object.fromEntries(TIER_REQUIREMENTS.map((r) => [r, false]));
    for (const r of fieldOf(decl, 'Requires')?.values ?? []) {
      if ((TIER_REQUIREMENTS as readonly string[]).includes(r.text)) requires[r.text] = true;
      else
        ctx.report('GOV2014', `\`${r.text}\` is not a tier requirement`, r.span, {
          help: didYouMean(r.text, TIER_REQUIREMENTS) ?? `requirements: ${TIER_REQUIREMENTS.map((t) => `\`${t}\``).join(', ')}`,
        });
    }
    const minRet = fieldOf(decl, 'MinRetention');
    const approvers = fieldOf(decl, 'Approvers');
    let approverCount = 1;
    if (approvers) {
      const c = count(ctx, approvers.count, 'approvers', [undefined]);
      if (c && (c.value < 1 || c.value > 10)) {
        ctx.report('GOV2013', 'approvers must be between 1 and 10', approvers.count.span, { label: 'out of range' });
      } else if (c) approverCount = c.value;
    }
    model.tiers.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        prohibited: fieldOf(decl, 'Prohibited') !== undefined,
        requires: requires as unknown as IrTier['requires'],
        min_retention_days: (minRet && durationDays(ctx, minRet.duration, 'minimum retention')) ?? 0,
        min_log: logOf(ctx, fieldOf(decl, 'Log'), { inputs: 'none', outputs: 'none', tool_calls: 'none' }),
        approvers: approverCount,
        source: loc(decl.name.span),
      },
    });
  }

  // ---- tools ----
  for (const decl of ctx.decls.Tool.values()) {
    model.tools.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        scopes: [...new Set(fieldOf(decl, 'Scopes')?.values.map((v) => v.value) ?? [])],
        owner: fieldOf(decl, 'Owner')?.value.value ?? null,
        approvals: approvalsOf(decl),
        source: loc(decl.name.span),
      },
    });
  }

  // ---- models ----
  for (const decl of ctx.decls.Model.values()) {
    const providerField = fieldOf(decl, 'ModelProvider');
    if (providerField) lookup(ctx, 'Provider', providerField.provider, `in model \`${decl.name.text}\``);
    const version = fieldOf(decl, 'Version')?.value.value ?? '';
    const approvedVersions = [...new Set([...(fieldOf(decl, 'ApprovedVersions')?.values.map((v) => v.value) ?? []), version])].filter((v) => v !== '');
    const price = fieldOf(decl, 'Price');
    let inNanos = 0;
    let outNanos = 0;
    if (price) {
      const perTokens = count(ctx, price.per, 'a price', ['tokens']);
      const input = moneyMicros(ctx, price.input, 'an input price');
      const output = moneyMicros(ctx, price.output, 'an output price');
      if (perTokens && perTokens.value !== 1000 && perTokens.value !== 1_000_000) {
        ctx.report('GOV2014', 'prices are per 1k or per 1M tokens', price.per.span, { help: 'write `per 1M tokens` (or `per 1k tokens`)' });
      }
      for (const [m, node] of [
        [input, price.input],
        [output, price.output],
      ] as const) {
        if (m && cur !== undefined && m.currency !== cur) {
          ctx.report('GOV2012', `price is in \`${m.currency}\` but the org's currency is \`${cur}\``, node.span, {
            help: `govc does not convert currencies: state prices in \`${cur}\``,
          });
        }
      }
      if (input && output && perTokens) {
        // micros per `per` tokens -> nanos per token
        const toNanos = (micros: number, node: typeof price.input): number => {
          const nanos = (micros * 1000) / perTokens.value;
          if (!Number.isInteger(nanos)) {
            ctx.report('GOV2017', 'price is finer than a billionth of a currency unit per token', node.span, {
              help: 'prices per 1M tokens take at most 3 decimals (per 1k tokens: 6)',
            });
            return Math.round(nanos);
          }
          return nanos;
        };
        inNanos = toNanos(input.micros, price.input);
        outNanos = toNanos(output.micros, price.output);
      }
    }
    const context = fieldOf(decl, 'Context');
    let contextTokens: number | null = null;
    if (context) contextTokens = count(ctx, context.size, 'a context window', ['tokens'])?.value ?? null;
    const status = fieldOf(decl, 'Status');
    model.models.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        provider: providerField?.provider.text ?? '',
        version,
        approved_versions: approvedVersions,
        regions: uniqueNames(fieldOf(decl, 'Regions')?.values ?? []),
        price: { input_nanos_per_token: inNanos, output_nanos_per_token: outNanos },
        context_tokens: contextTokens,
        status: (status && oneOf(ctx, status.value, ['approved', 'deprecated', 'revoked'] as const, 'model status')) ?? 'revoked',
        approvals: approvalsOf(decl),
        source: loc(decl.name.span),
      },
    });
  }

  // ---- use cases ----
  for (const decl of ctx.decls.UseCase.values()) {
    const where = `in use case \`${decl.name.text}\``;
    const tierField = fieldOf(decl, 'Tier');
    const tier = tierField ? lookup(ctx, 'Tier', tierField.tier, where) : undefined;
    const tierIr = tier ? model.tiers.get(tier.name.text)?.ir : undefined;
    const modelsField = fieldOf(decl, 'Models');
    const models: string[] = [];
    if (modelsField) {
      for (const m of [modelsField.primary, ...modelsField.fallbacks]) {
        if (!lookup(ctx, 'Model', m, where)) continue;
        if (models.includes(m.text)) {
          ctx.report('GOV2045', `model \`${m.text}\` is listed twice in use case \`${decl.name.text}\``, m.span, {
            help: 'each model appears once: first the primary, then fallbacks in order',
          });
          continue;
        }
        models.push(m.text);
      }
    }
    const data = new Map<string, IrDataFlow>();
    for (const d of fieldsOf(decl, 'Data')) {
      if (!lookup(ctx, 'DataClass', d.dataClass, where)) continue;
      if (data.has(d.dataClass.text)) {
        ctx.report('GOV2035', `data class \`${d.dataClass.text}\` has two rules in use case \`${decl.name.text}\``, d.dataClass.span, {
          help: 'list every permitted provider in one rule: `data pii -> openai, anthropic in eu redacted`',
        });
        continue;
      }
      if (d.deny) {
        data.set(d.dataClass.text, { action: 'deny', source: loc(d.span) });
        continue;
      }
      const providers = d.providers.filter((p) => lookup(ctx, 'Provider', p, `in the \`${d.dataClass.text}\` data rule`));
      data.set(d.dataClass.text, {
        action: 'allow',
        providers: uniqueNames(providers),
        regions: uniqueNames(d.regions),
        redacted: d.redacted,
        source: loc(d.span),
      });
    }
    const tools = new Map<string, IrToolGrant>();
    for (const t of fieldsOf(decl, 'ToolGrant')) {
      const tool = lookup(ctx, 'Tool', t.tool, where);
      if (!tool) continue;
      if (tools.has(t.tool.text)) {
        ctx.report('GOV2003', `tool \`${t.tool.text}\` is granted twice`, t.tool.span, { help: 'list all scopes in one grant' });
        continue;
      }
      let humanApproval = false;
      if (t.requirement) {
        if (t.requirement.text === 'human_approval') humanApproval = true;
        else
          ctx.report('GOV2014', `\`${t.requirement.text}\` is not a tool requirement`, t.requirement.span, {
            help: didYouMean(t.requirement.text, ['human_approval']) ?? 'the only requirement is `human_approval`',
          });
      }
      const declared = model.tools.get(t.tool.text)?.ir.scopes ?? [];
      tools.set(t.tool.text, {
        scopes: t.scopes.length ? [...new Set(t.scopes.map((s) => s.value))] : [...declared],
        human_approval: humanApproval,
        source: loc(t.span),
      });
    }
    const rateLimits = ratesOf(ctx, decl);
    let onBudget: IrOnBudgetExhausted | null = null;
    let onRate: IrOnRateLimited | null = null;
    for (const on of fieldsOf(decl, 'On')) {
      const event = on.event.text;
      if (event === 'budget_exhausted') {
        if (onBudget) {
          ctx.report('GOV2003', '`on budget_exhausted` is given twice', on.keySpan, { help: 'keep one' });
          continue;
        }
        let cap = DEFAULT_DEGRADE_CAP_PERCENT;
        if (on.upTo) {
          if (on.upTo.suffix !== '%') {
            ctx.report('GOV2010', '`up to` takes a percentage of the budget', on.upTo.span, { help: 'write for example `up to 120%`' });
          } else if (on.upTo.value <= 100 || on.upTo.value > 1000 || !Number.isInteger(on.upTo.value)) {
            ctx.report('GOV2013', 'the degrade cap must be a whole percentage above 100% and at most 1000%', on.upTo.span, {
              label: 'out of range',
              help: 'degraded traffic runs past the budget until this share of it is spent; 100% would never degrade',
            });
          } else cap = on.upTo.value;
        }
        let degradeTo: string | null = null;
        if (on.degradeTo && lookup(ctx, 'Model', on.degradeTo, where)) degradeTo = on.degradeTo.text;
        onBudget = { degrade_to: degradeTo, cap_percent: cap, message: on.refuse.value, source: loc(on.span) };
      } else if (event === 'rate_limited') {
        if (onRate) {
          ctx.report('GOV2003', '`on rate_limited` is given twice', on.keySpan, { help: 'keep one' });
          continue;
        }
        if (on.degradeTo) {
          ctx.report('GOV2014', 'a rate limit cannot degrade, only refuse', on.degradeTo.span, {
            help: 'write `on rate_limited refuse "..."`: a cheaper model does not relieve a rate limit',
          });
        }
        onRate = { message: on.refuse.value, source: loc(on.span) };
      } else {
        ctx.report('GOV2014', `\`${event}\` is not an event`, on.event.span, {
          help: didYouMean(event, ['budget_exhausted', 'rate_limited']) ?? 'the events are `budget_exhausted` and `rate_limited`',
        });
      }
    }
    const cap = onBudget?.degrade_to ? onBudget.cap_percent : 100;
    const budgets = budgetsOf(ctx, decl, cur).map((b) => ({ ...b, hard_limit_micros: percentOf(b.amount_micros, cap) }));
    const retain = fieldOf(decl, 'Retain');
    const evals: IrEvalGate[] = [];
    for (const e of fieldsOf(decl, 'Eval')) {
      if (evals.some((x) => x.name === e.name.text)) {
        ctx.report('GOV2002', `eval gate \`${e.name.text}\` is declared twice`, e.name.span, { help: 'give each gate its own name' });
        continue;
      }
      const metrics = [];
      for (const m of e.metrics) {
        const value = fraction(ctx, m.threshold, `threshold of \`${m.metric.text}\``);
        if (value !== undefined) metrics.push({ metric: m.metric.text, op: m.op, threshold: value });
      }
      if (e.datasets.length === 0) {
        ctx.report('GOV2004', `eval gate \`${e.name.text}\` has no \`dataset\``, e.name.span, {
          help: 'name the dataset the gate runs on: `dataset "evals/support.jsonl"`',
        });
      }
      if (e.metrics.length === 0) {
        ctx.report('GOV2073', `eval gate \`${e.name.text}\` has no metric threshold`, e.name.span, {
          help: 'a gate blocks a release only through thresholds such as `toxicity <= 0.01`',
        });
      }
      const regression = e.regressions[0] ? fraction(ctx, e.regressions[0], 'regression') ?? null : null;
      evals.push({
        name: e.name.text,
        datasets: e.datasets.map((d) => d.value),
        baseline: e.baselines[0]?.value ?? null,
        max_regression: regression,
        metrics,
        source: loc(e.span),
      });
    }
    const rb = fieldOf(decl, 'Rollback');
    let rollback: IrRollback | null = null;
    if (rb) {
      lookup(ctx, 'Model', rb.model, 'as rollback target');
      rollback = {
        model: rb.model.text,
        version: rb.version?.value ?? null,
        within_seconds: rb.within ? durationSeconds(ctx, rb.within, 'a rollback time') ?? null : null,
        owner: rb.ownedBy?.value ?? null,
        steps: rb.steps.map((s) => s.value),
        source: loc(rb.span),
      };
    }
    model.useCases.set(decl.name.text, {
      decl,
      ir: {
        name: decl.name.text,
        title: title(decl),
        tier: tierField?.tier.text ?? '',
        owner: fieldOf(decl, 'Owner')?.value.value ?? '',
        surfaces: fieldOf(decl, 'Surfaces')?.values.map((s) => s.value) ?? [],
        models,
        data: recordOf(data),
        tools: recordOf(tools),
        budgets,
        rate_limits: rateLimits,
        on_budget_exhausted: onBudget,
        on_rate_limited: onRate ?? { message: DEFAULT_RATE_LIMITED_MESSAGE, source: loc(decl.name.span) },
        log: logOf(ctx, fieldOf(decl, 'Log'), orgLog),
        retention_days: (retain && durationDays(ctx, retain.duration, 'retention')) ?? orgRetention,
        human_oversight: fieldOf(decl, 'HumanOversight')?.value.value ?? null,
        disclosure: fieldOf(decl, 'Disclosure')?.value.value ?? null,
        red_team: fieldOf(decl, 'RedTeam')?.value.value ?? null,
        evals,
        rollback,
        approvals: approvalsOf(decl),
        required_approvers: tierIr?.approvers ?? 1,
        source: loc(decl.name.span),
      },
    });
  }
  return model;
}

/** floor(amount * percent / 100) without forming amount * percent, which can pass 2^53. */
export function percentOf(amount: number, percent: number): number {
  return Math.floor(amount / 100) * percent + Math.floor(((amount % 100) * percent) / 100);
}

function uniqueNames(names: readonly NameNode[]): string[] {
  return [...new Set(names.map((n) => n.text))];
}
