/**
 * Short local names for the spec models. Every type here comes from generated/; nothing is
 * declared by hand, so the specs stay the single source of truth; enum lists come from generated/ too.
 */
import { strategyValues, type components as CoordinatorComponents } from '../../generated/coordinator.ts';
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
export type Round = CoordinatorSchemas['Round'];
export type RoundList = CoordinatorSchemas['RoundList'];
export type ServedFrom = CoordinatorSchemas['ServedFrom'];
export type FeedDefinition = CoordinatorSchemas['FeedDefinition'];
export type Feed = CoordinatorSchemas['Feed'];
export type FeedValue = CoordinatorSchemas['FeedValue'];
export type FeedRounds = CoordinatorSchemas['FeedRounds'];
export type Report = CoordinatorSchemas['Report'];
export type SignedObservation = CoordinatorSchemas['SignedObservation'];
export type KeySet = CoordinatorSchemas['KeySet'];
export type Jwk = CoordinatorSchemas['Jwk'];

/** The spec's `Strategy` enum, as openapi-typescript emits it. */
export const STRATEGIES: readonly Strategy[] = strategyValues;
