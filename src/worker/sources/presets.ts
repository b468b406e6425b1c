/**
 * Presets: the request and response shapes of a few well-known public market-data APIs, so that
 * a source can say `preset: coinbase-spot` and override only what it needs (its URL, for a test
 * or a proxy; a header carrying an API key).
 *
 * Each preset names the documentation page it follows (`docs`). They were written from what we
 * know of these public APIs, without browsing the pages from here (this project's machines reach
 * no internet): check a preset against its page before relying on it, and open an issue when a
 * provider changes its shapes. The rate limits are the providers' published limits for
 * unauthenticated (or free) use as we know them, rounded down.
 */
import type { SourceFields } from './source-schema.ts';

export type Preset = SourceFields & { readonly docs: string; readonly url: string; readonly path: string };

export const PRESETS = {
  /**
   * Coinbase's public spot price: `GET /v2/prices/BTC-USD/spot` answers
   * `{"data": {"amount": "42000.12", "base": "BTC", "currency": "USD"}}`, the amount a decimal
   * string; errors come as `{"errors": [{"id": "not_found", "message": "…"}]}`. No key needed;
   * about 10,000 requests an hour per address.
   */
  'coinbase-spot': {
    docs: 'https://docs.cdp.coinbase.com/coinbase-app/track-apis/prices#get-spot-price',
    url: 'https://api.coinbase.com/v2/prices/{base}-{quote}/spot',
    path: '$.data.amount',
    error_path: '$.errors[0].message',
    max_calls_per_minute: 150,
  },
  /**
   * Kraken's public Ticker: `GET /0/public/Ticker?pair=XBTUSD` answers
   * `{"error": [], "result": {"XXBTZUSD": {"a": […], "b": […], "c": ["42000.1", "0.0015"], …}}}`,
   * with `c` the last trade closed (price, lot volume), `a` the ask and `b` the bid. The result is
   * keyed by Kraken's own name for the pair (XXBTZUSD for XBTUSD), hence the wildcard. Kraken
   * calls bitcoin XBT and dogecoin XDG, and reports errors (an unknown pair) with HTTP 200 and
   * `error: ["EQuery:Unknown asset pair"]`. Public calls: about one a second.
   */
  'kraken-ticker': {
    docs: 'https://docs.kraken.com/api/docs/rest-api/get-ticker-information',
    url: 'https://api.kraken.com/0/public/Ticker',
    query: { pair: '{base}{quote}' },
    symbols: { BTC: 'XBT', DOGE: 'XDG' },
    path: '$.result.*.c[0]',
    error_path: '$.error[0]',
    max_calls_per_minute: 60,
  },
  /**
   * Bitstamp's ticker: `GET /api/v2/ticker/btcusd/` answers `{"last": "42000", "bid": "…",
   * "ask": "…", "high": "…", "low": "…", "volume": "…", "timestamp": "…", …}`, the pair in lower
   * case without a separator. About 8,000 requests per 10 minutes.
   */
  'bitstamp-ticker': {
    docs: 'https://www.bitstamp.net/api/#tag/Tickers/operation/GetCurrencyPairTicker',
    url: 'https://www.bitstamp.net/api/v2/ticker/{base_lower}{quote_lower}/',
    path: '$.last',
    max_calls_per_minute: 600,
  },
  /**
   * CoinGecko's simple price: `GET /api/v3/simple/price?ids=bitcoin&vs_currencies=usd` answers
   * `{"bitcoin": {"usd": 42000}}`, a number, keyed by CoinGecko's coin id (hence `ids`, a map
   * from symbols to ids: add the coins you price) and the lower-case currency. Its public and
   * demo plans allow about 30 calls a minute and refresh prices about once a minute, so this
   * preset asks at most every 5 s per pair. A demo key goes in the `x-cg-demo-api-key` header;
   * a paid plan has another host and header (`x-cg-pro-api-key`).
   */
  'coingecko-simple': {
    docs: 'https://docs.coingecko.com/reference/simple-price',
    url: 'https://api.coingecko.com/api/v3/simple/price',
    query: { ids: '{base_id}', vs_currencies: '{quote_lower}' },
    ids: {
      BTC: 'bitcoin',
      ETH: 'ethereum',
      SOL: 'solana',
      LINK: 'chainlink',
      XRP: 'ripple',
      ADA: 'cardano',
      DOGE: 'dogecoin',
      LTC: 'litecoin',
      USDT: 'tether',
      USDC: 'usd-coin',
    },
    path: "$['{base_id}']['{quote_lower}']",
    error_path: '$.status.error_message',
    interval_ms: 5000,
    max_calls_per_minute: 30,
  },
} as const satisfies Record<string, Preset>;

export type PresetName = keyof typeof PRESETS;

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}
