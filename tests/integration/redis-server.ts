/**
 * A real redis-server for the integration tests: on a free loopback port, with its data
 * in a temporary folder (append-only file, fsync on every write, so a restart keeps
 * everything acknowledged), optionally with a password, and optionally speaking TLS only
 * (`rediss://`; no plain port). Waited for by its own "ready" line, never by time;
 * stopped (and its folder removed) by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REDIS_BINARY = '/usr/bin/redis-server';

/** A TLS server's certificate, its key and the CA that signed it (PEM files). */
export interface RedisTlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly caFile: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class RedisServer {
  private child: ChildProcess | null = null;
  private log = '';

  private constructor(
    readonly port: number,
    readonly directory: string,
    readonly password: string | null,
    readonly tls: RedisTlsFiles | null = null,
  ) {}

  static async start(
    options: { password?: string; tls?: RedisTlsFiles } = {},
  ): Promise<RedisServer> {
    const server = new RedisServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'mbh-redis-')),
      options.password ?? null,
      options.tls ?? null,
    );
    await server.launch();
    return server;
  }

  /** redis://[:password@]127.0.0.1:port, or rediss://… with TLS */
  get url(): string {
    const auth = this.password === null ? '' : `:${encodeURIComponent(this.password)}@`;
    return `${this.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.port}`;
  }

  private launch(): Promise<void> {
    const ports = this.tls
      ? [
          ...['--port', '0', '--tls-port', String(this.port)],
          ...['--tls-cert-file', this.tls.certFile, '--tls-key-file', this.tls.keyFile],
          // Clients prove who they are by the password, not by a certificate of their own.
          ...['--tls-ca-cert-file', this.tls.caFile, '--tls-auth-clients', 'no'],
        ]
      : ['--port', String(this.port)];
    const args = [
      ...ports,
      '--bind',
      '127.0.0.1',
      '--dir',
      this.directory,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      ...(this.password === null ? [] : ['--requirepass', this.password]),
    ];
    const child = spawn(REDIS_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.log = '';
    return new Promise((resolve, reject) => {
      const seen = (chunk: Buffer) => {
        this.log += chunk.toString('utf8');
        if (/Ready to accept connections/.test(this.log)) {
          child.stdout!.off('data', seen);
          child.off('exit', exited);
          resolve();
        }
      };
      const exited = (code: number | null) =>
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${this.log}`));
      child.stdout!.on('data', seen);
      child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')));
      child.once('exit', exited);
      child.once('error', reject);
    });
  }

  /** Stops the server (SIGTERM: it flushes its append-only file) and waits for its exit. */
  async halt(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops and starts the server again on the same port and data. */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.directory, { recursive: true, force: true });
  }
}
