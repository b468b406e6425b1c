/** The feeds' HTTP surface: definitions, the read path and the event streams, over a FeedService. */
import type { Express, Request, Response } from 'express';
import type { paths } from '../../../generated/coordinator.ts';
import type { FeedDefinition } from '../../contract/models.ts';
import type { FeedEvents } from './feed-events.ts';
import type { FeedService } from './feed-service.ts';

type FeedParams = paths['/feeds/{feed_id}']['get']['parameters']['path'];
type FeedRoundsQuery = { [K in keyof NonNullable<paths['/feeds/{feed_id}/rounds']['get']['parameters']['query']>]?: string };
type Reply<P extends keyof paths, M extends 'get' | 'put'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer R } } };
}
  ? R
  : never;

const DEFAULT_FEED_ROUNDS = 100;

export function mountFeedRoutes(app: Express, feeds: FeedService, events: FeedEvents): void {
  async function handlePutFeed(req: Request<FeedParams, Reply<'/feeds/{feed_id}', 'put'>, FeedDefinition>, res: Response): Promise<void> {
    const { feed, created } = await feeds.put(req.params.feed_id, req.body);
    res.status(created ? 201 : 200).json(feed);
  }

  async function handleGetFeed(req: Request<FeedParams>, res: Response<Reply<'/feeds/{feed_id}', 'get'>>): Promise<void> {
    res.json(await feeds.get(req.params.feed_id));
  }

  async function handleListFeeds(_req: Request, res: Response<Reply<'/feeds', 'get'>>): Promise<void> {
    res.json({ feeds: await feeds.list() });
  }

  async function handleDeleteFeed(req: Request<FeedParams>, res: Response): Promise<void> {
    await feeds.delete(req.params.feed_id);
    res.status(204).end();
  }

  async function handleFeedLatest(req: Request<FeedParams>, res: Response<Reply<'/feeds/{feed_id}/latest', 'get'>>): Promise<void> {
    res.json(await feeds.latest(req.params.feed_id));
  }

  async function handleFeedRounds(req: Request<FeedParams>, res: Response<Reply<'/feeds/{feed_id}/rounds', 'get'>>): Promise<void> {
    const { limit } = req.query as FeedRoundsQuery;
    res.json(await feeds.rounds(req.params.feed_id, limit === undefined ? DEFAULT_FEED_ROUNDS : Number(limit)));
  }

  /** A server-sent event stream: the missed publications after Last-Event-ID, then every new one. */
  async function handleFeedEvents(req: Request<FeedParams>, res: Response): Promise<void> {
    const feedId = req.params.feed_id;
    // An unknown feed is a 404 problem, answered before the stream's headers.
    await feeds.assertExists(feedId);
    const lastEventId = req.header('last-event-id');
    await events.subscribe(feedId, res, () => feeds.missedSince(feedId, lastEventId));
  }

  app.get('/feeds', handleListFeeds);
  app.put('/feeds/:feed_id', handlePutFeed);
  app.get('/feeds/:feed_id', handleGetFeed);
  app.delete('/feeds/:feed_id', handleDeleteFeed);
  app.get('/feeds/:feed_id/latest', handleFeedLatest);
  app.get('/feeds/:feed_id/rounds', handleFeedRounds);
  app.get('/feeds/:feed_id/events', handleFeedEvents);
}
