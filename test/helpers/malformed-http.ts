/** Requests that Node's HTTP parser refuses before any application code runs, as raw bytes. */

export const HOST_HEADER = 'Host: 127.0.0.1\r\n';

/** Requests Node's parser refuses, with the status it must answer. */
export const PARSER_REFUSALS: { name: string; request: string | Uint8Array; status: number }[] = [
  { name: 'an unknown method', request: `FOO /healthz HTTP/1.1\r\n${HOST_HEADER}\r\n`, status: 400 },
  { name: 'a header over 16 KiB', request: `GET /healthz HTTP/1.1\r\n${HOST_HEADER}X-Big: ${'a'.repeat(17_000)}\r\n\r\n`, status: 431 },
  { name: 'a path over 16 KiB', request: `GET /${'a'.repeat(20_000)} HTTP/1.1\r\n${HOST_HEADER}\r\n`, status: 431 },
  { name: 'a space in a header name', request: `GET /healthz HTTP/1.1\r\n${HOST_HEADER}Bad Name: 1\r\n\r\n`, status: 400 },
  {
    name: 'Content-Length with Transfer-Encoding',
    request: `POST /task HTTP/1.1\r\n${HOST_HEADER}Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: 'raw UTF-8 bytes in the path',
    request: Buffer.concat([Buffer.from('GET /workers/'), Buffer.from('été', 'utf8'), Buffer.from(` HTTP/1.1\r\n${HOST_HEADER}\r\n`)]),
    status: 400,
  },
  {
    name: 'a bad chunk size',
    request: `POST /task HTTP/1.1\r\n${HOST_HEADER}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    status: 400,
  },
];
