/**
 * The V8 flags the services run with in production (README "Production"), and so in the
 * benchmark and the production-build tests. V8 lets each half of the young generation grow to
 * 16 MiB, and the coordinator's start and a burst of registrations grow it that far, where it
 * stays for good. 8 MiB halves that share of the resident set (13 MiB) at no throughput the
 * benchmark could measure: a request's objects live for milliseconds either way (bench/README.md).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8'];
