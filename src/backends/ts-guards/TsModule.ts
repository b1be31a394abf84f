import { TsCode, tsName, tsValue } from './tsCode.js';

/**
 * A module written in one of four forms from the same statements, so the TypeScript, its two JavaScript forms and
 * its declarations cannot disagree: `ts` (TypeScript), `esm` (JavaScript, ES module: `.mjs`), `cjs` (JavaScript,
 * CommonJS: `.cjs`) and `dts` (declarations: `.d.mts` and `.d.cts`, the same text). JavaScript is TypeScript without
 * its types, so each statement carries its types apart from its values, and each form leaves out what it does not
 * have. Values are TsCode (tsCode.ts: JSON literals for anything from a `.gov` file), names pass tsName, and
 * comments and module specifiers are checked here: nothing else reaches the text.
 */

export type ModuleFormat = 'ts' | 'esm' | 'cjs' | 'dts';

export interface ConstStatement {
  readonly name: string;
  /** The declared type (TypeScript and declarations). */
  readonly type?: TsCode;
  /** The initializer; an array of rows is written as an array literal, one row a line (so the module diffs line by line). */
  readonly value: TsCode | readonly TsCode[];
  /** The initializer in JavaScript, when the TypeScript one has type syntax in it. */
  readonly jsValue?: TsCode;
  readonly exported?: boolean;
  /** In declarations, `declare const NAME = VALUE` (a literal) instead of its type. */
  readonly declareValue?: boolean;
  readonly docs?: string;
}

function checkComment(text: string): string {
  // INVARIANT: comments are govc's own one-line text.
  if (/[\r\n\u2028\u2029]|\*\//.test(text)) throw new Error('INVARIANT: a generated comment must be one line without `*/`');
  return text;
}

function checkSpecifier(specifier: string): TsCode {
  // INVARIANT: a plain package name or path; tsValue quotes it anyway.
  if (!/^[A-Za-z0-9@._/-]+$/.test(specifier) && !/^\.{0,2}\/[^'"\\\n\r\u2028\u2029]*$/.test(specifier)) throw new Error('INVARIANT: unsafe module specifier');
  return tsValue(specifier);
}

export class TsModule {
  private readonly out: string[] = [];
  private readonly exportsAtEnd: string[] = [];
  private started = false;

  constructor(readonly format: ModuleFormat) {}

  private get typed(): boolean {
    return this.format === 'ts' || this.format === 'dts';
  }

  /** `//` comment lines at the top (before the CommonJS prologue). */
  header(lines: readonly string[]): this {
    for (const l of lines) this.out.push(`// ${checkComment(l)}`);
    return this;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.out.push('/* eslint-disable */');
    if (this.format === 'cjs') this.out.push('"use strict";', 'Object.defineProperty(exports, "__esModule", { value: true });');
  }

  private docs(text: string | undefined): void {
    if (text !== undefined) this.out.push(`/** ${checkComment(text)} */`);
  }

  /** `import type { ... }`: TypeScript and declarations only. */
  importTypes(names: readonly string[], from: string): this {
    this.start();
    if (this.typed) this.out.push(`import type { ${names.map((n) => tsName(n).text).join(', ')} } from ${checkSpecifier(from).text};`);
    return this;
  }

  /** Values from a module: `import { ... }` or `const { ... } = require(...)`; declarations need none. */
  importValues(names: readonly string[], from: string): this {
    this.start();
    const list = names.map((n) => tsName(n).text).join(', ');
    if (this.format === 'cjs') this.out.push(`const { ${list} } = require(${checkSpecifier(from).text});`);
    else if (this.format !== 'dts') this.out.push(`import { ${list} } from ${checkSpecifier(from).text};`);
    return this;
  }

  /** A type declaration govc wrote (a type alias or interface, exported): TypeScript and declarations only. */
  type(code: TsCode, docs?: string): this {
    this.start();
    if (this.typed) {
      this.docs(docs);
      this.out.push(code.text);
    }
    return this;
  }

  blank(): this {
    this.start();
    this.out.push('');
    return this;
  }

  const(s: ConstStatement): this {
    this.start();
    const name = tsName(s.name).text;
    if (this.format === 'dts') {
      if (!s.exported) return this;
      this.docs(s.docs);
      // INVARIANT: exported constants have a declared type or a literal value (isolated declarations).
      if (!s.declareValue && s.type === undefined) throw new Error(`INVARIANT: exported \`${name}\` needs a type`);
      this.out.push(s.declareValue ? `export declare const ${name} = ${(s.value as TsCode).text};` : `export declare const ${name}: ${s.type!.text};`);
      return this;
    }
    this.docs(s.docs);
    const keyword = s.exported && this.format !== 'cjs' ? 'export const' : 'const';
    const type = this.format === 'ts' && s.type !== undefined ? `: ${s.type.text}` : '';
    const value = this.format !== 'ts' && s.jsValue !== undefined ? s.jsValue : s.value;
    if (value instanceof TsCode) this.out.push(`${keyword} ${name}${type} = ${value.text};`);
    else {
      this.out.push(`${keyword} ${name}${type} = [`);
      for (const row of value) this.out.push(`    ${row.text},`);
      this.out.push('];');
    }
    if (s.exported && this.format === 'cjs') this.exportsAtEnd.push(`exports.${name} = ${name};`);
    return this;
  }

  text(): string {
    this.start();
    return [...this.out, ...this.exportsAtEnd, ''].join('\n');
  }
}
