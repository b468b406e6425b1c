/**
 * Decides whether a worker's HTTP answer is a usable value. The body must match worker.yaml's
 * WorkerResult (a validator compiled once from the shared components file), be about the task
 * and the worker we asked, and carry a finite value with no `err`.
 */
import type { OracleRequest, WorkerResult } from '../contract/models.ts';
import { componentValidator } from '../contract/schemas.ts';

const isWorkerResult = componentValidator<WorkerResult>('WorkerResult');

export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: string;
}

export type AnswerVerdict = { usable: true; value: number } | { usable: false; err: string };

const MAX_ERR_LENGTH = 300;

export function checkAnswer(task: OracleRequest, workerId: string, answer: RawAnswer): AnswerVerdict {
  if (answer.status !== 200) return refuse(`HTTP ${answer.status}${problemSummary(answer)}`);
  if (!/^application\/json\b/i.test(answer.contentType ?? '')) {
    return refuse(`answer is not JSON (content-type ${answer.contentType ?? 'missing'})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return refuse('answer is not valid JSON');
  }
  if (!isWorkerResult(body)) {
    const first = isWorkerResult.errors?.[0];
    return refuse(`answer violates the worker contract: ${first ? `${first.instancePath || '/'} ${first.message ?? ''}` : 'invalid'}`);
  }
  if (body.request_id !== task.id) return refuse(`answer is for request ${body.request_id}, not ${task.id}`);
  if (body.worker_id !== workerId) return refuse(`answer names worker ${body.worker_id}, not ${workerId}`);
  if (body.err !== undefined) return refuse(`worker reported: ${body.err}`);
  if (!Number.isFinite(body.value)) return refuse('value is not a finite number');
  return { usable: true, value: body.value };
}

function refuse(err: string): AnswerVerdict {
  return { usable: false, err: err.length > MAX_ERR_LENGTH ? `${err.slice(0, MAX_ERR_LENGTH - 1)}…` : err };
}

/** ": <detail>" from a problem+json body, when there is one. */
function problemSummary(answer: RawAnswer): string {
  if (!/^application\/(problem\+)?json\b/i.test(answer.contentType ?? '')) return '';
  try {
    const problem = JSON.parse(answer.body) as { detail?: unknown; title?: unknown };
    const text = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : '';
    return text ? `: ${text}` : '';
  } catch {
    return '';
  }
}
