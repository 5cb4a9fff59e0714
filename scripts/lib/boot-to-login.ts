// Boots an OS image with cc-run (directly, or in the nested-KVM lab) until its console prints a
// marker — by default getty's login prompt: multi-user.target is up — then stops it as Ctrl-C
// would (cc-run exits 130). The demo, the systemd e2e test and bench-guest use it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInLab, type LabResult } from '../kvm-lab.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A console line to wait for, as `grep` (basic regex, run in the lab's shell) and as a RegExp. */
export interface ConsoleMarker {
  grep: string;
  re: RegExp;
}

export const LOGIN_PROMPT: ConsoleMarker = { grep: ' login: *$', re: / login: *$/m };

export interface MarkerBoot {
  lab: LabResult;
  /** The guest's serial console. */
  console: string;
  /** cc-run's stderr: the --json run report on its last line, or an error. */
  stderr: string;
  /** cc-run's exit status; undefined when it never ran to the end. */
  status?: number;
  /** The marker appeared on the console. */
  reached: boolean;
}

/** `scratchDir` holds the image (the lab writes through to it) and receives the console and report. */
export async function bootUntil(image: string, scratchDir: string, marker: ConsoleMarker, timeoutS = 1200): Promise<MarkerBoot> {
  const consoleLog = join(scratchDir, 'console.log');
  const stderrLog = join(scratchDir, 'cc-run.err');
  const statusFile = join(scratchDir, 'cc-run.status');
  const script = [
    `node bin/cc-run.js ${image} --timeout 900 --json >${consoleLog} 2>${stderrLog} & pid=$!`,
    `while kill -0 $pid 2>/dev/null && ! grep -q '${marker.grep}' ${consoleLog}; do sleep 0.2; done`,
    `kill -INT $pid 2>/dev/null; wait $pid; echo $? >${statusFile}`,
  ].join('\n');
  const lab = await runInLab({ command: script, scratchDir, cwd: ROOT, timeoutS });
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const console = read(consoleLog);
  const status = read(statusFile).trim();
  return { lab, console, stderr: read(stderrLog), ...(status ? { status: Number(status) } : {}), reached: marker.re.test(console) };
}

export function bootToLogin(image: string, scratchDir: string, timeoutS = 1200): Promise<MarkerBoot> {
  return bootUntil(image, scratchDir, LOGIN_PROMPT, timeoutS);
}
