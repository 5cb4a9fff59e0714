// The run spec: what the guest's app-init (recipes/guest/app-init) runs, handed over as the bytes
// of a small pmem region (/dev/pmem2), so no quoting layer (kernel command line, shell) touches it.
// Format: a line "cc.spec.v1 LENGTH", then LENGTH bytes of NUL-terminated fields: uid, gid,
// groups (comma list), cwd, hostname, resolv.conf, tty ("" or ROWSxCOLS), env count N,
// N KEY=VALUE, then argv.

export const RUN_SPEC_MAGIC = 'cc.spec.v1';

export interface RunSpec {
  argv: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  groups: number[];
  hostname: string;
  resolvConf: string;
  /** -t: the app's stdin, stdout and stderr are one terminal of this size. */
  tty?: { rows: number; cols: number };
}

export class RunSpecError extends Error {
  constructor(readonly kind: 'nul' | 'empty-argv' | 'bad-cwd', message: string) {
    super(message);
    this.name = 'RunSpecError';
  }
}

/** The fields in order (the guest reads them by position). */
function fields(spec: RunSpec): string[] {
  return [
    String(spec.uid), String(spec.gid), spec.groups.join(','), spec.cwd, spec.hostname, spec.resolvConf,
    spec.tty ? `${spec.tty.rows}x${spec.tty.cols}` : '', String(spec.env.length), ...spec.env, ...spec.argv,
  ];
}

export function encodeRunSpec(spec: RunSpec): Uint8Array {
  if (spec.argv.length === 0) throw new RunSpecError('empty-argv', 'nothing to run: the image has no entrypoint or cmd');
  if (!spec.cwd.startsWith('/')) throw new RunSpecError('bad-cwd', `working directory ${JSON.stringify(spec.cwd)} is not absolute`);
  const all = fields(spec);
  const bad = all.find((f) => f.includes('\0'));
  if (bad !== undefined) throw new RunSpecError('nul', `${JSON.stringify(bad)} contains a NUL byte`);
  const body = Buffer.from(all.map((f) => `${f}\0`).join(''), 'utf8');
  return Buffer.concat([Buffer.from(`${RUN_SPEC_MAGIC} ${body.length}\n`), body]);
}

/** The inverse of encodeRunSpec (for tests and diagnostics). */
export function decodeRunSpec(bytes: Uint8Array): RunSpec {
  const buf = Buffer.from(bytes);
  const nl = buf.indexOf(10);
  const [magic, length] = buf.subarray(0, nl).toString().split(' ');
  if (magic !== RUN_SPEC_MAGIC) throw new Error(`not a run spec: ${magic}`);
  const f = buf.subarray(nl + 1, nl + 1 + Number(length)).toString('utf8').split('\0').slice(0, -1);
  const n = Number(f[7]);
  const [rows, cols] = (f[6] ?? '').split('x').map(Number);
  return {
    uid: Number(f[0]), gid: Number(f[1]), groups: f[2] ? f[2].split(',').map(Number) : [], cwd: f[3]!,
    hostname: f[4]!, resolvConf: f[5]!, ...(f[6] ? { tty: { rows: rows!, cols: cols! } } : {}),
    env: f.slice(8, 8 + n), argv: f.slice(8 + n),
  };
}
