import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository's root, where the binaries' relative paths (key files) are resolved. */
const ROOT = resolve('../..');

/** A program of the repository, running, and what it printed when it was ready. */
export interface Running {
  /** The first capture group of the line it was waited for (an address). */
  ready: string;
  /** Stops it (SIGTERM, then waits) and removes its data directory. */
  stop: () => Promise<void>;
}

/** A binary of the workspace's debug build: `PARTNERGRAPH_BIN` names the gateway's. */
export function binary(name: 'partnergraph' | 'partnergraph-sandbox'): string {
  const gateway = process.env['PARTNERGRAPH_BIN'];
  if (name === 'partnergraph' && gateway !== undefined) return resolve(gateway);
  return join(ROOT, 'target', 'debug', name);
}

/**
 * Starts `program` from the repository's root and waits (at most 60 s) for a line of its
 * standard output to match `ready`. With `dataDir`, a fresh data directory is added as
 * `--data-dir` and removed when it stops.
 */
export async function start(
  program: string,
  args: string[],
  ready: RegExp,
  options: { dataDir?: boolean; env?: Record<string, string> } = {},
): Promise<Running> {
  const dataDir = options.dataDir ? mkdtempSync(join(tmpdir(), 'partnergraph-e2e-')) : null;
  const child = spawn(program, dataDir === null ? args : [...args, '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    }
    if (dataDir !== null) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const found = await new Promise<string>((resolveReady, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`${program} was not ready within 60 s`)),
        60_000,
      );
      let seen = '';
      child.once('error', fail);
      child.once('exit', (code) =>
        fail(new Error(`${program} exited with ${code} before it was ready`)),
      );
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const match = ready.exec(seen);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolveReady(match[1]);
        }
      });
    });
    return { ready: found, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The line the gateway prints once it listens; its capture is the base URL. */
export const GATEWAY_LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
