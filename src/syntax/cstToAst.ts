import type { CstElement, CstNode, IToken } from 'chevrotain';
import type {
  FlowTargetNode,
  AmountNode,
  ApprovalNode,
  DateNode,
  DeclKind,
  DeclNode,
  DetectorNode,
  Field,
  FileNode,
  ImportNode,
  LimitItemNode,
  LogItemNode,
  MetricNode,
  NameNode,
  NumberNode,
  OwnerRefNode,
  StringNode,
} from '../ast/nodes.js';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import type { Source, Span } from '../source/Source.js';
import { isCalendarDate } from '../util/isCalendarDate.js';

/**
 * Builds the AST from chevrotain's CST. Recovery may leave any child missing or inserted, so every accessor is
 * optional and a field whose essential parts are missing is dropped (the parser already reported why).
 */
export class CstToAst {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly source: Source) {}

  private span(start: number, end: number): Span {
    return { source: this.source, start, end };
  }

  private tokenSpan(t: IToken): Span {
    return this.span(t.startOffset, (t.endOffset ?? t.startOffset) + 1);
  }

  private nodeSpan(n: CstNode): Span {
    const loc = n.location;
    if (!loc || Number.isNaN(loc.startOffset)) return this.span(0, 0);
    const end = loc.endOffset === undefined || Number.isNaN(loc.endOffset) ? loc.startOffset : loc.endOffset + 1;
    return this.span(loc.startOffset, end);
  }

  private tokens(n: CstNode, key: string): IToken[] {
    const list = n.children[key] as CstElement[] | undefined;
    if (!list) return [];
    return (list as IToken[]).filter((t) => 'image' in t && !t.isInsertedInRecovery);
  }

  private token(n: CstNode, key: string): IToken | undefined {
    return this.tokens(n, key)[0];
  }

  private nodes(n: CstNode, key: string): CstNode[] {
    const list = n.children[key] as CstElement[] | undefined;
    if (!list) return [];
    return (list as CstNode[]).filter((c) => 'children' in c);
  }

  private node(n: CstNode, key: string): CstNode | undefined {
    return this.nodes(n, key)[0];
  }

  /**
   * The span of the word a field or declaration starts with (its keyword). Taken from the node's location and the
   * source text rather than by searching the children: that search was the hottest path on large programs.
   */
  private keySpan(n: CstNode): Span | undefined {
    const start = n.location?.startOffset;
    if (start === undefined || Number.isNaN(start)) return undefined;
    const text = this.source.text;
    let end = start;
    while (end < text.length && /[A-Za-z0-9_]/.test(text[end]!)) end++;
    return end > start ? this.span(start, end) : undefined;
  }

  // ---- literals ------------------------------------------------------------------------------------------------

  name(t: IToken | undefined): NameNode | undefined {
    if (!t) return undefined;
    return { kind: 'Name', span: this.tokenSpan(t), text: t.image };
  }

  string(t: IToken | undefined): StringNode | undefined {
    if (!t) return undefined;
    const span = this.tokenSpan(t);
    return { kind: 'String', span, value: this.unescape(t.image, span) };
  }

  /** Decodes `\" \\ \n \t \u{HEX}`; anything else is GOV1005 and decodes to the character itself. */
  private unescape(image: string, span: Span): string {
    const body = image.slice(1, -1);
    if (!body.includes('\\')) return body;
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const ch = body[i]!;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const next = body[i + 1] ?? '';
      const at = span.start + 1 + i;
      if (next === '"' || next === '\\') out += next;
      else if (next === 'n') out += '\n';
      else if (next === 't') out += '\t';
      else if (next === 'u') {
        const m = /^\{([0-9A-Fa-f]{1,6})\}/.exec(body.slice(i + 2));
        const cp = m ? parseInt(m[1]!, 16) : NaN;
        if (m && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
          out += String.fromCodePoint(cp);
          i += 1 + m[0].length;
          continue;
        }
        this.diagnostics.push({
          code: 'GOV1005',
          severity: 'error',
          message: 'invalid unicode escape in string',
          span: this.span(at, at + 2 + (m ? m[0].length : 0)),
          label: 'expected `\\u{...}` with 1 to 6 hex digits naming a Unicode scalar value',
          help: 'write a code point as `\\u{1F600}`; surrogate halves are not characters',
        });
      } else {
        this.diagnostics.push({
          code: 'GOV1005',
          severity: 'error',
          message: `invalid escape \`\\${next}\` in string`,
          span: this.span(at, at + 2),
          label: 'not a recognised escape',
          help: 'the escapes are `\\"`, `\\\\`, `\\n`, `\\t` and `\\u{HEX}`; inside a regular expression, double the backslash: `"\\\\d+"`',
        });
        out += next;
      }
      i++;
    }
    return out;
  }

  number(t: IToken | undefined): NumberNode | undefined {
    if (!t) return undefined;
    const m = /^(\d[\d_]*(?:\.\d+)?)(.*)$/.exec(t.image);
    const digits = (m?.[1] ?? '0').replace(/_/g, '');
    return { kind: 'Number', span: this.tokenSpan(t), value: Number(digits), digits, suffix: m?.[2] ?? '' };
  }

  date(t: IToken | undefined): DateNode | undefined {
    if (!t) return undefined;
    const span = this.tokenSpan(t);
    if (!isCalendarDate(t.image)) {
      this.diagnostics.push({
        code: 'GOV1006',
        severity: 'error',
        message: `\`${t.image}\` is not a calendar date`,
        span,
        label: 'no such day',
        help: 'dates are written YYYY-MM-DD with a real month (01-12) and day of that month',
      });
    }
    return { kind: 'Date', span, value: t.image };
  }

  amount(n: CstNode | undefined): AmountNode | undefined {
    if (!n) return undefined;
    const number = this.number(this.token(n, 'NumberLiteral'));
    if (!number) return undefined;
    const unit = this.name(this.token(n, 'unit'));
    const span = unit ? this.span(number.span.start, unit.span.end) : number.span;
    return unit ? { kind: 'Amount', span, number, unit } : { kind: 'Amount', span, number };
  }

  private limitItems(n: CstNode | undefined): LimitItemNode[] {
    if (!n) return [];
    const out: LimitItemNode[] = [];
    for (const item of this.nodes(n, 'limitItem')) {
      const amount = this.amount(this.node(item, 'amount'));
      if (!amount) continue;
      const pers = this.tokens(item, 'per').map((t) => this.name(t)!);
      out.push({ kind: 'LimitItem', span: this.nodeSpan(item), amount, pers });
    }
    return out;
  }

  private strings(n: CstNode | undefined): StringNode[] {
    if (!n) return [];
    return this.tokens(n, 'StringLiteral').map((t) => this.string(t)!);
  }

  private names(n: CstNode | undefined): NameNode[] {
    if (!n) return [];
    return this.tokens(n, 'Identifier').map((t) => this.name(t)!);
  }

  /** The targets of a `->` data rule, each with its `provider`/`model` qualifier when written. */
  private flowTargets(n: CstNode): FlowTargetNode[] {
    const out: FlowTargetNode[] = [];
    for (const t of this.nodes(n, 'flowTarget')) {
      const name = this.name(this.token(t, 'target'));
      if (!name) continue;
      const q = this.token(t, 'qualifier');
      const qualifier = q === undefined ? undefined : q.image === 'model' ? 'model' : 'provider';
      out.push({ kind: 'FlowTarget', span: this.nodeSpan(t), name, ...(qualifier && { qualifier }) });
    }
    return out;
  }

  /** An owner reference token: a string is an e-mail text, a word the name of a person or team. */
  private ownerRef(t: IToken | undefined): OwnerRefNode | undefined {
    if (!t) return undefined;
    return t.tokenType.name === 'StringLiteral' ? this.string(t) : this.name(t);
  }

  private ownerRefs(n: CstNode | undefined): OwnerRefNode[] {
    if (!n) return [];
    return this.tokens(n, 'ref').map((t) => this.ownerRef(t)!);
  }

  approval(n: CstNode): ApprovalNode | undefined {
    const keySpan = this.keySpan(n);
    const approver = this.ownerRef(this.token(n, 'approver'));
    if (!keySpan || !approver) return undefined;
    const ticketTok = this.token(n, 'ticket');
    const ticket =
      ticketTok === undefined
        ? undefined
        : ticketTok.tokenType.name === 'StringLiteral'
          ? this.string(ticketTok)
          : this.name(ticketTok);
    const on = this.date(this.token(n, 'on'));
    const expires = this.date(this.token(n, 'expires'));
    const never = this.token(n, 'never');
    return {
      kind: 'Approval',
      span: this.nodeSpan(n),
      keySpan,
      approver,
      ...(on && { on }),
      ...(ticket && { ticket }),
      ...(expires && { expires }),
      ...(never && { expiresNever: this.tokenSpan(never) }),
    };
  }

  // ---- fields --------------------------------------------------------------------------------------------------

  private field(ruleName: string, n: CstNode): Field | undefined {
    const keySpan = this.keySpan(n);
    if (!keySpan) return undefined;
    const span = this.nodeSpan(n);
    const base = { span, keySpan };
    const str = (): StringNode | undefined => this.string(this.token(n, 'StringLiteral'));
    const ident = (): NameNode | undefined => this.name(this.token(n, 'Identifier'));
    switch (ruleName) {
      case 'titleField': {
        const value = str();
        return value && { kind: 'Title', ...base, value };
      }
      case 'ownersField':
        return { kind: 'Owners', ...base, values: this.ownerRefs(this.node(n, 'ownerList')) };
      case 'ownerField': {
        const value = this.ownerRef(this.token(n, 'ref'));
        return value && { kind: 'Owner', ...base, value };
      }
      case 'requireField':
        return { kind: 'Require', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'emailField': {
        const value = str();
        return value && { kind: 'Email', ...base, value };
      }
      case 'membersField':
        return { kind: 'Members', ...base, values: this.ownerRefs(this.node(n, 'ownerList')) };
      case 'logAccessField':
        return { kind: 'LogAccess', ...base, values: this.ownerRefs(this.node(n, 'ownerList')) };
      case 'budgetField':
        return { kind: 'Budget', ...base, items: this.limitItems(this.node(n, 'limitList')) };
      case 'rateField':
        return { kind: 'Rate', ...base, items: this.limitItems(this.node(n, 'limitList')) };
      case 'retainField': {
        const duration = this.amount(this.node(n, 'amount'));
        return duration && { kind: 'Retain', ...base, duration };
      }
      case 'minRetentionField': {
        const duration = this.amount(this.node(n, 'amount'));
        return duration && { kind: 'MinRetention', ...base, duration };
      }
      case 'logField': {
        const channels = this.tokens(n, 'channel');
        const levels = this.tokens(n, 'level');
        const items: LogItemNode[] = [];
        for (let i = 0; i < Math.min(channels.length, levels.length); i++) {
          const channel = this.name(channels[i])!;
          const level = this.name(levels[i])!;
          items.push({ kind: 'LogItem', span: this.span(channel.span.start, level.span.end), channel, level });
        }
        return { kind: 'Log', ...base, items };
      }
      case 'regionsField':
        return { kind: 'Regions', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'dpaField': {
        const signed = this.date(this.token(n, 'DateLiteral'));
        return signed ? { kind: 'Dpa', ...base, signed } : { kind: 'Dpa', ...base };
      }
      case 'zeroRetentionField':
      case 'trainsField': {
        const yn = this.node(n, 'yesNo');
        const value = yn ? this.token(yn, 'Kw_yes') !== undefined : false;
        if (!yn || (!this.token(yn, 'Kw_yes') && !this.token(yn, 'Kw_no'))) return undefined;
        return ruleName === 'zeroRetentionField'
          ? { kind: 'ZeroRetention', ...base, value }
          : { kind: 'TrainsOnCustomerData', ...base, value };
      }
      case 'modelProviderField': {
        const provider = ident();
        return provider && { kind: 'ModelProvider', ...base, provider };
      }
      case 'versionField': {
        const value = str();
        return value && { kind: 'Version', ...base, value };
      }
      case 'approvedVersionsField':
        return { kind: 'ApprovedVersions', ...base, values: this.strings(this.node(n, 'stringList')) };
      case 'priceField': {
        const input = this.amount(this.node(n, 'input'));
        const output = this.amount(this.node(n, 'output'));
        const per = this.amount(this.node(n, 'per'));
        return input && output && per && { kind: 'Price', ...base, input, output, per };
      }
      case 'contextField': {
        const size = this.amount(this.node(n, 'amount'));
        return size && { kind: 'Context', ...base, size };
      }
      case 'hostingField': {
        const value = ident();
        return value && { kind: 'Hosting', ...base, value };
      }
      case 'modelKindField': {
        const value = ident();
        return value && { kind: 'ModelKind', ...base, value };
      }
      case 'apiField': {
        const value = ident();
        return value && { kind: 'Api', ...base, value };
      }
      case 'deploymentField': {
        const value = str();
        return value && { kind: 'Deployment', ...base, value };
      }
      case 'capacityField':
        return { kind: 'Capacity', ...base, items: this.limitItems(this.node(n, 'limitList')) };
      case 'statusField': {
        const value = ident();
        return value && { kind: 'Status', ...base, value };
      }
      case 'sensitivityField': {
        const value = ident();
        return value && { kind: 'Sensitivity', ...base, value };
      }
      case 'defaultField': {
        const value = ident();
        return value && { kind: 'Default', ...base, value };
      }
      case 'detectField': {
        const detectors: DetectorNode[] = [];
        for (const d of this.nodes(n, 'detector')) {
          const pattern = this.string(this.token(d, 'StringLiteral'));
          const name = this.name(this.token(d, pattern ? 'name' : 'builtin'));
          if (!name) continue;
          detectors.push(
            pattern
              ? { kind: 'Detector', span: this.nodeSpan(d), name, pattern }
              : { kind: 'Detector', span: this.nodeSpan(d), name },
          );
        }
        return { kind: 'Detect', ...base, detectors };
      }
      case 'residencyField':
        return { kind: 'Residency', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'requiresField':
        return { kind: 'Requires', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'dataClassesField':
        return { kind: 'DataClasses', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'retrievalField':
        return { kind: 'Retrieval', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'embeddingsField': {
        const model = ident();
        return model && { kind: 'Embeddings', ...base, model };
      }
      case 'approversField': {
        const count = this.amount(this.node(n, 'amount'));
        return count && { kind: 'Approvers', ...base, count };
      }
      case 'prohibitedField':
        return { kind: 'Prohibited', ...base };
      case 'scopesField':
        return { kind: 'Scopes', ...base, values: this.strings(this.node(n, 'stringList')) };
      case 'tierField': {
        const tier = ident();
        return tier && { kind: 'Tier', ...base, tier };
      }
      case 'surfacesField':
        return { kind: 'Surfaces', ...base, values: this.strings(this.node(n, 'stringList')) };
      case 'modelsField': {
        const primary = this.name(this.token(n, 'primary'));
        if (!primary) return undefined;
        const fallbacks = this.tokens(n, 'fallback').map((t) => this.name(t)!);
        return { kind: 'Models', ...base, primary, fallbacks };
      }
      case 'dataField': {
        const dataClass = this.name(this.token(n, 'dataClass'));
        if (!dataClass) return undefined;
        const deny = this.token(n, 'Kw_deny') !== undefined;
        return {
          kind: 'Data',
          ...base,
          dataClass,
          deny,
          targets: this.flowTargets(n),
          regions: this.names(this.node(n, 'regions')),
          redacted: this.token(n, 'Kw_redacted') !== undefined,
          requires: this.names(this.node(n, 'requires')),
        };
      }
      case 'toolGrantField': {
        const tool = ident();
        if (!tool) return undefined;
        const requirement = this.name(this.token(n, 'requirement'));
        const scopes = this.strings(this.node(n, 'stringList'));
        return requirement
          ? { kind: 'ToolGrant', ...base, tool, scopes, requirement }
          : { kind: 'ToolGrant', ...base, tool, scopes };
      }
      case 'onField': {
        const event = this.name(this.token(n, 'event'));
        const refuse = str();
        if (!event || !refuse) return undefined;
        const degradeTo = this.name(this.token(n, 'degradeTo'));
        const upTo = this.number(this.token(n, 'upTo'));
        return { kind: 'On', ...base, event, refuse, ...(degradeTo && { degradeTo }), ...(upTo && { upTo }) };
      }
      case 'humanOversightField': {
        const value = str();
        return value && { kind: 'HumanOversight', ...base, value };
      }
      case 'disclosureField': {
        const value = str();
        return value && { kind: 'Disclosure', ...base, value };
      }
      case 'redTeamField': {
        const value = str();
        if (value) return { kind: 'RedTeam', ...base, value };
        const suite = this.name(this.token(n, 'suite'));
        return suite && { kind: 'RedTeam', ...base, suite };
      }
      case 'kindField':
      case 'stageField':
      case 'actionField':
      case 'guardrailModelField': {
        const value = ident();
        if (!value) return undefined;
        const kind = ({ kindField: 'Kind', stageField: 'Stage', actionField: 'Action', guardrailModelField: 'GuardrailModel' } as const)[ruleName];
        return { kind, ...base, value };
      }
      case 'thresholdField':
      case 'minPassRateField': {
        const value = this.number(this.token(n, 'NumberLiteral'));
        if (!value) return undefined;
        return ruleName === 'thresholdField' ? { kind: 'Threshold', ...base, value } : { kind: 'MinPassRate', ...base, value };
      }
      case 'itemsField':
        return { kind: 'Items', ...base, values: this.strings(this.node(n, 'stringList')) };
      case 'datasetField': {
        const value = str();
        return value && { kind: 'Dataset', ...base, value };
      }
      case 'guardrailsField':
        return { kind: 'Guardrails', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'evalField': {
        const name = this.name(this.token(n, 'name'));
        if (!name) return undefined;
        const metrics: MetricNode[] = [];
        for (const m of this.nodes(n, 'metric')) {
          const metric = this.name(this.token(m, 'metric'));
          const threshold = this.number(this.token(m, 'threshold'));
          const opTok =
            this.token(m, 'LessEqual') ?? this.token(m, 'GreaterEqual') ?? this.token(m, 'Less') ?? this.token(m, 'Greater');
          if (!metric || !threshold || !opTok) continue;
          metrics.push({ kind: 'Metric', span: this.nodeSpan(m), metric, op: opTok.image as MetricNode['op'], threshold });
        }
        return {
          kind: 'Eval',
          ...base,
          name,
          datasets: this.tokens(n, 'dataset').map((t) => this.string(t)!),
          baselines: this.tokens(n, 'baseline').map((t) => this.string(t)!),
          regressions: this.tokens(n, 'regression').map((t) => this.number(t)!),
          metrics,
        };
      }
      case 'rollbackField': {
        const model = this.name(this.token(n, 'model'));
        if (!model) return undefined;
        const assetTok = this.token(n, 'asset');
        const asset = (assetTok?.image ?? 'model') as 'model' | 'prompt' | 'tool' | 'corpus';
        const versionNode = this.node(n, 'rollbackVersion');
        const versionTok = versionNode ? this.token(versionNode, 'version') : undefined;
        const version: StringNode | undefined =
          versionTok === undefined
            ? undefined
            : versionTok.tokenType.name === 'StringLiteral'
              ? this.string(versionTok)
              : { kind: 'String', span: this.tokenSpan(versionTok), value: versionTok.image };
        const within = this.amount(this.node(n, 'within'));
        const ownedBy = this.ownerRef(this.token(n, 'ownedBy'));
        const steps = this.strings(this.node(n, 'steps'));
        return {
          kind: 'Rollback',
          ...base,
          asset,
          model,
          steps,
          ...(version && { version }),
          ...(within && { within }),
          ...(ownedBy && { ownedBy }),
        };
      }
      case 'approval': {
        const approval = this.approval(n);
        return approval && { kind: 'ApprovalField', ...base, approval };
      }
      case 'sha256Field': {
        const value = str();
        return value && { kind: 'Sha256', ...base, value };
      }
      case 'fileField': {
        const value = str();
        return value && { kind: 'File', ...base, value };
      }
      case 'promptsField':
        return { kind: 'Prompts', ...base, values: this.names(this.node(n, 'nameList')) };
      case 'budgetAlertField': {
        const thresholds = this.tokens(n, 'threshold').map((t) => this.number(t)!);
        const notifyTok = this.token(n, 'notify');
        const notify = notifyTok === undefined ? undefined : notifyTok.tokenType.name === 'StringLiteral' ? this.string(notifyTok) : this.name(notifyTok);
        return { kind: 'BudgetAlert', ...base, thresholds, ...(notify && { notify }) };
      }
      case 'unknownField': {
        const word = this.name(this.token(n, 'word'));
        return word && { kind: 'Unknown', ...base, word };
      }
      default:
        return undefined;
    }
  }

  private decl(kind: DeclKind, n: CstNode): DeclNode | undefined {
    const keySpan = this.keySpan(n);
    const name = this.name(this.token(n, 'name'));
    if (!keySpan || !name) return undefined;
    const fields: Field[] = [];
    const children: Array<[string, CstNode]> = [];
    for (const [ruleName, list] of Object.entries(n.children)) {
      for (const el of list) if ('children' in el) children.push([ruleName, el]);
    }
    // chevrotain groups children by rule name; put fields back in source order.
    children.sort((a, b) => (a[1].location?.startOffset ?? 0) - (b[1].location?.startOffset ?? 0));
    for (const [ruleName, child] of children) {
      const field = this.field(ruleName, child);
      if (field) fields.push(field);
    }
    return { kind, span: this.nodeSpan(n), keySpan, name, fields };
  }

  file(n: CstNode): FileNode {
    const imports: ImportNode[] = [];
    for (const imp of this.nodes(n, 'importDecl')) {
      const path = this.string(this.token(imp, 'StringLiteral'));
      if (path) imports.push({ kind: 'Import', span: this.nodeSpan(imp), path });
    }
    const declRules: Array<[string, DeclKind]> = [
      ['orgDecl', 'Org'],
      ['providerDecl', 'Provider'],
      ['modelDecl', 'Model'],
      ['dataClassDecl', 'DataClass'],
      ['tierDecl', 'Tier'],
      ['toolDecl', 'Tool'],
      ['useCaseDecl', 'UseCase'],
      ['personDecl', 'Person'],
      ['teamDecl', 'Team'],
      ['promptDecl', 'Prompt'],
      ['guardrailDecl', 'Guardrail'],
      ['redTeamSuiteDecl', 'RedTeamSuite'],
      ['corpusDecl', 'Corpus'],
    ];
    const decls: DeclNode[] = [];
    for (const [rule, kind] of declRules) {
      for (const d of this.nodes(n, rule)) {
        const decl = this.decl(kind, d);
        if (decl) decls.push(decl);
      }
    }
    decls.sort((a, b) => a.span.start - b.span.start);
    return { kind: 'File', span: this.span(0, this.source.text.length), source: this.source, imports, decls };
  }
}
