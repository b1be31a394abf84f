import { Project, StructureKind, VariableDeclarationKind, type CodeBlockWriter, type StatementStructures, type WriterFunction } from 'ts-morph';
import type { IrApproval, IrModel, IrProgram, IrUseCase } from '../../ir/types.js';
import { compareCodePoints } from '../../util/compare.js';
import { joinTs, ts, tsName, tsUnion, tsValue, TsCode } from './tsCode.js';

/**
 * Generates `guards.ts`: a TypeScript module that decides requests in-process, specialised to one program. Each use
 * case gets its own decision function (approvals, model choice, rate limits and budgets written out with the
 * program's constants; the allow and degrade decisions' reasons, obligations and limits precomputed and frozen);
 * data classes and tools, whose work depends on what a request lists, go through small lookup tables. The module
 * imports only `govc/runtime`. Every name and string from the IR enters the module as a literal (tsCode.ts); every
 * identifier is govc's own (`u0`, `M3ok`...), never a name from a `.gov` file.
 */

export interface GuardsOptions {
  /** The module the guard imports the runtime from; tests point it at the sources. Default `govc/runtime`. */
  readonly runtimeImport?: string;
}

export const GUARDS_FILE = 'guards.ts';

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function id(prefix: string, i: number, suffix = ''): TsCode {
  return tsName(`${prefix}${i}${suffix}`);
}

/** `(on <= date) && (date <= expires)` for one approval; `true` when both bounds are open. */
function validOn(a: IrApproval): TsCode {
  const parts: TsCode[] = [];
  if (a.on !== null) parts.push(ts`${a.on} <= date`);
  if (a.expires !== null) parts.push(ts`date <= ${a.expires}`);
  return parts.length === 0 ? TsCode.trusted('true') : joinTs(parts, ' && ');
}

function anyValid(approvals: readonly IrApproval[]): TsCode {
  return approvals.length === 0 ? TsCode.trusted('false') : TsCode.trusted(`(${approvals.map((a) => `(${validOn(a).text})`).join(' || ')})`);
}

/** The condition under which use case `uc` has too few distinct valid approvers on `date`; undefined if never. */
function approvalShortfall(uc: IrUseCase): TsCode | undefined {
  const required = uc.required_approvers;
  if (required <= 0) return undefined;
  const groups = new Map<string, IrApproval[]>();
  for (const a of uc.approvals) groups.set(a.approver, [...(groups.get(a.approver) ?? []), a]);
  const conds = [...groups.values()].map(anyValid);
  if (conds.length < required) return TsCode.trusted('true');
  if (required === conds.length) return TsCode.trusted(`!(${conds.map((c) => c.text).join(' && ')})`);
  if (required === 1) return TsCode.trusted(`!(${conds.map((c) => c.text).join(' || ')})`);
  return TsCode.trusted(`(${conds.map((c) => `(${c.text} ? 1 : 0)`).join(' + ')}) < ${required}`);
}

function regionCheck(regions: readonly string[], setName: TsCode): TsCode {
  if (regions.length === 0) return TsCode.trusted('false');
  if (regions.length <= 4) return TsCode.trusted(`(${regions.map((r) => ts`region === ${r}`.text).join(' || ')})`);
  return ts`${setName}.has(region)`;
}

function modelRegionSet(j: number): TsCode {
  return id('M', j, '_REGIONS');
}

/** Budget and rate scopes and kinds become property names in generated code: only these, checked. */
function scopeName(scope: string): TsCode {
  if (scope !== 'use_case' && scope !== 'tenant') throw new Error(`INVARIANT: unknown limit scope \`${scope}\``);
  return TsCode.trusted(scope);
}
function kindName(kind: string): TsCode {
  if (kind !== 'requests' && kind !== 'tokens') throw new Error(`INVARIANT: unknown rate kind \`${kind}\``);
  return TsCode.trusted(kind);
}

function costExpr(m: IrModel): TsCode {
  return ts`Math.ceil((ti * ${m.price.input_nanos_per_token} + to * ${m.price.output_nanos_per_token}) / 1000)`;
}

/** Writes lines of generated code into a ts-morph writer, keeping their relative indentation. */
function lines(code: readonly TsCode[]): WriterFunction {
  return (w: CodeBlockWriter) => {
    for (const line of code) w.writeLine(line.text);
  };
}

