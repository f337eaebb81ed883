import fs from 'node:fs';

/**
 * Which runtime a compiled Node add-on (.node) was built for, read from the symbol it exports:
 * `napi_register_module_v1` (Node-API: loads in Node and in Electron alike) or
 * `node_register_module_v<ABI>` (one ABI only: 115 is Node 20, Electron has its own numbers).
 * The symbol's name is in the export table of ELF, Mach-O and PE files alike.
 */
export type AddonKind = { kind: 'napi' } | { kind: 'abi'; abi: string } | { kind: 'unknown' };

export function addonKind(bytes: Buffer): AddonKind {
  if (bytes.includes('napi_register_module_v1')) return { kind: 'napi' };
  const match = /node_register_module_v(\d+)/.exec(bytes.toString('latin1'));
  return match ? { kind: 'abi', abi: match[1]! } : { kind: 'unknown' };
}

/** Null when the add-on at `file` loads under this ABI; otherwise what is wrong, said plainly. */
export function bindingProblem(file: string, runtimeAbi: string, runtimeName: string): string | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    return `${file} cannot be read: ${(error as Error).message}`;
  }
  const kind = addonKind(bytes);
  if (kind.kind === 'napi') return null;
  if (kind.kind === 'unknown') return `${file} is not a Node add-on`;
  if (kind.abi === runtimeAbi) return null;
  return `${file} is built for ABI ${kind.abi}, but ${runtimeName} needs ABI ${runtimeAbi}`;
}
