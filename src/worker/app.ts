/** The worker's HTTP surface: `POST /task`, validated against worker.yaml. */
import type { Express, Request, Response } from 'express';
import { fileURLToPath } from 'node:url';
import type { paths } from '../../generated/worker.ts';
import { createApiApp } from '../shared/http-app.ts';
import type { Logger } from '../shared/logging.ts';
import type { Worker } from './worker.ts';

type TaskBody = paths['/task']['post']['requestBody']['content']['application/json'];
type TaskReply = paths['/task']['post']['responses'][200]['content']['application/json'];

export const WORKER_SPEC_PATH = fileURLToPath(new URL('../../openapi/worker.yaml', import.meta.url));

export interface WorkerAppOptions {
  worker: Worker;
  logger: Logger;
  bodyLimitBytes: number;
  validateResponses: boolean;
}

export function createWorkerApp(options: WorkerAppOptions): Express {
  const { worker } = options;

  async function handleTask(req: Request<object, TaskReply, TaskBody>, res: Response<TaskReply>): Promise<void> {
    const abandoned = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) abandoned.abort();
    };
    res.on('close', onClose);
    try {
      const result = await worker.processTask(req.body, abandoned.signal);
      req.log.debug({ request_id: req.body.id, value: result.value, err: result.err }, 'task done');
      res.json(result);
    } catch (error) {
      if (abandoned.signal.aborted) {
        req.log.debug({ request_id: req.body.id }, 'task abandoned by the caller');
        return;
      }
      throw error;
    } finally {
      res.off('close', onClose);
    }
  }

  return createApiApp({
    apiSpec: WORKER_SPEC_PATH,
    logger: options.logger,
    bodyLimitBytes: options.bodyLimitBytes,
    validateResponses: options.validateResponses,
    mountApi(app) {
      app.post('/task', handleTask);
    },
  });
}
