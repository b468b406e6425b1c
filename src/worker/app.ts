/** The worker's HTTP surface: `POST /task`, validated against worker.yaml. */
import type { Express, Request, Response } from 'express';
import type { paths } from '../../generated/worker.ts';
import { WORKER_SPEC_PATH } from '../contract/spec-paths.ts';
import { mountWorkerDocs } from '../docs/mount.ts';
import { requireBearer } from '../http/bearer.ts';
import { createApiApp } from '../http/api-app.ts';
import type { Logger } from '../logging/logger.ts';
import { shuttingDownProblem } from '../http/problems.ts';
import type { SigningKey } from '../signing/ed25519.ts';
import { signAnswer } from './signed-answer.ts';
import type { Worker } from './worker.ts';

type TaskBody = paths['/task']['post']['requestBody']['content']['application/json'];
type TaskReply = paths['/task']['post']['responses'][200]['content']['application/json'];
type HealthReply = paths['/healthz']['get']['responses'][200]['content']['application/json'];

export interface TaskLifecycle {
  draining: boolean;
  /** Tasks being processed now; the server waits for them when it drains. */
  inFlight: number;
}

export interface WorkerAppOptions {
  worker: Worker;
  /** Signs every answer with a value. */
  key: SigningKey;
  /** Shared with the server: once draining, new tasks are refused and readiness fails. */
  lifecycle: TaskLifecycle;
  /** Required of the coordinator on POST /task when set. */
  taskToken?: string | undefined;
  logger: Logger;
  bodyLimitBytes: number;
  validateResponses: boolean;
}

export function createWorkerApp(options: WorkerAppOptions): Express {
  const { worker, lifecycle } = options;

  async function handleTask(req: Request<object, TaskReply, TaskBody>, res: Response<TaskReply>): Promise<void> {
    if (lifecycle.draining) throw shuttingDownProblem();
    const abandoned = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abandoned.abort();
    };
    res.on('close', onClose);
    lifecycle.inFlight++;
    try {
      const result = signAnswer(await worker.processTask(req.body, abandoned.signal), req.body, options.key, Date.now());
      options.logger.debug({ request_id: req.body.id, value: result.value, err: result.err }, 'task done');
      res.json(result);
    } catch (error) {
      if (abandoned.signal.aborted) {
        options.logger.debug({ request_id: req.body.id }, 'task abandoned by the caller');
        return;
      }
      throw error;
    } finally {
      lifecycle.inFlight--;
      res.off('close', onClose);
    }
  }

  function handleLiveness(_req: Request, res: Response<HealthReply>): void {
    res.json({ status: 'ok' });
  }

  function handleReadiness(_req: Request, res: Response<HealthReply>): void {
    if (lifecycle.draining) throw shuttingDownProblem();
    res.json({ status: 'ready' });
  }

  return createApiApp({
    apiSpec: WORKER_SPEC_PATH,
    logger: options.logger,
    bodyLimitBytes: options.bodyLimitBytes,
    validateResponses: options.validateResponses,
    mountUnvalidated: mountWorkerDocs,
    mountGuards(app) {
      app.post('/task', requireBearer(options.taskToken, 'task token'));
    },
    mountApi(app) {
      app.post('/task', handleTask);
      app.get('/healthz', handleLiveness);
      app.get('/readyz', handleReadiness);
    },
  });
}
