/**
 * The coordinator's logic, free of HTTP: it keeps the registry, turns a client's submission into
 * a task for every registered worker, and turns their answers into an OracleResult or a problem.
 */
import { v4 as uuidv4 } from 'uuid';
import type { Logger } from '../shared/logging.ts';
import type { OracleRequestSubmission, OracleResult, RegistrationAck, WorkerInfo, WorkerRegistration } from '../shared/models.ts';
import { ProblemError } from '../shared/problems.ts';
import { aggregate } from './aggregator.ts';
import { dispatchToWorkers } from './dispatch.ts';
import { buildReliabilityNote, describeFailures, isPartial } from './reliability-note.ts';
import type { Registry } from './registry.ts';
import type { SendTask } from './task-client.ts';

export interface CoordinatorOptions {
  registry: Registry;
  sendTask: SendTask;
  logger: Logger;
  /** Deadline of a request that does not set `timeout_ms`. */
  defaultTimeoutMs: number;
  majorityTolerance: number;
}

export class Coordinator {
  constructor(private readonly options: CoordinatorOptions) {}

  registerWorker(registration: WorkerRegistration): RegistrationAck {
    const outcome = this.options.registry.register(registration.id, registration.endpoint);
    this.options.logger.info({ worker_id: registration.id, endpoint: registration.endpoint, outcome }, 'worker registered');
    return { status: 'registered', message: `Worker ${registration.id} successfully registered` };
  }

  listWorkers(): WorkerInfo[] {
    return this.options.registry.list();
  }

  /** Throws a ProblemError when there is no answer to give. */
  async submitRequest(submission: OracleRequestSubmission, signal?: AbortSignal): Promise<OracleResult> {
    const { registry, sendTask, defaultTimeoutMs, majorityTolerance } = this.options;
    const strategy = submission.strategy ?? 'average';
    const timeoutMs = submission.timeout_ms ?? defaultTimeoutMs;
    const targets = registry.entries();
    if (targets.length === 0) {
      throw new ProblemError('NO_WORKERS', 'No worker is registered with the coordinator, so there is nobody to ask');
    }
    const task = { id: uuidv4(), query: submission.query };
    const log = this.options.logger.child({ request_id: task.id });
    log.info({ query: task.query, strategy, workers: targets.length, timeout_ms: timeoutMs }, 'dispatching request');

    const results = await dispatchToWorkers(targets, task, { timeoutMs, sendTask, signal });
    const values = results.filter((r) => r.err === undefined).map((r) => r.value);
    const breakdown = { request_id: task.id, worker_responses: results };
    if (values.length === 0) {
      log.warn({ failures: describeFailures(results) }, 'no usable answer');
      throw new ProblemError('NO_USABLE_ANSWER', `None of ${results.length} workers gave a usable answer: ${describeFailures(results)}`, breakdown);
    }
    const outcome = aggregate(strategy, values, { majorityTolerance });
    if (!outcome.ok) {
      log.warn({ reason: outcome.reason }, 'aggregation failed');
      throw new ProblemError('NO_MAJORITY', `Workers did not agree: ${outcome.reason}`, breakdown);
    }
    const result: OracleResult = {
      request_id: task.id,
      final_value: outcome.value,
      worker_responses: results,
      reliability_note: buildReliabilityNote(results, values.length),
      query: task.query,
      strategy,
      workers_asked: results.length,
      workers_answered: values.length,
      partial: isPartial(values.length, results.length),
    };
    log.info({ final_value: result.final_value, answered: values.length, asked: results.length, partial: result.partial }, 'request answered');
    return result;
  }
}
