/**
 * Requests and responses built on an Express app's prototypes from the start. Express's
 * `app.handle` gives every request and response the app's own prototypes (`app.request`,
 * `app.response`) with `Object.setPrototypeOf`. Changing the prototype of an object already
 * built costs V8 a new hidden class per object, and every later read of it, Node's HTTP
 * internals included, goes through slower paths: a bare node:http server here took 12 µs of CPU
 * per request, and 35 µs with only those two swaps added (bench/README.md, change 11).
 *
 * node:http builds its messages with the classes a server is given. Here those are subclasses of
 * IncomingMessage and ServerResponse whose prototypes become the app's `request` and `response`:
 * each takes over the members Express put on the app's own (`app`) and sits on the same chain,
 * Express's methods first, then node:http's. A request is then born with the prototype Express
 * sets, and its `setPrototypeOf` changes nothing. (Building the objects with Reflect.construct on
 * Express's own prototypes instead was slower than the swap: 88 µs.) An app mounted inside this
 * one still swaps, as Express does for it.
 */
import { IncomingMessage, ServerResponse, type RequestListener } from 'node:http';

interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/** What an Express app has beyond a request listener: the prototypes it gives its messages. */
interface MessagePrototypes {
  request: object;
  response: object;
}

function hasMessagePrototypes(listener: RequestListener): listener is RequestListener & MessagePrototypes {
  const candidate = listener as Partial<MessagePrototypes>;
  return typeof candidate.request === 'object' && typeof candidate.response === 'object';
}

/** `prototype` takes `replaced`'s place: the same own members, the same chain above it. */
function takeOver(prototype: object, replaced: object): void {
  Object.setPrototypeOf(prototype, Object.getPrototypeOf(replaced) as object | null);
  Object.defineProperties(prototype, Object.getOwnPropertyDescriptors(replaced));
}

/**
 * The classes for createServer's options, none for a listener that is not an Express app. It
 * repoints the app's `request` and `response`, so call it once per app, before it serves.
 */
export function expressMessageClasses(listener: RequestListener): MessageClasses | Record<string, never> {
  if (!hasMessagePrototypes(listener)) return {};
  class AppRequest extends IncomingMessage {}
  class AppResponse<Request extends IncomingMessage = IncomingMessage> extends ServerResponse<Request> {}
  takeOver(AppRequest.prototype, listener.request);
  takeOver(AppResponse.prototype, listener.response);
  listener.request = AppRequest.prototype;
  listener.response = AppResponse.prototype;
  return { IncomingMessage: AppRequest, ServerResponse: AppResponse };
}
