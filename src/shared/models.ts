/**
 * Short local names for the spec models. Every type here comes from generated/; nothing is
 * declared by hand, so the specs stay the single source of truth.
 */
import type { components as CoordinatorComponents } from '../../generated/coordinator.ts';
import type { components as WorkerComponents } from '../../generated/worker.ts';

type CoordinatorSchemas = CoordinatorComponents['schemas'];
type WorkerSchemas = WorkerComponents['schemas'];

export type OracleRequest = WorkerSchemas['OracleRequest'];
export type WorkerResult = WorkerSchemas['WorkerResult'];
export type OracleRequestSubmission = CoordinatorSchemas['OracleRequestSubmission'];
export type OracleResult = CoordinatorSchemas['OracleResult'];
export type WorkerRegistration = CoordinatorSchemas['WorkerRegistration'];
export type RegistrationAck = CoordinatorSchemas['RegistrationAck'];
export type WorkerInfo = CoordinatorSchemas['WorkerInfo'];
export type WorkerList = CoordinatorSchemas['WorkerList'];
export type Strategy = CoordinatorSchemas['Strategy'];
export type Problem = CoordinatorSchemas['Problem'];
export type Query = CoordinatorSchemas['Query'];

export const STRATEGIES = ['average', 'median', 'majority', 'trimmed_mean', 'weighted_median'] as const satisfies readonly Strategy[];
