/**
 * Turns the services' JSON log lines into one short line each for the local cluster's terminal:
 * `17:43:01 worker-2  WARN  registration refused, retrying attempt=2 status=500`.
 * Lines that are not pino JSON pass through untouched.
 */
const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED = new Set(['level', 'time', 'service', 'msg', 'req', 'res', 'err', 'responseTime', 'pid', 'hostname']);

export function formatLogLine(line: string, fallbackName: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || !('msg' in parsed)) return line;
    record = parsed;
  } catch {
    return line;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const name = typeof record.service === 'string' ? record.service : fallbackName;
  const level = LEVEL_NAMES[Number(record.level)] ?? 'INFO';
  const fields = Object.entries(record)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const error = record.err as { message?: unknown } | undefined;
  if (typeof error?.message === 'string') fields.push(`err=${JSON.stringify(error.message)}`);
  return `${time} ${name.padEnd(12)} ${level.padEnd(5)} ${String(record.msg)}${fields.length ? ` ${fields.join(' ')}` : ''}`;
}
