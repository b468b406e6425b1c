/**
 * Server-sent events as the EventSource specification reads them: `id:`, `event:` and `data:`
 * lines, a blank line ending an event, `:` comments. For clients of the feed event streams.
 */
export interface ServerSentEvent {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

export interface EventStreamHandlers {
  onEvent(event: ServerSentEvent): void;
  onComment?(text: string): void;
}

/** Reads `body` to its end (or until it throws, e.g. aborted), calling the handlers as events complete. */
export async function readEventStream(body: AsyncIterable<Uint8Array>, handlers: EventStreamHandlers): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event: string | undefined;
  let data: string[] = [];
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) handlers.onEvent({ id, event: event ?? 'message', data: data.join('\n') });
      event = undefined;
      data = [];
      return;
    }
    if (text.startsWith(':')) {
      handlers.onComment?.(text.slice(1).trim());
      return;
    }
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = value;
    else if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let newline = buffer.indexOf('\n'); newline !== -1; newline = buffer.indexOf('\n')) {
      line(buffer.slice(0, newline).replace(/\r$/, ''));
      buffer = buffer.slice(newline + 1);
    }
  }
}
