import { CstParser, tokenMatcher, type CstNode, type IToken, type TokenType } from 'chevrotain';
import { govErrorMessages } from './messages.js';
import {
  allTokens,
  Arrow,
  At,
  Comma,
  DateLiteral,
  Greater,
  GreaterEqual,
  Identifier,
  Kw,
  LCurly,
  Less,
  LessEqual,
  NumberLiteral,
  RCurly,
  StringLiteral,
} from './tokens.js';

/**
 * The `.gov` grammar as a chevrotain CstParser. One instance is reused (chevrotain's advice: building the grammar
 * is the expensive part). `grammar/govc.ebnf` is generated from this class and a test keeps the two equal.
 *
 * Every block is `keyword name { field* }`; each field starts with its own (soft) keyword. A word that is not a field
 * of the block is parsed by `unknownField` so that one typo yields one GOV1007 with did-you-mean instead of a cascade.
 */
export class GovParser extends CstParser {
  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      maxLookahead: 3,
      errorMessageProvider: govErrorMessages,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.importDecl));
    this.MANY2(() =>
      this.OR([
        { ALT: () => this.SUBRULE(this.orgDecl) },
        { ALT: () => this.SUBRULE(this.providerDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
        { ALT: () => this.SUBRULE(this.dataClassDecl) },
        { ALT: () => this.SUBRULE(this.tierDecl) },
        { ALT: () => this.SUBRULE(this.toolDecl) },
        { ALT: () => this.SUBRULE(this.useCaseDecl) },
        { ALT: () => this.SUBRULE(this.personDecl) },
        { ALT: () => this.SUBRULE(this.teamDecl) },
        { ALT: () => this.SUBRULE(this.promptDecl) },
        { ALT: () => this.SUBRULE(this.guardrailDecl) },
        { ALT: () => this.SUBRULE(this.redTeamSuiteDecl) },
        { ALT: () => this.SUBRULE(this.corpusDecl) },
      ]),
    );
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(Kw.import);
    this.CONSUME(StringLiteral);
  });

  // ---- shared pieces -------------------------------------------------------------------------------------------

  private stringList = this.RULE('stringList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(StringLiteral) });
  });

  private nameList = this.RULE('nameList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(Identifier) });
  });

  /** Owner references: e-mail texts or names of declared people and teams, in any mix. */
  private ownerList = this.RULE('ownerList', () => {
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () =>
        this.OR([
          { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'ref' }) },
          { ALT: () => this.CONSUME(Identifier, { LABEL: 'ref' }) },
        ]),
    });
  });

  /** `5000 USD`, `200k tpm`, `15m`: a number and an optional unit word. */
  private amount = this.RULE('amount', () => {
    this.CONSUME(NumberLiteral);
    // Units are plain words, never keywords: `retain 30d log ...` must not read `log` as the unit of `30d`.
    this.OPTION({ GATE: () => this.LA(1).tokenType === Identifier, DEF: () => this.CONSUME(Identifier, { LABEL: 'unit' }) });
  });

  /** One budget or rate item: an amount, then `per <period>` and/or `per tenant`. */
  private limitItem = this.RULE('limitItem', () => {
    this.SUBRULE(this.amount);
    this.MANY(() => {
      this.CONSUME(Kw.per);
      this.CONSUME(Identifier, { LABEL: 'per' });
    });
  });

  private limitList = this.RULE('limitList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.limitItem) });
  });

  private approval = this.RULE('approval', () => {
    this.CONSUME(Kw.approved_by);
    this.OR1([
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'approver' }) },
      { ALT: () => this.CONSUME(Identifier, { LABEL: 'approver' }) },
    ]);
    // `on` followed by a date belongs to the approval; `on budget_exhausted` starts the next field.
    this.OPTION({
      GATE: () => this.LA(2).tokenType === DateLiteral,
      DEF: () => {
        this.CONSUME(Kw.on);
        this.CONSUME(DateLiteral, { LABEL: 'on' });
      },
    });
    this.OPTION2(() => {
      this.CONSUME(Kw.ticket);
      this.OR([
        { ALT: () => this.CONSUME2(Identifier, { LABEL: 'ticket' }) },
        { ALT: () => this.CONSUME2(StringLiteral, { LABEL: 'ticket' }) },
      ]);
    });
    this.OPTION3(() => {
      this.CONSUME(Kw.expires);
      this.OR3([
        { ALT: () => this.CONSUME2(DateLiteral, { LABEL: 'expires' }) },
        { ALT: () => this.CONSUME(Kw.never, { LABEL: 'never' }) },
      ]);
    });
  });

  private titleField = this.RULE('titleField', () => {
    this.CONSUME(Kw.title);
    this.CONSUME(StringLiteral);
  });

  private logField = this.RULE('logField', () => {
    this.CONSUME(Kw.log);
    this.AT_LEAST_ONE_SEP({
      SEP: Comma,
      DEF: () => {
        this.CONSUME(Identifier, { LABEL: 'channel' });
        this.CONSUME2(Identifier, { LABEL: 'level' });
      },
    });
  });

  private retainField = this.RULE('retainField', () => {
    this.CONSUME(Kw.retain);
    this.SUBRULE(this.amount);
  });

  private regionsField = this.RULE('regionsField', () => {
    this.CONSUME(Kw.regions);
    this.SUBRULE(this.nameList);
  });

  /** Catch-all for a word that is not a field of the block; see the class comment. */
  private unknownField = this.RULE('unknownField', () => {
    this.CONSUME(Identifier, { LABEL: 'word' });
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(StringLiteral) },
        { ALT: () => this.CONSUME(NumberLiteral) },
        { ALT: () => this.CONSUME(DateLiteral) },
        { ALT: () => this.CONSUME(Comma) },
        { ALT: () => this.CONSUME(Arrow) },
        { ALT: () => this.CONSUME(At) },
        { ALT: () => this.CONSUME(LessEqual) },
        { ALT: () => this.CONSUME(GreaterEqual) },
        { ALT: () => this.CONSUME(Less) },
        { ALT: () => this.CONSUME(Greater) },
      ]),
    );
    this.OPTION(() => {
      this.CONSUME(LCurly);
      this.MANY2(() => this.SUBRULE(this.unknownField));
      this.CONSUME(RCurly);
    });
  });

  private block(keyword: TokenType, fields: () => void): void {
    this.CONSUME(keyword);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.CONSUME(LCurly);
    this.MANY(fields);
    this.CONSUME(RCurly);
  }

  // ---- org -----------------------------------------------------------------------------------------------------

  orgDecl = this.RULE('orgDecl', () => {
    this.block(Kw.org, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.ownersField) },
        { ALT: () => this.SUBRULE(this.budgetField) },
        { ALT: () => this.SUBRULE(this.retainField) },
        { ALT: () => this.SUBRULE(this.logField) },
        { ALT: () => this.SUBRULE(this.requireField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private ownersField = this.RULE('ownersField', () => {
    this.CONSUME(Kw.owners);
    this.SUBRULE(this.ownerList);
  });

  /** `require trace_id, principal`: what every request must carry. */
  private requireField = this.RULE('requireField', () => {
    this.CONSUME(Kw.require);
    this.SUBRULE(this.nameList);
  });

  // ---- person and team -----------------------------------------------------------------------------------------

  personDecl = this.RULE('personDecl', () => {
    this.block(Kw.person, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.emailField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  teamDecl = this.RULE('teamDecl', () => {
    this.block(Kw.team, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.emailField) },
        { ALT: () => this.SUBRULE(this.membersField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private emailField = this.RULE('emailField', () => {
    this.CONSUME(Kw.email);
    this.CONSUME(StringLiteral);
  });

  private membersField = this.RULE('membersField', () => {
    this.CONSUME(Kw.members);
    this.SUBRULE(this.ownerList);
  });

  private budgetField = this.RULE('budgetField', () => {
    this.CONSUME(Kw.budget);
    this.SUBRULE(this.limitList);
  });

  // ---- provider ------------------------------------------------------------------------------------------------

  providerDecl = this.RULE('providerDecl', () => {
    this.block(Kw.provider, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.regionsField) },
        { ALT: () => this.SUBRULE(this.dpaField) },
        { ALT: () => this.SUBRULE(this.zeroRetentionField) },
        { ALT: () => this.SUBRULE(this.trainsField) },
        { ALT: () => this.SUBRULE(this.hostingField) },
        { ALT: () => this.SUBRULE(this.apiField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private dpaField = this.RULE('dpaField', () => {
    this.CONSUME(Kw.dpa);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.signed);
          this.CONSUME(DateLiteral);
        },
      },
      { ALT: () => this.CONSUME(Kw.none) },
    ]);
  });

  private yesNo = this.RULE('yesNo', () => {
    this.OR([{ ALT: () => this.CONSUME(Kw.yes) }, { ALT: () => this.CONSUME(Kw.no) }]);
  });

  private zeroRetentionField = this.RULE('zeroRetentionField', () => {
    this.CONSUME(Kw.zero_retention);
    this.SUBRULE(this.yesNo);
  });

  private trainsField = this.RULE('trainsField', () => {
    this.CONSUME(Kw.trains_on_customer_data);
    this.SUBRULE(this.yesNo);
  });

  /** `hosting vendor|on_premises|self_hosted`: who operates the runtime (issue 10, data slice). */
  private hostingField = this.RULE('hostingField', () => {
    this.CONSUME(Kw.hosting);
    this.CONSUME(Identifier);
  });

  /** `api openai|azure_openai|anthropic|bedrock|openai_compatible`: the wire protocol a gateway speaks to it. */
  private apiField = this.RULE('apiField', () => {
    this.CONSUME(Kw.api);
    this.CONSUME(Identifier);
  });

  // ---- model ---------------------------------------------------------------------------------------------------

  modelDecl = this.RULE('modelDecl', () => {
    this.block(Kw.model, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.modelProviderField) },
        { ALT: () => this.SUBRULE(this.versionField) },
        { ALT: () => this.SUBRULE(this.approvedVersionsField) },
        { ALT: () => this.SUBRULE(this.regionsField) },
        { ALT: () => this.SUBRULE(this.priceField) },
        { ALT: () => this.SUBRULE(this.contextField) },
        { ALT: () => this.SUBRULE(this.statusField) },
        { ALT: () => this.SUBRULE(this.modelKindField) },
        { ALT: () => this.SUBRULE(this.deploymentField) },
        { ALT: () => this.SUBRULE(this.capacityField) },
        { ALT: () => this.SUBRULE(this.approval) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private modelProviderField = this.RULE('modelProviderField', () => {
    this.CONSUME(Kw.provider);
    this.CONSUME(Identifier);
  });

  private versionField = this.RULE('versionField', () => {
    this.CONSUME(Kw.version);
    this.CONSUME(StringLiteral);
  });

  private approvedVersionsField = this.RULE('approvedVersionsField', () => {
    this.CONSUME(Kw.approved_versions);
    this.SUBRULE(this.stringList);
  });

  /** `price input 2.00 USD output 8.00 USD per 1M tokens` */
  private priceField = this.RULE('priceField', () => {
    this.CONSUME(Kw.price);
    this.CONSUME(Kw.input);
    this.SUBRULE(this.amount, { LABEL: 'input' });
    this.CONSUME(Kw.output);
    this.SUBRULE2(this.amount, { LABEL: 'output' });
    this.CONSUME(Kw.per);
    this.SUBRULE3(this.amount, { LABEL: 'per' });
  });

  private contextField = this.RULE('contextField', () => {
    this.CONSUME(Kw.context);
    this.SUBRULE(this.amount);
  });

  private statusField = this.RULE('statusField', () => {
    this.CONSUME(Kw.status);
    this.CONSUME(Identifier);
  });

  /** `kind chat|embedding` */
  private modelKindField = this.RULE('modelKindField', () => {
    this.CONSUME(Kw.kind);
    this.CONSUME(Identifier);
  });

  /** `deployment "gpt-41-eu"`: the id the provider serves the model under. */
  private deploymentField = this.RULE('deploymentField', () => {
    this.CONSUME(Kw.deployment);
    this.CONSUME(StringLiteral);
  });

  /** `capacity 600 rpm, 200k tpm`: the deployment's own limits, written as rate items. */
  private capacityField = this.RULE('capacityField', () => {
    this.CONSUME(Kw.capacity);
    this.SUBRULE(this.limitList);
  });

  // ---- data class ----------------------------------------------------------------------------------------------

  dataClassDecl = this.RULE('dataClassDecl', () => {
    this.block(Kw.data_class, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.sensitivityField) },
        { ALT: () => this.SUBRULE(this.defaultField) },
        { ALT: () => this.SUBRULE(this.detectField) },
        { ALT: () => this.SUBRULE(this.residencyField) },
        { ALT: () => this.SUBRULE(this.requiresField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private sensitivityField = this.RULE('sensitivityField', () => {
    this.CONSUME(Kw.sensitivity);
    this.CONSUME(Identifier);
  });

  private defaultField = this.RULE('defaultField', () => {
    this.CONSUME(Kw.default);
    this.CONSUME(Identifier);
  });

  /** `detect email, phone, pattern employee_id "EMP-[0-9]{6}"` */
  private detectField = this.RULE('detectField', () => {
    this.CONSUME(Kw.detect);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.detector) });
  });

  private detector = this.RULE('detector', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.pattern);
          this.CONSUME(Identifier, { LABEL: 'name' });
          this.CONSUME(StringLiteral);
        },
      },
      { ALT: () => this.CONSUME2(Identifier, { LABEL: 'builtin' }), IGNORE_AMBIGUITIES: true },
    ]);
  });

  private residencyField = this.RULE('residencyField', () => {
    this.CONSUME(Kw.residency);
    this.SUBRULE(this.nameList);
  });

  // ---- tier ----------------------------------------------------------------------------------------------------

  tierDecl = this.RULE('tierDecl', () => {
    this.block(Kw.tier, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.requiresField) },
        { ALT: () => this.SUBRULE(this.minRetentionField) },
        { ALT: () => this.SUBRULE(this.logField) },
        { ALT: () => this.SUBRULE(this.approversField) },
        { ALT: () => this.SUBRULE(this.prohibitedField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private requiresField = this.RULE('requiresField', () => {
    this.CONSUME(Kw.requires);
    this.SUBRULE(this.nameList);
  });

  private minRetentionField = this.RULE('minRetentionField', () => {
    this.CONSUME(Kw.min_retention);
    this.SUBRULE(this.amount);
  });

  private approversField = this.RULE('approversField', () => {
    this.CONSUME(Kw.approvers);
    this.SUBRULE(this.amount);
  });

  private prohibitedField = this.RULE('prohibitedField', () => {
    this.CONSUME(Kw.prohibited);
  });

  // ---- tool ----------------------------------------------------------------------------------------------------

  toolDecl = this.RULE('toolDecl', () => {
    this.block(Kw.tool, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.scopesField) },
        { ALT: () => this.SUBRULE(this.ownerField) },
        { ALT: () => this.SUBRULE(this.approval) },
        // Language v2: versions, for rollbacks.
        { ALT: () => this.SUBRULE(this.versionField) },
        { ALT: () => this.SUBRULE(this.approvedVersionsField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private scopesField = this.RULE('scopesField', () => {
    this.CONSUME(Kw.scopes);
    this.SUBRULE(this.stringList);
  });

  /** `owner "x@acme.example"` or `owner support_eng` (a declared person or team). */
  private ownerField = this.RULE('ownerField', () => {
    this.CONSUME(Kw.owner);
    this.OR([
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'ref' }) },
      { ALT: () => this.CONSUME(Identifier, { LABEL: 'ref' }) },
    ]);
  });

  // ---- corpus (retrieval, language v2 1.8) --------------------------------------------------------------------

  corpusDecl = this.RULE('corpusDecl', () => {
    this.block(Kw.corpus, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.ownerField) },
        { ALT: () => this.SUBRULE(this.dataClassesField) },
        { ALT: () => this.SUBRULE(this.residencyField) },
        { ALT: () => this.SUBRULE(this.embeddingsField) },
        { ALT: () => this.SUBRULE(this.versionField) },
        { ALT: () => this.SUBRULE(this.approvedVersionsField) },
        { ALT: () => this.SUBRULE(this.approval) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private dataClassesField = this.RULE('dataClassesField', () => {
    this.CONSUME(Kw.data_classes);
    this.SUBRULE(this.nameList);
  });

  private embeddingsField = this.RULE('embeddingsField', () => {
    this.CONSUME(Kw.embeddings);
    this.CONSUME(Identifier);
  });

  /** `retrieval help_center, policies` (a use case's corpora) */
  private retrievalField = this.RULE('retrievalField', () => {
    this.CONSUME(Kw.retrieval);
    this.SUBRULE(this.nameList);
  });

  // ---- use case ------------------------------------------------------------------------------------------------

  useCaseDecl = this.RULE('useCaseDecl', () => {
    this.block(Kw.use_case, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.tierField) },
        { ALT: () => this.SUBRULE(this.ownerField) },
        { ALT: () => this.SUBRULE(this.surfacesField) },
        { ALT: () => this.SUBRULE(this.modelsField) },
        { ALT: () => this.SUBRULE(this.dataField) },
        { ALT: () => this.SUBRULE(this.toolGrantField) },
        { ALT: () => this.SUBRULE(this.budgetField) },
        { ALT: () => this.SUBRULE(this.rateField) },
        { ALT: () => this.SUBRULE(this.onField) },
        { ALT: () => this.SUBRULE(this.logField) },
        { ALT: () => this.SUBRULE(this.retainField) },
        { ALT: () => this.SUBRULE(this.humanOversightField) },
        { ALT: () => this.SUBRULE(this.disclosureField) },
        { ALT: () => this.SUBRULE(this.redTeamField) },
        { ALT: () => this.SUBRULE(this.evalField) },
        { ALT: () => this.SUBRULE(this.rollbackField) },
        { ALT: () => this.SUBRULE(this.logAccessField) },
        { ALT: () => this.SUBRULE(this.retrievalField) },
        { ALT: () => this.SUBRULE(this.approval) },
        // Language v2, assets.
        { ALT: () => this.SUBRULE(this.promptsField) },
        { ALT: () => this.SUBRULE(this.budgetAlertField) },
        { ALT: () => this.SUBRULE(this.guardrailsField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  /** `log_access compliance_team, "security@acme.example"`: who may read the use case's logs. */
  private logAccessField = this.RULE('logAccessField', () => {
    this.CONSUME(Kw.log_access);
    this.SUBRULE(this.ownerList);
  });

  private tierField = this.RULE('tierField', () => {
    this.CONSUME(Kw.tier);
    this.CONSUME(Identifier);
  });

  private surfacesField = this.RULE('surfacesField', () => {
    this.CONSUME(Kw.surfaces);
    this.SUBRULE(this.stringList);
  });

  /** `models gpt-4.1 fallback claude-sonnet-4 fallback ...` */
  private modelsField = this.RULE('modelsField', () => {
    this.CONSUME(Kw.models);
    this.CONSUME(Identifier, { LABEL: 'primary' });
    this.MANY(() => {
      this.CONSUME(Kw.fallback);
      this.CONSUME2(Identifier, { LABEL: 'fallback' });
    });
  });

  /** `data pii -> openai, model llama-3.3-70b in eu redacted requires zero_retention` or `data phi deny` */
  private dataField = this.RULE('dataField', () => {
    this.CONSUME(Kw.data);
    this.CONSUME(Identifier, { LABEL: 'dataClass' });
    this.OR([
      { ALT: () => this.CONSUME(Kw.deny) },
      {
        ALT: () => {
          this.CONSUME(Arrow);
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.SUBRULE(this.flowTarget) });
          this.OPTION(() => {
            this.CONSUME(Kw.in);
            this.SUBRULE2(this.nameList, { LABEL: 'regions' });
          });
          this.OPTION2(() => this.CONSUME(Kw.redacted));
          this.OPTION3(() => {
            this.CONSUME(Kw.requires);
            this.SUBRULE3(this.nameList, { LABEL: 'requires' });
          });
        },
      },
    ]);
  });

  /** A flow target: `NAME` (a provider or a model), or explicitly `provider NAME` / `model NAME`. */
  private flowTarget = this.RULE('flowTarget', () => {
    // `provider`/`model` is a qualifier only when a name follows it; alone it is the name (keywords are soft).
    this.OPTION({
      GATE: () => tokenMatcher(this.LA(2), Identifier),
      DEF: () => this.OR([{ ALT: () => this.CONSUME(Kw.provider, { LABEL: 'qualifier' }) }, { ALT: () => this.CONSUME(Kw.model, { LABEL: 'qualifier' }) }]),
    });
    this.CONSUME(Identifier, { LABEL: 'target' });
  });

  /** `tool refund scope "payments:write" requires human_approval` */
  private toolGrantField = this.RULE('toolGrantField', () => {
    this.CONSUME(Kw.tool);
    this.CONSUME(Identifier);
    this.OPTION(() => {
      this.CONSUME(Kw.scope);
      this.SUBRULE(this.stringList);
    });
    this.OPTION2(() => {
      this.CONSUME(Kw.requires);
      this.CONSUME2(Identifier, { LABEL: 'requirement' });
    });
  });

  private rateField = this.RULE('rateField', () => {
    this.CONSUME(Kw.rate);
    this.SUBRULE(this.limitList);
  });

  /** `on budget_exhausted degrade to gpt-4.1-mini up to 120% then refuse "..."` */
  private onField = this.RULE('onField', () => {
    this.CONSUME(Kw.on);
    this.CONSUME(Identifier, { LABEL: 'event' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(Kw.degrade);
          this.CONSUME(Kw.to);
          this.CONSUME2(Identifier, { LABEL: 'degradeTo' });
          this.OPTION(() => {
            this.CONSUME(Kw.up);
            this.CONSUME2(Kw.to);
            this.CONSUME(NumberLiteral, { LABEL: 'upTo' });
          });
          this.CONSUME(Kw.then);
          this.CONSUME(Kw.refuse);
          this.CONSUME(StringLiteral);
        },
      },
      {
        ALT: () => {
          this.CONSUME2(Kw.refuse);
          this.CONSUME2(StringLiteral);
        },
      },
    ]);
  });

  private humanOversightField = this.RULE('humanOversightField', () => {
    this.CONSUME(Kw.human_oversight);
    this.CONSUME(StringLiteral);
  });

  private disclosureField = this.RULE('disclosureField', () => {
    this.CONSUME(Kw.disclosure);
    this.CONSUME(StringLiteral);
  });

  /** `red_team "<description>"` (v1) or `red_team SUITE` (language v2: a declared red-team suite). */
  private redTeamField = this.RULE('redTeamField', () => {
    this.CONSUME(Kw.red_team);
    this.OR([{ ALT: () => this.CONSUME(StringLiteral) }, { ALT: () => this.CONSUME(Identifier, { LABEL: 'suite' }) }]);
  });

  /** `eval support_safety { dataset "..." toxicity <= 0.01 groundedness >= 0.92 regression 0.02 }` */
  private evalField = this.RULE('evalField', () => {
    this.CONSUME(Kw.eval);
    this.CONSUME(Identifier, { LABEL: 'name' });
    this.CONSUME(LCurly);
    this.MANY(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(Kw.dataset);
            this.CONSUME(StringLiteral, { LABEL: 'dataset' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.baseline);
            this.CONSUME2(StringLiteral, { LABEL: 'baseline' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(Kw.regression);
            this.CONSUME(NumberLiteral, { LABEL: 'regression' });
          },
        },
        { ALT: () => this.SUBRULE(this.metric) },
      ]),
    );
    this.CONSUME(RCurly);
  });

  private metric = this.RULE('metric', () => {
    this.CONSUME(Identifier, { LABEL: 'metric' });
    this.OR([
      { ALT: () => this.CONSUME(LessEqual) },
      { ALT: () => this.CONSUME(GreaterEqual) },
      { ALT: () => this.CONSUME(Less) },
      { ALT: () => this.CONSUME(Greater) },
    ]);
    this.CONSUME(NumberLiteral, { LABEL: 'threshold' });
  });

  /** `rollback to gpt-4.1@"2025-04-14" within 15m owned_by "oncall@acme.example" steps "...", "..."` */
  private rollbackField = this.RULE('rollbackField', () => {
    this.CONSUME(Kw.rollback);
    this.OR([
      {
        // v1: `rollback to MODEL@"VERSION"`, a model.
        ALT: () => {
          this.CONSUME(Kw.to);
          this.CONSUME(Identifier, { LABEL: 'model' });
          this.OPTION(() => {
            this.CONSUME(At);
            this.SUBRULE(this.rollbackVersion);
          });
        },
      },
      {
        // Language v2: `rollback model|prompt|tool|corpus NAME to "VERSION"`.
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(Kw.model, { LABEL: 'asset' }) },
            { ALT: () => this.CONSUME(Kw.prompt, { LABEL: 'asset' }) },
            { ALT: () => this.CONSUME(Kw.tool, { LABEL: 'asset' }) },
            { ALT: () => this.CONSUME(Kw.corpus, { LABEL: 'asset' }) },
          ]);
          this.CONSUME2(Identifier, { LABEL: 'model' });
          this.CONSUME2(Kw.to);
          this.SUBRULE2(this.rollbackVersion);
        },
      },
    ]);
    this.OPTION2(() => {
      this.CONSUME(Kw.within);
      this.SUBRULE(this.amount, { LABEL: 'within' });
    });
    this.OPTION3(() => {
      this.CONSUME(Kw.owned_by);
      this.OR3([
        { ALT: () => this.CONSUME2(StringLiteral, { LABEL: 'ownedBy' }) },
        { ALT: () => this.CONSUME3(Identifier, { LABEL: 'ownedBy' }) },
      ]);
    });
    this.OPTION4(() => {
      this.CONSUME(Kw.steps);
      this.SUBRULE(this.stringList, { LABEL: 'steps' });
    });
  });

  /** A rollback's target version: a text, or a date, number or word written bare. */
  private rollbackVersion = this.RULE('rollbackVersion', () => {
    this.OR([
      { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'version' }) },
      { ALT: () => this.CONSUME(DateLiteral, { LABEL: 'version' }) },
      { ALT: () => this.CONSUME(NumberLiteral, { LABEL: 'version' }) },
      { ALT: () => this.CONSUME(Identifier, { LABEL: 'version' }) },
    ]);
  });

  // ---- language v2, assets: prompts, budget alerts ---------------------------------------------------------------

  /** `prompt support_system { version "v7" sha256 "..." file "prompts/x.txt" approved_versions ... approved_by ... }` */
  promptDecl = this.RULE('promptDecl', () => {
    this.block(Kw.prompt, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.ownerField) },
        { ALT: () => this.SUBRULE(this.versionField) },
        { ALT: () => this.SUBRULE(this.sha256Field) },
        { ALT: () => this.SUBRULE(this.fileField) },
        { ALT: () => this.SUBRULE(this.approvedVersionsField) },
        { ALT: () => this.SUBRULE(this.approval) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private sha256Field = this.RULE('sha256Field', () => {
    this.CONSUME(Kw.sha256);
    this.CONSUME(StringLiteral);
  });

  private fileField = this.RULE('fileField', () => {
    this.CONSUME(Kw.file);
    this.CONSUME(StringLiteral);
  });

  /** `prompts support_system, escalation_notes` */
  private promptsField = this.RULE('promptsField', () => {
    this.CONSUME(Kw.prompts);
    this.SUBRULE(this.nameList);
  });

  // ---- language v2, assets: guardrails and red-team suites ------------------------------------------------------

  /** `guardrail toxicity { kind classifier stage output threshold 0.8 action block model text-moderation-007 }` */
  guardrailDecl = this.RULE('guardrailDecl', () => {
    this.block(Kw.guardrail, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.kindField) },
        { ALT: () => this.SUBRULE(this.stageField) },
        { ALT: () => this.SUBRULE(this.actionField) },
        { ALT: () => this.SUBRULE(this.guardrailModelField) },
        { ALT: () => this.SUBRULE(this.thresholdField) },
        { ALT: () => this.SUBRULE(this.itemsField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private kindField = this.RULE('kindField', () => {
    this.CONSUME(Kw.kind);
    this.CONSUME(Identifier);
  });

  private stageField = this.RULE('stageField', () => {
    this.CONSUME(Kw.stage);
    this.CONSUME(Identifier);
  });

  private actionField = this.RULE('actionField', () => {
    this.CONSUME(Kw.action);
    this.CONSUME(Identifier);
  });

  /** The classifier model a guardrail runs. */
  private guardrailModelField = this.RULE('guardrailModelField', () => {
    this.CONSUME(Kw.model);
    this.CONSUME(Identifier);
  });

  private thresholdField = this.RULE('thresholdField', () => {
    this.CONSUME(Kw.threshold);
    this.CONSUME(NumberLiteral);
  });

  private itemsField = this.RULE('itemsField', () => {
    this.CONSUME(Kw.items);
    this.SUBRULE(this.stringList);
  });

  /** `red_team_suite support_jailbreaks { dataset "..." guardrails toxicity min_pass_rate 98% }` */
  redTeamSuiteDecl = this.RULE('redTeamSuiteDecl', () => {
    this.block(Kw.red_team_suite, () =>
      this.OR([
        { ALT: () => this.SUBRULE(this.titleField) },
        { ALT: () => this.SUBRULE(this.datasetField) },
        { ALT: () => this.SUBRULE(this.guardrailsField) },
        { ALT: () => this.SUBRULE(this.minPassRateField) },
        { ALT: () => this.SUBRULE(this.unknownField), IGNORE_AMBIGUITIES: true },
      ]),
    );
  });

  private datasetField = this.RULE('datasetField', () => {
    this.CONSUME(Kw.dataset);
    this.CONSUME(StringLiteral);
  });

  private minPassRateField = this.RULE('minPassRateField', () => {
    this.CONSUME(Kw.min_pass_rate);
    this.CONSUME(NumberLiteral);
  });

  /** `guardrails toxicity, competitor_names` */
  private guardrailsField = this.RULE('guardrailsField', () => {
    this.CONSUME(Kw.guardrails);
    this.SUBRULE(this.nameList);
  });

  /** `budget_alert 80%, 95% notify "finance@acme.example"` */
  private budgetAlertField = this.RULE('budgetAlertField', () => {
    this.CONSUME(Kw.budget_alert);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(NumberLiteral, { LABEL: 'threshold' }) });
    this.OPTION(() => {
      this.CONSUME(Kw.notify);
      this.OR([
        { ALT: () => this.CONSUME(StringLiteral, { LABEL: 'notify' }) },
        { ALT: () => this.CONSUME(Identifier, { LABEL: 'notify' }) },
      ]);
    });
  });
}

let shared: GovParser | undefined;

/** The one parser instance (building the grammar costs far more than a parse). */
export function sharedParser(): GovParser {
  shared ??= new GovParser();
  return shared;
}

export type { CstNode, IToken };