function constStatement(name: TsCode, type: TsCode | undefined, init: TsCode, exported = false): StatementStructures {
  return {
    kind: StructureKind.VariableStatement,
    isExported: exported,
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: name.text, ...(type && { type: type.text }), initializer: init.text }],
  };
}

function fn(name: TsCode, params: Array<[string, string, string?]>, returnType: string, body: readonly TsCode[], exported = false): StatementStructures {
  return {
    kind: StructureKind.Function,
    isExported: exported,
    name: name.text,
    parameters: params.map(([n, t, init]) => ({ name: tsName(n).text, type: t, ...(init !== undefined && { initializer: init }) })),
    returnType,
    statements: lines(body),
  };
}

/** The generated module's text. Deterministic: same IR and options, same bytes. */
export function generateGuards(ir: IrProgram, options: GuardsOptions = {}): string {
  const runtime = options.runtimeImport ?? 'govc/runtime';
  const useCaseNames = Object.keys(ir.use_cases).sort(compareCodePoints);
  const modelNames = Object.keys(ir.models).sort(compareCodePoints);
  const modelIndex = new Map(modelNames.map((m, j) => [m, j]));
  const providerNames = [...new Set(modelNames.map((m) => ir.models[m]!.provider))].sort(compareCodePoints);
  const classNames = Object.keys(ir.data_classes).sort(compareCodePoints);
  const toolNames = Object.keys(ir.tools).sort(compareCodePoints);

  const statements: StatementStructures[] = [];
  const T = TsCode.trusted;

  statements.push({
    kind: StructureKind.ImportDeclaration,
    isTypeOnly: true,
    moduleSpecifier: runtime,
    namedImports: ['Decision', 'Guard', 'GuardOptions', 'GuardPolicy', 'Limits', 'LogRules', 'Obligations', 'Reason', 'RequestOf'],
  });
  statements.push({
    kind: StructureKind.ImportDeclaration,
    moduleSpecifier: runtime,
    namedImports: [
      'approvalReason', 'classTables', 'createGuard as createRuntimeGuard', 'dataClassStep', 'definePolicy', 'distinctSorted', 'EMPTY',
      'flowBlocks', 'flowProblems', 'freezeDeep', 'malformedReason', 'malformedTraceId', 'modelApprovalReason', 'modelNotAllowedReason',
      'modelRegionReason', 'requestProblem', 'sortReasons', 'toolStep', 'unknownUseCaseReason', 'useCaseTables',
    ],
  });
  // ts-morph escapes the module specifier itself; make sure it is a plain one anyway.
  if (!/^[A-Za-z0-9@._/-]+$/.test(runtime) && !/^\.{0,2}\/[^'"\\\n\r\u2028\u2029]*$/.test(runtime)) throw new Error('INVARIANT: unsafe runtime import');

  // ---- Names as literal types.
  statements.push(constStatement(T('POLICY_REVISION'), undefined, ts`${ir.revision}`, true));
  const typeAlias = (name: string, type: TsCode): StatementStructures => ({ kind: StructureKind.TypeAlias, isExported: true, name: tsName(name).text, type: type.text });
  statements.push(typeAlias('UseCaseName', tsUnion(useCaseNames)));
  statements.push(typeAlias('ModelName', tsUnion(modelNames)));
  statements.push(typeAlias('ProviderName', tsUnion(providerNames)));
  statements.push(typeAlias('DataClassName', tsUnion(classNames)));
  statements.push(typeAlias('ToolName', tsUnion(toolNames)));
  statements.push({
    kind: StructureKind.Interface,
    isExported: true,
    name: 'UseCaseModels',
    docs: ['The models each use case may ask for: primary first, then fallbacks.'],
    properties: useCaseNames.map((u) => ({ name: tsValue(u).text, isReadonly: true, type: tsUnion([...ir.use_cases[u]!.models]).text })),
  });
  statements.push(
    typeAlias(
      'GuardRequest',
      T('{ readonly [U in UseCaseName]: RequestOf<U, UseCaseModels[U], DataClassName, ToolName> }[UseCaseName]'),
    ),
  );
  statements.push(typeAlias('GuardDecision', T('Decision<ModelName, ProviderName>')));

  // ---- Program-wide tables: data classes, models.
  statements.push(
    constStatement(
      T('CLASSES'),
      undefined,
      ts`classTables([${joinTs(
        classNames.map((c) => {
          const dc = ir.data_classes[c]!;
          return ts`[${c}, { default: ${dc.default}, residency: ${dc.residency}, redact: { data_class: ${c}, detectors: ${dc.detectors.map((d) => d.name)} }, source: ${dc.source} }]`;
        }),
        ', ',
      )}])`,
    ),
  );
  modelNames.forEach((name, j) => {
    const m = ir.models[name]!;
    if (m.regions.length > 4) statements.push(constStatement(modelRegionSet(j), T('ReadonlySet<string>'), ts`new Set(${[...m.regions]})`));
    let ok: TsCode;
    const problems: TsCode[] = [];
    if (m.status === 'revoked') {
      ok = T('false');
      problems.push(ts`out.push({ code: "model_revoked", rule: ${`model/${name}/status`}, message: ${`model \`${name}\` is revoked`}, source: ${m.source} });`);
    } else if (m.approvals.length > 0) {
      ok = T(`${anyValid(m.approvals).text} && ${regionCheck(m.regions, modelRegionSet(j)).text}`);
      problems.push(ts`if (!${anyValid(m.approvals)}) out.push(modelApprovalReason(${name}, date, ${m.approvals[0]!.source}));`);
    } else ok = regionCheck(m.regions, modelRegionSet(j));
    problems.push(ts`if (!${regionCheck(m.regions, modelRegionSet(j))}) out.push(modelRegionReason(${name}, region, ${m.source}));`);
    statements.push(fn(id('M', j, 'ok'), [['region', 'string'], ['date', 'string']], 'boolean', [ts`return ${ok};`]));
    statements.push(fn(id('M', j, 'problems'), [['region', 'string'], ['date', 'string'], ['out', 'Reason[]']], 'void', problems));
  });

  // ---- One decision function per use case.
  useCaseNames.forEach((name, i) => statements.push(...useCaseStatements(ir, name, i, modelIndex)));

  // ---- Dispatch and the public API.
  statements.push(
    constStatement(
      T('DISPATCH'),
      T('ReadonlyMap<string, (r: RequestOf<string, string, string, string>, trace: string | null) => GuardDecision>'),
      ts`new Map([${joinTs(useCaseNames.map((u, i) => ts`[${u}, ${id('u', i)}]`), ', ')}])`,
    ),
  );
  statements.push(
    fn(T('early'), [['useCase', 'string | null'], ['trace', 'string | null'], ['reason', 'Reason']], 'GuardDecision', [
      T('return { decision: "deny", allow: false, use_case: useCase, model: null, provider: null, reasons: [reason], message: null, obligations: null, limits: null, trace_id: trace, policy_revision: POLICY_REVISION };'),
    ]),
  );
  statements.push({
    ...(fn(T('decideUnknown'), [['input', 'unknown']], 'GuardDecision', [
      T('const problem = requestProblem(input);'),
      T('if (problem !== undefined) return early(null, malformedTraceId(input), malformedReason(problem));'),
      T('const r = input as RequestOf<string, string, string, string>;'),
      T('const trace = r.trace_id ?? null;'),
      T('const decideUseCase = DISPATCH.get(r.use_case);'),
      T('return decideUseCase === undefined ? early(r.use_case, trace, unknownUseCaseReason(r.use_case)) : decideUseCase(r, trace);'),
    ], true) as object),
    docs: ['Decides any value (parsed JSON, say): a malformed request is denied with a reason, never thrown.'],
  } as StatementStructures);
  statements.push({
    ...(fn(T('decide'), [['request', 'GuardRequest']], 'GuardDecision', [T('return decideUnknown(request);')], true) as object),
    docs: ['Decides a request as docs/semantics.md defines; the same decision as every other govc target.'],
  } as StatementStructures);

  statements.push(
    constStatement(
      T('policy'),
      T('GuardPolicy<GuardRequest, GuardDecision>'),
      ts`definePolicy<GuardRequest, GuardDecision>({ revision: POLICY_REVISION, org: ${ir.org.name}, decide: decideUnknown, useCases: [${joinTs(
        useCaseNames.map((u) => {
          const uc = ir.use_cases[u]!;
          return tsValue({
            name: u,
            owner: uc.owner,
            log: uc.log,
            retention_days: uc.retention_days,
            budgets: uc.budgets.map((b) => ({ scope: b.scope, period: b.period, amount_micros: b.amount_micros, hard_limit_micros: b.hard_limit_micros })),
            rate_limits: uc.rate_limits.map((l) => ({ scope: l.scope, kind: l.kind, per_minute: l.per_minute })),
            degrade_to: uc.on_budget_exhausted?.degrade_to ?? null,
            budget_message: uc.on_budget_exhausted?.message ?? null,
            rate_message: uc.on_rate_limited.message,
          });
        }),
        ', ',
      )}], models: [${joinTs(
        modelNames.map((m) => {
          const model = ir.models[m]!;
          return tsValue({ name: m, provider: model.provider, input_nanos_per_token: model.price.input_nanos_per_token, output_nanos_per_token: model.price.output_nanos_per_token });
        }),
        ', ',
      )}], dataClasses: [${joinTs(
        classNames.map((c) => tsValue({ name: c, detectors: ir.data_classes[c]!.detectors.map((d) => ({ name: d.name, regex: d.regex })) })),
        ', ',
      )}] })`,
      true,
    ),
  );
  statements.push({
    ...(fn(T('createGuard'), [['options', 'GuardOptions', '{}']], 'Guard<GuardRequest, GuardDecision>', [T('return createRuntimeGuard(policy, options);')], true) as object),
    docs: ['A guard for this policy: `guard.invoke(request, call)` decides, redacts, meters budgets and rates, and logs.'],
  } as StatementStructures);

  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile(GUARDS_FILE, {
    leadingTrivia: (w) => {
      w.writeLine('// Generated by govc from policy revision ' + /^[A-Za-z0-9]*$/.exec(ir.revision)?.[0] + '. Do not edit: rebuild with `govc build`.');
      w.writeLine('// Decision semantics: docs/semantics.md. The module depends on nothing but govc/runtime.');
      w.writeLine('/* eslint-disable */');
    },
    statements,
  });
  return file.getFullText();
}

function useCaseStatements(ir: IrProgram, name: string, i: number, modelIndex: ReadonlyMap<string, number>): StatementStructures[] {
  const T = TsCode.trusted;
  const uc = ir.use_cases[name]!;
  const U = id('U', i);
  const out: StatementStructures[] = [];
  const ucRule = `use_case/${name}`;
  const models = uc.models.filter((m) => modelIndex.has(m));
  // INVARIANT: the IR's use-case models are declared models (the checker's GOV2003); lowering never emits others.
  if (models.length !== uc.models.length) throw new Error(`INVARIANT: use case \`${name}\` lists an undeclared model`);
  const anyAllowFlow = Object.values(uc.data).some((f) => f.action === 'allow');
  const blockable = (model: string): boolean => {
    const p = ir.models[model]!.provider;
    return Object.values(uc.data).some((f) => f.action === 'allow' && !f.providers.includes(p));
  };

  // Tables for the request-dependent steps.
  const approvals = uc.approvals.map((a) => ({ approver: a.approver, on: a.on, expires: a.expires, source: a.source }));
  const data = Object.keys(uc.data)
    .sort(compareCodePoints)
    .map((c) => {
      const f = uc.data[c]!;
      return f.action === 'deny'
        ? [c, { action: 'deny', providers: [], regions: [], redacted: false, source: f.source }]
        : [c, { action: 'allow', providers: f.providers, regions: f.regions, redacted: f.redacted, source: f.source }];
    });
  const tools = Object.keys(uc.tools)
    .sort(compareCodePoints)
    .map((t) => {
      const g = uc.tools[t]!;
      const tool = hasOwn(ir.tools, t) ? ir.tools[t]! : undefined;
      return [t, { scopes: g.scopes, human_approval: g.human_approval, source: g.source, tool_approvals: (tool?.approvals ?? []).map((a) => ({ approver: a.approver, on: a.on, expires: a.expires, source: a.source })) }];
    });
  out.push(
    constStatement(U, undefined, ts`useCaseTables({ name: ${name}, source: ${uc.source}, required_approvers: ${uc.required_approvers}, approvals: ${approvals}, data: ${data}, tools: ${tools} })`),
  );

  // Precomputed parts of decisions, frozen so no caller can change what later decisions return.
  const limits = {
    budgets: uc.budgets.map((b) => ({ scope: b.scope, period: b.period, amount_micros: b.amount_micros })),
    rate_limits: uc.rate_limits.map((l) => ({ scope: l.scope, kind: l.kind, per_minute: l.per_minute })),
  };
  out.push(constStatement(id('U', i, '_LIMITS'), T('Limits'), ts`freezeDeep(${limits})`));
  out.push(constStatement(id('U', i, '_LOG'), T('LogRules'), ts`freezeDeep(${{ ...uc.log }})`));
  const oblRest = ts`retention_days: ${uc.retention_days}, human_oversight: ${uc.human_oversight !== null}`;
  const obl = (ha: boolean): TsCode => ts`freezeDeep({ redact: EMPTY, log: ${id('U', i, '_LOG')}, ${oblRest}, human_approval: ${ha}, disclosure: ${uc.disclosure} })`;
  out.push(constStatement(id('U', i, '_OBL'), T('Obligations'), obl(false)));
  out.push(constStatement(id('U', i, '_OBL_HA'), T('Obligations'), obl(true)));
  out.push(constStatement(id('U', i, '_MODELS'), T('readonly ModelName[]'), ts`${models}`));
  out.push(constStatement(id('U', i, '_PROVIDERS'), T('readonly ProviderName[]'), ts`${models.map((m) => ir.models[m]!.provider)}`));

  const allowed = { code: 'allowed', rule: ucRule, message: `allowed by use case \`${name}\``, source: uc.source };
  const fallback = (k: number): object => ({ code: 'fallback_model', rule: `${ucRule}/models`, message: `model \`${models[0]}\` cannot serve this request; using fallback \`${models[k]}\``, source: uc.source });
  const policy = uc.on_budget_exhausted;
  const target = policy?.degrade_to ?? null;
  const degradeOk = target !== null && modelIndex.has(target);
  const degraded = (k: number): object => ({ code: 'budget_degraded', rule: `${ucRule}/on_budget_exhausted`, message: `budget exhausted; degraded from \`${models[k]}\` to \`${target}\``, source: policy!.source });
  out.push(constStatement(id('U', i, '_ALLOW'), T('readonly (readonly Reason[])[]'), ts`freezeDeep(${models.length === 0 ? [[allowed]] : models.map((_, k) => (k === 0 ? [allowed] : [allowed, fallback(k)]))})`));
  if (degradeOk) {
    out.push(constStatement(id('U', i, '_DEGRADE'), T('readonly (readonly Reason[])[]'), ts`freezeDeep(${models.map((_, k) => [allowed, degraded(k)])})`));
    out.push(constStatement(id('U', i, '_DEGRADE_FB'), T('readonly (readonly Reason[])[]'), ts`freezeDeep(${models.map((_, k) => (k === 0 ? [allowed, degraded(k)] : [allowed, degraded(k), fallback(k)]))})`));
  }
  const rateReasons = uc.rate_limits.map((l) => ({
    missing: { code: 'counter_missing', rule: `${ucRule}/rate`, message: `\`rate.${l.scope}.${l.kind}\` is required by a rate limit of use case \`${name}\``, source: l.source },
    limited: { code: 'rate_limited', rule: `${ucRule}/rate`, message: `${l.scope === 'tenant' ? 'per-tenant ' : ''}${l.kind} per minute would exceed ${l.per_minute}`, source: l.source },
  }));
  const budgetReasons = uc.budgets.map((b) => ({
    missing: { code: 'counter_missing', rule: `${ucRule}/budget`, message: `\`spend.${b.scope}.${b.period}\` is required by a budget of use case \`${name}\``, source: b.source },
    exhausted: { code: 'budget_exhausted', rule: `${ucRule}/budget`, message: `${b.scope === 'tenant' ? 'per-tenant ' : ''}budget per ${b.period} is exhausted`, source: b.source },
  }));
  if (rateReasons.length + budgetReasons.length > 0) {
    out.push(constStatement(id('U', i, '_R'), T('readonly Reason[]'), ts`freezeDeep(${[...rateReasons.flatMap((r) => [r.missing, r.limited]), ...budgetReasons.flatMap((b) => [b.missing, b.exhausted])]})`));
  }
  const R = (k: number): TsCode => T(`${id('U', i, '_R').text}[${k}]!`);

  // The model step's conditions, per candidate position k.
  const okOf = (model: string): TsCode => {
    const j = modelIndex.get(model)!;
    const base = T(`${id('M', j, 'ok').text}(region, date)`);
    return blockable(model) ? ts`${base} && (classes.length === 0 || !flowBlocks(${U}, classes, ${ir.models[model]!.provider}))` : base;
  };
  const problemsOf = (model: string): TsCode[] => {
    const j = modelIndex.get(model)!;
    const calls = [T(`${id('M', j, 'problems').text}(region, date, deny);`)];
    if (anyAllowFlow) calls.push(ts`flowProblems(${U}, classes, ${model}, ${ir.models[model]!.provider}, deny);`);
    return calls;
  };

  const body: TsCode[] = [];
  const needTokens = uc.budgets.length > 0 || uc.rate_limits.some((l) => l.kind === 'tokens');
  body.push(T('const date = r.time.slice(0, 10);'));
  body.push(T('const region = r.region;'));
  body.push(T('const classes = distinctSorted(r.data_classes);'));
  if (needTokens) body.push(T('const ti = r.tokens?.input ?? 0;'), T('const to = r.tokens?.output ?? 0;'));
  body.push(T('let deny: Reason[] | undefined;'));
  // 1. Approvals.
  const shortfall = approvalShortfall(uc);
  if (shortfall) body.push(T(`if (${shortfall.text}) (deny ??= []).push(approvalReason(${U.text}, date));`));
  // 2. Model.
  body.push(T('let first = -1;'), T('let chosen = -1;'));
  body.push(T('if (r.model !== undefined) {'));
  body.push(T('  switch (r.model) {'));
  models.forEach((m, k) => body.push(ts`    case ${m}: first = ${k}; if (${okOf(m)}) chosen = ${k}; break;`));
  body.push(T('  }'));
  body.push(T(`  if (first < 0) (deny ??= []).push(modelNotAllowedReason(${U.text}, r.model));`));
  body.push(T('} else {'));
  if (models.length > 0) {
    body.push(T('  first = 0;'));
    models.forEach((m, k) => body.push(ts`  ${T(k === 0 ? 'if' : 'else if')} (${okOf(m)}) chosen = ${k};`));
  }
  body.push(T('}'));
  body.push(T('if (chosen < 0 && first >= 0) {'));
  body.push(T('  deny ??= [];'));
  body.push(T('  switch (first) {'));
  models.forEach((m, k) => body.push(T(`    case ${k}: ${problemsOf(m).map((c) => c.text).join(' ')} break;`)));
  body.push(T('  }'));
  body.push(T('}'));
  // 3. Data classes. 4. Tool.
  body.push(T('let redact: Obligations["redact"] = EMPTY;'));
  body.push(T(`if (classes.length > 0) redact = dataClassStep(${U.text}, CLASSES, classes, region, (deny ??= []));`));
  body.push(T('let humanApproval = false;'));
  body.push(T(`if (r.tool !== undefined) humanApproval = toolStep(${U.text}, r.tool, date, (deny ??= []));`));
  // 5. Rate limits.
  body.push(T('let rateOut = false;'));
  uc.rate_limits.forEach((l, k) => {
    const inc = l.kind === 'requests' ? T('1') : T('(ti + to)');
    body.push(T(`{ const used = r.rate?.${scopeName(l.scope).text}?.${kindName(l.kind).text}; if (used === undefined) (deny ??= []).push(${R(2 * k).text}); else if (used + ${inc.text} > ${l.per_minute}) { (deny ??= []).push(${R(2 * k + 1).text}); rateOut = true; } }`));
  });
  // 6. Budgets.
  body.push(T('let budgetOut = false;'));
  body.push(T('let degrade = false;'));
  if (uc.budgets.length > 0) {
    const base = 2 * uc.rate_limits.length;
    body.push(T('if (chosen >= 0) {'));
    const scopes = [...new Set(uc.budgets.map((b) => b.scope))];
    for (const s of scopes) body.push(T(`  const s_${scopeName(s).text} = r.spend?.${scopeName(s).text};`));
    uc.budgets.forEach((b, k) => {
      const v = tsName(`s_${scopeName(b.scope).text}`);
      body.push(ts`  const ${tsName(`b${k}`)} = ${v} !== undefined && Object.prototype.hasOwnProperty.call(${v}, ${b.period}) ? ${v}[${b.period}] : undefined;`);
    });
    uc.budgets.forEach((_, k) => body.push(T(`  if (b${k} === undefined) (deny ??= []).push(${R(base + 2 * k).text});`)));
    body.push(T(`  if (${uc.budgets.map((_, k) => `b${k} !== undefined`).join(' && ')}) {`));
    body.push(T('    let cost = 0;'));
    body.push(T('    switch (chosen) {'));
    models.forEach((m, k) => body.push(T(`      case ${k}: cost = ${costExpr(ir.models[m]!).text}; break;`)));
    body.push(T('    }'));
    body.push(T(`    if (${uc.budgets.map((b, k) => `b${k} + cost > ${b.amount_micros}`).join(' || ')}) {`));
    if (degradeOk) {
      const d = target!;
      const dk = models.indexOf(d);
      const conds = [dk >= 0 ? `chosen !== ${dk}` : 'true', okOf(d).text, ...uc.budgets.map((b, k) => `b${k} + costD <= ${b.hard_limit_micros}`)];
      body.push(T(`      const costD = ${costExpr(ir.models[d]!).text};`));
      body.push(T(`      if (${conds.join(' && ')}) degrade = true;`));
      body.push(T('      else {'));
    } else body.push(T('      {'));
    body.push(T(`        (deny ??= []).push(${uc.budgets.map((b, k) => (k === uc.budgets.length - 1 ? R(base + 2 * k + 1).text : `b${k} + cost > ${b.amount_micros} ? ${R(base + 2 * k + 1).text} : `)).join('')});`));
    body.push(T('        budgetOut = true;'));
    body.push(T('      }'));
    body.push(T('    }'));
    body.push(T('  }'));
    body.push(T('}'));
  }
  // 7. Result.
  const oblFresh = T(`{ redact, log: ${id('U', i, '_LOG').text}, ${oblRest.text}, human_approval: humanApproval, disclosure: ${tsValue(uc.disclosure).text} }`);
  body.push(T(`const obligations: Obligations = redact.length === 0 ? (humanApproval ? ${id('U', i, '_OBL_HA').text} : ${id('U', i, '_OBL').text}) : ${oblFresh.text};`));
  body.push(T('if (deny !== undefined && deny.length > 0) {'));
  const budgetMessage = policy?.message ?? null;
  body.push(ts`  const message = budgetOut ? ${budgetMessage} : rateOut ? ${uc.on_rate_limited.message} : null;`);
  body.push(T(`  return { decision: "deny", allow: false, use_case: ${tsValue(name).text}, model: null, provider: null, reasons: sortReasons(deny), message, obligations, limits: ${id('U', i, '_LIMITS').text}, trace_id: trace, policy_revision: POLICY_REVISION };`));
  body.push(T('}'));
  // INVARIANT: without a denial a model was chosen (no candidates always denies with model_not_allowed).
  body.push(T('const fallback = chosen !== first;'));
  if (degradeOk) {
    const d = target!;
    body.push(T('if (degrade) {'));
    body.push(T(`  return { decision: "degrade", allow: true, use_case: ${tsValue(name).text}, model: ${tsValue(d).text}, provider: ${tsValue(ir.models[d]!.provider).text}, reasons: (fallback ? ${id('U', i, '_DEGRADE_FB').text} : ${id('U', i, '_DEGRADE').text})[chosen]!, message: null, obligations, limits: ${id('U', i, '_LIMITS').text}, trace_id: trace, policy_revision: POLICY_REVISION };`));
    body.push(T('}'));
  }
  if (models.length === 0) {
    body.push(T(`return { decision: "allow", allow: true, use_case: ${tsValue(name).text}, model: null, provider: null, reasons: ${id('U', i, '_ALLOW').text}[0]!, message: null, obligations, limits: ${id('U', i, '_LIMITS').text}, trace_id: trace, policy_revision: POLICY_REVISION };`));
  } else body.push(T(`return { decision: "allow", allow: true, use_case: ${tsValue(name).text}, model: ${id('U', i, '_MODELS').text}[chosen]!, provider: ${id('U', i, '_PROVIDERS').text}[chosen]!, reasons: ${id('U', i, '_ALLOW').text}[fallback ? chosen : 0]!, message: null, obligations, limits: ${id('U', i, '_LIMITS').text}, trace_id: trace, policy_revision: POLICY_REVISION };`));
  out.push(fn(id('u', i), [['r', 'RequestOf<string, string, string, string>'], ['trace', 'string | null']], 'GuardDecision', body));
  return out;
}
