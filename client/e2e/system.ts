/**
 * Starts the whole Mythos system the way `make run` does (`python -m mythos_local`), on
 * free ports and a data directory of its own, and stops it with SIGINT (Ctrl-C).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const CLIENT_DIST = resolve(import.meta.dirname, '..', 'dist');

export type Mode = 'distributed' | 'embedded';

export interface RunningSystem {
  url: string;
  mode: Mode;
  /** names this run's vhost and databases */
  runId: string;
  dataDir: string;
  internalPortBase: number;
  edges: number;
  /** the launcher's output so far (for failure reports) */
  output(): string;
  /** the pid of one service: 'edge-1', 'edge-2', 'game', ... (distributed mode) */
  pid(service: string): number;
  stop(): Promise<void>;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A block of `size` consecutive free ports (the system uses the public one and the next ones). */
export async function freePortBlock(size = 16): Promise<number> {
  for (let tries = 0; tries < 200; tries += 1) {
    const base = 20_000 + (randomBytes(2).readUInt16BE() % 35_000);
    let free = true;
    for (let port = base; port < base + size && free; port += 1) free = await portFree(port);
    if (free) return base;
  }
  throw new Error('no free block of ports');
}

/** `uv`, or `python3 -m uv` when uv is not on PATH (as the Makefile does). */
function uvCommand(): [string, string[]] {
  const probe = spawnSync('uv', ['--version'], { stdio: 'ignore' });
  return probe.error === undefined && probe.status === 0 ? ['uv', []] : ['python3', ['-m', 'uv']];
}

function uv(args: string[], env: NodeJS.ProcessEnv, options: { detached?: boolean } = {}): ChildProcess {
  const [command, prefix] = uvCommand();
  return spawn(command, [...prefix, 'run', '--frozen', ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
}

/** Which mode to ask for: MYTHOS_E2E_MODE, else distributed when REQUIRE_SERVICES=1, else auto. */
export function requestedMode(env: NodeJS.ProcessEnv = process.env): 'auto' | Mode {
  const asked = env['MYTHOS_E2E_MODE'];
  if (asked === 'distributed' || asked === 'embedded') return asked;
  return env['REQUIRE_SERVICES'] === '1' ? 'distributed' : 'auto';
}

export interface SystemOptions {
  edges?: number;
  timeoutMs?: number;
  /** settings for the services (e.g. GAME_COMBAT_ROUND_TICKS), on top of this process's environment */
  env?: Record<string, string>;
}

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const port = await freePortBlock();
  const runId = `mythos_e2e_${randomBytes(5).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'mythos-e2e-'));
  const edges = options.edges ?? 2;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    MYTHOS_MODE: requestedMode(),
    MYTHOS_PORT: String(port),
    MYTHOS_INTERNAL_PORT_BASE: String(port + 1),
    MYTHOS_EDGES: String(edges),
    MYTHOS_VHOST: runId,
    MYTHOS_DB_PREFIX: runId,
    MYTHOS_DATA_DIR: dataDir,
    MYTHOS_CLIENT_DIST: CLIENT_DIST,
    PYTHONUNBUFFERED: '1',
  };
  // Own process group: SIGINT reaches the launcher (which stops its children in order)
  // and, as a last resort, the whole group can be killed.
  const child = uv(['python', '-m', 'mythos_local'], env, { detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let mode: Mode | null = null;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGINT');
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 60_000);
      await exited;
      clearTimeout(timer);
    }
    if (mode === 'distributed') await dropProvisioned(runId, env);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 150_000);
  try {
    while (!output.includes('Mythos is running')) {
      if (child.exitCode !== null) throw new Error(`the system exited early:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`the system did not start:\n${output.slice(-4000)}`);
      const chosen = /^Mode: (distributed|embedded)/m.exec(output);
      if (chosen?.[1] === 'distributed' || chosen?.[1] === 'embedded') mode = chosen[1];
      await new Promise((done) => setTimeout(done, 200));
    }
    mode = /^Mode: distributed/m.test(output) ? 'distributed' : 'embedded';
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    mode,
    runId,
    dataDir,
    internalPortBase: port + 1,
    edges: mode === 'distributed' ? edges : 1,
    output: () => output,
    pid: (service) => {
      const pids = JSON.parse(readFileSync(join(dataDir, 'processes.json'), 'utf8')) as Record<string, number>;
      const pid = pids[service];
      if (pid === undefined) throw new Error(`no process named ${service}`);
      return pid;
    },
    stop,
  };
}

/** Distributed mode made a RabbitMQ vhost and two databases for this run: drop them. */
async function dropProvisioned(runId: string, env: NodeJS.ProcessEnv): Promise<void> {
  const script = [
    'import asyncio, os, sys',
    'from mythos_local.provisioning import delete_vhost, drop_database',
    'run = sys.argv[1]',
    "server = os.environ.get('DATABASE_URL', 'postgresql://postgres@127.0.0.1:5432/postgres')",
    'async def main():',
    '    await delete_vhost(run)',
    "    for suffix in ('game', 'auth'):",
    "        await drop_database(server, f'{run}_{suffix}')",
    'asyncio.run(main())',
  ].join('\n');
  const child = uv(['python', '-c', script, runId], env);
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (exit) => done(exit)));
  if (code !== 0) console.warn(`could not drop the vhost and databases of ${runId}:\n${errors}`);
}

/** The port of edge `index` (0-based), as mythos_local assigns them. */
export function edgePort(system: RunningSystem, index: number): number {
  return system.internalPortBase + 3 + index;
}

/** How many WebSocket connections each edge holds (its /api/healthz). */
export async function edgeConnections(system: RunningSystem): Promise<number[]> {
  const counts: number[] = [];
  for (let index = 0; index < system.edges; index += 1) {
    try {
      const response = await fetch(`http://127.0.0.1:${edgePort(system, index)}/api/healthz`);
      const body = (await response.json()) as { connections?: number };
      counts.push(body.connections ?? 0);
    } catch {
      counts.push(-1); // down (being restarted)
    }
  }
  return counts;
}

/** Make `name` an admin with the operator CLI (`python -m mythos_auth.admin grant`), on this run's auth database. */
export async function grantAdmin(system: RunningSystem, name: string): Promise<void> {
  const server = new URL(process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const database =
    system.mode === 'distributed'
      ? `postgresql+asyncpg://${server.username}@${server.host}/${system.runId}_auth`
      : `sqlite+aiosqlite:///${join(system.dataDir, 'auth.db')}`;
  const child = uv(['python', '-m', 'mythos_auth.admin', 'grant', name], { ...process.env, AUTH_DATABASE_URL: database });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', (exit) => done(exit)));
  if (code !== 0 || !output.includes('is now admin')) throw new Error(`could not make ${name} an admin:\n${output}`);
}
