/**
 * What a command of the command line works with: the lab's typed api and its events, and
 * a little about where that lab is. Either this process opened the zoo itself (no lab is
 * running on it: the in-process LabService, as before; read-only for commands that only
 * look), or a running lab — the desktop app or `mbh-lab serve` — is the hub of the zoo and
 * the command is one more client of its api (src-main/hub/hub-client.ts). Commands are
 * written against this interface only, so they do the same in both cases.
 */
import { methods, type MethodName } from '../../src-shared/api/contract.ts';
import type { CallContext } from '../../src-shared/api/call.ts';
import type { LabEvents } from '../../src-shared/api/dto.ts';
import type { LabEndpoint } from '../lab/dispatch.ts';
import type { LabService } from '../lab/service.ts';
import type { Zoo } from '../zoo/zoo.ts';

export type LabWhere =
  /** This process opened the zoo; read-only: no lock, no migrations, no job runs. */
  | { kind: 'here'; readOnly: boolean }
  /** A running lab serves the zoo: its pid, its endpoint and which app it is. */
  | { kind: 'hub'; pid: number; url: string; shell: string };

export interface LabConnection extends LabEndpoint {
  readonly where: LabWhere;
  /** The lab's folder (its dataset cache). */
  readonly home: string;
  /** Here: starts the job pool (resuming unfinished jobs). A hub's pool runs already. */
  start(): Promise<void>;
  /**
   * Resolves when no job is queued or running (a hub: none of the experiment's, with
   * `experimentId`; this process runs every queued job of the zoo anyway).
   */
  idle(filter?: { experimentId?: number }): Promise<void>;
  /**
   * Here: stops the pool (running jobs go back to the queue with `pauseRunning`) and
   * closes the zoo. A hub: only the connection closes; its jobs are not touched.
   */
  close(options?: { pauseRunning: boolean }): Promise<void>;
  /**
   * Reads what the api does not offer straight from the zoo (a read-only connection when
   * a hub owns it). Reads only; SQL stays in the zoo's repositories.
   */
  readZoo<T>(read: (zoo: Zoo) => T): T;
  /**
   * Resolves with the reason if the connection to a hub is lost (the lab quit or
   * crashed); never for this process's own lab. Waits on events end with it.
   */
  readonly lost: Promise<Error>;
}

/** The methods a read-only zoo answers: those that only read it. */
const READ_METHODS: ReadonlySet<MethodName> = new Set<MethodName>([
  'info',
  'listDatasets',
  'getLimits',
  'listProjects',
  'listPresets',
  'planExperiment',
  'sweepProgress',
  'listExperiments',
  'listModels',
  'getModel',
  'getModelSource',
  'listPlaneSets',
  'listJobs',
  'compare',
  'listCompareViews',
]);

/** The in-process lab as a connection; read-only ones refuse every method that writes. */
export function hereConnection(service: LabService, readOnly: boolean): LabConnection {
  const connection: Record<string, unknown> = {
    where: { kind: 'here', readOnly } satisfies LabWhere,
    home: service.paths.home,
    on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      service.on(event, listener);
    },
    off<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      service.off(event, listener);
    },
    async start() {
      if (readOnly) throw new Error('the zoo was opened read-only: no job runs');
      await service.start();
    },
    idle: () => service.idle(),
    close: (options?: { pauseRunning: boolean }) =>
      service.close(options ?? { pauseRunning: true }),
    readZoo: <T>(read: (zoo: Zoo) => T): T => read(service.zoo),
    lost: new Promise<Error>(() => {}),
  };
  for (const method of Object.keys(methods) as MethodName[]) {
    const call = service[method] as (params: unknown, context?: CallContext) => Promise<unknown>;
    connection[method] =
      readOnly && !READ_METHODS.has(method)
        ? () =>
            Promise.reject(
              new Error(`${method}: this command opened the zoo read-only and cannot change it`),
            )
        : (params: unknown, context?: CallContext) => call.call(service, params, context);
  }
  return connection as unknown as LabConnection;
}
