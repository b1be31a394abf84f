import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which scripts/setup-test-env.sh installs. Tests fail, not skip, without it. */
export const CHROMIUM = '/usr/bin/chromium';

export function requireChromium(): string {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium is not installed at ${CHROMIUM}: run \`bash scripts/setup-test-env.sh\` (npm test does)`);
  return CHROMIUM;
}

export interface HeadlessChromium {
  readonly browser: Browser;
  readonly pid: number;
  /** Closes the browser, then kills what is left of its process group (by the pid this helper started). */
  stop(): Promise<void>;
}

/**
 * Starts Debian's Chromium headless, in its own process group, with DevTools on a loopback port the browser picks
 * (`--remote-debugging-port=0`, read from its "DevTools listening on" line), and connects playwright-core to it over
 * CDP: no browser download, no Playwright-managed process. Rendering flags make screenshots repeatable (no GPU, sRGB,
 * no font hinting, no LCD text, scale 1). Bounded by `timeoutMs`.
 */
export async function startChromium(timeoutMs = 20_000): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'govc-chromium-'));
  const child: ChildProcess = spawn(
    requireChromium(),
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-extensions',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--force-color-profile=srgb',
      '--font-render-hinting=none',
      '--disable-lcd-text',
      '--force-device-scale-factor=1',
      '--hide-scrollbars',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  const pid = child.pid;
  let stderr = '';
  const killGroup = (): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = async (): Promise<void> => {
    killGroup();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    if (pid === undefined) throw new Error('chromium did not start');
    const ws = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chromium did not open DevTools within ${timeoutMs} ms: ${stderr.slice(-2000)}`)), timeoutMs);
      child.stderr?.on('data', (b: Buffer) => {
        stderr += b.toString();
        const m = /DevTools listening on (ws:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`chromium exited with ${code}: ${stderr.slice(-2000)}`));
      });
    });
    const browser = await chromium.connectOverCDP(ws, { timeout: timeoutMs });
    return {
      browser,
      pid,
      async stop() {
        await Promise.race([browser.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
