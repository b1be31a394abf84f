/** A minimal reader of a WebAssembly binary's type, import, function, global and export sections, for ABI tests. */

export interface FuncType {
  params: string[];
  results: string[];
}

export interface ModuleShape {
  imports: Array<{ module: string; name: string; kind: 'func' | 'memory' | 'table' | 'global'; type?: FuncType; min?: number; max?: number }>;
  exports: Array<{ name: string; kind: 'func' | 'memory' | 'table' | 'global'; type?: FuncType; global?: { mutable: boolean; valueType: string; init?: number } }>;
}

const VALTYPE: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64' };
const KIND = ['func', 'table', 'memory', 'global'] as const;

export function readModuleShape(bytes: Uint8Array): ModuleShape {
  let p = 8;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[p++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  const s32 = (): number => {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[p++]!;
      result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 32 && b & 0x40) result |= -1 << shift;
    return result;
  };
  const name = (): string => {
    const n = u32();
    const s = Buffer.from(bytes.subarray(p, p + n)).toString('utf8');
    p += n;
    return s;
  };
  const types: FuncType[] = [];
  const funcTypes: number[] = [];
  const globals: Array<{ mutable: boolean; valueType: string; init?: number }> = [];
  const shape: ModuleShape = { imports: [], exports: [] };
  let importedFuncs = 0;
  let importedGlobals = 0;
  while (p < bytes.length) {
    const id = bytes[p++]!;
    const size = u32();
    const end = p + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        p++; // 0x60
        const params = Array.from({ length: u32() }, () => VALTYPE[bytes[p++]!]!);
        const results = Array.from({ length: u32() }, () => VALTYPE[bytes[p++]!]!);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = KIND[bytes[p++]!]!;
        if (kind === 'func') {
          shape.imports.push({ module, name: field, kind, type: types[u32()]! });
          importedFuncs++;
        } else if (kind === 'memory') {
          const flags = bytes[p++]!;
          const min = u32();
          const max = flags & 1 ? u32() : undefined;
          shape.imports.push({ module, name: field, kind, min, ...(max !== undefined && { max }) });
        } else if (kind === 'global') {
          const valueType = VALTYPE[bytes[p++]!]!;
          const mutable = bytes[p++] === 1;
          globals.push({ valueType, mutable });
          importedGlobals++;
          shape.imports.push({ module, name: field, kind });
        } else {
          p += 1;
          const flags = bytes[p++]!;
          u32();
          if (flags & 1) u32();
          shape.imports.push({ module, name: field, kind });
        }
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 6) {
      for (let n = u32(); n > 0; n--) {
        const valueType = VALTYPE[bytes[p++]!]!;
        const mutable = bytes[p++] === 1;
        let init: number | undefined;
        if (bytes[p] === 0x41) {
          p++;
          init = s32();
        } else {
          while (bytes[p] !== 0x0b) p++;
        }
        p++; // end
        if (init === undefined) while (bytes[p - 1] !== 0x0b) p++;
        globals.push({ valueType, mutable, ...(init !== undefined && { init }) });
      }
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name();
        const kind = KIND[bytes[p++]!]!;
        const index = u32();
        if (kind === 'func') {
          const t = index < importedFuncs ? shape.imports.filter((i) => i.kind === 'func')[index]!.type! : types[funcTypes[index - importedFuncs]!]!;
          shape.exports.push({ name: field, kind, type: t });
        } else if (kind === 'global') shape.exports.push({ name: field, kind, global: globals[index]! });
        else shape.exports.push({ name: field, kind });
      }
    }
    p = end;
    void importedGlobals;
  }
  return shape;
}
