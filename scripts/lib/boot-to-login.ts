// Boots an OS image with cc-run (directly, or in the nested-KVM lab) until getty prints its login
// prompt — multi-user.target is up — then stops it as Ctrl-C would (cc-run exits 130). The demo and
// the systemd e2e test both use it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInLab, type LabResult } from '../kvm-lab.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const LOGIN_PROMPT = / login: *$/m;

export interface LoginBoot {
  lab: LabResult;
  /** The guest's serial console. */
  console: string;
  /** cc-run's stderr: the --json run report on its last line, or an error. */
  stderr: string;
  /** cc-run's exit status; undefined when it never ran to the end. */
  status?: number;
  reachedLogin: boolean;
}

/** `scratchDir` holds the image (the lab writes through to it) and receives the console and report. */
export async function bootToLogin(image: string, scratchDir: string, timeoutS = 1200): Promise<LoginBoot> {
  const consoleLog = join(scratchDir, 'console.log');
  const stderrLog = join(scratchDir, 'cc-run.err');
  const statusFile = join(scratchDir, 'cc-run.status');
  const script = [
    `node bin/cc-run.js ${image} --timeout 900 --json >${consoleLog} 2>${stderrLog} & pid=$!`,
    `while kill -0 $pid 2>/dev/null && ! grep -q ' login: *$' ${consoleLog}; do sleep 0.2; done`,
    `kill -INT $pid 2>/dev/null; wait $pid; echo $? >${statusFile}`,
  ].join('\n');
  const lab = await runInLab({ command: script, scratchDir, cwd: ROOT, timeoutS });
  const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : '');
  const console = read(consoleLog);
  const status = read(statusFile).trim();
  return { lab, console, stderr: read(stderrLog), ...(status ? { status: Number(status) } : {}), reachedLogin: LOGIN_PROMPT.test(console) };
}
